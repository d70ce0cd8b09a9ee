"""The fakes shipped for tests: scripted and function models, and the guard against real requests."""

from __future__ import annotations

import httpx2
import pytest

from halo_agent.agent.model import ChatModel, Message, ModelResponse, ToolSchema
from halo_agent.testing import (
    FunctionModel,
    ModelRequestBlockedError,
    ScriptedModel,
    ScriptExhaustedError,
    as_response,
    block_model_requests,
    call,
    raw_call,
    text,
)

TOOLS: list[ToolSchema] = [
    {"type": "function", "function": {"name": "haloitsm_get_ticket", "parameters": {}}}
]


async def test_scripted_model_plays_its_steps_in_order_and_records_requests() -> None:
    model = ScriptedModel([[call("haloitsm_get_ticket", ticket_id=789)], text("Ticket 789 is open.")])
    first = await model.complete([{"role": "user", "content": "status of 789?"}], TOOLS)
    second = await model.complete([{"role": "user", "content": "and now?"}], TOOLS)
    assert [c.name for c in first.tool_calls] == ["haloitsm_get_ticket"]
    assert first.tool_calls[0].arguments == '{"ticket_id": 789}'
    assert second.text == "Ticket 789 is open." and not second.tool_calls
    assert [r.messages[-1]["content"] for r in model.requests] == ["status of 789?", "and now?"]
    assert model.requests[0].tool_names == ["haloitsm_get_ticket"]
    assert isinstance(model, ChatModel)


async def test_scripted_model_reports_usage_and_streams_text() -> None:
    deltas: list[str] = []
    response = await ScriptedModel(["All done, ticket closed."]).complete([], [], on_text=deltas.append)
    assert "".join(deltas) == "All done, ticket closed." and len(deltas) == 4
    assert response.usage.completion_tokens > 0


async def test_scripted_model_fails_clearly_when_the_script_runs_out() -> None:
    model = ScriptedModel([text("only one")])
    await model.complete([], [])
    with pytest.raises(ScriptExhaustedError, match="1 step"):
        await model.complete([{"role": "user", "content": "again"}], [])


async def test_requests_are_recorded_as_copies() -> None:
    model = ScriptedModel([text("a")])
    messages: list[Message] = [{"role": "user", "content": "before"}]
    await model.complete(messages, [])
    messages[0]["content"] = "after"
    assert model.requests[0].messages[0]["content"] == "before"


def test_steps_mix_calls_and_text() -> None:
    step = as_response(["Looking it up.", call("haloitsm_get_ticket", ticket_id=1), raw_call("x", "{bad")])
    assert step.text == "Looking it up."
    assert [c.arguments for c in step.tool_calls] == ['{"ticket_id": 1}', "{bad"]
    assert len({c.id for c in step.tool_calls}) == 2


async def test_function_model_calls_sync_and_async_functions() -> None:
    def sync_fn(messages: list[Message], tools: list[ToolSchema]) -> ModelResponse:
        return ModelResponse(text=f"{len(messages)} messages, {len(tools)} tools")

    async def async_fn(messages: list[Message], tools: list[ToolSchema]) -> ModelResponse:
        return ModelResponse(text="async")

    assert (await FunctionModel(sync_fn).complete([{"role": "user", "content": "hi"}], TOOLS)).text == (
        "1 messages, 1 tools"
    )
    model = FunctionModel(async_fn)
    assert (await model.complete([], [])).text == "async"
    assert model.name == "function:async_fn" and len(model.requests) == 1


async def test_guard_blocks_real_requests_and_fails_on_exit() -> None:
    with pytest.raises(AssertionError, match=r"api\.openai\.com"), block_model_requests():
        async with httpx2.AsyncClient() as client:
            with pytest.raises(ModelRequestBlockedError):
                await client.get("https://api.openai.com/v1/models")


async def test_guard_leaves_in_process_transports_alone() -> None:
    transport = httpx2.MockTransport(lambda request: httpx2.Response(200, json={"ok": True}))
    with block_model_requests() as blocked:
        async with httpx2.AsyncClient(transport=transport) as client:
            assert (await client.get("https://api.openai.com/v1/models")).json() == {"ok": True}
    assert blocked == []


def test_guard_restores_the_transports() -> None:
    original = httpx2.AsyncHTTPTransport.handle_async_request
    with block_model_requests():
        assert httpx2.AsyncHTTPTransport.handle_async_request is not original
    assert httpx2.AsyncHTTPTransport.handle_async_request is original
