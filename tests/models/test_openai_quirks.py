"""Every server quirk the issue lists, replayed by a fake server on loopback through the whole agent:
OpenAIChatModel -> loop -> executor -> policy -> the sandbox. Streamed (text shown live) and not.
Each ends in the right tool running, or a message naming the server's own reason; never a traceback,
a silent empty answer, or tool markup shown as the answer."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from halo_agent.agent.events import AgentEvent, ErrorEvent, FinalAnswer, Paused, TextDelta, ToolResultEvent
from halo_agent.agent.service import AgentService
from halo_agent.config import ModelSettings, Settings
from halo_agent.examples import DEMO_ADMIN_AGENT_ID
from halo_agent.models.text_calls import UNREADABLE
from tests.models.llm_server import Body, LoopbackLLM, Reply, chunks_reply, json_reply, message_reply

KEY = "sk-loopback-0123456789abcdef"
ASK = "What is the status of ticket 789?"
GET_789 = {"id": "call_a1", "type": "function",
           "function": {"name": "haloitsm_get_ticket", "arguments": '{"ticket_id": 789}'}}
DONE = message_reply({"content": "Ticket 789 is In Progress."})
Make = Callable[..., Awaitable[AgentService]]


@pytest.fixture
async def llm() -> AsyncIterator[LoopbackLLM]:
    server = await LoopbackLLM().start()
    yield server
    await server.stop()


@pytest.fixture
async def make(llm: LoopbackLLM, tmp_path: Path) -> AsyncIterator[Make]:
    made: list[AgentService] = []

    async def build(**model: Any) -> AgentService:
        settings = Settings(home=tmp_path / f"home{len(made)}", model=ModelSettings(
            name="fake-model", base_url=llm.url, api_key=SecretStr(model.pop("key", KEY)), max_retries=0,
            **model))
        made.append(await AgentService.create(settings))
        return made[-1]

    yield build
    for service in made:
        await service.aclose()


async def turn(service: AgentService, text: str, *, live: bool, session: str = "s1") -> list[AgentEvent]:
    admin = await service.resolve_principal("admin", agent_id=DEMO_ADMIN_AGENT_ID)
    return [e async for e in service.handle(text, admin, session, live_text=live)]


def ran(events: list[AgentEvent], tool: str = "haloitsm_get_ticket") -> bool:
    return any(isinstance(e, ToolResultEvent) and e.tool == tool and e.status == "ok" for e in events)


def answer(events: list[AgentEvent]) -> str:
    return next(e.text for e in events if isinstance(e, FinalAnswer))


def errors(events: list[AgentEvent]) -> str:
    return " ".join(e.message for e in events if isinstance(e, ErrorEvent))


def shown_live(events: list[AgentEvent]) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


STREAMED = pytest.mark.parametrize("live", [True, False], ids=["streamed", "unstreamed"])


# --- shapes the schema does not allow -----------------------------------------------------------------


@STREAMED
async def test_content_as_a_list_of_parts_is_read_as_its_text(
    llm: LoopbackLLM, make: Make, live: bool
) -> None:
    parts = [{"type": "thinking", "thinking": [{"type": "text", "text": "hmm"}]},
             {"type": "text", "text": "Ticket 789 "}, {"type": "text", "text": "is In Progress."}]
    llm.then(message_reply({"content": None, "tool_calls": [GET_789]}), message_reply({"content": parts}))
    events = await turn(await make(), ASK, live=live)
    assert ran(events) and answer(events) == "Ticket 789 is In Progress."


@STREAMED
@pytest.mark.parametrize("index", [None, 1])
async def test_a_choice_with_no_index_or_another_index_is_not_lost(
    llm: LoopbackLLM, make: Make, live: bool, index: int | None
) -> None:
    llm.then(message_reply({"tool_calls": [GET_789]}, index=index),
             message_reply({"content": "Ticket 789 is In Progress."}, index=index))
    events = await turn(await make(), ASK, live=live)
    assert ran(events) and answer(events) == "Ticket 789 is In Progress."


@STREAMED
async def test_tool_calls_without_type_still_run(llm: LoopbackLLM, make: Make, live: bool) -> None:
    untyped = {k: v for k, v in GET_789.items() if k != "type"}
    llm.then(message_reply({"tool_calls": [untyped]}), DONE)
    assert ran(await turn(await make(), ASK, live=live))


async def test_a_stream_chunk_with_no_delta_is_skipped(llm: LoopbackLLM, make: Make) -> None:
    """Azure's asynchronous content filter sends its results as chunks of their own, with no delta."""
    filtered = {"choices": [{"index": 0, "finish_reason": None,
                             "content_filter_results": {"hate": {"filtered": False, "severity": "safe"}}}]}
    head = {"choices": [{"index": 0, "delta": {"role": "assistant", "content": "Ticket 789 "}}]}
    tail = {"choices": [{"index": 0, "delta": {"content": "is In Progress."}, "finish_reason": "stop"}]}
    llm.then(chunks_reply([{"choices": [], "prompt_filter_results": []}, head, filtered, tail, filtered]))
    events = await turn(await make(), ASK, live=True)
    assert answer(events) == "Ticket 789 is In Progress." == shown_live(events)


