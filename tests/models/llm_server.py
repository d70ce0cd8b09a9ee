"""A fake OpenAI-compatible server on loopback: real HTTP, real SSE framing, replies played in order.

Each reply is a callable taking the request body (so one quirk can answer streamed and unstreamed
requests in each server's own shape) and returning a `Reply`. Bodies and headers are recorded.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from halo_agent.channels.bots.loopback import serve_on_loopback

Body = dict[str, Any]


@dataclass
class Reply:
    status: int = 200
    json: Any = None
    sse: list[Any] | None = None  # each item a chunk dict, or raw text sent as one `data:` event
    done: bool = True  # end the stream with `data: [DONE]`


Answer = Callable[[Body], Reply]


def message_reply(message: Body, *, finish: str | None = None, index: int | None = 0,
                  usage: tuple[int, int] = (20, 5)) -> Answer:
    """One assistant message, as a completion or (when asked to stream) as one chunk per field."""

    def answer(body: Body) -> Reply:
        reason = finish or ("tool_calls" if message.get("tool_calls") else "stop")
        if not body.get("stream"):
            choice: Body = {"message": {"role": "assistant", **message}, "finish_reason": reason}
            if index is not None:
                choice["index"] = index
            return Reply(json={"id": "c1", "object": "chat.completion", "choices": [choice],
                               "usage": _usage(usage)})
        return Reply(sse=[*_chunks(message, index), _chunk({}, index, reason), {"choices": [],
                                                                              "usage": _usage(usage)}])

    return answer


def chunks_reply(chunks: list[Any]) -> Answer:
    """A stream given chunk by chunk (for quirks that only exist in streams)."""
    return lambda body: Reply(sse=chunks)


def json_reply(status: int, payload: Any) -> Answer:
    return lambda body: Reply(status=status, json=payload)


def _usage(usage: tuple[int, int]) -> Body:
    return {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)}


def _chunk(delta: Body | None, index: int | None, finish: str | None = None) -> Body:
    choice: Body = {"finish_reason": finish}
    if delta is not None:
        choice["delta"] = delta
    if index is not None:
        choice["index"] = index
    return {"id": "c1", "object": "chat.completion.chunk", "choices": [choice]}


def _chunks(message: Body, index: int | None) -> list[Body]:
    out = [_chunk({"role": "assistant"}, index)]
    content = message.get("content")
    if isinstance(content, str):
        out += [_chunk({"content": content[i:i + 7]}, index) for i in range(0, len(content), 7)]
    elif content is not None:
        out.append(_chunk({"content": content}, index))
    for key in ("reasoning_content",):
        if key in message:
            out.append(_chunk({key: message[key]}, index))
    for position, call in enumerate(message.get("tool_calls") or []):
        head = {k: v for k, v in call.items() if k != "function"} | {"index": position}
        function = call["function"]
        args = function.get("arguments", "")
        out.append(_chunk({"tool_calls": [head | {"function": {"name": function["name"], "arguments": ""}}]},
                          index))
        for i in range(0, len(args), 5):
            piece = {"index": position, "function": {"arguments": args[i:i + 5]}}
            out.append(_chunk({"tool_calls": [piece]}, index))
    return out


@dataclass
class LoopbackLLM:
    answers: list[Answer] = field(default_factory=list)
    bodies: list[Body] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    check: Callable[[Body], Reply | None] | None = None  # a server's own validation, run first
    url: str = ""
    _runner: web.AppRunner | None = None

    def then(self, *answers: Answer) -> LoopbackLLM:
        self.answers.extend(answers)
        return self

    async def start(self) -> LoopbackLLM:
        app = web.Application()
        app.router.add_route("POST", "/{tail:.*}", self._handle)
        self._runner, port = await serve_on_loopback(app)
        self.url = f"http://127.0.0.1:{port}/v1"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.bodies.append(body)
        self.headers.append(dict(request.headers))
        self.paths.append(request.path_qs)
        reply = (self.check(body) if self.check else None) or self._next(body)
        if reply.sse is None:
            return web.json_response(reply.json, status=reply.status)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        for item in reply.sse:
            data = item if isinstance(item, str) else json.dumps(item)
            await response.write(f"data: {data}\n\n".encode())
        if reply.done:
            await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response

    def _next(self, body: Body) -> Reply:
        if not self.answers:
            return Reply(status=500, json={"error": {"message": "the test gave the fake no more answers"}})
        return self.answers.pop(0)(body)
