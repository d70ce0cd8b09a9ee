"""Keys, roles, identities, rate limits and bad input: each refused with a clear 4xx, before any turn."""

from __future__ import annotations

from typing import Any

import pytest

from halo_agent.channels.ratelimit import RateLimiter
from halo_agent.testing import ScriptedModel, call, text
from tests.channels.conftest import ADMIN, ADMIN_KEY, EMMA, PORTAL_KEY, MakeApi, auth

CHAT = {"session_id": "s1", "message": "hello", "user": EMMA}


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer not-a-key-at-all-000"}, {"Authorization": f"Basic {ADMIN_KEY}"}]
)
async def test_a_missing_or_wrong_key_is_refused_and_audited(
    make_api: MakeApi, headers: dict[str, str]
) -> None:
    model = ScriptedModel([])
    api = await make_api(model)
    response = await api.client.post("/v1/chat", json=CHAT, headers=headers)
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    assert "API key" in response.json()["detail"]
    [record] = api.audited("http_auth_refused")
    assert record["status"] == 401 and record["path"] == "/v1/chat"
    assert ADMIN_KEY not in str(api.service.audit.tail(50))  # the key itself is never written
    assert model.requests == []


async def test_a_key_cannot_assert_a_role_it_is_not_given(make_api: MakeApi) -> None:
    model = ScriptedModel([])
    api = await make_api(model)
    response = await api.client.post("/v1/chat", json={**CHAT, "user": ADMIN}, headers=auth(PORTAL_KEY))
    assert response.status_code == 403 and "admin" in response.json()["detail"]
    [record] = api.audited("http_auth_refused")
    assert record["status"] == 403 and record["key_name"] == "portal" and record["role"] == "admin"
    assert PORTAL_KEY not in str(api.service.audit.tail(50)) and model.requests == []


async def test_an_unknown_person_gets_a_clear_refusal(make_api: MakeApi) -> None:
    api = await make_api(ScriptedModel([]))
    body = {**CHAT, "user": {"role": "employee", "email": "nobody@example.com"}}
    response = await api.client.post("/v1/chat", json=body, headers=auth())
    assert response.status_code == 403 and "nobody@example.com" in response.json()["detail"]
    unknown_role = {**CHAT, "user": {"role": "superuser", "agent_id": 1}}
    assert (await api.client.post("/v1/chat", json=unknown_role, headers=auth())).status_code == 403


async def test_someone_elses_session_is_refused(make_api: MakeApi) -> None:
    api = await make_api(ScriptedModel([text("Hello Emma.")]))
    assert (await api.client.post("/v1/chat", json=CHAT, headers=auth())).status_code == 200
    liam = {"role": "employee", "email": "liam.cole@example.com"}
    response = await api.client.post("/v1/chat", json={**CHAT, "user": liam}, headers=auth())
    assert response.status_code == 403 and "another user" in response.json()["detail"]


async def test_requests_over_the_rate_get_429_with_retry_after(make_api: MakeApi) -> None:
    clock = [0.0]
    limiter = RateLimiter(per_minute=6, capacity=2, clock=lambda: clock[0])
    api = await make_api(
        ScriptedModel([text("one"), text("two"), text("three"), text("four")]), limiter=limiter
    )
    statuses = [(await api.client.post("/v1/chat", json=CHAT, headers=auth())).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    limited = await api.client.post("/v1/chat", json=CHAT, headers=auth())
    assert limited.headers["retry-after"] == "10" and "retry" in limited.json()["detail"]
    admin_chat = {**CHAT, "session_id": "other", "user": ADMIN}
    assert (await api.client.post("/v1/chat", json=admin_chat, headers=auth())).status_code == 200  # per user
    clock[0] = 10.0
    assert (await api.client.post("/v1/chat", json=CHAT, headers=auth())).status_code != 429


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({**CHAT, "temperature": 2}, "body.temperature: unknown field"),
        ({**CHAT, "user": {**EMMA, "is_admin": True}}, "body.user.is_admin: unknown field"),
        ({"session_id": "s1", "user": EMMA}, "body.message: Field required"),
        ({**CHAT, "session_id": "bad\nid"}, "printable"),
        ({**CHAT, "user": {"role": "employee"}}, "email or agent_id"),
        ({**CHAT, "message": ""}, "body.message"),
    ],
)
async def test_bad_bodies_get_422_naming_the_problem(
    make_api: MakeApi, body: dict[str, Any], expected: str
) -> None:
    api = await make_api(ScriptedModel([]))
    response = await api.client.post("/v1/chat", json=body, headers=auth())
    assert response.status_code == 422 and expected in response.json()["detail"]


async def test_malformed_json_is_refused_clearly(make_api: MakeApi) -> None:
    api = await make_api(ScriptedModel([]))
    headers = {**auth(), "Content-Type": "application/json"}
    response = await api.client.post("/v1/chat", content=b'{"session_id": "s1",', headers=headers)
    assert response.status_code == 422 and "malformed JSON" in response.json()["detail"]


