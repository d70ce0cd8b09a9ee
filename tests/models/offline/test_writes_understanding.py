"""The write requests' understanding stages alone: people in lower case, a note with a close, "update N",
a new ticket's missing site, the priority phrase beside a description, fields no tool can set."""

from __future__ import annotations

import pytest

from halo_agent.models.offline.coverage import partial_answer, unused
from halo_agent.models.offline.create_slots import describe_problem
from halo_agent.models.offline.entities import find_entities
from halo_agent.models.offline.fixed_fields import find_fixed_fields
from halo_agent.models.offline.parse import Intent, parse
from halo_agent.models.offline.people import find_people
from halo_agent.models.offline.replies import ask_for
from halo_agent.models.offline.vocab import Vocabulary

VOCAB = Vocabulary(
    teams=("1st Line Support", "2nd Line Support", "Network", "Service Desk Leads", "Applications"),
    statuses=("New", "In Progress", "Waiting on User", "Waiting on Third Party", "On Hold", "Re-opened"),
    types=("Incident", "Problem", "Change", "Service Request"),
)


# --- people ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("said", "name", "role"),
    [
        ("raise a ticket for liam: his monitor flickers", "liam", "requester"),
        ("new ticket for emma hart, laptop won't charge", "emma hart", "requester"),
        ("emma hart needs a ticket: laptop won't charge", "emma hart", "requester"),
        ("790: high prio, assign to grace lin", "grace lin", "assignee"),
        ("797 should go to omar haddad", "omar haddad", "assignee"),
        ("hand 790 over to sam and make it high", "sam", "assignee"),
        ("raise a P2 for emma - outlook keeps crashing", "emma", "requester"),
        ("move 781 off chloe and onto ben carter", "ben carter", "assignee"),
        ("797: assign ben, prio low", "ben", "assignee"),
        ("can ben take 797?", "ben", "assignee"),
    ],
)
def test_a_lower_case_name_is_a_person_where_its_anchor_leaves_no_other_reading(
    said: str, name: str, role: str
) -> None:
    people = find_people(said, VOCAB)
    assert [(p.name, p.role) for p in people] == [(name, role)]


@pytest.mark.parametrize(
    "said",
    [
        "move it to waiting on user",  # a status, not a person called "waiting on"
        "give 790 to waiting on user",
        "new ticket for printer jam, floor 2",  # what it is about
        "open a ticket for vpn issues: drops hourly",
        "log a new ticket for liam.cole@example.com: keyboard missing keys",  # the email is the person
        "we need a ticket for the printer",
    ],
)
def test_words_in_a_name_s_place_that_are_not_a_person_are_left_alone(said: str) -> None:
    assert find_people(said, VOCAB) == ()


# --- intent and slots -----------------------------------------------------------------------------------

def test_a_note_that_ends_in_closing_the_ticket_is_a_close_with_that_note() -> None:
    intent = parse("add a note to 797 saying the teams client was reinstalled and close it", VOCAB)
    closing = {"ticket_id": 797, "note": "The teams client was reinstalled."}
    assert (intent.kind, intent.slots) == ("resolve", closing)


def test_a_note_mentioning_closing_inside_its_words_stays_a_note() -> None:
    intent = parse("add a note to 797: user asked us not to close it yet", VOCAB)
    assert intent.kind == "note" and intent.slots["note"] == "User asked us not to close it yet."


def test_a_hidden_note_with_a_close_is_named_because_a_closing_note_is_always_visible() -> None:
    intent = parse("add an internal note to 797: client reinstalled, then close the ticket", VOCAB)
    assert intent.kind == "resolve"
    problems = unused(intent, find_entities(intent.text, VOCAB))
    assert [p.phrase for p in problems] == ["hidden note"]


@pytest.mark.parametrize("said", ["update 792", "change ticket 792", "please amend #792"])
def test_update_and_a_ticket_alone_asks_what_to_change(said: str) -> None:
    intent = parse(said, VOCAB)
    assert (intent.kind, intent.slots.get("ticket_id"), intent.missing) == ("update", 792, "change")


@pytest.mark.parametrize(
    ("said", "missing"),
    [
        ("log an incident: the badge reader at reception is dead, high", "site"),
        ("raise a ticket for liam: his second monitor keeps flickering, high", None),  # his own site
        ("open a ticket at Leeds Plant: the badge reader is dead, high", None),
        ("raise an incident for site 18: projector keeps switching off, low", None),
        ("log an incident: the badge reader at reception is dead", "priority"),  # asked first
    ],
)
def test_staff_are_asked_where_a_new_ticket_belongs_when_they_name_no_site_or_person(
    said: str, missing: str | None
) -> None:
    assert parse(said, VOCAB, asks_priority=True).missing == missing


def test_an_employee_s_new_ticket_is_placed_by_the_tool_so_nothing_is_asked() -> None:
    assert parse("open a ticket: the badge reader is dead", VOCAB).missing is None


