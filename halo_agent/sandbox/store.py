"""The sandbox's data, in memory, optionally saved to a JSON file after every write.

Tests read it directly (`app.state_store.ticket(789)`, `.actions_for(789)`, `.calls("GET", "/api/Tickets")`)
to check what really landed, independently of what the client believed.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from halo_agent.sandbox import demo_data as d
from halo_agent.sandbox.demo_tickets import build_tickets

Record = dict[str, Any]
LOOKUP_KINDS = ("clients", "sites", "users", "agents", "teams", "assets", "tickettypes", "statuses",
                "priorities", "outcomes", "kbarticles")


@dataclass
class RequestRecord:
    method: str
    path: str
    query: str
    status: int = 0


@dataclass
class SandboxStore:
    """Every record the sandbox serves. `version` changes on every write (list caches key on it)."""

    lookups: dict[str, list[Record]]
    tickets: dict[int, Record]
    actions: dict[int, list[Record]]
    next_ticket_id: int
    version: int = 0
    state_file: Path | None = None
    request_log: list[RequestRecord] = field(default_factory=list)
    request_counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    cache: dict[Any, Any] = field(default_factory=dict)  # list results per query; cleared on writes

    @classmethod
    def demo(cls, *, ticket_count: int = 300, state_file: Path | None = None) -> SandboxStore:
        """The demo data set, or the saved state when `state_file` exists."""
        if state_file is not None and state_file.is_file():
            return cls.load(state_file)
        people = d.users()
        tickets, actions = build_tickets(ticket_count, people)
        lookups = {
            "clients": d.clients(), "sites": d.sites(), "users": people, "agents": d.agents(),
            "teams": d.teams(), "assets": d.assets(people), "tickettypes": d.ticket_types(),
            "statuses": d.statuses(), "priorities": d.priorities(), "outcomes": d.outcomes(),
            "kbarticles": d.kb_articles(),
        }
        store = cls(lookups, tickets, actions, max(tickets) + 1, state_file=state_file)
        store.save()
        return store

    # inspection helpers for tests and the CLI
    def ticket(self, ticket_id: int) -> Record | None:
        return self.tickets.get(ticket_id)

    def actions_for(self, ticket_id: int) -> list[Record]:
        return self.actions.get(ticket_id, [])

    def lookup(self, kind: str) -> list[Record]:
        return self.lookups[kind]

    def find(self, kind: str, record_id: int) -> Record | None:
        return next((row for row in self.lookups[kind] if row["id"] == record_id), None)

    def calls(self, method: str | None = None, path: str | None = None) -> int:
        """How many requests matched (path compared case-insensitively, query ignored)."""
        return sum(
            count for (m, p), count in self.request_counts.items()
            if (method is None or m == method.upper()) and (path is None or p == path.lower().rstrip("/"))
        )

    def record_request(self, method: str, path: str, query: str) -> RequestRecord:
        record = RequestRecord(method, path, query)
        self.request_log.append(record)
        del self.request_log[:-10_000]  # bounded: long benchmarks must not grow memory
        self.request_counts[(method, path.lower().rstrip("/"))] += 1
        return record

    # writes
    def put_ticket(self, ticket: Record) -> None:
        self.tickets[ticket["id"]] = ticket
        self.changed()

    def new_ticket_id(self) -> int:
        ticket_id = self.next_ticket_id
        self.next_ticket_id += 1
        return ticket_id

    def delete_ticket(self, ticket_id: int) -> Record | None:
        ticket = self.tickets.pop(ticket_id, None)
        self.actions.pop(ticket_id, None)
        self.changed()
        return ticket

    def add_action(self, ticket_id: int, action: Record) -> None:
        self.actions.setdefault(ticket_id, []).append(action)
        self.changed()

    def changed(self) -> None:
        self.version += 1
        self.cache.clear()
        self.save()

    # persistence
    def save(self) -> None:
        if self.state_file is None:
            return
        data = {
            "lookups": self.lookups, "tickets": list(self.tickets.values()),
            "actions": {str(tid): rows for tid, rows in self.actions.items()},
            "next_ticket_id": self.next_ticket_id,
        }
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.state_file.with_suffix(self.state_file.suffix + ".tmp")
        temporary.write_text(json.dumps(data), encoding="utf-8")
        temporary.replace(self.state_file)  # atomic: a crash never leaves half a file

    @classmethod
    def load(cls, path: Path) -> SandboxStore:
        data = json.loads(path.read_text(encoding="utf-8"))
        tickets = {int(row["id"]): row for row in data["tickets"]}
        actions = {int(tid): rows for tid, rows in data["actions"].items()}
        return cls(data["lookups"], tickets, actions, int(data["next_ticket_id"]), state_file=path)
