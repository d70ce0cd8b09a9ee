"""Who is using the web page: a one-time sign-in link exchanged for an HttpOnly session cookie, or the
email a trusted single-sign-on proxy forwards.

`halo-agent serve` prints a link holding a one-time token for the identity given on its command line
(on the sandbox: the demo admin). Opening it sets a random session cookie (HttpOnly, SameSite=Strict)
and the token is spent. Tokens and sessions are kept in the storage (`storage/web_signins.py`), hashed:
every worker and host on the same storage knows them, and a restart signs no one out.

Behind a desk's own SSO (oauth2-proxy, a portal), requests from a `--trusted-proxy` address may name the
person with `X-Forwarded-Email` or `X-Auth-Request-Email` (an employee) or `X-Halo-Role` with
`X-Halo-User` / `X-Halo-Agent-Id`; the identity is resolved against Halo like every other.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from halo_agent.principal import Principal
from halo_agent.storage.web_signins import WebSignIns

COOKIE_NAME = "halo_agent_session"
TOKEN_TTL_SECONDS = 15 * 60
SESSION_TTL_SECONDS = 12 * 3600


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass
class SignIns:
    """One-time sign-in tokens and the cookie sessions they open, in `store`."""

    store: WebSignIns
    clock: Callable[[], float] = time.time

    def issue(self, principal: Principal, ttl_seconds: float = TOKEN_TTL_SECONDS) -> str:
        """A fresh one-time token that signs `principal` in."""
        token = secrets.token_urlsafe(32)
        now = self.clock()
        self.store.put("token", _digest(token), principal, expires_at=now + ttl_seconds, now=now)
        return token

    def redeem(self, token: str) -> str | None:
        """Spend a token: a new session cookie value, or None if the token is unknown, used or expired."""
        now = self.clock()
        principal = self.store.take("token", _digest(token), now=now) if token else None
        if principal is None:
            return None
        cookie = secrets.token_urlsafe(32)
        self.store.put("session", _digest(cookie), principal, expires_at=now + SESSION_TTL_SECONDS, now=now)
        return cookie

    def principal(self, cookie: str | None) -> Principal | None:
        return self.store.get("session", _digest(cookie), now=self.clock()) if cookie else None

    def sign_out(self, cookie: str | None) -> None:
        if cookie:
            self.store.take("session", _digest(cookie), now=self.clock())
