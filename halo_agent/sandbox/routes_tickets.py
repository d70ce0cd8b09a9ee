"""`/api/Tickets`: list with Halo's filters and paging, get by id, array-body upsert, delete."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from halo_agent.sandbox import demo_data as d
from halo_agent.sandbox.ticket_writes import apply_ticket_writes
from halo_agent.sandbox.wire import (
    Call,
    HaloHttpError,
    flag,
    int_list,
    int_param,
    json_response,
    ordered,
    paged,
    text_match,
)

Record = dict[str, Any]
Predicate = Callable[[Record], bool]
LIST_FIELDS = (
    "id", "summary", "tickettype_id", "status_id", "priority_id", "sla_id", "client_id", "client_name",
    "site_id", "site_name", "user_id", "user_name", "user_email", "reportedby", "agent_id", "team",
    "dateoccurred", "datecreated", "lastactiondate", "dateclosed", "hasbeenclosed", "onhold",
)
SINGLE_FILTERS = (("status_id", "status_id"), ("agent_id", "agent_id"), ("client_id", "client_id"),
                  ("site_id", "site_id"), ("user_id", "user_id"), ("requesttype_id", "tickettype_id"))
LIST_FILTERS = (("status", "status_id"), ("agent", "agent_id"), ("requesttype", "tickettype_id"),
                ("priority", "priority_id"))


def render(ticket: Record, fields: tuple[str, ...] | None = None) -> Record:
    """A ticket as Halo sends it: some numeric ids arrive as strings (seen in production)."""
    row = {name: ticket.get(name) for name in fields} if fields else dict(ticket)
    if ticket["id"] % 9 == 4 and row.get("priority_id") is not None:
        row["priority_id"] = str(row["priority_id"])
    return row


def list_tickets(call: Call) -> Response:
    matched = _matching(call)
    page, extra = paged(matched, call.params)
    rows = [render(ticket, LIST_FIELDS) for ticket in page]
    return json_response({**extra, "record_count": len(matched), "tickets": rows})


def _matching(call: Call) -> list[Record]:
    """Filtered and ordered tickets, cached per query until the next write (paging walks reuse it)."""
    key = ("tickets", tuple(sorted((k, v) for k, v in call.params.items() if k not in ("page_no",))))
    cached: list[Record] | None = call.store.cache.get(key)
    if cached is None:
        predicates = _predicates(call.params, call.store.lookup("teams"))
        rows = [t for t in call.store.tickets.values() if all(check(t) for check in predicates)]
        cached = ordered(rows, call.params, "id", desc=True)
        call.store.cache[key] = cached
    return cached


def _predicates(params: dict[str, str], teams: list[Record]) -> list[Predicate]:
    checks: list[Predicate] = []
    for param, field_name in SINGLE_FILTERS:
        value = int_param(params, param)
        if value is not None:
            checks.append(_equals(field_name, value))
    for param, field_name in LIST_FILTERS:
        ids = int_list(params, param)
        if ids is not None:
            checks.append(_member(field_name, ids))
    team_ids = int_list(params, "team")
    if team_ids is not None:
        names = {team["name"].lower() for team in teams if team["id"] in team_ids}
        checks.append(lambda t: str(t.get("team") or "").lower() in names)
    if flag(params, "open_only"):
        checks.append(lambda t: t["status_id"] != d.STATUS_CLOSED)
    if flag(params, "closed_only"):
        checks.append(lambda t: t["status_id"] == d.STATUS_CLOSED)
    term = params.get("search")
    if term:
        checks.append(lambda t: str(t["id"]) == term.strip() or text_match(t, ("summary", "details"), term))
    return checks


def _equals(field_name: str, value: int) -> Predicate:
    return lambda ticket: ticket.get(field_name) == value


def _member(field_name: str, ids: frozenset[int]) -> Predicate:
    return lambda ticket: ticket.get(field_name) in ids


def get_ticket(call: Call) -> Response:
    ticket_id = call.path_id()
    ticket = call.store.ticket(ticket_id) if ticket_id is not None else None
    if ticket is None:
        raise HaloHttpError(404)
    row = render(ticket)
    if flag(call.params, "includedetails"):
        row.update(_details(call, ticket))
    return json_response(row)


def _details(call: Call, ticket: Record) -> Record:
    user = call.store.find("users", ticket["user_id"]) if ticket.get("user_id") else None
    actions = call.store.actions_for(ticket["id"])
    return {
        "user": {k: user[k] for k in ("id", "name", "emailaddress", "phonenumber")} if user else None,
        "action_count": len(actions),
        "lastaction_note": actions[-1]["note"] if actions else "",
    }


def post_tickets(call: Call) -> Response:
    body = call.json_body()
    saved = apply_ticket_writes(call.store, body, call.token.agent_id if call.token else 0)
    rendered = [render(ticket) for ticket in saved]
    return json_response(rendered[0] if len(rendered) == 1 else rendered, status=201)


def delete_ticket(call: Call) -> Response:
    ticket_id = call.path_id()
    if ticket_id is None:
        raise HaloHttpError(405)
    ticket = call.store.delete_ticket(ticket_id) if ticket_id in call.store.tickets else None
    if ticket is None:
        raise HaloHttpError(404)
    return json_response({**render(ticket), "deleted_reason": call.params.get("reason", "")})


def tickets_route(call: Call) -> Response:
    if call.method == "GET":
        return get_ticket(call) if call.rest else list_tickets(call)
    if call.method == "POST" and not call.rest:
        return post_tickets(call)
    if call.method == "DELETE":
        return delete_ticket(call)
    raise HaloHttpError(405)
