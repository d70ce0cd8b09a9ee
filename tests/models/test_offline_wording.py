"""How the offline model words what happened, as a demanding service-desk admin reads it: counts agree
with their nouns, people come before their ids, a note's readers are named from the reader's side, a
ticket's summary is the problem (not "Hi, …" or "… thanks"), tables are Markdown for the channel to
draw, and no sentence ends twice."""

from __future__ import annotations

import re

import pytest

from halo_agent.channels.markdown_tables import MarkdownTable, split_blocks
from halo_agent.models.offline.answers import answer_step
from halo_agent.models.offline.arguments import headline
from halo_agent.models.offline.lookup_answers import answer_articles
from halo_agent.models.offline.results import Step
from tests.models.test_offline_plans import EMAIL_TICKET, ok, tickets, untrusted
from tests.models.test_offline_requests import Chat, only_call

DOUBLED = re.compile(r"\.\.(?!\.)|\.\s+\.|[?!]\.|[.?!]['\"][.]")


def test_one_ticket_is_a_ticket_and_several_are_tickets() -> None:
    chat = Chat("employee")
    one = chat.answer(chat.say("show my open tickets"), tickets(EMAIL_TICKET)).text or ""
    assert one.startswith("You have 1 open ticket:"), one
    chat = Chat("employee")
    request = chat.say("Add a note to my open ticket: tried rebooting twice")
    two = chat.answer(request, tickets(EMAIL_TICKET, {**EMAIL_TICKET, "id": 790})).text or ""
    assert two.startswith("You have 2 open tickets:"), two


def test_a_list_for_an_agent_by_number_names_the_agent_first() -> None:
    chat = Chat()
    request = chat.say("List open incidents assigned to agent 6")
    row = {**EMAIL_TICKET, "agent": "Sam Turner"}
    text = chat.answer(request, tickets(row)).text or ""
    assert text.startswith("1 open Incident assigned to Sam Turner (agent 6):"), text


def test_a_list_is_a_markdown_table_for_the_channel_to_draw() -> None:
    chat = Chat()
    rows = tickets(EMAIL_TICKET, {**EMAIL_TICKET, "id": 790, "summary": "VPN | drops"})
    text = chat.answer(chat.say("List open incidents assigned to agent 6"), rows).text or ""
    table = next(block for block in split_blocks(text) if isinstance(block, MarkdownTable))
    assert table.columns[:3] == ["#", "Summary", "Status"]
    assert [row[:2] for row in table.rows] == [["789", "Cannot access email"], ["790", "VPN | drops"]]
    assert "-----" not in text and " | " + " " * 5 not in text  # no fixed-width padding


def _note_step(hidden: bool = False) -> Step:
    args = {"ticket_id": 789, "note": "Tried rebooting twice.", "hidden_from_user": hidden}
    visibility = "hidden" if hidden else "public"
    return Step("haloitsm_add_note", args, ok({"ticket_id": 789, "visibility": visibility}))


def test_an_employee_is_told_their_note_is_seen_by_them_and_the_it_team() -> None:
    text = answer_step(_note_step(), staff=False)
    assert text == 'Added your note to ticket #789 (you and the IT team can see it): "Tried rebooting twice."'
    assert "the user" not in text


def test_an_agent_is_told_who_can_read_a_note() -> None:
    assert "a note visible to the user" in answer_step(_note_step(), staff=True)
    assert "not visible to the user" in answer_step(_note_step(hidden=True), staff=True)


def test_an_employee_closing_their_ticket_is_told_the_note_is_theirs() -> None:
    step = Step("haloitsm_resolve_ticket", {"ticket_id": 789, "note": "Working again."},
                ok({"ticket_id": 789, "changed": ["status In Progress -> Closed"]}))
    assert answer_step(step, staff=False).endswith('Your note "Working again." is on the ticket for you and '
                                                  "the IT team.")
    assert 'The note "Working again." is visible to the user.' in answer_step(step, staff=True)


