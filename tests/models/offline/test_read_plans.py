"""Plans for reads that take more than one call: a name that is no agent's is tried as the user the tickets
are for, and a name looked up without a kind is tried as each kind of record in turn."""

from __future__ import annotations

from typing import Any

from halo_agent.models.offline.parse import parse
from halo_agent.models.offline.plan import Call, Context, plan
from halo_agent.models.offline.results import Step
from halo_agent.models.offline.vocab import Vocabulary

VOCAB = Vocabulary()
TOOLS = frozenset({"haloitsm_list_tickets", "haloitsm_lookup", "haloitsm_update_ticket"})
LIST, LOOKUP = "haloitsm_list_tickets", "haloitsm_lookup"


def _next(said: str, steps: list[Step]) -> list[Call] | str:
    return plan(Context(parse(said, VOCAB), VOCAB, TOOLS, steps))


def _error(error: str) -> dict[str, Any]:
    return {"status": "error", "error": error}


def _ok(kind: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"status": "ok", "untrusted_data": {kind: rows, "total": len(rows)}}


def test_tickets_for_a_name_that_is_no_agent_are_the_tickets_that_person_raised() -> None:
    said = "show tickets for Emma Hart"
    assert _next(said, []) == [Call(LIST, {"agent": "Emma Hart"})]
    no_agent = Step(LIST, {"agent": "Emma Hart"}, _error("no agent matches 'Emma Hart'"))
    assert _next(said, [no_agent]) == [Call(LIST, {"user": "Emma Hart"})]
    no_user = Step(LIST, {"user": "Emma Hart"}, _error("no user matches 'Emma Hart'"))
    assert "no agent or user in Halo is called 'Emma Hart'" in str(_next(said, [no_agent, no_user]))


def test_a_name_said_to_be_an_agent_s_is_not_tried_as_a_user() -> None:
    said = "tickets assigned to emma hart"
    no_agent = Step(LIST, {"agent": "emma hart"}, _error("no agent matches 'emma hart'"))
    assert "no agent matches 'emma hart'" in str(_next(said, [no_agent]))


def test_a_name_without_a_kind_is_looked_for_in_each_kind_of_record() -> None:
    said = "look up kestrel research"
    assert _next(said, []) == [Call(LOOKUP, {"kind": "users", "search": "kestrel research"})]
    none = Step(LOOKUP, {"kind": "users", "search": "kestrel research"}, _ok("users", []))
    assert _next(said, [none]) == [Call(LOOKUP, {"kind": "agents", "search": "kestrel research"})]
    found = Step(LOOKUP, {"kind": "agents"}, _ok("agents", [{"id": 3, "name": "Kestrel Research"}]))
    assert "Kestrel Research" in str(_next(said, [none, found]))
    kinds = ("users", "agents", "clients", "sites")
    nothing = [Step(LOOKUP, {"kind": kind}, _ok(kind, [])) for kind in kinds]
    assert _next(said, nothing) == "I found no user, agent, client or site called 'kestrel research' in Halo."
