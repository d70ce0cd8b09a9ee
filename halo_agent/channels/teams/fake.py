"""A fake Bot Framework on loopback for tests, benchmarks and trying the bot locally: an OpenID/JWKS
endpoint whose key signs the tokens Teams would send (so the SDK validates them for real), and a
connector speaking the Bot Framework REST format (/v3/conversations/...) that records what the bot sent
and serves the roster.

    fake = await FakeBotFramework.start({"29:emma": ("Emma Hart", "emma.hart@example.com")})
    app = App(client_id=APP_ID, token=fake.bot_token, cloud=fake.cloud(), service_url=fake.service_url)
    headers = {"Authorization": f"Bearer {fake.channel_token(APP_ID)}"}
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import warnings
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from halo_agent.channels.bots.loopback import serve_on_loopback

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from microsoft_teams.api.auth.cloud_environment import PUBLIC, CloudEnvironment, with_overrides

ISSUER = PUBLIC.token_issuer  # "https://api.botframework.com", as Bot Framework signs channel tokens
KEY_ID = "halo-agent-test-key"
BOT_ID = "28:halo-bot"


@dataclass
class Sent:
    method: str
    path: str
    body: dict[str, Any] | None
    authorized: bool  # the bot's bearer token verified against the fake login's key


class _Keys(BaseHTTPRequestHandler):
    """OpenID metadata and JWKS, in a thread: the SDK fetches them with a blocking client."""

    jwk: ClassVar[dict[str, Any]] = {}

    def do_GET(self) -> None:
        port = self.server.server_address[1]  # type: ignore[index]  # a TCP server: (host, port)
        body: dict[str, Any] = {"keys": [self.jwk]}
        if self.path.endswith("openidconfiguration"):
            body = {"issuer": ISSUER, "jwks_uri": f"http://127.0.0.1:{port}/v1/.well-known/keys"}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_args: Any) -> None:
        return


@dataclass
class FakeBotFramework:
    roster: dict[str, tuple[str, str]]  # Teams user id -> (name, email)
    sent: list[Sent] = field(default_factory=list)
    service_url: str = ""
    _key: Any = None
    _keys_server: ThreadingHTTPServer | None = None
    _runner: web.AppRunner | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @classmethod
    async def start(cls, roster: dict[str, tuple[str, str]]) -> FakeBotFramework:
        fake = cls(roster)
        fake._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(RSAAlgorithm.to_jwk(fake._key.public_key()))
        keys = type("Keys", (_Keys,), {"jwk": {**jwk, "kid": KEY_ID, "use": "sig", "alg": "RS256"}})
        fake._keys_server = ThreadingHTTPServer(("127.0.0.1", 0), keys)
        threading.Thread(target=fake._keys_server.serve_forever, daemon=True).start()
        app = web.Application()
        app.router.add_route("*", "/v3/conversations/{tail:.*}", fake._connector)
        fake._runner, port = await serve_on_loopback(app)
        fake.service_url = f"http://127.0.0.1:{port}/"
        return fake

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._keys_server is not None:
            self._keys_server.shutdown()
            self._keys_server.server_close()

    def cloud(self) -> CloudEnvironment:
        """The public cloud, but with Bot Framework's OpenID metadata served by this fake."""
        port = self._keys_server.server_address[1] if self._keys_server else 0
        return with_overrides(
            PUBLIC, openid_metadata_url=f"http://127.0.0.1:{port}/v1/.well-known/openidconfiguration"
        )

    def channel_token(self, app_id: str, *, service_url: str | None = None, lifetime: int = 600) -> str:
        """A token as the Bot Framework channel signs it for an activity sent to our bot."""
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": app_id, "iat": now, "nbf": now, "exp": now + lifetime,
                  "serviceurl": service_url or self.service_url}  # fmt: skip
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": KEY_ID})

    async def bot_token(self, *_args: Any, **_kwargs: Any) -> str:
        """The token the bot sends with its replies (what Entra would issue for its app id)."""
        now = int(time.time())
        claims = {"aud": "https://api.botframework.com", "iat": now, "exp": now + 3600}
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": KEY_ID})

    def made(self, method: str, suffix: str = "/activities") -> list[Sent]:
        return [s for s in self.sent if s.method == method and s.path.endswith(suffix)]

    async def _connector(self, request: web.Request) -> web.Response:
        body = await request.json() if request.can_read_body else None
        self.sent.append(Sent(request.method, request.path, body, self._authorized(request)))
        parts = request.path.split("/")
        if request.method == "GET" and "members" in parts:
            return self._member(parts[-1])
        return web.json_response({"id": f"activity-{next(self._ids)}"})

    def _member(self, user_id: str) -> web.Response:
        if user_id not in self.roster:
            return web.json_response({"error": {"code": "MemberNotFoundInConversation"}}, status=404)
        name, email = self.roster[user_id]
        return web.json_response({"id": user_id, "name": name, "email": email, "userPrincipalName": email,
                                  "aadObjectId": f"aad-{user_id}"})  # fmt: skip

    def _authorized(self, request: web.Request) -> bool:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        try:
            jwt.decode(
                token, self._key.public_key(), algorithms=["RS256"], audience="https://api.botframework.com"
            )
        except jwt.InvalidTokenError:
            return False
        return scheme == "Bearer"


# -- what Teams sends the bot ------------------------------------------------------------------------
def message_activity(user: str, name: str, text: str, *, conversation: str, activity_id: str,
                     service_url: str) -> dict[str, Any]:  # fmt: skip
    return {
        "type": "message", "id": activity_id, "timestamp": "2026-12-01T09:00:00.000Z", "channelId": "msteams",
        "serviceUrl": service_url, "from": {"id": user, "name": name, "aadObjectId": f"aad-{user}"},
        "conversation": {"id": conversation, "conversationType": "personal", "tenantId": "tenant-example"},
        "recipient": {"id": BOT_ID, "name": "halo"}, "text": text, "textFormat": "plain",
        "channelData": {"tenant": {"id": "tenant-example"}},
    }  # fmt: skip


def card_action_activity(user: str, name: str, verb: str, data: dict[str, Any], *, conversation: str,
                         activity_id: str, service_url: str) -> dict[str, Any]:  # fmt: skip
    """An Action.Execute press: an invoke named adaptiveCard/action."""
    activity = message_activity(user, name, "", conversation=conversation, activity_id=activity_id,
                                service_url=service_url)  # fmt: skip
    action = {"type": "Action.Execute", "verb": verb, "data": data}
    activity.update(type="invoke", name="adaptiveCard/action", replyToId="activity-1",
                    value={"action": action, "trigger": "manual"})  # fmt: skip
    activity.pop("text")
    return activity
