"""OAuth2 client credentials as Halo's authorisation server answers it, and per-resource scopes.

Scope rules (halo-api.md §1): `all` and `admin` cover everything; `all:standard` covers the standard
areas; `edit:X` implies `read:X`; an unknown scope is refused with `invalid_scope`; a token asked for
without `scope` reads nothing. Agents and teams need `all` or `admin`.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from dataclasses import dataclass

AREAS = (
    "tickets", "customers", "assets", "kb", "reporting", "crm", "items", "contracts", "suppliers",
    "projects", "invoices", "quotes", "sales", "software", "calendar", "timesheets", "slas",
)
BROAD_SCOPES = ("all", "all:standard", "admin")
KNOWN_SCOPES = frozenset(BROAD_SCOPES) | {f"{verb}:{area}" for verb in ("read", "edit") for area in AREAS}

# Which scope area each /api resource belongs to. None: only `all` / `admin` reach it.
RESOURCE_AREAS: dict[str, str | None] = {
    "tickets": "tickets", "actions": "tickets", "tickettype": "tickets", "status": "tickets",
    "priority": "tickets", "outcome": "tickets",
    "client": "customers", "site": "customers", "users": "customers",
    "asset": "assets", "kbarticle": "kb",
    "agent": None, "team": None,
}


class OAuthError(Exception):
    """An OAuth2 error answer: status plus the `error` / `error_description` pair."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description


@dataclass
class TokenInfo:
    access_token: str
    scopes: frozenset[str]
    issued_at: float
    expires_at: float
    agent_id: int


def parse_scopes(requested: str | None, granted: str) -> frozenset[str]:
    """The scopes a token gets, or OAuthError `invalid_scope` as Halo refuses them."""
    asked = frozenset((requested or "").split())
    unknown = sorted(asked - KNOWN_SCOPES)
    if unknown:
        raise OAuthError(400, "invalid_scope", f"Invalid scope: {' '.join(unknown)}")
    allowed = frozenset(granted.split())
    if not allowed & {"all", "admin"}:
        beyond = sorted(scope for scope in asked if not covers(allowed, scope))
        if beyond:
            raise OAuthError(400, "invalid_scope", f"Scope not allowed for this client: {' '.join(beyond)}")
    return asked


def covers(scopes: frozenset[str], needed: str) -> bool:
    """Whether a set of scopes grants `needed` (`read:X`, `edit:X`, or a broad scope)."""
    if scopes & {"all", "admin"} or needed in scopes:
        return True
    verb, _, area = needed.partition(":")
    if needed in BROAD_SCOPES:
        return False
    if "all:standard" in scopes:
        return True
    return verb == "read" and f"edit:{area}" in scopes


def may_access(scopes: frozenset[str], resource: str, method: str) -> bool:
    """Whether a token with `scopes` may call `method` on `/api/<resource>`."""
    if resource not in RESOURCE_AREAS:
        return bool(scopes & {"all", "admin"})
    area = RESOURCE_AREAS[resource]
    if area is None:
        return bool(scopes & {"all", "admin"})
    verb = "read" if method in ("GET", "HEAD") else "edit"
    return covers(scopes, f"{verb}:{area}")


class TokenIssuer:
    """Issues opaque bearer tokens and checks them. Tokens live in memory only, like a restart in Halo."""

    def __init__(self, *, ttl_seconds: int, agent_id: int) -> None:
        self.ttl_seconds = ttl_seconds
        self.agent_id = agent_id
        self._tokens: dict[str, TokenInfo] = {}
        self.issued = 0

    def issue(self, scopes: frozenset[str], agent_name: str) -> dict[str, object]:
        now = time.time()
        token = secrets.token_urlsafe(32)
        self._tokens[token] = TokenInfo(token, scopes, now, now + self.ttl_seconds, self.agent_id)
        self.issued += 1
        return {
            "scope": " ".join(sorted(scopes)),
            "token_type": "Bearer",
            "access_token": token,
            "expires_in": self.ttl_seconds,
            "refresh_token": secrets.token_urlsafe(24),
            "id_token": _id_token(self.agent_id, agent_name, now, self.ttl_seconds),
        }

    def check(self, authorization: str | None, expired_before: float | None) -> TokenInfo:
        """The token's info, or OAuthError 401 for a missing, unknown or expired token."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise OAuthError(401, "", "")
        info = self._tokens.get(token.strip())
        if info is None:
            raise OAuthError(401, "invalid_token", "The access token is invalid")
        expired_by_fault = expired_before is not None and info.issued_at <= expired_before
        if expired_by_fault or info.expires_at <= time.time():
            raise OAuthError(401, "invalid_token", "The access token expired")
        return info


def _id_token(agent_id: int, agent_name: str, now: float, ttl: int) -> str:
    """An unsigned JWT-shaped id_token naming the API application's agent (clients only decode it)."""

    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    claims = {"sub": str(agent_id), "name": agent_name, "iat": int(now), "exp": int(now) + ttl}
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."
