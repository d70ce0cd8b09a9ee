"""OpenAIChatModel against a fake OpenAI-compatible endpoint on httpx2.MockTransport."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from pydantic import SecretStr

from halo_agent.agent.model import ChatModel, ToolCallRequest, Usage
from halo_agent.config import ModelSettings
from halo_agent.errors import ModelError
from halo_agent.models.openai import LOCAL_SERVER_KEY, OpenAIChatModel
from tests.models.openai_fake import FakeOpenAI, chunk, completion, error, stream, tool_call

SECRET = "sk-test-0123456789-secret"
MESSAGES: list[dict[str, Any]] = [
    {"role": "system", "content": "You help with tickets."},
    {"role": "user", "content": "What is the status of ticket 789?"},
]
TOOLS: list[dict[str, Any]] = [
    {
        "type": "function",
        "function": {
            "name": "haloitsm_get_ticket",
            "description": "Get one ticket.",
            "parameters": {"type": "object", "properties": {"ticket_id": {"type": "integer"}}},
        },
    }
]


def settings(**changes: Any) -> ModelSettings:
    values: dict[str, Any] = {
        "name": "gpt-test",
        "base_url": "http://llm.test/v1",
        "api_key": SecretStr(SECRET),
        "max_retries": 0,
    }
    values.update(changes)
    return ModelSettings(**values)


def model_on(fake: FakeOpenAI, **changes: Any) -> OpenAIChatModel:
    return OpenAIChatModel(settings(**changes), http_client=fake.client())


async def test_text_answer_returns_text_and_usage() -> None:
    fake = FakeOpenAI(completion("Ticket 789 is open.", usage=(40, 7)))
    answer = await model_on(fake).complete(MESSAGES, [])
    assert answer.text == "Ticket 789 is open."
    assert answer.tool_calls == []
    assert answer.usage == Usage(prompt_tokens=40, completion_tokens=7)


async def test_request_without_tools_omits_tools_and_does_not_stream() -> None:
    fake = FakeOpenAI(completion("hi"))
    await model_on(fake).complete(MESSAGES, [])
    body = fake.bodies[0]
    assert fake.requests[0].url.path == "/v1/chat/completions"
    assert body["model"] == "gpt-test"
    assert body["messages"] == MESSAGES
    assert body["temperature"] == 0.0
    assert "tools" not in body and "parallel_tool_calls" not in body
    assert "stream" not in body


async def test_request_with_tools_sends_them_and_allows_parallel_calls() -> None:
    fake = FakeOpenAI(completion("ok"))
    await model_on(fake).complete(MESSAGES, TOOLS)
    body = fake.bodies[0]
    assert body["tools"] == TOOLS
    assert body["parallel_tool_calls"] is True


async def test_temperature_none_is_left_to_the_server() -> None:
    fake = FakeOpenAI(completion("ok"))
    await model_on(fake, temperature=None).complete(MESSAGES, [])
    assert "temperature" not in fake.bodies[0]


async def test_one_tool_call_is_returned_with_raw_arguments() -> None:
    fake = FakeOpenAI(completion(None, [tool_call("call_a", "haloitsm_get_ticket", '{"ticket_id": 789}')]))
    answer = await model_on(fake).complete(MESSAGES, TOOLS)
    assert answer.text is None
    assert answer.tool_calls == [
        ToolCallRequest(id="call_a", name="haloitsm_get_ticket", arguments='{"ticket_id": 789}')
    ]


async def test_parallel_tool_calls_keep_their_order_and_ids() -> None:
    calls = [
        tool_call("call_1", "haloitsm_get_ticket", '{"ticket_id": 789}'),
        tool_call("call_2", "haloitsm_get_ticket", '{"ticket_id": 790}'),
    ]
    answer = await model_on(FakeOpenAI(completion(None, calls))).complete(MESSAGES, TOOLS)
    assert [(c.id, c.arguments) for c in answer.tool_calls] == [
        ("call_1", '{"ticket_id": 789}'),
        ("call_2", '{"ticket_id": 790}'),
    ]


async def test_malformed_arguments_pass_through_untouched() -> None:
    broken = '{"ticket_id": 789,,'
    fake = FakeOpenAI(completion(None, [tool_call("call_x", "haloitsm_get_ticket", broken)]))
    answer = await model_on(fake).complete(MESSAGES, TOOLS)
    assert answer.tool_calls[0].arguments == broken


async def test_streaming_sends_text_deltas_and_counts_usage() -> None:
    fake = FakeOpenAI(
        stream(
            [
                chunk({"role": "assistant", "content": "Ticket "}),
                chunk({"content": "789 is "}),
                chunk({"content": "open."}),
                chunk(usage=(30, 4)),
            ]
        )
    )
    pieces: list[str] = []
    answer = await model_on(fake).complete(MESSAGES, TOOLS, on_text=pieces.append)
    assert pieces == ["Ticket ", "789 is ", "open."]
    assert answer.text == "Ticket 789 is open."
    assert answer.usage == Usage(prompt_tokens=30, completion_tokens=4)
    body = fake.bodies[0]
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}


async def test_streamed_tool_call_deltas_are_assembled_by_index() -> None:
    def call_delta(index: int, **fields: Any) -> dict[str, Any]:
        return {"tool_calls": [{"index": index, **fields}]}

    fake = FakeOpenAI(
        stream(
            [
                chunk(call_delta(0, id="c1", type="function", function={"name": "haloitsm_get_ticket"})),
                chunk(call_delta(1, id="c2", type="function", function={"name": "haloitsm_search_kb"})),
                chunk(call_delta(0, function={"arguments": '{"ticket_'})),
                chunk(call_delta(1, function={"arguments": '{"query": "vpn"}'})),
                chunk(call_delta(0, function={"arguments": 'id": 789}'})),
            ]
        )
    )
    pieces: list[str] = []
    answer = await model_on(fake).complete(MESSAGES, TOOLS, on_text=pieces.append)
    assert pieces == []
    assert answer.text is None
    assert answer.tool_calls == [
        ToolCallRequest(id="c1", name="haloitsm_get_ticket", arguments='{"ticket_id": 789}'),
        ToolCallRequest(id="c2", name="haloitsm_search_kb", arguments='{"query": "vpn"}'),
    ]
    assert answer.usage == Usage()  # this server sent no usage: tolerated


async def test_streamed_calls_sharing_index_zero_are_kept_apart() -> None:
    whole = [
        {"index": 0, "id": "a", "function": {"name": "haloitsm_get_ticket", "arguments": '{"ticket_id": 1}'}},
        {"index": 0, "id": "b", "function": {"name": "haloitsm_get_ticket", "arguments": '{"ticket_id": 2}'}},
    ]
    fake = FakeOpenAI(stream([chunk({"tool_calls": [call]}) for call in whole]))
    answer = await model_on(fake).complete(MESSAGES, TOOLS, on_text=lambda _: None)
    assert [(c.id, c.arguments) for c in answer.tool_calls] == [
        ("a", '{"ticket_id": 1}'),
        ("b", '{"ticket_id": 2}'),
    ]


async def test_rate_limit_is_retried_then_succeeds() -> None:
    fake = FakeOpenAI(
        error(429, "slow down", **{"retry-after-ms": "1"}),
        error(429, "slow down", **{"retry-after-ms": "1"}),
        completion("done"),
    )
    answer = await model_on(fake, max_retries=2).complete(MESSAGES, [])
    assert answer.text == "done"
    assert len(fake.requests) == 3


async def test_rate_limit_after_retries_is_a_model_error() -> None:
    fake = FakeOpenAI(*[error(429, "quota exceeded", **{"retry-after-ms": "1"}) for _ in range(2)])
    with pytest.raises(ModelError) as caught:
        await model_on(fake, max_retries=1).complete(MESSAGES, [])
    assert "429" in str(caught.value) and "quota exceeded" in str(caught.value)
    assert len(fake.requests) == 2


async def test_timeout_is_a_model_error_naming_the_limit() -> None:
    fake = FakeOpenAI(httpx2.ReadTimeout("read timed out"))
    with pytest.raises(ModelError) as caught:
        await model_on(fake, timeout_seconds=7).complete(MESSAGES, [])
    assert "did not answer within 7s" in str(caught.value)
    assert "http://llm.test/v1" in str(caught.value)


async def test_connection_failure_is_a_model_error() -> None:
    fake = FakeOpenAI(httpx2.ConnectError("connection refused"))
    with pytest.raises(ModelError, match="Could not reach the model endpoint"):
        await model_on(fake).complete(MESSAGES, [])


async def test_refused_key_message_never_contains_the_key() -> None:
    fake = FakeOpenAI(error(401, f"Incorrect API key provided: {SECRET}"))
    with pytest.raises(ModelError) as caught:
        await model_on(fake).complete(MESSAGES, [])
    assert "refused the API key" in str(caught.value)
    assert SECRET not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


async def test_server_detail_echoing_the_key_is_scrubbed() -> None:
    fake = FakeOpenAI(error(400, f"bad request for key {SECRET}"))
    with pytest.raises(ModelError) as caught:
        await model_on(fake).complete(MESSAGES, TOOLS)
    assert "HTTP 400" in str(caught.value)
    assert SECRET not in str(caught.value)


async def test_unknown_model_names_the_model() -> None:
    fake = FakeOpenAI(error(404, "The model `gpt-nope` does not exist"))
    with pytest.raises(ModelError) as caught:
        await model_on(fake, name="gpt-nope").complete(MESSAGES, [])
    assert "'gpt-nope' was not found" in str(caught.value)


async def test_server_error_after_retries_is_a_model_error() -> None:
    fake = FakeOpenAI(*[error(503, "overloaded", **{"retry-after-ms": "1"}) for _ in range(2)])
    with pytest.raises(ModelError, match="HTTP 503 after 1 retries: overloaded"):
        await model_on(fake, max_retries=1).complete(MESSAGES, [])


async def test_azure_uses_the_deployment_path_api_version_and_api_key_header() -> None:
    fake = FakeOpenAI(completion("hi"))
    model = model_on(
        fake,
        name="prod-gpt",
        base_url=None,
        azure_endpoint="https://contoso.openai.azure.com",
        azure_api_version="2024-10-21",
    )
    await model.complete(MESSAGES, [])
    request = fake.requests[0]
    assert request.url.host == "contoso.openai.azure.com"
    assert request.url.path == "/openai/deployments/prod-gpt/chat/completions"
    assert request.url.params["api-version"] == "2024-10-21"
    assert request.headers["api-key"] == SECRET
    assert "authorization" not in request.headers


async def test_local_server_without_a_key_gets_a_placeholder_key() -> None:
    fake = FakeOpenAI(completion("hi"))
    await model_on(fake, api_key=None, base_url="http://localhost:11434/v1").complete(MESSAGES, [])
    assert fake.requests[0].headers["authorization"] == f"Bearer {LOCAL_SERVER_KEY}"
    assert fake.requests[0].url.port == 11434


async def test_hosted_openai_without_a_key_fails_at_start_with_a_clear_message() -> None:
    with pytest.raises(ModelError, match="OPENAI_API_KEY"):
        OpenAIChatModel(settings(api_key=None, base_url=None))


async def test_explicit_timeout_and_retries_reach_the_client() -> None:
    seen: list[dict[str, Any]] = []

    def capture(request: httpx2.Request) -> httpx2.Response:
        seen.append(dict(request.extensions["timeout"]))
        return completion("ok")

    model = model_on(FakeOpenAI(capture), timeout_seconds=42)
    await model.complete(MESSAGES, [])
    assert seen[0]["read"] == 42 and seen[0]["connect"] == 10


async def test_model_satisfies_the_chat_model_protocol_and_closes() -> None:
    model = model_on(FakeOpenAI())
    assert isinstance(model, ChatModel)
    assert model.name == "gpt-test"
    await model.aclose()


async def test_an_error_in_the_middle_of_a_stream_is_a_model_error() -> None:
    fake = FakeOpenAI(stream([chunk({"content": "Ticket"}), {"error": {"message": "GPU fell over"}}]))
    pieces: list[str] = []
    with pytest.raises(ModelError, match="failed while answering: GPU fell over"):
        await model_on(fake).complete(MESSAGES, [], on_text=pieces.append)
    assert pieces == ["Ticket"]


@pytest.mark.parametrize(
    "reply",
    [
        httpx2.Response(
            200, headers={"content-type": "application/json"}, content=b"<html>Open WebUI</html>"
        ),
        httpx2.Response(200, json={"choices": [{"index": 0}]}),
        httpx2.Response(200, json={"object": "list", "data": []}),
    ],
)
async def test_an_answer_that_is_not_a_chat_completion_is_a_model_error(reply: httpx2.Response) -> None:
    with pytest.raises(ModelError, match=r"not a chat completion.*/v1"):
        await model_on(FakeOpenAI(reply)).complete(MESSAGES, [])


async def test_ping_lists_models_once_without_retrying() -> None:
    fake = FakeOpenAI(httpx2.Response(200, json={"object": "list", "data": []}))
    await model_on(fake).ping()
    assert [r.url.path for r in fake.requests] == ["/v1/models"]


async def test_ping_counts_a_server_without_a_models_list_as_reachable() -> None:
    await model_on(FakeOpenAI(error(404, "no such route"))).ping()


async def test_ping_reports_a_refused_key_and_an_unreachable_endpoint_without_the_key() -> None:
    with pytest.raises(ModelError) as refused:
        await model_on(FakeOpenAI(error(401, "bad key"))).ping()
    assert "401" in str(refused.value)
    down = FakeOpenAI(httpx2.ConnectError("connection refused"))
    with pytest.raises(ModelError) as unreachable:
        await model_on(down).ping()
    assert len(down.requests) == 1
    for message in (str(refused.value), str(unreachable.value)):
        assert settings().api_key is not None and settings().api_key.get_secret_value() not in message