@pytest.mark.parametrize(
    ("said", "details"),
    [
        ("open a ticket, low priority: projector in the boardroom has no picture",
         "Projector in the boardroom has no picture."),
        ("new incident, high priority: badge reader at reception not working",
         "Badge reader at reception not working."),
        ("open a ticket with priority high please: the printer is jammed", "The printer is jammed."),
        ("create an incident, priority Urgent. Printer jammed on floor 2", "Printer jammed on floor 2."),
        ("new incident for emma, high: outlook keeps crashing", "Outlook keeps crashing."),
        ("create incident: error: 0x8007 access denied", "Error: 0x8007 access denied."),
    ],
)
def test_a_priority_phrase_never_takes_the_first_word_of_the_problem(said: str, details: str) -> None:
    assert describe_problem(said, VOCAB) == details


# --- fields no tool can set -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("said", "fields"),
    [
        ("change the SLA on 790 to Research SLA", ("SLA to 'Research SLA'",)),
        ("put 790 on the research sla", ("SLA",)),
        ("set the category on 790 to Network Hardware", ("category to 'Network Hardware'",)),
        ("790 type should be problem", ("type to 'problem'",)),
        ("set 790 to high and give it to grace", ()),
        ("set 781 to waiting on the customer", ()),
        ("put 790 on hold", ()),
        ("change the requester on 790 to emma.hart@example.com", ("requester to 'emma.hart@example.com'",)),
        ("move 790 to the Leeds Plant site", ("site to 'Leeds Plant site'",)),
        ("what site is 790 at", ()),  # a question
        ("give 790 to grace at the Leeds site", ()),  # an assignment
    ],
)
def test_fields_no_tool_can_set_are_found_with_the_value_asked_for(
    said: str, fields: tuple[str, ...]
) -> None:
    assert find_fixed_fields(said) == fields


def test_a_field_no_tool_can_set_is_named_and_its_value_is_not_offered_as_a_team() -> None:
    intent = parse("set the category on 790 to Network Hardware", VOCAB)
    problems = unused(intent, find_entities(intent.text, VOCAB))
    answer = partial_answer(intent, problems)
    assert answer == ("I can't change a ticket's category to 'Network Hardware' (ticket 790). "
                      "Nothing has been changed.")


def test_a_new_ticket_may_name_its_type_because_the_create_tool_sets_it() -> None:
    intent = parse("create a ticket of type problem: printers drop off the network daily, low", VOCAB)
    assert not [p for p in unused(intent, find_entities(intent.text, VOCAB)) if "type" in p.phrase]


# --- questions ------------------------------------------------------------------------------------------

def test_the_question_for_a_note_s_text_never_names_a_ticket_it_does_not_have() -> None:
    question = ask_for(Intent("note", "add a note to my docking station ticket", {}, "note"), VOCAB)
    assert question == "What should the note say?"
    assert "#None" not in question


def test_the_question_for_a_site_ends_in_a_question_mark_so_a_short_answer_completes_it() -> None:
    assert ask_for(Intent("create", "", {}, "site"), VOCAB).endswith("?")


@pytest.mark.parametrize(
    ("said", "named"),
    [
        ("set 788 to low and delete 797", "I can't delete tickets (ticket 797)"),
        ("can you merge tickets 792 and 880", "I can't merge tickets (ticket 792 and 880)"),
        ("delete 797, and set 788 to low", "I can't delete tickets (ticket 797)"),
    ],
)
def test_an_impossible_action_names_only_the_tickets_of_its_own_clause(said: str, named: str) -> None:
    intent = parse(said, VOCAB)
    problems = unused(intent, find_entities(intent.text, VOCAB))
    assert named + "." in partial_answer(intent, problems)


def test_a_site_asked_for_an_existing_ticket_is_named_once_as_a_field_no_tool_sets() -> None:
    intent = parse("move 790 to the Leeds Plant site", VOCAB)
    answer = partial_answer(intent, unused(intent, find_entities(intent.text, VOCAB)))
    assert answer == ("I can't change a ticket's site to 'Leeds Plant site' (ticket 790). "
                      "Nothing has been changed.")


@pytest.mark.parametrize("said", ["take 794 off hold, the vendor is back", "794 off hold please"])
def test_off_hold_is_back_to_in_progress(said: str) -> None:
    intent = parse(said, VOCAB)
    assert (intent.kind, intent.slots.get("status")) == ("update", "In Progress")


def test_a_site_typed_in_lower_case_in_the_command_goes_with_the_requester() -> None:
    said = "raise a ticket for liam at hull depot: his phone is cracked, low"
    intent = parse(said, VOCAB, asks_priority=True)
    assert {k: intent.slots.get(k) for k in ("user_email", "site_name", "details")} == {
        "user_email": "liam", "site_name": "hull depot", "details": "His phone is cracked."}


def test_a_place_inside_the_description_is_where_in_a_site_not_which_site() -> None:
    said = "open a ticket: the printer in the back office is jammed, low"
    intent = parse(said, VOCAB, asks_priority=True)
    assert intent.slots.get("site_name") is None and intent.missing == "site"


@pytest.mark.parametrize("said", ["unassign 790", "give 790 to nobody", "remove the agent from 790"])
def test_taking_the_agent_off_a_ticket_is_named_and_never_offered_as_closing_it(said: str) -> None:
    intent = parse(said, VOCAB)
    answer = partial_answer(intent, unused(intent, find_entities(intent.text, VOCAB)))
    assert answer.startswith("I can't change a ticket's agent to no one (ticket 790)")
    assert "close" not in answer
