"""Turns are owned by the server: a dropped stream loses nothing, and concurrent sessions never mix."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from halo_agent.agent.model import Message, ModelResponse, ToolSchema
from halo_agent.channels.turns import TurnRunner
from halo_agent.testing import FunctionModel, call
from tests.channels.conftest import ADMIN, ADMIN_KEY, Api, MakeApi, auth

SESSIONS = 50
PEOPLE = 10
MARKER = re.compile(r"Printer fault number (\d+)")


def _last_user_text(messages: list[Message]) -> str:
    return next(str(m["content"]) for m in reversed(messages) if m["role"] == "user")


async def test_a_dropped_sse_stream_still_completes_and_stores_the_turn(make_api: MakeApi) -> None:
    release = asyncio.Event()

    async def model(messages: list[Message], _tools: list[ToolSchema]) -> ModelResponse:
        trips = sum(1 for m in messages if m["role"] == "assistant")
        if trips == 0:
            return ModelResponse(tool_calls=[call("haloitsm_get_ticket", ticket_id=789)])
        if trips == 1:
            await release.wait()  # the client goes away while the turn is here
            return ModelResponse(
                tool_calls=[call("haloitsm_add_note", ticket_id=789, note="Written after drop")]
            )
        return ModelResponse(text="The note is on ticket 789.")

    api = await make_api(FunctionModel(model))
    sent = await _post_then_drop(api, {"session_id": "d1", "message": "note 789", "user": ADMIN})
    assert any(b"tool_call" in m.get("body", b"") for m in sent)  # the stream had begun
    release.set()
    runner: TurnRunner = api.app.state.runner
    await runner.drain(grace_seconds=10)
    assert runner.in_flight == 0
    assert api.service.sandbox is not None
    notes = [a["note"] for a in api.service.sandbox.state_store.actions_for(789)]
    assert "Written after drop" in notes
    session = api.service.sessions.get("d1")
    assert session is not None and session.history[-1]["content"] == "The note is on ticket 789."


async def _post_then_drop(api: Api, payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Drive the ASGI app directly: send the request, read the first event, then disconnect."""
    body = json.dumps(payload).encode()
    first_event = asyncio.Event()
    sent: list[dict[str, Any]] = []
    requested = False

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": body, "more_body": False}
        await first_event.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and b"event:" in message.get("body", b""):
            first_event.set()

    headers = [
        (b"authorization", f"Bearer {ADMIN_KEY}".encode()),
        (b"accept", b"text/event-stream"),
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/chat",
        "raw_path": b"/v1/chat",
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("test", 80),
    }
    await asyncio.wait_for(api.app(scope, receive, send), timeout=10)
    return sent


def _creating_model(messages: list[Message], _tools: list[ToolSchema]) -> ModelResponse:
    """Creates a ticket named by the person's message, then answers with what the tool said."""
    if messages[-1]["role"] == "user":
        summary = _last_user_text(messages)
        return ModelResponse(tool_calls=[call("haloitsm_create_ticket", summary=summary, details=summary)])
    result = json.loads(str(messages[-1]["content"]))
    return ModelResponse(text=f"{_last_user_text(messages)} -> {json.dumps(result)}")


async def test_fifty_concurrent_sessions_see_only_their_own_tickets_and_history(make_api: MakeApi) -> None:
    api = await make_api(FunctionModel(_creating_model))
    assert api.service.sandbox is not None
    store = api.service.sandbox.state_store
    people = store.lookup("users")[:PEOPLE]

    async def one(n: int) -> tuple[int, dict[str, Any]]:
        person = people[n % PEOPLE]
        user = {"role": "employee", "email": person["emailaddress"]}
        payload = {"session_id": f"conc-{n}", "message": f"Printer fault number {n}", "user": user}
        response = await api.client.post("/v1/chat", json=payload, headers=auth())
        assert response.status_code == 200, response.text
        return n, response.json()

    results = await asyncio.gather(*(one(n) for n in range(SESSIONS)))
    for n, body in results:
        person = people[n % PEOPLE]
        assert body["answer"].startswith(f"Printer fault number {n} -> ")
        [result] = [e for e in body["events"] if e["type"] == "tool_result"]
        [ticket_id] = result["halo_ids"]
        ticket = store.ticket(ticket_id)
        assert (
            ticket is not None
            and ticket["summary"] == f"Printer fault number {n}"
            and ticket["user_id"] == person["id"]
        )
        session = api.service.sessions.get(f"conc-{n}")
        assert session is not None and session.user_texts == [f"Printer fault number {n}"]
        assert session.principal.halo_user_id == person["id"]
        mentioned = {int(x) for m in session.history for x in MARKER.findall(str(m.get("content")))}
        assert mentioned == {n}


async def test_shutdown_waits_for_turns_in_flight(make_api: MakeApi) -> None:
    release, started = asyncio.Event(), asyncio.Event()

    async def slow(_messages: list[Message], _tools: list[ToolSchema]) -> ModelResponse:
        started.set()
        await release.wait()
        return ModelResponse(text="Finished after shutdown began.")

    api = await make_api(FunctionModel(slow))
    runner: TurnRunner = api.app.state.runner
    payload = {"session_id": "g1", "message": "hello", "user": ADMIN}
    async with api.app.router.lifespan_context(api.app):
        request = asyncio.create_task(api.client.post("/v1/chat", json=payload, headers=auth()))
        await started.wait()
        assert runner.in_flight == 1
        asyncio.get_running_loop().call_later(0.2, release.set)
    # leaving the lifespan (shutdown) returned only once the turn had finished
    session = api.service.sessions.get("g1")
    assert session is not None and session.history[-1]["content"] == "Finished after shutdown began."
    assert (await request).json()["answer"] == "Finished after shutdown began."
