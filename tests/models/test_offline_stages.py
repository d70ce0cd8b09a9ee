"""The offline pipeline's understanding stages alone: names with typos, people and their part, the intent."""

from __future__ import annotations

import pytest

from halo_agent.models.offline.closing import remainder_note
from halo_agent.models.offline.entities import find_entities
from halo_agent.models.offline.intent import choose
from halo_agent.models.offline.people import find_people
from halo_agent.models.offline.vocab import Vocabulary, find_phrases, same_word

VOCAB = Vocabulary(
    teams=("1st Line Support", "2nd Line Support", "Network", "Service Desk Leads", "Applications"),
    statuses=("New", "In Progress", "Waiting on User", "Waiting on Third Party", "On Hold", "Re-opened"),
    types=("Incident", "Problem", "Change", "Service Request"),
)


@pytest.mark.parametrize(
    ("said", "status"),
    [
        ("797 is waiting on the user now", "Waiting on User"),
        ("794 - waiting on a third party now", "Waiting on Third Party"),
        ("put 794 on hlod", "On Hold"),
        ("on-hold tickets for 2nd line", "On Hold"),
        ("reopen 795", "Re-opened"),
        ("move 791 to in progres", "In Progress"),
    ],
)
def test_a_status_is_found_with_fillers_hyphens_and_typos(said: str, status: str) -> None:
    assert [name for name, _ in find_phrases(said, VOCAB.statuses)] == [status]


def test_a_typo_is_one_slip_of_a_long_enough_word_never_a_different_short_word() -> None:
    assert same_word("hlod", "hold") and same_word("applicaitons", "applications")
    assert not same_word("low", "lot") and not same_word("hold", "gold")


def test_teams_are_found_by_short_name_and_one_word_teams_only_where_used_as_teams() -> None:
    assert find_entities("escalate 789 to second line", VOCAB).teams == ("2nd Line Support",)
    assert find_entities("send it over to network", VOCAB).teams == ("Network",)
    assert find_entities("the network cable was replaced", VOCAB).teams == ()


def test_priority_shorthand_counts_down_the_instance_s_own_levels() -> None:
    vocab = Vocabulary(priorities=("Urgent", "Normal", "Low"))
    assert find_entities("set 790 to P1", vocab).priority == "Urgent"
    assert find_entities("792 prio low", VOCAB).priority == "Low"
    assert find_entities("chnage 790 to hihg", VOCAB).priority == "High"


@pytest.mark.parametrize(
    ("said", "name", "role"),
    [
        ("give 791 to Grace", "Grace", "assignee"),
        ("can Grace take 791?", "Grace", "assignee"),
        ("reassign ticket 791 to grace lin please", "grace lin", "assignee"),
        ("incident for Nina Patel to pick up: switch beeping", "Nina Patel", "assignee"),
        ("log a ticket on behalf of Emma Hart, Outlook keeps asking", "Emma Hart", "requester"),
        ("Emma Hart needs a ticket: outlook is asking for her password", "Emma Hart", "requester"),
        ("open tickets for Tom Becker", "Tom Becker", "for"),
    ],
)
def test_people_are_found_with_the_part_their_wording_gives_them(said: str, name: str, role: str) -> None:
    people = find_people(said, VOCAB)
    assert [(p.name, p.role) for p in people] == [(name, role)]


@pytest.mark.parametrize(
    "said",
    [
        "set the status of 796 to On Hold",
        "move 792 to Network",
        "open a ticket for Head Office: printer jammed",
        "send the user on 790 an sms to say the vpn is fixed",
        "What's happening with 790?",
    ],
)
def test_statuses_teams_places_and_verbs_are_not_people(said: str) -> None:
    assert find_people(said, VOCAB) == ()


@pytest.mark.parametrize(
    ("said", "intent"),
    [
        ("792 prio low", "update"),
        ("can Grace take 791?", "update"),
        ("797 is waiting on the user now", "update"),
        ("is 792 on hold?", "status"),
        ("what's the status of 790?", "status"),
        ("1st Line Support, status in progress, prio high - list them", "list"),
        ("low priority changes for Network", "list"),
        ("raise a P1: the whole office has lost internet", "create"),
        ("my laptop won't turn on this morning, can you log it?", "create"),
        ("tell the user on 797 to try the Teams web app", "note"),
        ("the printer is broken again", "offer"),
    ],
)
def test_the_intent_is_refined_by_what_the_request_names(said: str, intent: str) -> None:
    assert choose(said, find_entities(said, VOCAB)) == intent


@pytest.mark.parametrize(
    ("said", "note"),
    [
        ("resolve 792, user was added to the distribution list", "User was added to the distribution list."),
        ("792 is done, added them to the list. close it please", "Added them to the list."),
        ("790 can be resolved, gateway certificate renewed", "Gateway certificate renewed."),
        ("close 897 please", ""),
        ("can you close ticket 897 for me, thanks", ""),
    ],
)
def test_what_was_done_said_beside_a_close_is_its_note(said: str, note: str) -> None:
    assert remainder_note(said) == note
