"""`/api/Actions`: a ticket's notes. Action ids count per ticket, which is why Halo wants `ticket_id`.

Rules (halo-api.md §4): an outcome is mandatory ("An Outcome must be entered for this Action"); some
outcomes are not open to the API agent ("You do not have access to this Action at the moment");
`hiddenfromuser` defaults to the outcome's own setting; `new_status` moves the ticket.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import Response

from halo_agent.sandbox import demo_data as d
from halo_agent.sandbox.demo_tickets import make_action
from halo_agent.sandbox.store import SandboxStore
from halo_agent.sandbox.ticket_writes import NOT_A_LIST, now_iso, set_status
from halo_agent.sandbox.wire import Call, HaloHttpError, flag, int_param, json_response, ordered, wrapped

Record = dict[str, Any]
NO_OUTCOME = "An Outcome must be entered for this Action"
NO_ACCESS = "You do not have access to this Action at the moment"


def actions_route(call: Call) -> Response:
    if call.method == "GET":
        return get_action(call) if call.rest else list_actions(call)
    if call.method == "POST" and not call.rest:
        return post_actions(call)
    raise HaloHttpError(405)


def _ticket_id(call: Call) -> int:
    ticket_id = int_param(call.params, "ticket_id")
    if not ticket_id:
        raise HaloHttpError(400, {"ticket_id": ["The ticket_id field is required."]})
    return ticket_id


def list_actions(call: Call) -> Response:
    rows = list(call.store.actions_for(_ticket_id(call)))
    if flag(call.params, "excludeprivate"):
        rows = [row for row in rows if not row["hiddenfromuser"]]
    return wrapped("actions", ordered(rows, call.params, "id"), call.params)


def get_action(call: Call) -> Response:
    action_id = call.path_id()
    rows = call.store.actions_for(_ticket_id(call))
    action = next((row for row in rows if row["id"] == action_id), None)
    if action is None:
        raise HaloHttpError(404)
    return json_response(action)


def post_actions(call: Call) -> Response:
    body = call.json_body()
    if not isinstance(body, list):
        raise HaloHttpError(400, {"$": [NOT_A_LIST.replace("Faults", "Actions")]})
    if not body:
        raise HaloHttpError(400, "No actions were supplied")
    planned = [_plan(call.store, index, element) for index, element in enumerate(body)]
    agent_id = call.token.agent_id if call.token else d.API_AGENT_ID
    saved = [_commit(call.store, fields, agent_id) for fields in planned]
    return json_response(saved[0] if len(saved) == 1 else saved, status=201)


def _plan(store: SandboxStore, index: int, element: Any) -> Record:
    if not isinstance(element, dict):
        problem = "The JSON value could not be converted to Halo.Models.Actions."
        raise HaloHttpError(400, {f"[{index}]": [problem]})
    fields = dict(element)
    ticket_id = _as_int(fields.get("ticket_id"), f"[{index}].ticket_id")
    if not ticket_id:
        raise HaloHttpError(400, "A Ticket must be specified for this Action")
    if store.ticket(ticket_id) is None:
        raise HaloHttpError(404, f"Ticket {ticket_id} does not exist")
    outcome = _outcome(store, fields, index)
    new_status = _as_int(fields.get("new_status"), f"[{index}].new_status") or 0
    if new_status and store.find("statuses", new_status) is None:
        raise HaloHttpError(400, f"Status {new_status} does not exist")
    hidden = fields.get("hiddenfromuser")
    return {
        "ticket_id": ticket_id, "outcome": outcome, "new_status": new_status,
        "hidden": outcome["hidefromuser"] if hidden is None else hidden in (True, "true", "True", 1),
        "note": str(fields.get("note") or _strip_html(str(fields.get("note_html") or ""))),
        "timetaken": fields.get("timetaken") or 0,
    }


def _as_int(value: Any, path: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(str(value))
    except ValueError:
        raise HaloHttpError(400, {path: ["The JSON value could not be converted to System.Int32."]}) from None


def _outcome(store: SandboxStore, fields: Record, index: int) -> Record:
    outcome_id = _as_int(fields.get("outcome_id"), f"[{index}].outcome_id")
    name = str(fields.get("outcome") or "").strip().lower()
    rows = store.lookup("outcomes")
    found = next((row for row in rows if outcome_id and row["id"] == outcome_id), None)
    found = found or next((row for row in rows if name and row["outcome"].lower() == name), None)
    if found is None:
        raise HaloHttpError(400, NO_OUTCOME)
    if found["id"] in d.RESTRICTED_OUTCOME_IDS:
        raise HaloHttpError(400, NO_ACCESS)
    return found


def _strip_html(text: str) -> str:
    return re.sub(r"<[^>]+>", "", text).strip()


def _commit(store: SandboxStore, fields: Record, agent_id: int) -> Record:
    ticket = store.ticket(fields["ticket_id"])
    assert ticket is not None  # checked in _plan
    existing = store.actions_for(ticket["id"])
    action_id = max((row["id"] for row in existing), default=0) + 1
    stamp = now_iso()
    action = make_action(ticket, action_id, fields["note"], fields["outcome"]["id"], fields["hidden"],
                         agent_id, new_status=fields["new_status"] or None, when=stamp)
    action["timetaken"] = fields["timetaken"]
    if fields["new_status"]:
        set_status(ticket, fields["new_status"])
    ticket["lastactiondate"] = stamp
    store.add_action(ticket["id"], action)
    return action