async def test_an_oversized_body_gets_413(make_api: MakeApi) -> None:
    model = ScriptedModel([])
    api = await make_api(model, max_body_bytes=1024)
    response = await api.client.post("/v1/chat", json={**CHAT, "message": "x" * 2000}, headers=auth())
    assert response.status_code == 413 and "1024 bytes" in response.json()["detail"]

    async def chunks() -> Any:  # no Content-Length: counted as it arrives
        for _ in range(4):
            yield b"x" * 400

    chunked = await api.client.post("/v1/chat", content=chunks(), headers=auth())
    assert chunked.status_code == 413 and model.requests == []


async def test_unknown_sessions_and_pending_ids_get_404(make_api: MakeApi) -> None:
    api = await make_api(ScriptedModel([text("hi")]))
    body = {"pending_id": "p-nope", "answer": "yes", "user": EMMA}
    missing_session = await api.client.post("/v1/sessions/nope/confirm", json=body, headers=auth())
    assert missing_session.status_code == 404 and "nope" in missing_session.json()["detail"]
    await api.client.post("/v1/chat", json=CHAT, headers=auth())
    missing_pending = await api.client.post("/v1/sessions/s1/confirm", json=body, headers=auth())
    assert missing_pending.status_code == 404 and "p-nope" in missing_pending.json()["detail"]
    approve = await api.client.post("/v1/approvals/p-nope/approve", json={"user": ADMIN}, headers=auth())
    assert approve.status_code == 404
    bad_answer = await api.client.post(
        "/v1/sessions/s1/confirm", json={**body, "answer": "maybe"}, headers=auth()
    )
    assert bad_answer.status_code == 422


# Text that is not text: JSON lets a string hold "\ud800" alone, and a client may send bytes that are
# not UTF-8 at all. Each is refused naming the field, before any turn; the audit log stays whole.
LONE = b'"broken \\ud800 here"'
EMMA_JSON = b'{"role": "employee", "email": "emma.hart@example.com"}'
NOT_TEXT = {
    "escaped in the message": (b'{"session_id": "s1", "message": ' + LONE + b', "user": ' + EMMA_JSON + b"}",
                               "body.message: character 8 is a lone surrogate, not text"),
    "escaped low surrogate": (b'{"session_id": "s1", "message": "x\\udfff", "user": ' + EMMA_JSON + b"}",
                              "body.message: character 2 is a lone surrogate, not text"),
    "escaped in the email": (b'{"session_id": "s1", "message": "hi", "user": {"role": "employee", '
                             b'"email": "emma\\udc80@example.com"}}', "body.user.email: character 5 is a"),
    "escaped in a key": (b'{"session_id": "s1", "message": "hi", "\\ud800": 1, "user": ' + EMMA_JSON + b"}",
                         "body: character 1 is a lone surrogate, not text"),
    "a byte that is not UTF-8": (b'{"session_id": "s1", "message": "caf\xe9", "user": ' + EMMA_JSON + b"}",
                                 "body: malformed JSON: byte 0xE9 at byte 37 is not UTF-8 text"),
}  # fmt: skip


@pytest.mark.parametrize("case", NOT_TEXT)
async def test_text_that_is_not_utf8_gets_422_naming_the_field_and_no_turn(
    make_api: MakeApi, case: str
) -> None:
    body, expected = NOT_TEXT[case]
    model = ScriptedModel([[call("haloitsm_get_ticket", ticket_id=789)], text("ok")])
    api = await make_api(model)
    headers = {**auth(), "Content-Type": "application/json"}
    response = await api.client.post("/v1/chat", content=body, headers=headers)
    assert response.status_code == 422, response.text
    answer = response.json()
    assert answer["error"] == "invalid_request" and expected in answer["detail"], answer
    assert model.requests == [] and api.service.audit.tail(10) == []
    fine = await api.client.post("/v1/chat", json={**CHAT, "message": "hi 😀 \U0001f600"}, headers=auth())
    assert fine.status_code == 200 and fine.json()["answer"] == "ok"  # a surrogate pair is text
    assert [r["tool"] for r in api.service.audit.tail(10)] == ["haloitsm_get_ticket"]
    assert api.service.audit.verify().ok


async def test_a_confirmation_whose_pending_id_is_not_text_gets_422(make_api: MakeApi) -> None:
    api = await make_api(ScriptedModel([]))
    body = b'{"pending_id": "p\\ud800", "answer": "yes", "user": ' + EMMA_JSON + b"}"
    headers = {**auth(), "Content-Type": "application/json"}
    response = await api.client.post("/v1/sessions/s1/confirm", content=body, headers=headers)
    assert response.status_code == 422
    assert response.json()["detail"] == "body.pending_id: character 2 is a lone surrogate, not text"
