"""People and places typed in lower case are still names: they go to the tools, which look them up in
Halo's directory (and name one it lacks); words of the service desk's own are never taken for people."""

from __future__ import annotations

import pytest

from halo_agent.models.offline.lookup import lookup_slots
from halo_agent.models.offline.parse import parse
from halo_agent.models.offline.people import find_people
from halo_agent.models.offline.vocab import Vocabulary

VOCAB = Vocabulary(teams=("1st Line Support", "2nd Line Support", "Network", "Service Desk Leads"))


@pytest.mark.parametrize(
    ("said", "slots"),
    [
        ("tickets assigned to tom becker", {"agent_name": "tom becker"}),
        ("show grace lin's open tickets", {"agent_name": "grace lin", "status": "open"}),
        ("what is nina patel working on", {"agent_name": "nina patel"}),
        ("sam turner open tickets page 2", {"agent_name": "sam turner", "status": "open", "page": 2}),
        ("anything logged by liam cole still open?", {"user_email": "liam cole", "status": "open"}),
        ("open service requests at leeds plant", {"site_name": "leeds plant", "status": "open"}),
        ("tickets at the main office", {"site_name": "main office"}),
        ("what's grace working on", {"agent_name": "grace"}),
        ("what tickets has emma hart got open", {"agent_name": "emma hart", "status": "open"}),
    ],
)
def test_a_list_keeps_people_and_places_typed_in_lower_case(said: str, slots: dict[str, object]) -> None:
    intent = parse(said, VOCAB)
    assert intent.kind == "list"
    assert {key: intent.slots.get(key) for key in slots} == slots


@pytest.mark.parametrize(
    "said",
    ["whats the service desk's queue", "list open tickets", "show closed tickets for my team",
     "any open tickets", "tickets assigned to me please"],
)
def test_service_desk_words_are_not_people(said: str) -> None:
    assert find_people(said, VOCAB) == ()


@pytest.mark.parametrize(
    ("said", "slots"),
    [
        ("show assets for emma hart", {"kind": "assets", "owner": "emma hart"}),
        ("what kit does emma hart have", {"kind": "assets", "search": "emma hart"}),
        ("whats noah kaur's email", {"kind": "users", "search": "noah kaur"}),
        ("which team is tom becker in", {"kind": "agents", "search": "tom becker"}),
        ("sites for kestrel research", {"kind": "sites", "owner": "kestrel research"}),
        ("what stores does harbour street retail have", {"kind": "sites", "owner": "harbour street retail"}),
        ("who works at the oxford lab", {"kind": "users", "site": "oxford lab"}),
        ("who has lap-0001", {"kind": "assets", "search": "LAP-0001"}),
        ("show users at site 18", {"kind": "users", "site": 18}),
        ("which client is leeds plant under", {"kind": "sites", "search": "leeds plant"}),
        ("which client is emma hart under", {"kind": "users", "search": "emma hart"}),
    ],
)
def test_a_lookup_finds_its_name_whatever_the_case(said: str, slots: dict[str, str]) -> None:
    assert parse(said, VOCAB).kind == "lookup"
    assert lookup_slots(said) == slots
