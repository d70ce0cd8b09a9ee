"""OAuth2 client credentials for Halo: where the token endpoint is, and one valid token at a time.

Token URL: an explicit `auth_url` setting, else what `GET {instance}/api/authinfo` names, else
`{instance}/auth/token?tenant=<tenant>` (hosted) or `{instance}/auth/token` (self-hosted).
Tokens are cached and renewed at ~80% of their lifetime; concurrent callers share one renewal.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlencode, urlsplit

import httpx2
from pydantic import SecretStr

from halo_agent.config import HaloSettings
from halo_agent.halo.errors import (
    HaloAuthError,
    HaloPermissionError,
    HaloUnavailableError,
    HaloUnexpectedResponse,
)
from halo_agent.halo.transport import HaloHttp
from halo_agent.logs import get_logger

log = get_logger("halo_agent.halo")

HOSTED_SUFFIXES = (".haloitsm.com", ".halopsa.com", ".haloservicedesk.com")
RENEW_AT = 0.8  # fraction of the lifetime after which a token is renewed
InstanceKind = Literal["hosted", "self-hosted"]


@dataclass(frozen=True, repr=False)
class AccessToken:
    value: SecretStr
    expires_at: float  # policy clock
    lifetime: float
    scope: str | None

    def __repr__(self) -> str:
        return f"AccessToken(scope={self.scope!r}, lifetime={self.lifetime:g}s)"

    @property
    def header(self) -> dict[str, str]:
        return AuthHeaders({"Authorization": f"Bearer {self.value.get_secret_value()}"})


class AuthHeaders(dict[str, str]):
    """Request headers holding a credential: any repr of them (a traceback's locals, an error message,
    a debugger) shows the header names only, never the token."""

    def __repr__(self) -> str:
        return "{" + ", ".join(f"{k!r}: '[redacted]'" for k in self) + "}"

    __str__ = __repr__


def instance_kind(settings: HaloSettings) -> InstanceKind:
    """Hosted when a tenant is configured or the host is one of Halo's cloud domains."""
    host = (urlsplit(settings.halo_url).hostname or "").lower()
    return "hosted" if settings.tenant or host.endswith(HOSTED_SUFFIXES) else "self-hosted"


class TokenManager:
    """Obtains, caches and renews the access token."""

    def __init__(self, settings: HaloSettings, http: HaloHttp) -> None:
        self.settings = settings
        self.http = http
        self._token: AccessToken | None = None
        self._lock = asyncio.Lock()
        self.token_url: str | None = None
        self.tenant: str | None = settings.tenant

    async def token(self) -> AccessToken:
        """A valid token, fetching one only when none is cached or it is due for renewal."""
        current = self._token
        if current is not None and not self._due(current):
            return current
        async with self._lock:
            current = self._token  # another caller may have renewed while we waited
            if current is None or self._due(current):
                self._token = current = await self._fetch()
            return current

    async def renew(self, stale: AccessToken) -> AccessToken:
        """After a 401: replace `stale` unless someone already did."""
        async with self._lock:
            if self._token is None or self._token is stale:
                self._token = await self._fetch()
            return self._token

    def _due(self, token: AccessToken) -> bool:
        return self.http.policy.clock() >= token.expires_at

    async def _fetch(self) -> AccessToken:
        url = await self._resolve_token_url()
        form = {
            "grant_type": "client_credentials",
            "client_id": self.settings.client_id,
            "client_secret": self.settings.client_secret.get_secret_value(),
            "scope": self.settings.scope,
        }
        response = await self.http.send("POST", url, kind="token", data=form)
        if response.status_code != 200:
            raise token_error(response, self.settings, url)
        return self._read(response, url)

    def _read(self, response: httpx2.Response, url: str) -> AccessToken:
        try:
            body = response.json()
            value = str(body["access_token"])
            lifetime = float(body.get("expires_in") or 3600)
        except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, ValueError):
            raise HaloUnexpectedResponse(
                f"The token endpoint {_safe(url)} answered without a usable access_token: is it Halo's "
                "authorisation server? Check HALO_URL / HALO_AUTH_URL."
            ) from None
        log.info("halo.token", token_url=_safe(url), lifetime_s=lifetime, scope=body.get("scope"))
        expires_at = self.http.policy.clock() + lifetime * RENEW_AT
        return AccessToken(SecretStr(value), expires_at, lifetime, body.get("scope"))

    async def _resolve_token_url(self) -> str:
        if self.token_url is None:
            self.token_url = await self._discover()
        return self.token_url

    async def _discover(self) -> str:
        if self.settings.auth_url:
            return _with_tenant(_token_endpoint(self.settings.auth_url), self.tenant)
        info = await self._authinfo()
        auth_server = _pick(info, "auth_url", "authurl", "auth_server", "authserver")
        self.tenant = self.tenant or _pick(info, "tenant_id", "tenant", "tenantid")
        if instance_kind(self.settings) == "hosted" and not self.tenant:
            self.tenant = _tenant_from_host(self.settings.halo_url)
        base = auth_server or f"{self.settings.halo_url}/auth"
        return _with_tenant(_token_endpoint(base), self.tenant)

    async def _authinfo(self) -> dict[str, Any]:
        """`GET /api/authinfo` (no token needed). Missing or unreadable: fall back to the defaults."""
        response = await self.http.send("GET", f"{self.settings.halo_url}/api/authinfo")
        try:
            body = response.json() if response.status_code == 200 else {}
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = {}
        return {str(k).lower(): v for k, v in body.items()} if isinstance(body, dict) else {}


