"""Short replies to the offline model's own questions about a write complete the pending request: where a
new ticket belongs ("site is Leeds Plant", "it's for liam"), what to change ("make it high")."""

from __future__ import annotations

import pytest

from halo_agent.models.offline.followup import follow_up
from halo_agent.models.offline.parse import parse
from tests.models.offline.test_writes_understanding import VOCAB
from tests.models.test_offline_requests import Chat, only_call


@pytest.mark.parametrize(
    ("answer", "slots"),
    [
        ("site is Leeds Plant", {"site_name": "Leeds Plant"}),
        ("Leeds Plant", {"site_name": "Leeds Plant"}),
        ("at the hull depot", {"site_name": "hull depot"}),
        ("site 18", {"site_id": 18}),
        ("it's for emma.hart@example.com", {"user_email": "emma.hart@example.com"}),
        ("it's for liam", {"user_email": "liam"}),
        ("Liam Cole", {"user_email": "Liam Cole"}),
    ],
)
def test_the_answer_to_where_a_ticket_belongs_is_a_site_or_the_requester(
    answer: str, slots: dict[str, object]
) -> None:
    asked = parse("log an incident: the badge reader at reception is dead, high", VOCAB, asks_priority=True)
    done = follow_up(asked, answer, VOCAB, asks_priority=True)
    assert done is not None and done.missing is None
    assert {key: done.slots.get(key) for key in slots} == slots
    assert done.slots["priority"] == "High" and "badge reader" in done.slots["details"]


def test_a_long_new_request_is_not_taken_as_the_site() -> None:
    asked = parse("log an incident: the badge reader at reception is dead, high", VOCAB, asks_priority=True)
    assert follow_up(asked, "actually can you list my open tickets for the network team please", VOCAB,
                     asks_priority=True) is None


def test_staff_raising_a_ticket_without_a_site_are_asked_then_the_reply_creates_it() -> None:
    chat = Chat("admin")
    question = chat.say("log an incident: the badge reader at reception is dead, high")
    assert not question.tool_calls and question.text.startswith("Which site")
    name, args = only_call(chat.say("site is Leeds Plant"))
    assert name == "haloitsm_create_ticket"
    assert (args["site"], args["priority"]) == ("Leeds Plant", "High")


def test_a_ticket_for_a_person_named_in_lower_case_goes_to_them_so_halo_uses_their_site() -> None:
    chat = Chat("admin")
    question = chat.say("raise a ticket for liam: his second monitor keeps flickering")
    assert question.text.startswith("What priority")
    name, args = only_call(chat.say("medium"))
    assert name == "haloitsm_create_ticket"
    summary = "His second monitor keeps flickering"
    assert (args["user"], args["priority"], args["summary"]) == ("liam", "Medium", summary)


def test_update_and_a_number_asks_what_to_change_and_the_reply_changes_it() -> None:
    chat = Chat("admin")
    assert chat.say("update 792").text.startswith("What should I change on ticket #792")
    changed = only_call(chat.say("make it high"))
    assert changed == ("haloitsm_update_ticket", {"ticket_id": 792, "priority": "High"})


def test_a_note_with_a_close_proposes_one_close_carrying_the_note() -> None:
    chat = Chat("admin")
    call = only_call(chat.say("add a note to 797 saying the teams client was reinstalled and close it"))
    closing = {"ticket_id": 797, "note": "The teams client was reinstalled."}
    assert call == ("haloitsm_resolve_ticket", closing)


@pytest.mark.parametrize("said", ["change the SLA on 790 to Research SLA", "put 790 on the research sla"])
def test_changing_a_field_no_tool_sets_changes_nothing_and_says_so(said: str) -> None:
    reply = Chat("admin").say(said)
    assert not reply.tool_calls and "I can't change a ticket's SLA" in reply.text