@pytest.mark.parametrize(
    ("summary", "details", "expected"),
    [
        ("Hi, my laptop drops off Wi-Fi every time it wakes from sleep", "",
         "My laptop drops off Wi-Fi every time it wakes from sleep"),
        ("Hello IT team, the printer on floor 2 jams, thanks!", "", "The printer on floor 2 jams"),
        ("Hi", "Hi. My monitor flickers. Cheers, Emma", "My monitor flickers"),
        ("Good morning! Outlook crashes on start", "", "Outlook crashes on start"),
        ("Outlook crashes, many thanks in advance", "", "Outlook crashes"),
        ("High CPU on the file server", "", "High CPU on the file server"),  # "Hi" only as a word
        ("Thanks to the update, Teams will not start", "", "Thanks to the update, Teams will not start"),
    ],
)
def test_a_summary_leaves_out_greetings_and_sign_offs(summary: str, details: str, expected: str) -> None:
    assert headline(summary, details) == expected


def test_a_created_ticket_from_a_greeting_has_the_problem_as_its_summary() -> None:
    _, args = only_call(Chat("employee").say("Open a ticket: Hi, my scanner sends blank pages. Thanks!"))
    assert args["summary"] == "My scanner sends blank pages"
    assert args["details"].startswith("Hi, my scanner")  # the person's words stay whole in the details


def test_a_created_ticket_is_reported_with_its_type_summary_and_requester() -> None:
    created = ok({"ticket_id": 900, "created": "New Incident 'Printer jams': for Emma Hart",
                  "summary": "Printer jams", "ticket_type": "Incident", "changes": ["for Emma Hart"]})
    text = answer_step(Step("haloitsm_create_ticket", {"summary": "Printer jams"}, created), staff=False)
    assert text == 'Opened ticket #900: "Printer jams" (Incident, for Emma Hart).'


def test_directory_answers_name_people_first_and_their_id_after() -> None:
    found = untrusted({"agents": [{"id": 6, "name": "Sam Turner", "team": "2nd Line Support"}], "total": 1})
    text = answer_step(Step("haloitsm_lookup", {"kind": "agents", "search": "Sam"}, found), staff=True)
    assert text == "1 agent:\n  Sam Turner (agent 6, team 2nd Line Support)"


@pytest.mark.parametrize(
    "step",
    [
        Step("haloitsm_create_ticket", {}, {"status": "refused", "reason": "employees cannot raise Critical.",
                                            "rule": "employee-no-critical"}),
        Step("haloitsm_create_ticket", {}, {"status": "refused", "reason": "not allowed."}),
        Step("haloitsm_get_ticket", {}, {"status": "error", "error": "Ticket #1 was not found."}),
        Step("haloitsm_get_ticket", {}, {"status": "error", "error": "Halo is down.", "correctable": False}),
        Step("haloitsm_create_ticket", {}, {"status": "error", "error": "no answer.", "outcome": "unknown"}),
        Step("haloitsm_lookup", {"kind": "users", "search": "who is Zed?"}, untrusted({"users": []})),
        Step("haloitsm_create_ticket", {}, ok({"ticket_id": 5, "created": "New Incident 'Printer jams.'"})),
    ],
)
def test_no_sentence_ends_twice(step: Step) -> None:
    text = answer_step(step, staff=True)
    assert not DOUBLED.search(text), text


def test_a_question_quoted_back_does_not_end_twice() -> None:
    text = answer_articles([], "how do I fix the fax?")
    assert "'how do I fix the fax'." in text and not DOUBLED.search(text)



def test_a_refusal_or_error_names_the_ticket_it_was_about() -> None:
    refused = Step("haloitsm_add_note", {"ticket_id": 789}, {"status": "refused", "reason": "no"})
    assert answer_step(refused, staff=False).startswith("I couldn't add the note to ticket #789: no.")
    failed = Step("haloitsm_resolve_ticket", {"ticket_id": 790}, {"status": "error", "error": "is Closed"})
    assert answer_step(failed, staff=True).startswith("I couldn't close ticket #790: is Closed.")