async def test_cumulative_argument_deltas_are_not_garbled(llm: LoopbackLLM, make: Make) -> None:
    def call(arguments: str, head: bool = False) -> Body:
        piece: Body = {"index": 0, "function": {"arguments": arguments}}
        if head:
            piece |= {"id": "call_a1", "type": "function", "function": {"name": "haloitsm_get_ticket",
                                                                        "arguments": arguments}}
        return {"choices": [{"index": 0, "delta": {"tool_calls": [piece]}}]}

    llm.then(chunks_reply([call('{"ticket_', head=True), call('{"ticket_id": 7'), call('{"ticket_id": 789}'),
                           call('{"ticket_id": 789}'), {"choices": [{"index": 0, "delta": {},
                                                                     "finish_reason": "tool_calls"}]}]), DONE)
    events = await turn(await make(), ASK, live=True)
    assert ran(events)


# --- calls written as text ----------------------------------------------------------------------------

TEXT_CALLS = {
    "hermes": 'Let me look.\n<tool_call>\n{"name": "haloitsm_get_ticket", "arguments": {"ticket_id": 789}}\n'
              "</tool_call>",
    "llama-json": '{"name": "haloitsm_get_ticket", "parameters": {"ticket_id": 789}}',
    "python-tag": '<|python_tag|>{"name": "haloitsm_get_ticket", "parameters": {"ticket_id": 789}}',
    "function-tag": '<function=haloitsm_get_ticket>{"ticket_id": 789}</function>',
    "fenced": 'Checking.\n```json\n{"name": "haloitsm_get_ticket", "arguments": {"ticket_id": 789}}\n```',
    "harmony": "<|channel|>analysis<|message|>Need the ticket.<|end|><|start|>assistant<|channel|>commentary "
               'to=functions.haloitsm_get_ticket <|constrain|>json<|message|>{"ticket_id": 789}<|call|>',
    "mistral": '[TOOL_CALLS][{"name": "haloitsm_get_ticket", "arguments": {"ticket_id": 789}}]',
}


@STREAMED
@pytest.mark.parametrize("markup", list(TEXT_CALLS))
async def test_tool_calls_written_as_text_run_as_calls(
    llm: LoopbackLLM, make: Make, live: bool, markup: str
) -> None:
    llm.then(message_reply({"content": TEXT_CALLS[markup]}), DONE)
    events = await turn(await make(), ASK, live=live)
    assert ran(events) and answer(events) == "Ticket 789 is In Progress."
    assert not re.search(r"<tool_call|<\||\{\"name|<function|TOOL_CALLS", shown_live(events))


@STREAMED
async def test_markup_naming_no_offered_tool_is_said_plainly_and_nothing_runs(
    llm: LoopbackLLM, make: Make, live: bool
) -> None:
    unknown = '<tool_call>{"name": "delete_everything", "arguments": {}}</tool_call>'
    llm.then(message_reply({"content": unknown}))
    events = await turn(await make(), ASK, live=live)
    assert not any(isinstance(e, ToolResultEvent) for e in events)
    assert answer(events) == UNREADABLE and "<tool_call" not in shown_live(events)


@STREAMED
async def test_a_text_call_goes_through_validation_and_policy_like_any_call(
    llm: LoopbackLLM, make: Make, live: bool
) -> None:
    close = '<tool_call>{"name": "haloitsm_resolve_ticket", "arguments": {"ticket_id": 789}}</tool_call>'
    llm.then(message_reply({"content": close}))
    events = await turn(await make(), "Close ticket 789.", live=live)
    assert any(isinstance(e, Paused) and e.tool == "haloitsm_resolve_ticket" for e in events)


