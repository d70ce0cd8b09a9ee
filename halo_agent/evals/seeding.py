"""Prepare a case's sandbox (the demo seed plus its own tickets, notes, KB text, names and faults), and
take snapshots of Halo's state to compare before and after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from halo_agent.evals.case import FaultSpec, KBSeed, NamedSeed, NoteSeed, Setup, TicketSeed
from halo_agent.sandbox import SandboxApp
from halo_agent.sandbox.demo_tickets import make_action, make_ticket
from halo_agent.sandbox.store import Record, SandboxStore

# The fields whose change counts as an update to a ticket (dates Halo touches by itself are left out).
TRACKED_FIELDS = (
    "summary",
    "details",
    "tickettype_id",
    "status_id",
    "priority_id",
    "agent_id",
    "team",
    "user_id",
    "site_id",
    "client_id",
)
SEED_OPENED = datetime(2025, 6, 2, 9, 0)


class SetupError(ValueError):
    """A case's setup names something the sandbox does not have (a status, a user, a ticket)."""


def apply_setup(app: SandboxApp, setup: Setup) -> None:
    store = app.state_store
    for site in setup.sites:
        _site(store, site)
    for user in setup.users:
        _user(store, user)
    for ticket in setup.tickets:
        _ticket(store, ticket)
    for note in setup.notes:
        _note(store, note)
    for article in setup.kb:
        _kb(store, article)
    store.changed()


def arm_faults(app: SandboxApp, faults: list[FaultSpec], turn: int) -> None:
    """Arm the faults meant to strike from this (1-based) turn on."""
    for fault in (f for f in faults if f.before_turn == turn):
        if fault.kind == "expire_tokens":
            app.faults.expire_tokens()
            continue
        app.faults.add(
            fault.kind, times=fault.times, method=fault.method, path=fault.path, status=fault.status,
            retry_after=fault.retry_after, seconds=fault.seconds,
        )  # fmt: skip


def _named(store: SandboxStore, kind: str, name: str, key: str = "name") -> int:
    for row in store.lookup(kind):
        if str(row.get(key, "")).lower() == name.lower():
            return int(row["id"])
    raise SetupError(f"the sandbox has no {kind} named {name!r}")


def _user_record(store: SandboxStore, email: str) -> Record:
    for row in store.lookup("users"):
        if row["emailaddress"].lower() == email.lower():
            return row
    raise SetupError(f"the sandbox has no user {email!r}")


def _ticket(store: SandboxStore, seed: TicketSeed) -> None:
    existing = store.ticket(seed.id) if seed.id is not None else None
    ticket = existing if existing is not None else _new_ticket(store, seed)
    if seed.user_email:
        user = _user_record(store, seed.user_email)
        ticket.update(
            user_id=user["id"],
            user_name=user["name"],
            user_email=user["emailaddress"],
            site_id=user["site_id"],
            site_name=user["site_name"],
            client_id=user["client_id"],
            client_name=user["client_name"],
        )
    updates: dict[str, Any] = {
        "summary": seed.summary,
        "details": seed.details,
        "agent_id": seed.agent_id,
        "team": seed.team,
    }
    if seed.details is not None:
        updates["details_html"] = f"<p>{seed.details}</p>"
    if seed.type:
        updates["tickettype_id"] = _named(store, "tickettypes", seed.type)
    if seed.status:
        updates["status_id"] = _named(store, "statuses", seed.status)
    if seed.priority:
        updates["priority_id"] = _priority_id(store, int(ticket["sla_id"]), seed.priority)
    ticket.update({key: value for key, value in updates.items() if value is not None})
    store.tickets[ticket["id"]] = ticket


def _new_ticket(store: SandboxStore, seed: TicketSeed) -> Record:
    if seed.summary is None or seed.user_email is None:
        raise SetupError(f"a new ticket needs a summary and a user_email (ticket {seed.id or 'new'})")
    ticket_id = seed.id if seed.id is not None else store.new_ticket_id()
    store.next_ticket_id = max(store.next_ticket_id, ticket_id + 1)
    user = _user_record(store, seed.user_email)
    team = seed.team or "1st Line Support"
    return make_ticket(
        ticket_id,
        seed.summary,
        seed.details or seed.summary,
        1,
        1,
        2,
        user,
        seed.agent_id,
        SEED_OPENED,
        team_name=team,
    )


def _priority_id(store: SandboxStore, sla_id: int, name: str) -> int:
    for row in store.lookup("priorities"):
        if row["slaid"] == sla_id and row["name"].lower() == name.lower():
            return int(row["priorityid"])
    raise SetupError(f"the sandbox has no priority named {name!r}")


