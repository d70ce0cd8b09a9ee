"""The tools the model can be offered, and their compact JSON schemas (OpenAI function format).

Schemas are sent with every model request, so they are trimmed: no titles, no `$schema`, no null-default
boilerplate (an optional argument is simply absent from `required`), `additionalProperties: false`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from halo_agent.agent.model import ToolSchema
from halo_agent.tools import lookups, notes, preview, ticket_writes, tickets
from halo_agent.tools.base import ToolSpec
from halo_agent.tools.directory import canonical_refs, has_refs
from halo_agent.tools.names import NAME_FIELDS, canonical_args

if TYPE_CHECKING:
    from halo_agent.halo.client import HaloClient

AnySpec = ToolSpec[Any]
_STATUS_KEYWORD_TOOLS = frozenset({"haloitsm_list_tickets"})


class ToolRegistry:
    """Tools by name, in registration order (so schema lists are stable)."""

    def __init__(self, specs: Iterable[AnySpec]) -> None:
        self._specs: dict[str, AnySpec] = {spec.name: spec for spec in specs}
        self._schemas = {name: tool_schema(spec) for name, spec in self._specs.items()}

    def get(self, name: str) -> AnySpec | None:
        return self._specs.get(name)

    def names(self) -> list[str]:
        return list(self._specs)

    def __iter__(self) -> Iterator[AnySpec]:
        return iter(self._specs.values())

    def schemas(
        self, names: Iterable[str], *, settable: Mapping[str, Collection[str]] | None = None
    ) -> list[ToolSchema]:
        """Schemas in registration order. `settable` (tool -> argument names) drops the optional
        arguments a role may never set, so the model is not offered what policy would refuse."""
        wanted = set(names)
        chosen = [(name, schema) for name, schema in self._schemas.items() if name in wanted]
        if not settable:
            return [schema for _, schema in chosen]
        return [_only(schema, settable[name]) if name in settable else schema for name, schema in chosen]

    async def canonicalize(
        self, name: str, args: dict[str, Any], client: HaloClient, settable: Collection[str] | None = None
    ) -> dict[str, Any]:
        """Names replaced by the instance's exact names, people and places by their Halo ids (raises
        ToolError with choices). `settable` limits the directory lookups to what the role may set."""
        if any(isinstance(args.get(key), str) for key in NAME_FIELDS):
            keywords = name in _STATUS_KEYWORD_TOOLS
            args = canonical_args(args, await client.metadata(), status_keywords=keywords)
        if has_refs(args):
            args = await canonical_refs(client, args, settable)
        return args


def _only(schema: ToolSchema, keep: Collection[str]) -> ToolSchema:
    params = schema["function"]["parameters"]
    required = set(params.get("required", ()))
    props = {k: v for k, v in params["properties"].items() if k in keep or k in required}
    function = {**schema["function"], "parameters": {**params, "properties": props}}
    return {**schema, "function": function}


def tool_schema(spec: AnySpec) -> ToolSchema:
    function = {"name": spec.name, "description": spec.description, "parameters": parameters(spec.args_model)}
    return {"type": "function", "function": function}


def parameters(model: type[BaseModel]) -> dict[str, Any]:
    raw = model.model_json_schema()
    props = {name: _compact(prop) for name, prop in raw.get("properties", {}).items()}
    schema: dict[str, Any] = {"type": "object", "properties": props}
    if raw.get("required"):
        schema["required"] = raw["required"]
    schema["additionalProperties"] = False
    return schema


def _compact(prop: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in prop.items() if k != "title"}
    options = [o for o in out.pop("anyOf", []) if o != {"type": "null"}]
    if len(options) == 1:
        out = {**options[0], **out}
    elif options:
        out["anyOf"] = options
    if "default" in out and out["default"] is None:
        del out["default"]
    return out


def default_registry() -> ToolRegistry:
    return ToolRegistry(_SPECS)


_SPECS: tuple[AnySpec, ...] = (
    ToolSpec(
        name="haloitsm_create_ticket",
        description="Open a new ticket, only when asked to.",
        args_model=ticket_writes.CreateTicketArgs,
        risk="write",
        handler=ticket_writes.create_ticket,
        preview=preview.preview_create,
    ),
    ToolSpec(
        name="haloitsm_get_ticket",
        description="Read one ticket with its latest notes.",
        args_model=tickets.GetTicketArgs,
        risk="read",
        handler=tickets.get_ticket,
        target_ticket_arg="ticket_id",
        idempotent=True,
    ),
    ToolSpec(
        name="haloitsm_list_tickets",
        description="List or search tickets, 25 per page.",
        args_model=tickets.ListTicketsArgs,
        risk="read",
        handler=tickets.list_tickets,
        idempotent=True,
    ),
    ToolSpec(
        name="haloitsm_update_ticket",
        description="Change a ticket's priority, agent, team or status; close with resolve.",
        args_model=ticket_writes.UpdateTicketArgs,
        risk="write",
        handler=ticket_writes.update_ticket,
        preview=preview.preview_update,
        target_ticket_arg="ticket_id",
        idempotent=True,
    ),
    ToolSpec(
        name="haloitsm_add_note",
        description="Add a note; the user sees it unless hidden_from_user.",
        args_model=notes.AddNoteArgs,
        risk="write",
        handler=notes.add_note,
        preview=preview.preview_note,
        target_ticket_arg="ticket_id",
    ),
    ToolSpec(
        name="haloitsm_resolve_ticket",
        description="Resolve or close a ticket; its note is public.",
        args_model=ticket_writes.ResolveTicketArgs,
        risk="destructive",
        handler=ticket_writes.resolve_ticket,
        preview=preview.preview_resolve,
        target_ticket_arg="ticket_id",
    ),
    ToolSpec(
        name="haloitsm_lookup",
        description="Find clients, sites, users, agents, teams or assets.",
        args_model=lookups.LookupArgs,
        risk="read",
        handler=lookups.lookup,
        idempotent=True,
    ),
    ToolSpec(
        name="haloitsm_ticket_options",
        description="This desk's ticket types, statuses, priorities, teams.",
        args_model=lookups.TicketOptionsArgs,
        risk="read",
        handler=lookups.ticket_options,
        idempotent=True,
    ),
    ToolSpec(
        name="haloitsm_search_kb",
        description="Search knowledge-base articles for how-to questions.",
        args_model=lookups.SearchKbArgs,
        risk="read",
        handler=lookups.search_kb,
        idempotent=True,
    ),
)
