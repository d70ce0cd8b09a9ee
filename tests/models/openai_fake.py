"""A fake OpenAI-compatible endpoint for tests: answers `/chat/completions` from a queue of replies.

Hand `FakeOpenAI.client()` (or `httpx2.MockTransport(fake)`) to the model under test; inspect
`fake.requests` / `fake.bodies` afterwards. Nothing touches the network.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import httpx2

Reply = httpx2.Response | Exception | Callable[[httpx2.Request], httpx2.Response]


def tool_call(call_id: str, name: str, arguments: str) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def completion(
    text: str | None = None, calls: Iterable[dict[str, Any]] = (), *, usage: tuple[int, int] = (12, 5)
) -> httpx2.Response:
    calls = list(calls)
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if calls:
        message["tool_calls"] = calls
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "fake",
        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if calls else "stop"}],
        "usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)},
    }
    return httpx2.Response(200, json=body)


def chunk(delta: dict[str, Any] | None = None, *, usage: tuple[int, int] | None = None) -> dict[str, Any]:
    """One `chat.completion.chunk`; `delta=None` gives the usage-only chunk (no choices)."""
    body: dict[str, Any] = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "fake",
    }
    body["choices"] = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": None}]
    if usage is not None:
        body["usage"] = {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)}
    return body


def stream(chunks: Iterable[dict[str, Any]]) -> httpx2.Response:
    events = "".join(f"data: {json.dumps(item)}\n\n" for item in chunks) + "data: [DONE]\n\n"
    return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=events.encode())


def error(status: int, message: str, **headers: str) -> httpx2.Response:
    body = {"error": {"message": message, "type": "error", "code": None, "param": None}}
    return httpx2.Response(status, json=body, headers=headers)


class FakeOpenAI:
    """Plays `replies` in order, one per request; an exception reply is raised (e.g. a timeout)."""

    def __init__(self, *replies: Reply) -> None:
        self._replies = list(replies)
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        if not self._replies:
            raise AssertionError(f"unexpected request {request.method} {request.url}")
        reply = self._replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply if isinstance(reply, httpx2.Response) else reply(request)

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(request.content) for request in self.requests]

    def client(self) -> httpx2.AsyncClient:
        return httpx2.AsyncClient(transport=httpx2.MockTransport(self))
