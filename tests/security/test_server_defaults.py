"""Holes 7, 8 and 9 and the server defaults: rate limits by the proven person, unguessable MCP parking,
no proxy headers by default, authentication before the body, unauthenticated callers throttled without
an audit record each, keys reloaded and expiring, `keys hash` never writing the key to stdout, expired
confirmations answered 409."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from halo_agent.agent.service import RESERVED_SESSION_PREFIX
from halo_agent.channels.forwarded import TrustedProxies
from halo_agent.channels.keys import KeyRing, hash_key
from halo_agent.channels.ratelimit import RateLimiter
from halo_agent.channels.serve_cli import proxy_settings
from halo_agent.cli import main
from halo_agent.examples import DEMO_ADMIN_AGENT_ID
from halo_agent.storage.sessions import SessionError
from halo_agent.testing import ScriptedModel, text
from tests.channels.conftest import ADMIN_KEY, MakeApi, auth

ALEX = "alex.morgan@example.com"


def _chat(user: dict[str, object], message: str = "hi", session: str = "s") -> dict[str, object]:
    return {"message": message, "session_id": session, "user": user}


async def test_aliases_of_one_admin_share_one_rate_limit_bucket(make_api: MakeApi) -> None:
    api = await make_api(ScriptedModel([text("hi")] * 50), limiter=RateLimiter(per_minute=1, capacity=5))
    aliases = [{"role": "admin", "agent_id": DEMO_ADMIN_AGENT_ID}, {"role": "admin", "email": ALEX},
               {"role": "admin", "email": "  " + ALEX.upper()}, {"role": "admin", "email": ALEX.title()}]
    statuses = []
    for n in range(12):
        response = await api.client.post("/v1/chat", json=_chat(aliases[n % 4], session=f"s{n}"),
                                         headers=auth())
        statuses.append(response.status_code)
    assert statuses.count(200) == 5 and statuses.count(429) == 7


async def test_a_frontend_cannot_open_or_claim_a_server_made_session(make_api: MakeApi) -> None:
    api = await make_api(ScriptedModel([text("hi")]))
    admin = await api.service.resolve_principal("admin", agent_id=DEMO_ADMIN_AGENT_ID)
    with pytest.raises(SessionError, match="made by the server"):
        [_ async for _ in api.service.handle("hi", admin, RESERVED_SESSION_PREFIX + "guessed")]


def test_uvicorn_never_believes_proxy_headers_itself() -> None:
    # The app does (from trusted proxies only), so that the real peer stays known to it.
    assert proxy_settings(TrustedProxies()) == {"proxy_headers": False}
    assert proxy_settings(TrustedProxies.parse(["10.0.0.5"])) == {"proxy_headers": False}


async def test_x_forwarded_for_from_an_untrusted_peer_does_not_set_the_audited_address(
    make_api: MakeApi,
) -> None:
    api = await make_api(ScriptedModel([]))  # no trusted proxies: loopback is not one either
    await api.client.post("/v1/chat", json={}, headers={"X-Forwarded-For": "203.0.113.7"})
    assert [r["client"] for r in api.audited("http_auth_refused")] == ["127.0.0.1"]


async def test_x_forwarded_for_from_a_trusted_proxy_names_the_person_behind_it(make_api: MakeApi) -> None:
    api = await make_api(ScriptedModel([]), trusted_proxies=TrustedProxies.parse(["127.0.0.0/8"]))
    await api.client.post("/v1/chat", json={}, headers={"X-Forwarded-For": "203.0.113.7"})
    assert [r["client"] for r in api.audited("http_auth_refused")] == ["203.0.113.7"]


async def test_authentication_comes_before_the_body_is_read(make_api: MakeApi) -> None:
    api = await make_api(ScriptedModel([]))
    response = await api.client.post("/v1/chat", content=b"{not json at all", headers={"X-Other": "1"})
    assert response.status_code == 401  # not 422: nothing about the body is told to a stranger


async def test_unauthenticated_callers_are_throttled_without_an_audit_record_each(make_api: MakeApi) -> None:
    api = await make_api(ScriptedModel([]))
    wrong = {"Authorization": "Bearer not-the-key-0123456789"}
    statuses = [(await api.client.post("/v1/chat", json={}, headers=wrong)).status_code for _ in range(40)]
    assert statuses[:10] == [401] * 10 and statuses[-1] == 429
    assert len(api.audited("http_auth_refused")) == 1


async def test_a_removed_key_stops_working_without_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "keys.toml"
    path.write_text(f'[[keys]]\nname = "a"\nsha256 = "{hash_key(ADMIN_KEY)}"\n', encoding="utf-8")
    ring = KeyRing.load(path)
    assert ring.authenticate(ADMIN_KEY) is not None
    path.write_text(f'[[keys]]\nname = "b"\nsha256 = "{hash_key("another-key-0123456789")}"\n',
                    encoding="utf-8")
    ring.refresh(force=True)
    assert ring.authenticate(ADMIN_KEY) is None


def test_an_expired_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "keys.toml"
    path.write_text(f'[[keys]]\nname = "old"\nsha256 = "{hash_key(ADMIN_KEY)}"\nexpires = 2020-01-01\n'
                    f'[[keys]]\nname = "new"\nsha256 = "{hash_key("fresh-key-0123456789")}"\n'
                    "expires = 2999-01-01T00:00:00Z\n", encoding="utf-8")
    ring = KeyRing.load(path)
    assert ring.authenticate(ADMIN_KEY) is None
    assert ring.authenticate("fresh-key-0123456789") is not None


def test_keys_hash_never_prints_a_new_key_where_a_redirect_stores_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["keys", "hash"]) == 0
    captured = capsys.readouterr()
    assert "new API key" not in captured.out and "new API key" in captured.err


async def test_an_expired_confirmation_answers_409(make_api: MakeApi) -> None:
    from halo_agent.testing import call

    api = await make_api(ScriptedModel([[call("haloitsm_resolve_ticket", ticket_id=790)], text("Closed.")]))
    user = {"role": "admin", "agent_id": DEMO_ADMIN_AGENT_ID}
    api.service.executor.pending_ttl_seconds = 1
    paused = (await api.client.post("/v1/chat", json=_chat(user, "close ticket 790"), headers=auth())).json()
    pending_id = paused["paused"][0]["pending_id"]
    await asyncio.sleep(1.1)  # the pause lived 1 s
    response = await api.client.post("/v1/sessions/s/confirm", headers=auth(),
                                     json={"pending_id": pending_id, "answer": "yes", "user": user})
    assert response.status_code == 409