def token_error(response: httpx2.Response, settings: HaloSettings, url: str) -> Exception:
    """Map a refused token request to an error an admin can act on."""
    status = response.status_code
    code, description = _oauth_error(response)
    if code == "invalid_client" or (status == 401 and not code):
        return HaloAuthError(
            f"Halo rejected the client id or secret (invalid_client) at {_safe(url)}: check HALO_CLIENT_ID "
            "and HALO_CLIENT_SECRET against the API application (Configuration > Integrations > Halo API).",
            status=status,
        )
    if code == "invalid_scope":
        return HaloPermissionError(
            f"Halo refused the requested scope '{settings.scope}' (invalid_scope"
            f"{': ' + description if description else ''}). Use 'all', or pairs such as "
            "'read:tickets edit:tickets read:customers read:assets read:kb'.",
            status=status,
        )
    if status >= 500:
        return HaloAuthError(_tenant_hint(settings, url, status), status=status)
    if status == 404:
        return HaloAuthError(
            f"No token endpoint at {_safe(url)} (404): check HALO_URL (the instance address), HALO_AUTH_URL "
            "and, for hosted Halo, HALO_TENANT.",
            status=status,
        )
    if status == 429 or status in (502, 503, 504):
        return HaloUnavailableError(
            f"Halo's authorisation server is busy or down (HTTP {status}).", status=status
        )
    detail = f"{code}: {description}" if code else f"HTTP {status}"
    return HaloAuthError(f"Halo refused the token request at {_safe(url)} ({detail}).", status=status)


def _tenant_hint(settings: HaloSettings, url: str, status: int) -> str:
    if instance_kind(settings) == "hosted":
        return (
            f"Halo's authorisation server failed (HTTP {status}) at {_safe(url)}. On hosted Halo this "
            f"usually means the tenant is wrong (using '{_tenant_in(url) or 'none'}'): set HALO_TENANT to "
            "the tenant shown in Halo under Configuration > Integrations > Halo API."
        )
    return (
        f"Halo's authorisation server failed (HTTP {status}) at {_safe(url)}. If this is a hosted "
        "instance, set HALO_TENANT; otherwise check HALO_AUTH_URL."
    )


def _oauth_error(response: httpx2.Response) -> tuple[str, str]:
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return "", ""
    if not isinstance(body, dict):
        return "", ""
    return str(body.get("error") or ""), str(body.get("error_description") or "")


def _token_endpoint(base: str) -> str:
    base = base.rstrip("/")
    return base if base.lower().endswith("/token") else f"{base}/token"


def _with_tenant(url: str, tenant: str | None) -> str:
    if not tenant or "tenant=" in url:
        return url
    return f"{url}{'&' if '?' in url else '?'}{urlencode({'tenant': tenant})}"


def _tenant_from_host(halo_url: str) -> str | None:
    host = urlsplit(halo_url).hostname or ""
    return host.split(".", 1)[0] if host.endswith(HOSTED_SUFFIXES) else None


def _tenant_in(url: str) -> str | None:
    query = urlsplit(url).query
    pairs = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
    return pairs.get("tenant")


def _pick(info: dict[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = info.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _safe(url: str) -> str:
    """URLs here carry no secrets (the secret travels in the body), but strip any userinfo anyway."""
    parts = urlsplit(url)
    return url.replace(f"{parts.username}:{parts.password}@", "") if parts.password else url
