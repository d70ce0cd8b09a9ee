"""Who a chat frontend says is asking, from request headers, and which proxies may say it for others.

Two ways, both behind a valid API key whose roles cap what may be asserted:

- `X-Halo-Role` with `X-Halo-User` (email) or `X-Halo-Agent-Id`: the frontend holding the key names the
  person, exactly as the `user` field of `/v1/chat` does (LibreChat: `{{LIBRECHAT_USER_EMAIL}}`).
- Open WebUI's forwarded user headers (`X-OpenWebUI-User-Email`, `-Name`, `-Id`, `-Role`, sent with
  `ENABLE_FORWARD_USER_INFO_HEADERS=true`): honoured only when the request comes straight from a trusted
  proxy address (`serve --trusted-proxy`); from anywhere else they are refused, never ignored, so a
  misconfiguration shows at once. Open WebUI's `admin` role asks for the Halo role `admin`, any other
  asks for `employee`.

Either way the identity is then resolved against Halo by `AgentService.resolve_principal`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from halo_agent.channels.http_auth import ApiError
from halo_agent.channels.http_models import UserRef
from halo_agent.errors import ConfigError

# Looked up in Starlette's case-insensitive headers; spelled as people write them, for the messages.
ROLE_HEADER = "X-Halo-Role"
USER_HEADER = "X-Halo-User"
AGENT_HEADER = "X-Halo-Agent-Id"
OPENWEBUI_EMAIL = "X-OpenWebUI-User-Email"
OPENWEBUI_ROLE = "X-OpenWebUI-User-Role"
CHAT_ID_HEADERS = ("X-OpenWebUI-Chat-Id", "X-Conversation-Id")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class TrustedProxies:
    """Addresses (or networks) whose forwarded user headers are believed. Empty: none are."""

    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, values: Iterable[str], source: str = "--trusted-proxy") -> TrustedProxies:
        networks = []
        for value in values:
            try:
                networks.append(ipaddress.ip_network(value.strip(), strict=False))
            except ValueError:
                raise ConfigError(
                    source, value, "expected an IP address or a network such as 10.0.0.0/8"
                ) from None
        return cls(tuple(networks))

    def trusts(self, host: str | None) -> bool:
        try:
            address = ipaddress.ip_address(host or "")
        except ValueError:
            return False
        return any(address in network for network in self.networks)


_PEER_KEY = "halo_direct_peer"


class DirectPeer:
    """Outermost ASGI layer: remembers the address that really connected, before a trusted proxy's
    X-Forwarded-For replaces `client`. The forwarded-identity check must ask about the proxy itself;
    the audit and per-address throttles should see the person behind it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            client = scope.get("client")
            scope.setdefault("state", {})[_PEER_KEY] = client[0] if client else None
        await self.app(scope, receive, send)


def install_proxy_layers(app: Starlette, proxies: TrustedProxies) -> None:
    """Add as the outermost layers: X-Forwarded-For believed only from `proxies` (never by default),
    with the real peer remembered for `direct_peer`.

    uvicorn's own proxy handling runs outside the app and would hide the peer, so it stays off and the
    same middleware runs here instead, inside `DirectPeer`."""
    if proxies.networks:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=[str(net) for net in proxies.networks])
    app.add_middleware(DirectPeer)  # added last: outermost


def direct_peer(request: Request) -> str | None:
    """The address that connected to us (the proxy, when one forwarded the request)."""
    state = request.scope.get("state") or {}
    if _PEER_KEY in state:
        peer: str | None = state[_PEER_KEY]
        return peer
    return request.client.host if request.client else None


def user_from_headers(headers: Headers, peer: str | None, proxies: TrustedProxies) -> UserRef:
    """The person the request asserts; an ApiError (403) when no usable identity is given."""
    if headers.get(ROLE_HEADER):
        return _ref(headers[ROLE_HEADER], headers.get(USER_HEADER), _agent_id(headers.get(AGENT_HEADER)))
    if headers.get(OPENWEBUI_EMAIL):
        if not proxies.trusts(peer):
            raise ApiError(
                403, "untrusted_forwarded_identity",
                f"forwarded user headers are accepted only from a trusted proxy; {peer or 'this address'} "
                "is not one (start serve with --trusted-proxy ADDRESS)",
            )  # fmt: skip
        role = "admin" if headers.get(OPENWEBUI_ROLE, "").lower() == "admin" else "employee"
        return _ref(role, headers[OPENWEBUI_EMAIL], None)
    raise ApiError(
        403, "no_identity",
        f"say who is asking: {ROLE_HEADER} with {USER_HEADER} (email) or {AGENT_HEADER}, or Open WebUI's "
        "forwarded user headers from a trusted proxy",
    )  # fmt: skip


def chat_id(headers: Headers) -> str | None:
    """The frontend's own conversation id, when it sends one."""
    return next((headers[name] for name in CHAT_ID_HEADERS if headers.get(name)), None)


def _ref(role: str, email: str | None, agent_id: int | None) -> UserRef:
    try:
        return UserRef(role=role, email=email or None, agent_id=agent_id)
    except ValueError as exc:
        raise ApiError(403, "no_identity", f"{USER_HEADER} (email) or {AGENT_HEADER} is needed") from exc


def _agent_id(value: str | None) -> int | None:
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise ApiError(422, "invalid_request", f"{AGENT_HEADER} must be a positive number")
    return int(value)


SSO_EMAIL_HEADERS = ("X-Forwarded-Email", "X-Auth-Request-Email")  # oauth2-proxy and its kin


def sso_user(headers: Headers, peer: str | None, proxies: TrustedProxies) -> UserRef | None:
    """The person a trusted single-sign-on proxy in front of the web page names (no API key involved:
    the proxy's address is the trust). `X-Halo-Role` with `X-Halo-User`/`X-Halo-Agent-Id`, or an
    employee by `X-Forwarded-Email`/`X-Auth-Request-Email`. None from anywhere else."""
    if not proxies.trusts(peer):
        return None
    if headers.get(ROLE_HEADER):
        return _ref(headers[ROLE_HEADER], headers.get(USER_HEADER), _agent_id(headers.get(AGENT_HEADER)))
    email = next((headers[name] for name in SSO_EMAIL_HEADERS if headers.get(name)), None)
    return _ref("employee", email, None) if email else None
