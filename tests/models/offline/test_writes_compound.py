"""Two acts in one write request (a change and a note, a note and a close), the caller as assignee, and a
write that landed beside one that did not: each is planned or answered whole, never in part."""

from __future__ import annotations

from dataclasses import replace

import pytest

from halo_agent.models.offline.parse import parse
from halo_agent.models.offline.plan import Context, plan
from halo_agent.models.offline.results import Step
from halo_agent.models.offline.slots import listed_tickets
from halo_agent.models.offline.tool_names import NOTE, UPDATE
from halo_agent.models.offline.vocab import build_vocabulary
from tests.models.offline.test_writes_understanding import VOCAB
from tests.models.test_offline_requests import ALL_TOOLS, Chat

ADMIN_TOOLS = frozenset(ALL_TOOLS)


@pytest.mark.parametrize(
    "said",
    [
        "put 784 on hold and add an internal note: waiting on the replacement access point",
        "internal note on 784 - waiting on the replacement access point. and put it on hold",
        "add a hidden note to 784 saying waiting on the replacement access point, then set it to on hold",
    ],
)
def test_a_change_and_a_note_in_either_order_carry_both(said: str) -> None:
    intent = parse(said, VOCAB)
    assert intent.kind == "update"
    assert intent.slots == {"ticket_id": 784, "status": "On Hold", "hidden_from_user": True,
                            "note": "Waiting on the replacement access point."}


@pytest.mark.parametrize(
    ("said", "note"),
    [
        ("add a note to 784: user asked us to put it on hold until monday",
         "User asked us to put it on hold until monday."),
        ("add a note to 784: I spoke to the user, and set up a new vpn profile",
         "I spoke to the user, and set up a new vpn profile."),
    ],
)
def test_a_note_that_only_talks_about_a_change_stays_a_note(said: str, note: str) -> None:
    intent = parse(said, VOCAB)
    assert (intent.kind, intent.slots["note"]) == ("note", note)


def test_a_change_with_a_note_is_planned_as_both_calls_in_one_round_trip() -> None:
    reply = Chat("admin").say("bump 790 to high and add a note: user is presenting to the board tomorrow")
    assert [(c.name, c.arguments) for c in reply.tool_calls] == [
        (UPDATE, '{"ticket_id": 790, "priority": "High"}'),
        (NOTE, '{"ticket_id": 790, "note": "User is presenting to the board tomorrow."}'),
    ]


def test_a_write_that_landed_is_reported_beside_one_that_was_refused() -> None:
    intent = parse("set 790 to critical and add a note: outage for the whole site", VOCAB)
    steps = [
        Step(UPDATE, {"ticket_id": 790, "priority": "Critical"},
             {"status": "paused", "kind": "approval", "preview": "priority Medium -> Critical"}),
        Step(NOTE, {"ticket_id": 790, "note": "Outage for the whole site."},
             {"status": "ok", "result": {"ticket_id": 790, "visibility": "public"}}),
    ]
    answer = plan(Context(intent, VOCAB, ADMIN_TOOLS, steps))
    assert isinstance(answer, str)
    assert "needs approval" in answer and 'Added a note visible to the user to ticket #790' in answer


@pytest.mark.parametrize("said", ["assign 784 to me", "i'll take 784", "give it to myself, 784"])
def test_the_caller_is_the_assignee_when_the_system_prompt_gives_their_agent_id(said: str) -> None:
    assert parse(said, replace(VOCAB, me=1)).slots.get("agent_id") == 1


def test_without_the_caller_s_agent_id_to_me_is_not_guessed() -> None:
    intent = parse("assign 784 to me", VOCAB)
    assert intent.slots.get("agent_id") is None and intent.missing == "change"


def test_the_caller_s_agent_id_is_read_from_the_system_prompt() -> None:
    messages = [{"role": "system", "content": "You work for Alex, a service-desk agent (Halo agent id 7)."}]
    assert build_vocabulary(messages, []).me == 7
    assert build_vocabulary([], []).me is None


@pytest.mark.parametrize(
    ("said", "agent"),
    [("reassign 781 from Chloe to Ben", "Ben"), ("move 781 off chloe and onto ben carter", "ben carter")],
)
def test_the_agent_a_ticket_moves_from_is_understood_and_only_the_new_one_is_sent(
    said: str, agent: str
) -> None:
    reply = Chat("admin").say(said)
    assert [(c.name, c.arguments) for c in reply.tool_calls] == [
        (UPDATE, f'{{"ticket_id": 781, "agent": "{agent}"}}')]


@pytest.mark.parametrize(
    ("said", "calls"),
    [
        ("reopen 796, the user says it's slow again",
         [(UPDATE, '{"ticket_id": 796, "status": "Re-opened"}')]),
        ("take 794 off hold, the vendor is back", [(UPDATE, '{"ticket_id": 794, "status": "In Progress"}')]),
    ],
)
def test_a_reason_given_beside_a_change_is_not_a_constraint_left_unused(
    said: str, calls: list[tuple[str, str]]
) -> None:
    reply = Chat("admin").say(said)
    assert [(c.name, c.arguments) for c in reply.tool_calls] == calls


def test_words_nothing_understood_beside_a_change_are_still_named() -> None:
    reply = Chat("admin").say("set 790 to high, kestrel research")
    assert not reply.tool_calls and "'kestrel research'" in reply.text


@pytest.mark.parametrize(
    ("said", "tickets"),
    [("set 781 and 784 to low", (781, 784)), ("781, 784 -> low priority", (781, 784)),
     ("give #781 & #788 to grace", (781, 788)), ("set 788 to low and delete 797", ()),
     ("add a note to 790: rooms 101 and 102 are affected", ())],
)
def test_tickets_written_as_a_list_are_found_only_in_the_command(said: str, tickets: tuple[int, ...]) -> None:
    assert listed_tickets(said) == tickets


def test_one_change_for_several_tickets_is_one_call_each() -> None:
    reply = Chat("admin").say("give 781 & 788 to grace")
    assert [(c.name, c.arguments) for c in reply.tool_calls] == [
        (UPDATE, '{"ticket_id": 781, "agent": "grace"}'), (UPDATE, '{"ticket_id": 788, "agent": "grace"}')]


def test_one_note_for_several_tickets_is_one_call_each() -> None:
    reply = Chat("admin").say("add an internal note to 774 and 790: network maintenance tonight")
    note = '"note": "Network maintenance tonight.", "hidden_from_user": true}'
    assert [(c.name, c.arguments) for c in reply.tool_calls] == [
        (NOTE, '{"ticket_id": 774, ' + note), (NOTE, '{"ticket_id": 790, ' + note)]


def test_merging_two_tickets_is_still_named_as_not_possible() -> None:
    reply = Chat("admin").say("merge 781 and 790")
    assert not reply.tool_calls and "I can't merge tickets (ticket 781 and 790)" in reply.text
