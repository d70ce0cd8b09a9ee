"""A fake Slack on loopback for tests, benchmarks and trying the bot locally: the Web API methods the
app calls (recorded), and signed requests shaped as Slack sends them (events, button presses).

    fake = await FakeSlack.start({"U1": "emma.hart@example.com"})
    bot = SlackBot(core, token="xoxb-test", signing_secret=SECRET, api_url=fake.api_url)
    headers = signed_headers(SECRET, body)        # Slack's v0 HMAC-SHA256 signature
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from halo_agent.channels.bots.loopback import serve_on_loopback

BOT_USER = "UHALOBOT"
TEAM = "T0DESK"


@dataclass
class Call:
    method: str
    args: dict[str, Any]


@dataclass
class FakeSlack:
    users: dict[str, str]  # Slack user id -> profile email
    groups: dict[str, list[str]] = field(default_factory=dict)  # group handle -> user ids
    calls: list[Call] = field(default_factory=list)
    throttled: dict[str, list[int]] = field(default_factory=dict)  # method -> Retry-After per 429 to send
    acks: list[str] = field(default_factory=list)  # Socket Mode envelope ids the app acknowledged
    api_url: str = ""
    _runner: web.AppRunner | None = None
    _socket: web.WebSocketResponse | None = None
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @classmethod
    async def start(cls, users: dict[str, str], **options: Any) -> FakeSlack:
        fake = cls(users, **options)
        app = web.Application()
        app.router.add_route("*", "/api/{method}", fake._handle)
        app.router.add_get("/socket", fake._socket_mode)
        fake._runner, port = await serve_on_loopback(app)
        fake.api_url = f"http://127.0.0.1:{port}/api/"
        return fake

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def push(self, body: bytes, *, envelope_id: str, retry_attempt: int = 0) -> None:
        """Deliver an event over the Socket Mode connection, as Slack wraps it in an envelope."""
        assert self._socket is not None, "the app has not connected in Socket Mode"
        envelope = {"envelope_id": envelope_id, "type": "events_api", "payload": json.loads(body),
                    "accepts_response_payload": False, "retry_attempt": retry_attempt,
                    "retry_reason": "timeout" if retry_attempt else ""}  # fmt: skip
        await self._socket.send_json(envelope)

    async def _socket_mode(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._socket = socket
        await socket.send_json({"type": "hello", "num_connections": 1, "debug_info": {"host": "fake"}})
        async for message in socket:
            data = json.loads(message.data) if isinstance(message.data, str) else {}
            if data.get("envelope_id"):
                self.acks.append(str(data["envelope_id"]))
        return socket

    def made(self, method: str) -> list[dict[str, Any]]:
        return [call.args for call in self.calls if call.method == method]

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _arguments(request)
        self.calls.append(Call(method, args))
        waits = self.throttled.get(method)
        if waits:
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                     headers={"Retry-After": str(waits.pop(0))})  # fmt: skip
        return web.json_response(self._answer(method, args))

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "apps.connections.open":
            return {
                "ok": True,
                "url": self.api_url.replace("http://", "ws://").removesuffix("api/") + "socket",
            }
        if method == "auth.test":
            return {"ok": True, "user_id": BOT_USER, "bot_id": "BHALO", "team_id": TEAM, "user": "halo"}
        if method == "users.info":
            return self._user(str(args.get("user")))
        if method == "usergroups.list":
            rows = [{"handle": handle, "users": members} for handle, members in self.groups.items()]
            return {"ok": True, "usergroups": rows}
        if method in ("chat.postMessage", "chat.update"):
            ts = args.get("ts") or f"{1_700_000_000 + next(self._ts)}.000100"
            return {"ok": True, "channel": args.get("channel"), "ts": ts}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"{1_700_000_000 + next(self._ts)}.000200"}
        return {"ok": False, "error": "unknown_method"}

    def _user(self, user: str) -> dict[str, Any]:
        if user not in self.users:
            return {"ok": False, "error": "user_not_found"}
        email = self.users[user]
        return {"ok": True, "user": {"id": user, "name": email.split("@")[0], "is_bot": False,
                                     "deleted": False, "profile": {"email": email}}}  # fmt: skip


async def _arguments(request: web.Request) -> dict[str, Any]:
    args: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        args.update(await request.json())
    elif request.can_read_body:
        args.update(dict(await request.post()))
    return args


# -- what Slack sends the app ------------------------------------------------------------------------
def signed_headers(signing_secret: str, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
    """Slack's request signature: v0=HMAC-SHA256(secret, "v0:{timestamp}:{body}")."""
    stamp = str(timestamp if timestamp is not None else int(time.time()))
    digest = hmac.new(signing_secret.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


def event_body(event: dict[str, Any], *, event_id: str) -> bytes:
    payload = {"token": "unused", "team_id": TEAM, "api_app_id": "AHALO", "type": "event_callback",
               "event_id": event_id, "event_time": int(time.time()), "event": event}  # fmt: skip
    return json.dumps(payload).encode()


def direct_message(
    user: str, text: str, *, channel: str = "D0EMMA", ts: str = "1700000000.000001"
) -> dict[str, Any]:
    return {"type": "message", "channel_type": "im", "channel": channel, "user": user, "text": text, "ts": ts}


def mention(
    user: str, text: str, *, channel: str = "C0DESK", ts: str = "1700000000.000002"
) -> dict[str, Any]:
    return {
        "type": "app_mention",
        "channel": channel,
        "user": user,
        "text": f"<@{BOT_USER}> {text}",
        "ts": ts,
    }


def button_body(user: str, action_id: str, value: str, *, channel: str, message_ts: str) -> bytes:
    """A block_actions payload, form-encoded as Slack posts interactivity."""
    payload = {
        "type": "block_actions", "team": {"id": TEAM}, "user": {"id": user},
        "api_app_id": "AHALO", "channel": {"id": channel}, "container": {"message_ts": message_ts},
        "message": {"ts": message_ts}, "trigger_id": "1.2.3",
        "actions": [{"type": "button", "action_id": action_id, "value": value, "block_id": "b"}],
    }  # fmt: skip
    return urlencode({"payload": json.dumps(payload)}).encode()
