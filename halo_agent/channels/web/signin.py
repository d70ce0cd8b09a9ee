"""Who is using the web page: a one-time sign-in link exchanged for an HttpOnly session cookie, or the
email a trusted single-sign-on proxy forwards.

`halo-agent serve` prints a link holding a one-time token for the identity given on its command line
(on the sandbox: the demo admin). Opening it sets a random session cookie (HttpOnly, SameSite=Strict)
and the token is spent. Tokens and sessions are kept hashed, in memory: a restart signs everyone out.

Behind a desk's own SSO (oauth2-proxy, a portal), requests from a `--trusted-proxy` address may name the
person with `X-Forwarded-Email` or `X-Auth-Request-Email` (an employee) or `X-Halo-Role` with
`X-Halo-User` / `X-Halo-Agent-Id`; the identity is resolved against Halo like every other.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from halo_agent.principal import Principal

COOKIE_NAME = "halo_agent_session"
TOKEN_TTL_SECONDS = 15 * 60
SESSION_TTL_SECONDS = 12 * 3600
_MAX_ENTRIES = 10_000


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass
class _Entry:
    principal: Principal
    expires: float


@dataclass
class SignIns:
    """One-time sign-in tokens and the cookie sessions they open."""

    clock: Callable[[], float] = time.time
    _tokens: dict[str, _Entry] = field(default_factory=dict)
    _sessions: dict[str, _Entry] = field(default_factory=dict)

    def issue(self, principal: Principal, ttl_seconds: float = TOKEN_TTL_SECONDS) -> str:
        """A fresh one-time token that signs `principal` in."""
        token = secrets.token_urlsafe(32)
        self._tokens[_digest(token)] = _Entry(principal, self.clock() + ttl_seconds)
        self._trim(self._tokens)
        return token

    def redeem(self, token: str) -> str | None:
        """Spend a token: a new session cookie value, or None if the token is unknown, used or expired."""
        entry = self._tokens.pop(_digest(token), None)
        if entry is None or entry.expires < self.clock():
            return None
        cookie = secrets.token_urlsafe(32)
        self._sessions[_digest(cookie)] = _Entry(entry.principal, self.clock() + SESSION_TTL_SECONDS)
        self._trim(self._sessions)
        return cookie

    def principal(self, cookie: str | None) -> Principal | None:
        entry = self._sessions.get(_digest(cookie)) if cookie else None
        if entry is None or entry.expires < self.clock():
            return None
        return entry.principal

    def sign_out(self, cookie: str | None) -> None:
        if cookie:
            self._sessions.pop(_digest(cookie), None)

    def _trim(self, entries: dict[str, _Entry]) -> None:
        """Bounded memory: expired entries go first, then the oldest."""
        if len(entries) <= _MAX_ENTRIES:
            return
        now = self.clock()
        for key in [k for k, e in entries.items() if e.expires < now]:
            del entries[key]
        while len(entries) > _MAX_ENTRIES:
            del entries[next(iter(entries))]
