"""Fakes for testing code built on halo-agent (ours and yours), and a guard against real model requests.

    model = ScriptedModel([
        [call("haloitsm_get_ticket", ticket_id=789)],    # round trip 1: one tool call
        text("Ticket 789 is open and assigned to Sam."), # round trip 2: the final answer
    ])

Each step is one model round trip: a `ModelResponse`, a tool call, a string (the answer text) or a list
mixing calls and text. The model records every request it received in `model.requests`.
"""

from __future__ import annotations

import copy
import inspect
import ipaddress
import itertools
import json
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeAlias

import httpx2

from halo_agent.agent.model import Message, ModelResponse, TextSink, ToolCallRequest, ToolSchema, Usage

Step: TypeAlias = ModelResponse | ToolCallRequest | str | Sequence[ModelResponse | ToolCallRequest | str]
ModelFunction: TypeAlias = Callable[
    [list[Message], list[ToolSchema]], ModelResponse | Awaitable[ModelResponse]
]

_call_ids = itertools.count(1)


def call(name: str, /, **arguments: Any) -> ToolCallRequest:
    """A tool call as a model would propose it (arguments serialised to JSON, a fresh call id)."""
    return ToolCallRequest(id=f"call_{next(_call_ids)}", name=name, arguments=json.dumps(arguments))


def raw_call(name: str, arguments: str) -> ToolCallRequest:
    """A tool call with the argument text exactly as given, e.g. malformed JSON."""
    return ToolCallRequest(id=f"call_{next(_call_ids)}", name=name, arguments=arguments)


def text(content: str) -> ModelResponse:
    """A step answering with text only (a final answer or a question to the person)."""
    return ModelResponse(text=content)


class ScriptExhaustedError(AssertionError):
    """The code under test asked the scripted model for more round trips than the script holds."""


@dataclass
class ModelRequest:
    """What one round trip received: deep copies, so later changes to the history do not leak in (the
    tool schemas' copy is shared by the requests that received the same schemas)."""

    messages: list[Message]
    tools: list[ToolSchema]

    @property
    def tool_names(self) -> list[str]:
        return [t["function"]["name"] for t in self.tools]


class _ToolsetCopies:
    """The last toolset received and its copy, shared by every recording model in the process: the
    executor hands out the same schema dicts per role, so a model made per test (or per benchmark run)
    need not copy them again. The originals are held, so an identity match cannot be a reused id."""

    def __init__(self) -> None:
        self._last: tuple[list[ToolSchema], list[ToolSchema]] | None = None  # (as received, its copy)

    def copy_of(self, tools: list[ToolSchema]) -> list[ToolSchema]:
        if self._last is None or not _same_items(self._last[0], tools):
            self._last = (list(tools), _copy_json(tools))
        return list(self._last[1])


_TOOLSETS = _ToolsetCopies()


class _RecordingModel:
    def __init__(self, name: str) -> None:
        self._name = name
        self.requests: list[ModelRequest] = []

    @property
    def name(self) -> str:
        return self._name

    def _record(self, messages: list[Message], tools: list[ToolSchema]) -> None:
        self.requests.append(ModelRequest(_copy_json(messages), _TOOLSETS.copy_of(tools)))


class ScriptedModel(_RecordingModel):
    """A ChatModel that plays a fixed script, one step per round trip. Usage is estimated (chars / 4)."""

    def __init__(self, steps: Sequence[Step], *, name: str = "scripted") -> None:
        super().__init__(name)
        self._steps = [as_response(step) for step in steps]

    @property
    def remaining(self) -> int:
        return len(self._steps) - len(self.requests)

    async def complete(
        self, messages: list[Message], tools: list[ToolSchema], *, on_text: TextSink | None = None
    ) -> ModelResponse:
        index = len(self.requests)
        self._record(messages, tools)
        if index >= len(self._steps):
            last = messages[-1] if messages else {}
            raise ScriptExhaustedError(
                f"the scripted model has {len(self._steps)} step(s) but was asked for round trip "
                f"{index + 1}; the last message was {json.dumps(last)[:300]}"
            )
        response = self._steps[index]
        _stream(response.text, on_text)
        return response.model_copy(update={"usage": _estimate_usage(messages, response)})


