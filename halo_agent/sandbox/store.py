"""The sandbox's data, in memory; with a state file, journalled to SQLite and shared between processes.

Every request runs inside `shared(write=...)`: a read first picks up what other processes committed, a
write does so under the journal's write lock and then stores only the rows it touched (see `journal`).

Tests read it directly (`app.state_store.ticket(789)`, `.actions_for(789)`, `.calls("GET", "/api/Tickets")`)
to check what really landed, independently of what the client believed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from halo_agent.sandbox import demo_data as d
from halo_agent.sandbox.demo_tickets import build_tickets
from halo_agent.sandbox.journal import SandboxJournal, Snapshot

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
    journal: SandboxJournal | None = None
    seq: int = 0  # the journal's last write applied here
    request_log: list[RequestRecord] = field(default_factory=list)
    request_counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    cache: dict[Any, Any] = field(default_factory=dict)  # list results per query; cleared on writes
    _dirty: dict[int, None] = field(default_factory=dict)  # tickets written by the current request
    _new_actions: list[tuple[int, Record]] = field(default_factory=list)

    @classmethod
    def demo(cls, *, ticket_count: int = 300, state_file: Path | None = None) -> SandboxStore:
        """The demo data set; with `state_file`, the data kept there (created from the demo if new)."""
        if state_file is None:
            return cls(*_demo_data(ticket_count))
        journal = SandboxJournal(state_file)
        with journal.transaction():
            if journal.is_empty():
                lookups, tickets, actions, next_id = _demo_data(ticket_count)
                journal.create(lookups, tickets.values(), actions, next_id)
            snapshot = journal.since(0)
        store = cls(snapshot.lookups or {}, {}, {}, snapshot.next_ticket_id, journal=journal)
        store._apply(snapshot)
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
        self._dirty[ticket["id"]] = None
        self.changed()

    def new_ticket_id(self) -> int:
        ticket_id = self.next_ticket_id
        self.next_ticket_id += 1
        return ticket_id

    def delete_ticket(self, ticket_id: int) -> Record | None:
        ticket = self.tickets.pop(ticket_id, None)
        self.actions.pop(ticket_id, None)
        self._dirty[ticket_id] = None
        self.changed()
        return ticket

    def add_action(self, ticket_id: int, action: Record) -> None:
        self.actions.setdefault(ticket_id, []).append(action)
        self._dirty[ticket_id] = None  # an action changes its ticket too (status, last action date)
        self._new_actions.append((ticket_id, action))
        self.changed()

    def changed(self) -> None:
        self.version += 1
        self.cache.clear()

    # sharing between processes
    @contextmanager
    def shared(self, *, write: bool) -> Iterator[None]:
        """Around one request: others' writes applied first; a write stored (only its rows) at the end."""
        if self.journal is None:
            yield
            return
        if not write:
            if self.journal.others_wrote():
                self._apply(self.journal.since(self.seq))
            yield
            return
        with self.journal.transaction():
            self._apply(self.journal.since(self.seq))
            try:
                yield
            except BaseException:
                self._discard()
                raise
            self._store()

    def _store(self) -> None:
        assert self.journal is not None
        if self._dirty or self._new_actions:
            self.seq += 1
            rows = {tid: self.tickets.get(tid) for tid in self._dirty}
            self.journal.store(self.seq, self.next_ticket_id, rows, self._new_actions)
        self._dirty, self._new_actions = {}, []

    def _discard(self) -> None:
        """A write that failed half-way: back to what the journal holds for the rows it touched."""
        assert self.journal is not None
        touched, self._dirty, self._new_actions = set(self._dirty), {}, []
        for ticket_id in touched:
            self.tickets.pop(ticket_id, None)
            self.actions.pop(ticket_id, None)
        self._apply(self.journal.since(0), only=touched)

    def _apply(self, snapshot: Snapshot, only: set[int] | None = None) -> None:
        for ticket_id, ticket in snapshot.tickets.items():
            if only is not None and ticket_id not in only:
                continue
            if ticket is None:
                self.tickets.pop(ticket_id, None)
                self.actions.pop(ticket_id, None)
            else:
                self.tickets[ticket_id] = ticket
        for ticket_id, action in snapshot.actions:
            if only is None or ticket_id in only:
                self._merge_action(ticket_id, action)
        if only is None:
            self.seq, self.next_ticket_id = snapshot.seq, snapshot.next_ticket_id
        self.changed()

    def _merge_action(self, ticket_id: int, action: Record) -> None:
        rows = self.actions.setdefault(ticket_id, [])
        for index, row in enumerate(rows):
            if row["id"] == action["id"]:
                rows[index] = action
                return
        rows.append(action)


DataSet = tuple[dict[str, list[Record]], dict[int, Record], dict[int, list[Record]], int]


def _demo_data(ticket_count: int) -> DataSet:
    """Lookups, tickets, their actions and the next ticket id of a fresh demo instance."""
    people = d.users()
    tickets, actions = build_tickets(ticket_count, people)
    lookups = {
        "clients": d.clients(), "sites": d.sites(), "users": people, "agents": d.agents(),
        "teams": d.teams(), "assets": d.assets(people), "tickettypes": d.ticket_types(),
        "statuses": d.statuses(), "priorities": d.priorities(), "outcomes": d.outcomes(),
        "kbarticles": d.kb_articles(),
    }
    return lookups, tickets, actions, max(tickets) + 1