# --- cut answers ----------------------------------------------------------------------------------------


@STREAMED
@pytest.mark.parametrize(("reason", "words"), [("length", "cut off"), ("content_filter", "content filter")])
async def test_a_cut_answer_says_it_was_cut(
    llm: LoopbackLLM, make: Make, live: bool, reason: str, words: str
) -> None:
    llm.then(message_reply({"content": "Ticket 789 is"}, finish=reason))
    events = await turn(await make(), ASK, live=live)
    assert answer(events).startswith("Ticket 789 is") and words in answer(events)
    if live:
        assert words in shown_live(events)


# --- provider state and ids -----------------------------------------------------------------------------


@STREAMED
async def test_deepseek_reasoning_content_is_sent_back(llm: LoopbackLLM, make: Make, live: bool) -> None:
    llm.then(message_reply({"reasoning_content": "The user wants 789.", "tool_calls": [GET_789]}), DONE)
    assert ran(await turn(await make(), ASK, live=live))
    assistant = next(m for m in llm.bodies[1]["messages"] if m.get("tool_calls"))
    assert assistant["reasoning_content"] == "The user wants 789."


@STREAMED
async def test_gemini_thought_signature_is_sent_back_with_its_call(
    llm: LoopbackLLM, make: Make, live: bool
) -> None:
    signed = GET_789 | {"extra_content": {"google": {"thought_signature": "c2lnbmF0dXJl"}}}

    def gemini(body: Body) -> Reply | None:  # Gemini refuses a function call sent back without it
        for message in body["messages"]:
            for call in message.get("tool_calls") or ():
                if "extra_content" not in call:
                    return Reply(400, {"error": {"message": "Function call is missing a thought_signature"}})
        return None

    llm.check = gemini
    llm.then(message_reply({"tool_calls": [signed]}), DONE)
    events = await turn(await make(), ASK, live=live)
    assert ran(events) and answer(events) == "Ticket 789 is In Progress.", errors(events)


def mistral(body: Body) -> Reply | None:
    """Mistral refuses any tool-call id that is not exactly 9 letters and digits."""
    for message in body["messages"]:
        ids = [c["id"] for c in message.get("tool_calls") or ()]
        ids.append(message.get("tool_call_id") or "abcdefghi")
        if any(not re.fullmatch(r"[A-Za-z0-9]{9}", i) for i in ids):
            said = "Tool call id was x but must be a-z, A-Z, 0-9, with a length of 9."
            return Reply(400, {"object": "error", "message": said, "type": "invalid_request_error"})
    return None


async def test_ids_the_agent_writes_itself_are_valid_on_mistral(llm: LoopbackLLM, make: Make) -> None:
    llm.check = mistral
    close = {"id": "Ab3dE6gH9", "type": "function",
             "function": {"name": "haloitsm_resolve_ticket", "arguments": '{"ticket_id": 789}'}}
    missing = {"type": "function",
               "function": {"name": "haloitsm_get_ticket", "arguments": '{"ticket_id": 790}'}}
    llm.then(message_reply({"tool_calls": [close]}), message_reply({"tool_calls": [missing]}), DONE,
             message_reply({"content": "Closed."}))
    service = await make()
    assert any(isinstance(e, Paused) for e in await turn(service, "Close ticket 789.", live=False))
    events = await turn(service, "yes", live=False)  # the agent records the confirmed call with its own id
    assert ran(events, "haloitsm_resolve_ticket") and ran(events, "haloitsm_get_ticket"), errors(events)
    events = await turn(service, "thanks, and the next one?", live=False)
    assert answer(events) == "Closed.", errors(events)


# --- request options ------------------------------------------------------------------------------------


@STREAMED
async def test_a_parameter_the_server_rejects_is_dropped_once_and_remembered(
    llm: LoopbackLLM, make: Make, live: bool
) -> None:
    def strict(body: Body) -> Reply | None:
        for param in ("parallel_tool_calls", "stream_options"):
            if param in body:
                return Reply(400, {"error": {"message": f"Unrecognized request argument supplied: {param}",
                                             "type": "invalid_request_error", "param": None}})
        return None

    llm.check = strict
    llm.then(message_reply({"tool_calls": [GET_789]}), DONE)
    events = await turn(await make(), ASK, live=live)
    assert ran(events) and answer(events) == "Ticket 789 is In Progress.", errors(events)
    rejected = [b for b in llm.bodies if "parallel_tool_calls" in b or "stream_options" in b]
    assert len(rejected) == (2 if live else 1)  # each rejected once, then never sent again
    assert "parallel_tool_calls" not in llm.bodies[-1]


