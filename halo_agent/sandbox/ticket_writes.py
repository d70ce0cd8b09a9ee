"""`POST /api/Tickets`: the array-body upsert, validated as a whole before anything is written.

An element without `id` (or with id 0) creates; with an `id` it updates only the fields sent. Numbers
sent as strings are accepted (Halo's deserialiser does); anything else that is not a number is a 400
keyed by field path (`[0].priority_id`). Business rules answer with a message string, Halo-style.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from halo_agent.sandbox import demo_data as d
from halo_agent.sandbox.store import SandboxStore
from halo_agent.sandbox.wire import HaloHttpError

Record = dict[str, Any]
INT_FIELDS = ("id", "tickettype_id", "status_id", "priority_id", "sla_id", "client_id", "site_id",
              "user_id", "agent_id", "team_id", "impact", "urgency")
TEXT_FIELDS = ("summary", "details", "details_html", "team", "category_1")
NOT_A_LIST = (
    "The JSON value could not be converted to System.Collections.Generic.List`1[Halo.Models.Faults]. "
    "Path: $ | LineNumber: 0 | BytePositionInLine: 1."
)


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000")


def apply_ticket_writes(store: SandboxStore, body: Any, agent_id: int) -> list[Record]:
    """Validate every element, then apply them in order; returns the saved tickets."""
    if not isinstance(body, list):
        raise HaloHttpError(400, {"$": [NOT_A_LIST]})
    if not body:
        raise HaloHttpError(400, "No tickets were supplied")
    elements = [_coerce(index, element) for index, element in enumerate(body)]
    planned = [_plan(store, element) for element in elements]
    return [_commit(store, ticket) for ticket in planned]


def _coerce(index: int, element: Any) -> Record:
    if not isinstance(element, dict):
        raise HaloHttpError(400, {f"[{index}]": [NOT_A_LIST.replace("List`1[", "").replace("]. ", ". ")]})
    fields = dict(element)
    for name in INT_FIELDS:
        value = fields.get(name)
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            continue
        try:
            fields[name] = int(str(value).strip())
        except ValueError:
            raise HaloHttpError(
                400, {f"[{index}].{name}": ["The JSON value could not be converted to System.Int32."]}
            ) from None
    return fields


def _plan(store: SandboxStore, fields: Record) -> Record:
    """The ticket as it will be saved (a new dict; nothing is written yet)."""
    ticket_id = fields.get("id") or 0
    if ticket_id > 0:
        existing = store.ticket(ticket_id)
        if existing is None:
            raise HaloHttpError(404, f"Ticket {ticket_id} does not exist")
        return _merge(store, dict(existing), fields)
    return _merge(store, _new_ticket(store, fields), fields)


def _new_ticket(store: SandboxStore, fields: Record) -> Record:
    missing = [label for key, label in (("summary", "Summary"),) if not str(fields.get(key) or "").strip()]
    type_id = fields.get("tickettype_id") or 1
    if type_id in (1, 4) and not str(fields.get("details") or fields.get("details_html") or "").strip():
        missing.append("Details")
    if not (fields.get("site_id") or fields.get("client_id")):
        missing.append("Site")
    if fields.get("user_id") and not fields.get("site_id"):
        missing.append("Site (required when a User is set)")
    if missing:
        verb = "were" if len(missing) > 1 else "was"
        raise HaloHttpError(400, f"{' and '.join(missing)} {verb} required")
    stamp = now_iso()
    return {
        "id": 0, "summary": "", "details": "", "details_html": "", "tickettype_id": type_id,
        "status_id": 1, "sla_id": None, "priority_id": None, "client_id": None, "client_name": "",
        "site_id": None, "site_name": "", "user_id": None, "user_name": "", "user_email": "",
        "reportedby": "", "agent_id": None, "team": "", "dateoccurred": stamp, "datecreated": stamp,
        "lastactiondate": stamp, "dateclosed": None, "hasbeenclosed": False, "category_1": "",
        "impact": 3, "urgency": 3, "source": 4, "onhold": False, "customfields": [],
    }


def _merge(store: SandboxStore, ticket: Record, fields: Record) -> Record:
    for name in ("summary", "details", "details_html", "category_1", "impact", "urgency"):
        if name in fields:
            ticket[name] = fields[name] if fields[name] is not None else ""
    if "details" in fields and "details_html" not in fields:
        ticket["details_html"] = f"<p>{fields['details']}</p>"
    _set_people(store, ticket, fields)
    _set_lookups(store, ticket, fields)
    _set_priority(store, ticket, fields)
    _set_status(ticket, fields)
    ticket["lastactiondate"] = now_iso()
    return ticket


def _need(store: SandboxStore, kind: str, record_id: int, label: str) -> Record:
    record = store.find(kind, record_id)
    if record is None:
        raise HaloHttpError(400, f"{label} {record_id} does not exist")
    return record


def _set_people(store: SandboxStore, ticket: Record, fields: Record) -> None:
    if fields.get("client_id"):
        client = _need(store, "clients", fields["client_id"], "Client")
        ticket.update(client_id=client["id"], client_name=client["name"], sla_id=client["sla_id"])
    if fields.get("site_id"):
        site = _need(store, "sites", fields["site_id"], "Site")
        client = _need(store, "clients", site["client_id"], "Client")
        ticket.update(site_id=site["id"], site_name=site["name"], client_id=client["id"],
                      client_name=client["name"], sla_id=client["sla_id"])
    if fields.get("user_id"):
        user = _need(store, "users", fields["user_id"], "User")
        ticket.update(user_id=user["id"], user_name=user["name"], user_email=user["emailaddress"],
                      reportedby=user["name"])
    if fields.get("sla_id"):
        ticket["sla_id"] = fields["sla_id"]


def _set_lookups(store: SandboxStore, ticket: Record, fields: Record) -> None:
    if "tickettype_id" in fields:
        type_id = fields["tickettype_id"] or 1
        ticket["tickettype_id"] = _need(store, "tickettypes", type_id, "Ticket Type")["id"]
    if "agent_id" in fields:
        agent_id = fields["agent_id"] or None
        if agent_id is not None:
            agent = _need(store, "agents", agent_id, "Agent")
            if agent["isdisabled"]:
                raise HaloHttpError(400, f"Agent {agent['name']} is inactive and cannot be assigned")
        ticket["agent_id"] = agent_id
    if fields.get("team_id"):
        ticket["team"] = _need(store, "teams", fields["team_id"], "Team")["name"]
    if fields.get("team"):
        ticket["team"] = _team_name(store, str(fields["team"]))


def _team_name(store: SandboxStore, name: str) -> str:
    for team in store.lookup("teams"):
        if team["name"].lower() == name.strip().lower():
            return str(team["name"])
    raise HaloHttpError(400, f"Team '{name}' does not exist")


def _set_priority(store: SandboxStore, ticket: Record, fields: Record) -> None:
    sla_id = ticket.get("sla_id") or 1
    valid = {row["priorityid"]: row for row in store.lookup("priorities") if row["slaid"] == sla_id}
    if fields.get("priority_id"):
        if fields["priority_id"] not in valid:
            raise HaloHttpError(400, f"Priority {fields['priority_id']} is not valid for this ticket's SLA")
        ticket["priority_id"] = fields["priority_id"]
    elif ticket.get("priority_id") not in valid:
        ticket["priority_id"] = next(pid for pid, row in valid.items() if row["name"] == "Medium")


def _set_status(ticket: Record, fields: Record) -> None:
    status_id = fields.get("status_id")
    if not status_id:
        return
    if status_id not in {sid for sid, _, _ in d.STATUSES}:
        raise HaloHttpError(400, f"Status {status_id} does not exist")
    set_status(ticket, status_id)


def set_status(ticket: Record, status_id: int) -> None:
    """Move a ticket to a status; closing stamps dateclosed and hasbeenclosed, reopening clears the date."""
    closing = status_id == d.STATUS_CLOSED
    if closing and ticket["status_id"] != d.STATUS_CLOSED:
        ticket["dateclosed"] = now_iso()
        ticket["hasbeenclosed"] = True
    elif not closing:
        ticket["dateclosed"] = None
    ticket["status_id"] = status_id
    ticket["onhold"] = status_id == 5


def _commit(store: SandboxStore, ticket: Record) -> Record:
    if not ticket["id"]:
        ticket["id"] = store.new_ticket_id()
    store.put_ticket(ticket)
    return ticket
