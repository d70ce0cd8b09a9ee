"""Teams said by part of their name are the one team that holds those words; none or several are named."""

from __future__ import annotations

import pytest

from halo_agent.models.offline.coverage import partial_answer, unused
from halo_agent.models.offline.entities import find_entities
from halo_agent.models.offline.lookup import lookup_slots
from halo_agent.models.offline.lookup_answers import agents_in_team
from halo_agent.models.offline.parse import parse
from halo_agent.models.offline.results import Step
from halo_agent.models.offline.vocab import Vocabulary

VOCAB = Vocabulary(
    teams=("1st Line Support", "2nd Line Support", "Network", "Service Desk Leads", "Applications"),
    statuses=("New", "In Progress", "Waiting on User", "On Hold", "Resolved", "Closed"),
)


@pytest.mark.parametrize(
    ("said", "team"),
    [
        ("which tickets are open for the service desk team?", "Service Desk Leads"),
        ("whats open in the leads queue", "Service Desk Leads"),
        ("tickets in the netwrok queue", "Network"),
        ("high priority network team tickets", "Network"),
        ("on hold tickets for the 2nd line team", "2nd Line Support"),
    ],
)
def test_a_team_said_in_part_is_the_one_team_holding_those_words(said: str, team: str) -> None:
    intent = parse(said, VOCAB)
    assert (intent.kind, intent.slots.get("team")) == ("list", team)
    assert unused(intent, find_entities(said, VOCAB)) == []


@pytest.mark.parametrize(
    ("said", "named", "why"),
    [
        ("show tickets for the security team", "security team", "no team of that name"),
        ("hardware team's tickets pls", "hardware team", "the teams are 1st Line Support"),
        ("open tickets for the support team", "support team", "1st Line Support or 2nd Line Support"),
    ],
)
def test_a_team_that_is_no_team_or_several_is_named_and_nothing_is_listed(
    said: str, named: str, why: str
) -> None:
    intent = parse(said, VOCAB)
    answer = partial_answer(intent, unused(intent, find_entities(said, VOCAB)))
    assert f"'{named}'" in answer and why in answer and "haven't done anything" in answer


def test_a_team_in_a_new_ticket_s_description_is_its_text_not_a_filter() -> None:
    said = "Open a ticket: the finance team can't print"
    intent = parse(said, VOCAB)
    assert intent.kind == "create" and "team" not in intent.slots
    assert unused(intent, find_entities(said, VOCAB)) == []
    assert find_entities("list my team's tickets", VOCAB).unclear_teams == ()


def test_a_team_s_agents_are_picked_out_of_every_agent_saying_so() -> None:
    assert parse("who's in the network team", VOCAB).slots == {"kind": "agents", "team": "Network"}
    assert lookup_slots("which team is Sam Turner in?", VOCAB) == {"kind": "agents", "search": "Sam Turner"}
    rows = [{"id": 6, "name": "Sam Turner", "team": "2nd Line Support"},
            {"id": 8, "name": "Tom Becker", "team": "Network"}]
    result = {"status": "ok", "untrusted_data": {"agents": rows, "total": 2}}
    step = Step("haloitsm_lookup", {"kind": "agents"}, result)
    answer = agents_in_team(step, "Network")
    assert answer.startswith("I can't ask Halo for one team's agents") and answer.endswith(": Tom Becker.")
    assert "Sam Turner" not in answer