class FunctionModel(_RecordingModel):
    """A ChatModel backed by a function of (messages, tools), sync or async, returning a ModelResponse."""

    def __init__(self, function: ModelFunction, *, name: str | None = None) -> None:
        super().__init__(name or f"function:{getattr(function, '__name__', 'model')}")
        self._function = function

    async def complete(
        self, messages: list[Message], tools: list[ToolSchema], *, on_text: TextSink | None = None
    ) -> ModelResponse:
        self._record(messages, tools)
        result = self._function(messages, tools)
        response = await result if inspect.isawaitable(result) else result
        _stream(response.text, on_text)
        return response


def as_response(step: Step) -> ModelResponse:
    """One script step as the ModelResponse a model would return."""
    parts = [step] if isinstance(step, ModelResponse | ToolCallRequest | str) else list(step)
    texts: list[str] = []
    calls: list[ToolCallRequest] = []
    for part in parts:
        if isinstance(part, ToolCallRequest):
            calls.append(part)
        elif isinstance(part, ModelResponse):
            texts.extend([part.text] if part.text else [])
            calls.extend(part.tool_calls)
        else:
            texts.append(part)
    return ModelResponse(text="\n".join(texts) or None, tool_calls=calls)


def _copy_json(value: Any) -> Any:
    """A deep copy of JSON-shaped data (dicts, lists, scalars), several times faster than deepcopy."""
    kind = type(value)
    if kind in _IMMUTABLE:
        return value
    if kind is dict:
        return {key: _copy_json(item) for key, item in value.items()}
    if kind is list:
        return [_copy_json(item) for item in value]
    return copy.deepcopy(value)  # anything else, subclasses of dict and list included


_IMMUTABLE = frozenset({str, int, float, bool, type(None)})


def _same_items(old: list[ToolSchema], new: list[ToolSchema]) -> bool:
    return len(old) == len(new) and all(a is b for a, b in zip(old, new, strict=True))


def _stream(content: str | None, on_text: TextSink | None) -> None:
    if content and on_text:
        for word in content.split(" ")[:-1]:
            on_text(word + " ")
        on_text(content.split(" ")[-1])


def _estimate_usage(messages: list[Message], response: ModelResponse) -> Usage:
    prompt_chars = len(json.dumps(messages))
    completion_chars = len(response.text or "") + sum(len(c.arguments) for c in response.tool_calls)
    return Usage(prompt_tokens=prompt_chars // 4, completion_tokens=max(1, completion_chars // 4))


class ModelRequestBlockedError(RuntimeError):
    """A test tried to reach a real endpoint over the network."""


@contextmanager
def block_model_requests() -> Iterator[list[str]]:
    """Make every real HTTP request (httpx2's network transports, so OpenAIChatModel too) to a
    non-loopback host fail. In-process transports (ASGITransport, MockTransport) are untouched.

    Yields the list of blocked URLs; if any request was blocked, leaving the block raises AssertionError,
    so a test cannot pass by swallowing the error (the model client wraps it in its own).
    """
    blocked: list[str] = []
    sync_send = httpx2.HTTPTransport.handle_request
    async_send = httpx2.AsyncHTTPTransport.handle_async_request

    def guard(request: httpx2.Request) -> None:
        if not _is_loopback(request.url.host):
            blocked.append(str(request.url.copy_with(query=None)))
            raise ModelRequestBlockedError(f"tests must not make real requests (tried {request.url.host})")

    def guarded_sync(self: httpx2.HTTPTransport, request: httpx2.Request) -> httpx2.Response:
        guard(request)
        return sync_send(self, request)

    async def guarded_async(self: httpx2.AsyncHTTPTransport, request: httpx2.Request) -> httpx2.Response:
        guard(request)
        return await async_send(self, request)

    httpx2.HTTPTransport.handle_request = guarded_sync  # type: ignore[method-assign]
    httpx2.AsyncHTTPTransport.handle_async_request = guarded_async  # type: ignore[method-assign]
    try:
        yield blocked
    finally:
        httpx2.HTTPTransport.handle_request = sync_send  # type: ignore[method-assign]
        httpx2.AsyncHTTPTransport.handle_async_request = async_send  # type: ignore[method-assign]
    if blocked:
        raise AssertionError(f"real network requests were attempted and blocked: {blocked}")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
