"""Who may call: the API key (401), the role the key may assert (403, both audited), the per-user rate
limit (429), then the asserted person checked against Halo. The person comes from the request's `user`,
set by the frontend that authenticated them, never from the conversation."""

from __future__ import annotations

import math
import time
from typing import Any, NoReturn

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

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


def _too_many(wait: float, words: str) -> ApiError:
    seconds = max(1, math.ceil(wait))
    return ApiError(429, "rate_limited", f"{words}; retry in {seconds} s", {"Retry-After": str(seconds)})


def bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


REFUSAL_AUDIT_SECONDS = 60.0  # one audit record per address per minute of refused keys, not one each
UNAUTHENTICATED_PER_MINUTE, UNAUTHENTICATED_BURST = 10.0, 10
_MAX_TRACKED_ADDRESSES = 10_000


class Gate:
    def __init__(self, service: AgentService, keys: KeyRing, limiter: RateLimiter) -> None:
        self.service = service
        self.keys = keys
        self.limiter = limiter
        # Callers without a valid key: throttled per address, before anything else is done for them.
        self.refusals = RateLimiter(per_minute=UNAUTHENTICATED_PER_MINUTE, capacity=UNAUTHENTICATED_BURST)
        self._refusal_audited: dict[str, float] = {}

    def api_key(self, request: Request) -> ApiKey:
        key = self.keys.authenticate(bearer(request))
        if key is None:
            self._refused(request)
        return key

    def _refused(self, request: Request) -> NoReturn:
        address = request.client.host if request.client else "unknown"
        problem = "missing" if bearer(request) is None else "wrong or expired"
        wait = self.refusals.acquire(f"unauthenticated:{address}")
        if wait is not None:
            raise _too_many(wait, "too many requests without a valid API key from this address")
        if self._first_refusal_in_window(address):
            self._audit(request, 401, f"{problem} API key", key=None, role=None)
        raise ApiError(
            401, "unauthorized", f"{problem} API key: send `Authorization: Bearer <key>`",
            {"WWW-Authenticate": "Bearer"},
        )  # fmt: skip

    def _first_refusal_in_window(self, address: str) -> bool:
        now = time.monotonic()
        last = self._refusal_audited.get(address)
        if last is not None and now - last < REFUSAL_AUDIT_SECONDS:
            return False
        if len(self._refusal_audited) >= _MAX_TRACKED_ADDRESSES:
            self._refusal_audited.clear()
        self._refusal_audited[address] = now
        return True

    async def principal(self, request: Request, user: UserRef) -> Principal:
        """Key, role, then the person proven against Halo; rate-limited by what was asserted (before the
        Halo lookup) and by the canonical principal key (after it), so no alias gets a fresh bucket."""
        key = self.api_key(request)
        if not key.may_assert(user.role):
            reason = f"this API key may not act for the role {user.role!r}"
            self._audit(request, 403, reason, key=key, role=user.role)
            raise ApiError(403, "forbidden_role", reason)
        self._limit(user.limit_key)
        principal = await self.service.resolve_principal(user.role, email=user.email, agent_id=user.agent_id)
        self._limit(f"principal:{principal.key}")
        return principal

    def _limit(self, bucket: str) -> None:
        wait = self.limiter.acquire(bucket)
        if wait is not None:
            raise _too_many(wait, "too many requests for this user")

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


class ApiKeyFirst:
    """ASGI middleware: a `/v1/` request without a valid API key is answered (401, or 429 when the
    address keeps trying) before a byte of its body is read or validated."""

    def __init__(self, app: ASGIApp, *, gate: Gate, prefix: str = "/v1/") -> None:
        self.app = app
        self.gate = gate
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and str(scope.get("path", "")).startswith(self.prefix):
            try:
                self.gate.api_key(Request(scope))
            except ApiError as exc:
                body = {"error": exc.error, "detail": exc.detail}
                await JSONResponse(body, status_code=exc.status, headers=exc.headers)(scope, receive, send)
                return
        await self.app(scope, receive, send)