def _note(store: SandboxStore, seed: NoteSeed) -> None:
    ticket = store.ticket(seed.ticket_id)
    if ticket is None:
        raise SetupError(f"a note for ticket {seed.ticket_id}, which the sandbox does not have")
    action_id = len(store.actions_for(seed.ticket_id)) + 1
    outcome_id = 1 if seed.hidden else 2
    store.actions.setdefault(seed.ticket_id, []).append(
        make_action(ticket, action_id, seed.note, outcome_id, seed.hidden, ticket.get("agent_id"))
    )


def _kb(store: SandboxStore, seed: KBSeed) -> None:
    rows = store.lookup("kbarticles")
    rows.append(
        {
            "id": max(row["id"] for row in rows) + 1,
            "name": seed.name,
            "tag_string": seed.tags,
            "description": seed.description,
            "resolution": seed.resolution,
            "type": 0,
            "inactive": False,
            "view_count": 0,
        }
    )


def _user(store: SandboxStore, seed: NamedSeed) -> None:
    row = store.find("users", seed.id)
    if row is None:
        if not seed.email or seed.site_id is None:
            raise SetupError(f"a new user ({seed.id}) needs an email and a site_id")
        site = store.find("sites", seed.site_id) or {}
        row = {
            "id": seed.id,
            "site_id": seed.site_id,
            "site_name": site.get("name"),
            "client_id": site.get("client_id"),
            "client_name": site.get("client_name"),
            "inactive": False,
        }
        store.lookup("users").append(row)
    first, _, last = seed.name.partition(" ")
    row.update(name=seed.name, firstname=first, surname=last)
    if seed.email:
        row["emailaddress"] = seed.email
    for ticket in store.tickets.values():
        if ticket.get("user_id") == seed.id:
            ticket.update(user_name=seed.name, reportedby=seed.name, user_email=row["emailaddress"])


def _site(store: SandboxStore, seed: NamedSeed) -> None:
    row = store.find("sites", seed.id)
    if row is None:
        raise SetupError(f"the sandbox has no site {seed.id} to rename")
    row.update(name=seed.name, clientsite_name=f"{row['client_name']}/{seed.name}")
    for kind in ("users", "assets"):
        for record in store.lookup(kind):
            if record.get("site_id") == seed.id:
                record["site_name"] = seed.name
    for ticket in store.tickets.values():
        if ticket.get("site_id") == seed.id:
            ticket["site_name"] = seed.name


@dataclass(frozen=True)
class Snapshot:
    """The tracked fields of every ticket (plus readable names) and the notes on each, at one moment."""

    tickets: dict[int, dict[str, Any]]
    notes: dict[int, list[Record]]

    def changed_ids(self, later: Snapshot) -> set[int]:
        """Existing tickets whose tracked fields differ in `later`."""
        return {
            tid for tid, fields in self.tickets.items()
            if tid in later.tickets and any(later.tickets[tid][f] != fields[f] for f in TRACKED_FIELDS)
        }  # fmt: skip

    def noted_ids(self, later: Snapshot) -> set[int]:
        return {tid for tid, rows in later.notes.items() if len(rows) > len(self.notes.get(tid, []))}

    def created_ids(self, later: Snapshot) -> list[int]:
        return sorted(set(later.tickets) - set(self.tickets))

    def new_notes(self, later: Snapshot, ticket_id: int) -> list[Record]:
        return later.notes.get(ticket_id, [])[len(self.notes.get(ticket_id, [])) :]


def snapshot(store: SandboxStore) -> Snapshot:
    names = _names(store)
    tickets = {tid: _view(t, names) for tid, t in store.tickets.items()}
    notes = {tid: [dict(a) for a in rows] for tid, rows in store.actions.items()}
    return Snapshot(tickets, notes)


def _names(store: SandboxStore) -> dict[str, dict[Any, str]]:
    return {
        "status": {row["id"]: row["name"] for row in store.lookup("statuses")},
        "type": {row["id"]: row["name"] for row in store.lookup("tickettypes")},
        "priority": {(row["slaid"], row["priorityid"]): row["name"] for row in store.lookup("priorities")},
    }


def _view(ticket: Record, names: dict[str, dict[Any, str]]) -> dict[str, Any]:
    """Tracked fields by Halo name, plus `status`, `type`, `priority`, `user_email` and `closed`."""
    view = {name: ticket.get(name) for name in TRACKED_FIELDS}
    status = names["status"].get(ticket.get("status_id"))
    view.update(
        status=status, type=names["type"].get(ticket.get("tickettype_id")),
        priority=names["priority"].get((ticket.get("sla_id"), ticket.get("priority_id"))),
        user_email=ticket.get("user_email"), closed=(status or "").lower() in ("closed", "resolved"),
    )  # fmt: skip
    return view