async def test_request_options_and_omissions_are_settable_per_model(llm: LoopbackLLM, make: Make) -> None:
    llm.then(DONE)
    service = await make(options={"max_tokens": 512, "reasoning_effort": "low"},
                         omit_params=["parallel_tool_calls"], temperature=None)
    await turn(service, ASK, live=False)
    body = llm.bodies[0]
    assert body["max_tokens"] == 512 and body["reasoning_effort"] == "low"
    assert "parallel_tool_calls" not in body and "temperature" not in body and "stream" not in body


@pytest.mark.parametrize(("live", "streamed"), [(True, True), (False, False)])
async def test_the_model_streams_only_when_text_is_shown_live(
    llm: LoopbackLLM, make: Make, live: bool, streamed: bool
) -> None:
    llm.then(DONE)
    await turn(await make(), ASK, live=live)
    assert bool(llm.bodies[0].get("stream")) is streamed


# --- the server's own reason ----------------------------------------------------------------------------

AZURE_FILTER = {"error": {
    "message": "The response was filtered due to the prompt triggering Azure OpenAI's content management "
               "policy.",
    "type": None, "param": "prompt", "code": "content_filter", "status": 400,
    "innererror": {"code": "ResponsibleAIPolicyViolation"}}}
VLLM_NO_TOOLS = {"error": {
    "message": '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set'}}
GROQ_FAILED = {"error": {"message": "Failed to call a function. Please adjust your prompt. See "
                         "'failed_generation' for more details.", "type": "invalid_request_error",
                         "code": "tool_use_failed", "failed_generation": "I will call get_ticket(789)"}}


@STREAMED
@pytest.mark.parametrize(("status", "payload", "words"), [
    (400, AZURE_FILTER, ["content filter", "content management policy"]),
    (400, GROQ_FAILED, ["tool_use_failed", "Failed to call a function"]),
    (400, VLLM_NO_TOOLS, ["--enable-auto-tool-choice", "support tool calls"]),
    (200, {"error": {"message": "Provider returned error", "code": 502}}, ["answered with an error",
                                                                          "Provider returned error"]),
])
async def test_errors_show_the_servers_own_reason(
    llm: LoopbackLLM, make: Make, live: bool, status: int, payload: Body, words: list[str]
) -> None:
    llm.then(json_reply(status, payload))
    events = await turn(await make(), ASK, live=live)
    message = errors(events)
    assert all(w in message for w in words), message
    assert "base URL" not in message
    assert ("support tool calls" in message) == ("tool choice" in json.dumps(payload))


@STREAMED
async def test_groq_failed_generation_holding_a_call_runs_it(
    llm: LoopbackLLM, make: Make, live: bool
) -> None:
    failed = {"error": GROQ_FAILED["error"] | {
        "failed_generation": '<function=haloitsm_get_ticket>{"ticket_id": 789}</function>'}}
    llm.then(json_reply(400, failed), DONE)
    events = await turn(await make(), ASK, live=live)
    assert ran(events) and answer(events) == "Ticket 789 is In Progress."


async def test_an_error_event_in_a_stream_shows_its_reason(llm: LoopbackLLM, make: Make) -> None:
    llm.then(chunks_reply([{"choices": [{"index": 0, "delta": {"content": "Tick"}}]},
                           {"error": {"message": "upstream model overloaded", "code": 503}}]))
    events = await turn(await make(), ASK, live=True)
    assert "upstream model overloaded" in errors(events)


@pytest.mark.parametrize(("key", "kept"), [("x", "x"), (KEY, "***")])
async def test_key_scrubbing_hides_real_keys_and_never_mangles_text(
    llm: LoopbackLLM, make: Make, key: str, kept: str
) -> None:
    llm.then(json_reply(400, {"error": {"message": f"bad value xyz for max_tokens (key {key})"}}))
    events = await turn(await make(key=key), ASK, live=False)
    message = errors(events)
    assert "bad value xyz for max_tokens" in message and f"(key {kept})" in message
    if len(key) > 1:
        assert key not in message
