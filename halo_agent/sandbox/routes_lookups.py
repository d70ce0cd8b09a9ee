"""The lookup resources: wrapped lists (`clients`, `sites`, `users`, `assets`, `articles`) and bare arrays
(`/Agent`, `/Team`, `/TicketType`, `/Status`, `/Priority`, `/Outcome`), as halo-api.md §2 and §7 choose.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

from halo_agent.sandbox.wire import (
    Call,
    HaloHttpError,
    bare,
    flag,
    int_param,
    json_response,
    ordered,
    text_match,
    wrapped,
)

Record = dict[str, Any]


@dataclass(frozen=True)
class Lookup:
    kind: str  # store key
    wrapper: str | None  # None: a bare array
    search: tuple[str, ...]
    filters: tuple[str, ...] = ()  # exact-match integer filters, same name as the field
    inactive_flag: str | None = None  # field hidden unless include<flag>=true
    include_param: str = "includeinactive"
    order: str = "name"


LOOKUPS = {
    "client": Lookup("clients", "clients", ("name",), inactive_flag="inactive"),
    "site": Lookup("sites", "sites", ("name", "clientsite_name"), ("client_id",), "inactive"),
    "users": Lookup("users", "users", ("name", "emailaddress"), ("client_id", "site_id"), "inactive"),
    "asset": Lookup("assets", "assets", ("inventory_number", "key_field", "username", "assettype_name"),
                    ("client_id", "site_id", "assettype_id"), "inactive", order="id"),
    "kbarticle": Lookup("kbarticles", "articles", ("name", "description", "tag_string"), order="id"),
    "agent": Lookup("agents", None, ("name", "email"), ("team_id",), "isdisabled", "includedisabled"),
    "team": Lookup("teams", None, ("name",), inactive_flag="inactive"),
    "tickettype": Lookup("tickettypes", None, ("name",), order="id"),
    "status": Lookup("statuses", None, ("name",), order="sequence"),
    "priority": Lookup("priorities", None, ("name",), order="id"),
    "outcome": Lookup("outcomes", None, ("outcome",), order="id"),
}


def lookup_route(call: Call) -> Response:
    spec = LOOKUPS[call.resource]
    if call.method != "GET":
        raise HaloHttpError(405)
    if call.rest:
        return _single(call, spec)
    rows = [row for row in call.store.lookup(spec.kind) if _keep(row, spec, call.params)]
    rows = ordered(rows, call.params, spec.order)
    return wrapped(spec.wrapper, rows, call.params) if spec.wrapper else bare(rows, call.params)


def _keep(row: Record, spec: Lookup, params: dict[str, str]) -> bool:
    if spec.inactive_flag and row.get(spec.inactive_flag) and not flag(params, spec.include_param):
        return False
    for name in spec.filters:
        value = int_param(params, name)
        if value is not None and row.get(name) != value:
            return False
    if spec.kind == "assets" and params.get("username"):
        return str(row.get("username") or "").lower() == params["username"].lower()
    if spec.kind == "priorities" and int_param(params, "slaid") is not None:
        return bool(row["slaid"] == int_param(params, "slaid"))
    return text_match(row, spec.search, params.get("search"))


def _single(call: Call, spec: Lookup) -> Response:
    if spec.kind == "agents" and call.rest[0] == "me":
        record_id: int | None = call.token.agent_id if call.token else None
    else:
        record_id = call.path_id()
    record = call.store.find(spec.kind, record_id) if record_id is not None else None
    if record is None:
        raise HaloHttpError(404)
    return json_response(record)


