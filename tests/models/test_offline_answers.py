"""The offline model's final answers: after a confirmation, for long lists and their pages, for updates
that were partly no-ops, and for how-to questions phrased in many words."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from halo_agent.agent.events import AgentEvent, FinalAnswer, Paused
from halo_agent.agent.service import AgentService
from halo_agent.config import Settings
from halo_agent.examples import DEMO_ADMIN_AGENT_ID, DEMO_EMPLOYEE_EMAIL
from halo_agent.models.offline import OfflineModel
from halo_agent.models.offline.answers import readable_time
from halo_agent.principal import Principal
from tests.models.test_offline_plans import EMAIL_TICKET, ok, untrusted
from tests.models.test_offline_requests import Chat, only_call

CLOSE_790 = "Close ticket 790 with a note visible to the user: the VPN certificate was renewed, all working."
CLOSE_NOTE = "The VPN certificate was renewed, all working."


def _after_yes(tool_message: dict[str, Any]) -> Chat:
    """The history the loop builds when the person confirms a paused close (see loop._record_resumed)."""
    chat = Chat()
    request = chat.say(CLOSE_790)
    paused = {"status": "paused", "kind": "confirmation", "pending_id": "p1", "preview": "close 790"}
    call_id, arguments = request.tool_calls[0].id, request.tool_calls[0].arguments
    confirmed = {"id": "confirmed_p1", "type": "function",
                 "function": {"name": "haloitsm_resolve_ticket", "arguments": arguments}}
    chat.messages += [
        {"role": "tool", "tool_call_id": call_id, "content": json.dumps(paused)},
        {"role": "assistant", "content": "Waiting for the person to confirm (p1): close 790"},
        {"role": "user", "content": "yes"},
        {"role": "assistant", "content": None, "tool_calls": [confirmed]},
        {"role": "tool", "tool_call_id": "confirmed_p1", "content": json.dumps(tool_message)},
    ]
    return chat


def test_after_a_yes_the_answer_reports_the_confirmed_close() -> None:
    closed = ok({"ticket_id": 790, "changed": ["status In Progress -> Closed",
                                               f"note visible to the user: '{CLOSE_NOTE}'"]})
    final = _after_yes(closed).reply()
    assert final.text is not None and not final.tool_calls
    assert "Ticket #790 is now Closed (was In Progress)" in final.text
    assert f'"{CLOSE_NOTE}" is visible to the user' in final.text
    assert "nothing waiting" not in final.text


def test_after_a_yes_a_failed_call_is_explained_not_claimed_done() -> None:
    failed = {"status": "error", "error": "ticket 790 is already Closed"}
    final = _after_yes(failed).reply()
    assert final.text is not None
    assert "already Closed" in final.text and not final.text.startswith("Done")


def test_a_yes_with_nothing_pending_says_so() -> None:
    final = Chat().say("yes")
    assert final.text is not None and "nothing waiting for a yes or no" in final.text


# --- end to end: the loop, the executor and the sandbox -----------------------------------------------


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[AgentService]:
    created = await AgentService.create(Settings(home=tmp_path / "home"), model=OfflineModel())
    yield created
    await created.aclose()


async def _say(service: AgentService, who: Principal, text: str) -> list[AgentEvent]:
    return [event async for event in service.handle(text, who, "s1")]


async def test_confirming_a_close_in_the_loop_reports_the_new_status(service: AgentService) -> None:
    admin = await service.resolve_principal("admin", agent_id=DEMO_ADMIN_AGENT_ID)
    assert any(isinstance(e, Paused) for e in await _say(service, admin, CLOSE_790))
    events = await _say(service, admin, "yes")
    final = events[-1]
    assert isinstance(final, FinalAnswer) and "#790 is now Closed" in final.text
    assert service.sandbox is not None
    metadata = await service.client.metadata()
    ticket = service.sandbox.state_store.ticket(790)
    assert ticket is not None and ticket["status_id"] in metadata.closed_status_ids


async def test_how_do_i_reset_my_password_quotes_the_reset_article(service: AgentService) -> None:
    emma = await service.resolve_principal("employee", email=DEMO_EMPLOYEE_EMAIL)
    final = (await _say(service, emma, "How do I reset my password?"))[-1]
    assert isinstance(final, FinalAnswer)
    assert final.text.startswith('The knowledge base has "How to reset your password"')
    assert "passwordreset.example.com" in final.text


# --- lists --------------------------------------------------------------------------------------------


def _rows(count: int) -> list[dict[str, Any]]:
    return [{**EMAIL_TICKET, "id": 900 - n, "summary": f"Problem {n}"} for n in range(count)]


def _listed(chat: Chat, request: str, rows: list[dict[str, Any]], total: int, page: int = 1) -> str:
    more = total > page * 25
    final = chat.answer(chat.say(request), untrusted({"tickets": rows, "total": total, "page": page,
                                                      "more": more}))
    assert final.text is not None
    return final.text


def test_a_long_list_shows_ten_rows_in_full_and_the_rest_by_number() -> None:
    text = _listed(Chat(), "List all open incidents assigned to agent 6.", _rows(25), total=48)
    assert text.startswith(f"48 open Incidents assigned to {EMAIL_TICKET['agent']} (agent 6)")  # rows' name
    assert "Problem 9 " in text and "Problem 10 " not in text  # ten rows in the table
    assert "#890, #889" in text and "#876" in text  # the other fifteen by number
    assert "23 more" in text and "next page" in text


def test_next_page_repeats_the_same_list_with_the_next_page() -> None:
    chat = Chat()
    _listed(chat, "List all open incidents assigned to agent 6.", _rows(25), total=48)
    name, args = only_call(chat.say("next page"))
    assert name == "haloitsm_list_tickets"
    assert args == {"ticket_type": "Incident", "status": "open", "agent": 6, "page": 2}


def test_a_page_asked_for_is_shown_in_full() -> None:
    chat = Chat()
    _listed(chat, "List all open incidents assigned to agent 6.", _rows(25), total=48)
    request = chat.say("page 1")
    assert only_call(request)[1]["page"] == 1
    final = chat.answer(request, untrusted({"tickets": _rows(25), "total": 48, "more": True}))
    assert final.text is not None and "Problem 24 " in final.text and "page 1" in final.text


def test_next_page_without_an_earlier_list_is_not_guessed() -> None:
    final = Chat().say("next page")
    assert final.text is not None and not final.tool_calls


def test_a_page_named_in_the_request_is_passed_on() -> None:
    _, args = only_call(Chat().say("List open incidents for agent 6, page 3"))
    assert args["page"] == 3


# --- updates, notes, how-to questions -------------------------------------------------------------------


def test_an_update_says_which_requested_values_were_already_set() -> None:
    chat = Chat()
    request = chat.say("Change the priority of ticket 789 to High and reassign it to 2nd Line Support.")
    changed = ok({"ticket_id": 789, "changed": ["team 1st Line Support -> 2nd Line Support"]})
    final = chat.answer(request, changed)
    assert final.text is not None
    assert "team 1st Line Support -> 2nd Line Support" in final.text
    assert "priority was already High" in final.text


def test_note_times_are_shown_as_dates_people_read() -> None:
    assert readable_time("2025-05-07T16:30:00.000") == "7 May 2025 16:30"
    assert readable_time("2025-05-07") == "7 May 2025"
    assert readable_time("last Tuesday") == "last Tuesday"


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ("How do I reset my password?", {"reset", "password"}),
        ("Outlook keeps asking for my password, how do I fix it?", {"outlook", "password"}),
        ("I forgot my password", {"password"}),
        ("how can I connect to the VPN from home?", {"vpn", "home"}),
        ("Where can I find instructions for mapping a shared drive?", {"shared", "drive"}),
    ],
)
def test_multi_word_how_to_questions_search_the_knowledge_base(question: str, words: set[str]) -> None:
    name, args = only_call(Chat("employee").say(question))
    assert name == "haloitsm_search_kb"
    assert words <= set(args["query"].split())


def test_an_update_says_which_person_the_ticket_already_had() -> None:
    chat = Chat()
    request = chat.say("set priority of 799 to medium and assign to ben carter")
    changed = ok({"ticket_id": 799, "changed": ["priority Critical -> Medium"],
                  "already": ["agent Ben Carter (agent 3)"]})
    final = chat.answer(request, changed)
    assert final.text is not None and "the agent was already Ben Carter (agent 3)" in final.text
