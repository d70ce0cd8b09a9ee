"""Replies to the model's questions and offers, and everyday ways of asking for a write: which of my
tickets by what it is about, a name alone, "yes log it please", "789: <news>", "close one of my tickets"."""

from __future__ import annotations

import pytest

from halo_agent.models.offline.followup import follow_up
from halo_agent.models.offline.parse import Intent, parse
from tests.models.offline.test_writes_understanding import VOCAB
from tests.models.test_offline_requests import Chat, only_call


@pytest.mark.parametrize(
    ("said", "kind", "slots"),
    [
        ("can you update my ticket - the new dock arrived today", "note",
         {"ticket_id": None, "note": "The new dock arrived today.", "my_ticket": True}),
        ("reply on 789 - tried the new password, still rejected", "note",
         {"ticket_id": 789, "note": "Tried the new password, still rejected."}),
        ("789: tried the new password and it's still rejected", "note",
         {"ticket_id": 789, "note": "Tried the new password and it's still rejected."}),
        ("close one of my tickets please", "resolve", {"ticket_id": None}),
        ("788 needs a new owner", "update", {"ticket_id": 788}),
    ],
)
def test_everyday_write_wordings_are_read_as_the_write(
    said: str, kind: str, slots: dict[str, object]
) -> None:
    intent = parse(said, VOCAB)
    assert (intent.kind, intent.slots) == (kind, slots)


@pytest.mark.parametrize("said", ["789: any update?", "789: what's happening"])
def test_a_question_after_a_ticket_number_is_still_a_question(said: str) -> None:
    assert parse(said, VOCAB).kind == "status"


def test_a_problem_told_with_a_noise_is_offered_a_ticket() -> None:
    assert parse("my laptop fan is making a grinding noise", VOCAB).kind == "offer"


@pytest.mark.parametrize(
    ("answer", "topic"),
    [("the docking station one", "docking station"), ("the finance one", "finance"),
     ("the one about the dock", "dock"), ("its the email ticket", "email")],
)
def test_which_of_my_tickets_may_be_answered_by_what_it_is_about(answer: str, topic: str) -> None:
    asked = parse("add a note to my ticket: I'll be out on friday", VOCAB)
    done = follow_up(asked, answer, VOCAB)
    assert done is not None and done.slots["topic"] == topic and done.slots["my_ticket"] is True


def test_an_ordinal_is_not_taken_as_what_the_ticket_is_about() -> None:
    asked = parse("add a note to my ticket: I'll be out on friday", VOCAB)
    assert follow_up(asked, "the second one", VOCAB) is None


def test_a_desk_note_without_a_ticket_is_not_searched_by_topic() -> None:
    asked = parse("add an internal note: vendor replied", VOCAB)
    assert follow_up(asked, "the vpn one", VOCAB) is None


@pytest.mark.parametrize(("answer", "agent"), [("grace", "grace"), ("Omar Haddad", "Omar Haddad")])
def test_a_name_alone_answers_what_to_change(answer: str, agent: str) -> None:
    asked = Intent("update", "reassign 788", {"ticket_id": 788}, "change")
    done = follow_up(asked, answer, VOCAB)
    assert done is not None and done.slots["agent_name"] == agent


def test_a_word_that_is_no_name_does_not_become_an_agent() -> None:
    asked = Intent("update", "reassign 788", {"ticket_id": 788}, "change")
    assert follow_up(asked, "printer", VOCAB) is None


def test_yes_log_it_please_takes_the_offered_ticket() -> None:
    chat = Chat("employee")
    offer = chat.say("outlook keeps asking for my password")
    assert offer.text.endswith("Shall I open a ticket for it?")
    name, args = only_call(chat.say("yes log it please"))
    assert (name, args["summary"]) == ("haloitsm_create_ticket", "Outlook keeps asking for my password")
