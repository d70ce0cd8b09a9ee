"""The offline pipeline's understanding stages alone: names with typos, people and their part, the intent."""

from __future__ import annotations

import pytest

from halo_agent.models.offline.closing import remainder_note
from halo_agent.models.offline.coverage import partial_answer, unused
from halo_agent.models.offline.entities import find_entities
from halo_agent.models.offline.followup import follow_up
from halo_agent.models.offline.intent import choose
from halo_agent.models.offline.lookup import lookup_slots
from halo_agent.models.offline.narrowing import narrowed_list
from halo_agent.models.offline.offered_args import tool_arguments, unoffered, without_unoffered
from halo_agent.models.offline.parse import parse
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


@pytest.mark.parametrize(
    ("said", "phrase"),
    [
        ("show open tickets older than a week", "older than a week"),
        ("list tickets created today", "created today"),
        ("show unassigned tickets for 1st line", "unassigned"),
        ("show me the latest 5 tickets", "latest 5"),
    ],
)
def test_a_list_filter_no_tool_can_apply_is_named_back_not_dropped(said: str, phrase: str) -> None:
    intent = parse(said, VOCAB)
    problems = unused(intent, find_entities(intent.text, VOCAB))
    assert intent.kind == "list" and [p.phrase for p in problems] == [phrase]
    assert phrase in partial_answer(intent, problems)


def test_a_name_nobody_understood_is_named_rather_than_dropped() -> None:
    intent = parse("tickets for Northgate Manufacturing", VOCAB)
    problems = unused(intent, find_entities(intent.text, VOCAB))
    assert [p.phrase for p in problems] == ["Northgate Manufacturing"]
    understood = parse("open incidents for agent 6 about Outlook", VOCAB)
    assert unused(understood, find_entities(understood.text, VOCAB)) == []


def test_just_the_high_ones_narrows_the_list_just_shown() -> None:
    earlier = {"agent": 6, "ticket_type": "Incident", "status": "open"}
    narrowed = narrowed_list("just the high priority ones", earlier, VOCAB)
    assert narrowed is not None
    assert narrowed.slots == {"agent_id": 6, "ticket_type": "Incident", "status": "open", "priority": "High"}
    assert narrowed_list("show ticket 790", earlier, VOCAB) is None
    assert narrowed_list("just the high priority ones about 790", earlier, VOCAB) is None


@pytest.mark.parametrize(
    ("said", "slots"),
    [
        ("which users are at the Leeds Plant site?", {"kind": "users", "site": "Leeds Plant"}),
        ("which site is Emma Hart at?", {"kind": "users", "search": "Emma Hart"}),
        ("look up the client Kestrel Research", {"kind": "clients", "search": "Kestrel Research"}),
        ("which sites does Kestrel Research have?", {"kind": "sites", "owner": "Kestrel Research"}),
        ("what equipment does Emma Hart have?", {"kind": "assets", "search": "Emma Hart"}),
    ],
)
def test_directory_questions_name_the_kind_and_the_filter(said: str, slots: dict[str, str]) -> None:
    assert lookup_slots(said) == slots


def test_an_answer_to_what_should_change_completes_the_request() -> None:
    asked = parse("reassign 797", VOCAB)
    assert asked.missing == "change"
    done = follow_up(asked, "to Omar Haddad", VOCAB)
    assert done is not None and done.slots["agent_name"] == "Omar Haddad" and done.missing is None


def test_a_new_ticket_s_people_and_places_are_fields_not_its_description() -> None:
    said = "incident for Nina Patel to pick up, site 4 - the core switch is beeping. High priority"
    created = parse(said, VOCAB)
    assert created.slots["agent_name"] == "Nina Patel" and created.slots["site_id"] == 4
    assert created.slots["summary"] == "The core switch is beeping"
    requested = parse("Emma Hart needs a ticket: outlook keeps asking for her password. Medium please", VOCAB)
    assert requested.slots["user_email"] == "Emma Hart" and requested.slots["priority"] == "Medium"
    assert requested.slots["details"] == "Outlook keeps asking for her password."


def _schema(name: str, *args: str) -> dict[str, object]:
    properties = {arg: {"type": "string"} for arg in args}
    return {"type": "function", "function": {"name": name, "parameters": {"properties": properties}}}


def test_what_the_caller_s_own_tool_cannot_carry_is_named_and_left_out_of_the_offer() -> None:
    create = "haloitsm_create_ticket"
    employee = tool_arguments([_schema(create, "summary", "details", "ticket_type", "priority")])
    intent = parse("open a ticket at Manchester Office: the printer on floor 2 is broken", VOCAB)
    assert [(p.phrase, p.why) for p in unoffered(intent, employee)] == [
        ("Manchester Office", "you can't set the site with your access")]
    rest = without_unoffered(intent, employee)
    assert "site_name" not in rest.slots and rest.slots["summary"] == "The printer on floor 2 is broken"
    desk = tool_arguments([_schema(create, "summary", "details", "site", "priority")])
    assert unoffered(intent, desk) == []
