"""Who may call: the API key (401), the role the key may assert (403, both audited), the per-user rate
limit (429), then the asserted person checked against Halo. The person comes from the request's `user`,
set by the frontend that authenticated them, never from the conversation."""

from __future__ import annotations

import math
from typing import Any

from starlette.requests import Request

from halo_agent.agent.service import AgentService
from halo_agent.channels.http_models import UserRef
from halo_agent.channels.keys import ApiKey, KeyRing
from halo_agent.channels.ratelimit import RateLimiter
from halo_agent.principal import Principal


class ApiError(Exception):
    """An answer with a status and a plain message; the app turns it into `{"error", "detail"}`."""

    def __init__(self, status: int, error: str, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.error = error
        self.detail = detail
        self.headers = headers or {}


def bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


class Gate:
    def __init__(self, service: AgentService, keys: KeyRing, limiter: RateLimiter) -> None:
        self.service = service
        self.keys = keys
        self.limiter = limiter

    def api_key(self, request: Request) -> ApiKey:
        key = self.keys.authenticate(bearer(request))
        if key is None:
            problem = "missing" if bearer(request) is None else "wrong"
            self._audit(request, 401, f"{problem} API key", key=None, role=None)
            raise ApiError(
                401, "unauthorized", f"{problem} API key: send `Authorization: Bearer <key>`",
                {"WWW-Authenticate": "Bearer"},
            )  # fmt: skip
        return key

    async def principal(self, request: Request, user: UserRef) -> Principal:
        key = self.api_key(request)
        if not key.may_assert(user.role):
            reason = f"this API key may not act for the role {user.role!r}"
            self._audit(request, 403, reason, key=key, role=user.role)
            raise ApiError(403, "forbidden_role", reason)
        wait = self.limiter.acquire(user.limit_key)
        if wait is not None:
            seconds = max(1, math.ceil(wait))
            raise ApiError(
                429, "rate_limited", f"too many requests for this user; retry in {seconds} s",
                {"Retry-After": str(seconds)},
            )  # fmt: skip
        return await self.service.resolve_principal(user.role, email=user.email, agent_id=user.agent_id)

    def _audit(
        self, request: Request, status: int, reason: str, *, key: ApiKey | None, role: str | None
    ) -> None:
        record: dict[str, Any] = {
            "event": "http_auth_refused",
            "status": status,
            "reason": reason,
            "key_name": key.name if key else None,  # the key's name, never the key
            "role": role,
            "method": request.method,
            "path": request.url.path,
            "client": request.client.host if request.client else None,
        }
        self.service.audit.append(record)
