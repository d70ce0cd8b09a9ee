"""The offline model reads a person's request and proposes the same tool calls an LLM would."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from halo_agent.agent.model import ChatModel, Message, ModelResponse
from halo_agent.examples import SEED_PROMPTS
from halo_agent.models.offline import OfflineModel
from halo_agent.tools.registry import default_registry

ALL_TOOLS = (
    "haloitsm_create_ticket",
    "haloitsm_get_ticket",
    "haloitsm_list_tickets",
    "haloitsm_update_ticket",
    "haloitsm_add_note",
    "haloitsm_resolve_ticket",
    "haloitsm_lookup",
    "haloitsm_ticket_options",
    "haloitsm_search_kb",
)
EMPLOYEE_TOOLS = tuple(t for t in ALL_TOOLS if t not in ("haloitsm_update_ticket", "haloitsm_lookup"))
SYSTEM_PROMPT = """You are the HaloITSM service-desk assistant.
This Halo instance:
- Ticket types: Incident, Problem, Change, Service Request
- Statuses: New, In Progress, Waiting on User, Waiting on Third Party, On Hold, Resolved, Closed, Re-opened
- Priorities: Critical, High, Medium, Low
- Teams: 1st Line Support, 2nd Line Support, Network, Service Desk Leads, Applications
"""


def tools_for(role: str) -> list[dict[str, Any]]:
    return default_registry().schemas(ALL_TOOLS if role == "admin" else EMPLOYEE_TOOLS)


class Chat:
    """A conversation in OpenAI format, replayed through the model one round trip at a time."""

    def __init__(self, role: str = "admin", model: ChatModel | None = None) -> None:
        self.role = role
        self.model = model or OfflineModel()
        self.messages: list[Message] = [{"role": "system", "content": SYSTEM_PROMPT}]

    def say(self, text: str) -> ModelResponse:
        self.messages.append({"role": "user", "content": text})
        return self.reply()

    def reply(self) -> ModelResponse:
        response = asyncio.run(self.model.complete(self.messages, tools_for(self.role)))
        if response.tool_calls:
            self.messages.append(
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": c.id,
                            "type": "function",
                            "function": {"name": c.name, "arguments": c.arguments},
                        }
                        for c in response.tool_calls
                    ],
                }
            )
        else:
            self.messages.append({"role": "assistant", "content": response.text})
        return response

    def answer(self, response: ModelResponse, *results: dict[str, Any]) -> ModelResponse:
        """Feed one tool result per proposed call, then ask the model for its next step."""
        assert len(results) == len(response.tool_calls)
        for call, result in zip(response.tool_calls, results, strict=True):
            self.messages.append({"role": "tool", "tool_call_id": call.id, "content": json.dumps(result)})
        return self.reply()


def only_call(response: ModelResponse) -> tuple[str, dict[str, Any]]:
    assert response.text is None, response.text
    assert len(response.tool_calls) == 1, response.tool_calls
    call = response.tool_calls[0]
    return call.name, json.loads(call.arguments)


def call_for(text: str, role: str = "admin") -> tuple[str, dict[str, Any]]:
    return only_call(Chat(role).say(text))


SEED_CALLS: dict[str, tuple[str, dict[str, Any]] | None] = {
    "admin_create_incident": (
        "haloitsm_create_ticket",
        {
            "summary": "Cannot access email application, connection timed out",
            "details": "Cannot access email application, connection timed out.",
            "ticket_type": "Incident",
            "priority": "Medium",
            "site": 18,
            "team": "1st Line Support",
        },
    ),
    "admin_list_agent_incidents": (
        "haloitsm_list_tickets",
        {"ticket_type": "Incident", "status": "open", "agent": 6},
    ),
    "admin_hidden_note": (
        "haloitsm_add_note",
        {
            "ticket_id": 789,
            "note": "Investigated — root cause is a DNS misconfiguration, escalating to L3.",
            "hidden_from_user": True,
        },
    ),
    "admin_reprioritise_reassign": (
        "haloitsm_update_ticket",
        {"ticket_id": 789, "priority": "High", "team": "2nd Line Support"},
    ),
    "admin_close_with_note": None,  # "summarising the fix" names no fix: it asks what the note should say
    "employee_open_ticket": (
        "haloitsm_create_ticket",
        {
            "summary": "My laptop drops off Wi-Fi every time it wakes from sleep",
            "details": "My laptop drops off Wi-Fi every time it wakes from sleep.",
        },
    ),
    "employee_ticket_status": ("haloitsm_get_ticket", {"ticket_id": 789}),
    "employee_add_note": ("haloitsm_list_tickets", {"mine": True, "status": "open"}),
    "employee_close_email_ticket": (
        "haloitsm_list_tickets",
        {"mine": True, "status": "open", "search": "email"},
    ),
}


@pytest.mark.parametrize("seed", SEED_PROMPTS, ids=lambda s: s.key)
def test_each_seed_prompt_proposes_the_expected_first_call(seed: Any) -> None:
    expected = SEED_CALLS[seed.key]
    if expected is None:
        response = Chat(seed.role).say(seed.text)
        assert not response.tool_calls and (response.text or "").rstrip().endswith("?")
    else:
        assert call_for(seed.text, seed.role) == expected


PARAPHRASES: list[tuple[str, str, str, dict[str, Any]]] = [
    # (role, text, tool, arguments that must be present with these values)
    (
        "admin",
        "Open an incident at site 18: projector in room 4 shows no picture. High priority, assign to "
        "2nd line support",
        "haloitsm_create_ticket",
        {
            "ticket_type": "Incident",
            "site": 18,
            "priority": "High",
            "team": "2nd Line Support",
            "summary": "Projector in room 4 shows no picture",
        },
    ),
    (
        "admin",
        "Please raise a service request for site 18 - new starter needs a laptop. Priority Medium.",
        "haloitsm_create_ticket",
        {
            "ticket_type": "Service Request",
            "priority": "Medium",
            "site": 18,
            "details": "New starter needs a laptop.",
        },
    ),
    (
        "admin",
        "log a ticket for site 18 about the broken badge reader, P1, route it to the Network team",
        "haloitsm_create_ticket",
        {"priority": "Critical", "site": 18, "team": "Network", "summary": "The broken badge reader"},
    ),
    (
        "employee",
        "Could you please open a ticket? Outlook crashes every time I open the calendar.",
        "haloitsm_create_ticket",
        {"summary": "Outlook crashes every time I open the calendar"},
    ),
    (
        "employee",
        "I need a new keyboard, can you raise a request?",
        "haloitsm_create_ticket",
        {"summary": "I need a new keyboard"},
    ),
    (
        "employee",
        "open a ticket for my broken monitor",
        "haloitsm_create_ticket",
        {"summary": "My broken monitor"},
    ),
    (
        "admin",
        "Show me open incidents for agent 6",
        "haloitsm_list_tickets",
        {"ticket_type": "Incident", "status": "open", "agent": 6},
    ),
    (
        "admin",
        "which incidents are assigned to agent 6?",
        "haloitsm_list_tickets",
        {"ticket_type": "Incident", "agent": 6},
    ),
    (
        "admin",
        "what open incidents does agent 6 have",
        "haloitsm_list_tickets",
        {"ticket_type": "Incident", "status": "open", "agent": 6},
    ),
    (
        "admin",
        "list closed tickets for 2nd Line Support",
        "haloitsm_list_tickets",
        {"status": "closed", "team": "2nd Line Support"},
    ),
    ("admin", "tickets with status Waiting on User", "haloitsm_list_tickets", {"status": "Waiting on User"}),
    ("admin", "show my tickets", "haloitsm_list_tickets", {"mine": True}),
    ("employee", "list my open requests", "haloitsm_list_tickets", {"mine": True, "status": "open"}),
    (
        "admin",
        "Put an internal note on #789 saying vendor promised a fix by Friday",
        "haloitsm_add_note",
        {"ticket_id": 789, "note": "Vendor promised a fix by Friday.", "hidden_from_user": True},
    ),
    (
        "admin",
        "add a private comment to ticket 789: called the user, no answer",
        "haloitsm_add_note",
        {"ticket_id": 789, "note": "Called the user, no answer.", "hidden_from_user": True},
    ),
    (
        "admin",
        "Add a public note to ticket 789: we are working on it",
        "haloitsm_add_note",
        {"ticket_id": 789, "note": "We are working on it.", "hidden_from_user": False},
    ),
    (
        "employee",
        "Please add a note to my ticket 789: I'm in the office all day tomorrow",
        "haloitsm_add_note",
        {"ticket_id": 789, "note": "I'm in the office all day tomorrow."},
    ),
    (
        "admin",
        "Bump ticket 789 to Critical",
        "haloitsm_update_ticket",
        {"ticket_id": 789, "priority": "Critical"},
    ),
    (
        "admin",
        "set the priority of 789 to low",
        "haloitsm_update_ticket",
        {"ticket_id": 789, "priority": "Low"},
    ),
    (
        "admin",
        "reassign 789 to 1st line",
        "haloitsm_update_ticket",
        {"ticket_id": 789, "team": "1st Line Support"},
    ),
    (
        "admin",
        "Please move ticket 789 to the second line support team and make it high priority",
        "haloitsm_update_ticket",
        {"ticket_id": 789, "priority": "High", "team": "2nd Line Support"},
    ),
    ("admin", "assign ticket 789 to agent 6", "haloitsm_update_ticket", {"ticket_id": 789, "agent": 6}),
    ("admin", "Set ticket 789 to On Hold", "haloitsm_update_ticket", {"ticket_id": 789, "status": "On Hold"}),
    (
        "admin",
        "Resolve ticket 790 with a public note: replaced the cable",
        "haloitsm_resolve_ticket",
        {"ticket_id": 790, "note": "Replaced the cable."},
    ),
    (
        "admin",
        "please close #790, note to user: certificate renewed",
        "haloitsm_resolve_ticket",
        {"ticket_id": 790, "note": "Certificate renewed."},
    ),
    ("admin", "790 can be closed", "haloitsm_resolve_ticket", {"ticket_id": 790}),
    ("employee", "It's fixed now, please close ticket 789", "haloitsm_resolve_ticket", {"ticket_id": 789}),
    ("employee", "any update on ticket 789?", "haloitsm_get_ticket", {"ticket_id": 789}),
    ("employee", "how is my ticket #789 going", "haloitsm_get_ticket", {"ticket_id": 789}),
    ("admin", "show ticket 789", "haloitsm_get_ticket", {"ticket_id": 789}),
    ("employee", "where are we with incident 789?", "haloitsm_get_ticket", {"ticket_id": 789}),
    (
        "employee",
        "how can I connect to the VPN from home?",
        "haloitsm_search_kb",
        {"query": "connect vpn home"},
    ),
    (
        "employee",
        "where do I find the guest wifi password",
        "haloitsm_search_kb",
        {"query": "guest wifi password"},
    ),
    (
        "employee",
        "How do I set up the printer on my Mac?",
        "haloitsm_search_kb",
        {"query": "printer mac"},
    ),
    (
        "employee",
        "is there a kb article about unlocking my account",
        "haloitsm_search_kb",
        {"query": "unlocking account"},
    ),
    (
        "employee",
        "My email works again, please close that ticket",
        "haloitsm_list_tickets",
        {"mine": True, "status": "open", "search": "email"},
    ),
    (
        "employee",
        "The email problem is sorted, you can close it",
        "haloitsm_list_tickets",
        {"mine": True, "status": "open", "search": "email"},
    ),
    (
        "employee",
        "close the ticket about email please, all good now",
        "haloitsm_list_tickets",
        {"mine": True, "status": "open", "search": "email"},
    ),
    (
        "employee",
        "what's the status of my email ticket?",
        "haloitsm_list_tickets",
        {"mine": True, "status": "open", "search": "email"},
    ),
    ("admin", "find users named emma", "haloitsm_lookup", {"kind": "users", "search": "emma"}),
    ("admin", "Which team is Sam Turner in?", "haloitsm_lookup", {"kind": "agents", "search": "Sam Turner"}),
    (
        "admin",
        "What team does Ben Carter belong to?",
        "haloitsm_lookup",
        {"kind": "agents", "search": "Ben Carter"},
    ),
    (
        "admin",
        "Which client does the Manchester Office site belong to?",
        "haloitsm_lookup",
        {"kind": "sites", "search": "Manchester Office"},
    ),
    (
        "admin",
        "What equipment is registered to Emma Hart?",
        "haloitsm_lookup",
        {"kind": "assets", "search": "Emma Hart"},
    ),
    (
        "admin",
        "What's Liam Cole's phone number?",
        "haloitsm_lookup",
        {"kind": "users", "search": "Liam Cole"},
    ),
    ("admin", "Which support teams do we have?", "haloitsm_lookup", {"kind": "teams"}),
    (
        "admin",
        "List the sites of Kestrel Research.",
        "haloitsm_lookup",
        {"kind": "clients", "search": "Kestrel Research"},
    ),
    ("employee", "Which teams are there?", "haloitsm_ticket_options", {}),
    (
        "employee",
        "Open a Critical ticket for me: my monitor flickers.",
        "haloitsm_create_ticket",
        {"priority": "Critical", "summary": "My monitor flickers", "details": "My monitor flickers."},
    ),
    (
        "employee",
        "My laptop won't charge its battery, I need a ticket opened.",
        "haloitsm_create_ticket",
        {"summary": "My laptop won't charge its battery"},
    ),
    (
        "admin",
        "New ticket for site 18, printer on floor two keeps jamming paper; priority high; "
        "team 1st Line Support.",
        "haloitsm_create_ticket",
        {
            "site": 18,
            "priority": "High",
            "team": "1st Line Support",
            "summary": "Printer on floor two keeps jamming paper",
        },
    ),
    (
        "admin",
        "Ticket 789: priority High, team 2nd Line Support.",
        "haloitsm_update_ticket",
        {"ticket_id": 789, "priority": "High", "team": "2nd Line Support"},
    ),
    (
        "admin",
        "Set the status of ticket 790 to Closed.",
        "haloitsm_resolve_ticket",
        {"ticket_id": 790, "status": "Closed"},
    ),
    (
        "admin",
        "Mark ticket 790 as resolved",
        "haloitsm_resolve_ticket",
        {"ticket_id": 790, "status": "Resolved"},
    ),
    (
        "admin",
        "Ticket 790 can be closed. Leave a user-visible note that the VPN cert was renewed "
        "and all is working.",
        "haloitsm_resolve_ticket",
        {"ticket_id": 790, "note": "The VPN cert was renewed and all is working."},
    ),
    (
        "employee",
        "Email is fixed now, close my ticket about it.",
        "haloitsm_list_tickets",
        {"mine": True, "status": "open", "search": "Email"},
    ),
    ("admin", "Search for tickets about printers.", "haloitsm_list_tickets", {"search": "printer"}),
    (
        "admin",
        "Show me the second page of all tickets assigned to agent 6.",
        "haloitsm_list_tickets",
        {"agent": 6, "page": 2},
    ),
    ("employee", "Where is my ticket 789 at?", "haloitsm_get_ticket", {"ticket_id": 789}),
    ("employee", "Password reset steps please.", "haloitsm_search_kb", {"query": "password reset"}),
    ("employee", "The printer keeps jamming, is there anything I can try myself?", "haloitsm_search_kb", {}),
    ("employee", "Outlook keeps asking for my password. Any tips?", "haloitsm_search_kb", {}),
    ("admin", "what priorities are there", "haloitsm_ticket_options", {}),
]


@pytest.mark.parametrize(
    ("role", "text", "tool", "expected"), PARAPHRASES, ids=[p[1][:40] for p in PARAPHRASES]
)
def test_everyday_paraphrases_propose_the_right_call(
    role: str, text: str, tool: str, expected: dict[str, Any]
) -> None:
    name, args = call_for(text, role)
    assert name == tool
    assert {key: args.get(key) for key in expected} == expected


def test_an_employee_listing_is_always_their_own_tickets() -> None:
    assert call_for("list open tickets", "employee")[1]["mine"] is True


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("list incidents for agent 6", None),  # like the tool: no status named, every status
        ("list all tickets for agent 6", None),
        ("How many tickets does agent 6 have in total, open or closed?", None),
        ("How many tickets does agent 6 have in total?", None),
        ("list all open incidents for agent 6", "open"),
        ("which incidents are still open for agent 6?", "open"),
        ("closed tickets for agent 6", "closed"),
    ],
)
def test_a_listing_filters_by_status_only_when_one_is_named(text: str, status: str | None) -> None:
    assert call_for(text)[1].get("status") == status


def test_a_note_without_a_visibility_word_leaves_the_tools_default() -> None:
    assert "hidden_from_user" not in call_for("note on 789: waiting for parts")[1]


def test_words_inside_the_note_do_not_change_its_visibility() -> None:
    _, args = call_for("Add a note to ticket 789: the user asked for a private callback")
    assert "hidden_from_user" not in args


def test_a_problem_description_mentioning_low_is_not_a_priority() -> None:
    _, args = call_for("Open a ticket: the printer is low on toner", "employee")
    assert "priority" not in args
    assert args["details"] == "The printer is low on toner."


def test_names_come_from_the_system_prompt_not_hard_coded_defaults() -> None:
    chat = Chat()
    chat.messages[0]["content"] = SYSTEM_PROMPT.replace(
        "Critical, High, Medium, Low", "P1 - Urgent, P2 - Normal"
    )
    assert only_call(chat.say("change the priority of ticket 789 to urgent"))[1]["priority"] == "P1 - Urgent"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("open a ticket", "What's the problem"),
        ("Please open a ticket for me", "What's the problem"),
        ("add a note to ticket 789", "note on ticket #789"),
        ("add a hidden note: called the user", "Which ticket"),
        ("change the priority of ticket 789", "Critical, High, Medium or Low"),
        ("reassign ticket 789", "What should I change on ticket #789"),
    ],
)
def test_a_missing_detail_is_asked_for_instead_of_guessed(text: str, expected: str) -> None:
    response = Chat().say(text)
    assert response.tool_calls == []
    assert response.text is not None and expected in response.text and response.text.rstrip().endswith("?")


@pytest.mark.parametrize("text", ["hello", "Good morning!", "thanks!", "thank you very much", "help"])
def test_small_talk_gets_a_polite_answer_and_no_call(text: str) -> None:
    response = Chat().say(text)
    assert response.tool_calls == [] and response.text


@pytest.mark.parametrize("text", ["what's the weather in Paris?", "write me a poem about printers"])
def test_a_request_it_cannot_read_says_an_llm_is_needed(text: str) -> None:
    response = Chat().say(text)
    assert response.tool_calls == []
    assert (
        response.text is not None and "offline model" in response.text and "OPENAI_API_KEY" in response.text
    )


@pytest.mark.parametrize(
    "text",
    [
        "Bump ticket 789 to Critical",
        "reassign ticket 789 to 2nd Line Support",
        "Make my ticket 789 Critical priority.",
    ],
)
def test_an_employee_is_told_plainly_what_their_access_does_not_include(text: str) -> None:
    response = Chat("employee").say(text)
    assert response.tool_calls == []
    assert response.text is not None and "can't" in response.text and "add a note" in response.text


@pytest.mark.parametrize("text", ["What's Liam Cole's phone number?", "What equipment does Emma Hart have?"])
def test_an_employee_asking_for_the_directory_is_told_it_is_not_in_their_access(text: str) -> None:
    response = Chat("employee").say(text)
    assert response.tool_calls == []
    assert response.text is not None and "can't look up the directory" in response.text


def test_a_bare_yes_with_nothing_pending_changes_nothing() -> None:
    response = Chat().say("yes")
    assert response.tool_calls == [] and response.text


def test_calls_have_fresh_ids_json_arguments_and_offered_names() -> None:
    first = Chat().say("show ticket 789").tool_calls[0]
    second = Chat().say("show ticket 789").tool_calls[0]
    assert first.id != second.id
    assert json.loads(first.arguments) == {"ticket_id": 789}
    assert first.name in ALL_TOOLS


def test_the_model_is_named_offline_and_streams_its_text() -> None:
    seen: list[str] = []
    model = OfflineModel()
    messages: list[Message] = [{"role": "user", "content": "hello"}]
    response = asyncio.run(model.complete(messages, tools_for("admin"), on_text=seen.append))
    assert model.name == "offline"
    assert seen == [response.text]
