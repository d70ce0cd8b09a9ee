"""The live checks `config init` runs before it saves anything: each says what it found or what to fix.

1. a token: the URL answers, the client id and secret (and the tenant, when hosted) are accepted;
2. the instance kind matches what was chosen (hosted with a tenant, or self-hosted without);
3. `GET /TicketType` answers;
4. the scopes the chosen roles need: from the token's scope, and a read of each area they use (a
   Halo token does not always list its scopes, and a read refused with 403 settles it);
5. the model endpoint answers and accepts its key (`GET /models`); the offline model needs nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import httpx2

from halo_agent.config import ModelSettings
from halo_agent.errors import HaloAgentError
from halo_agent.halo.cli import EXIT_AUTH, EXIT_OTHER, EXIT_PERMISSION, EXIT_UNREACHABLE, missing_scopes
from halo_agent.halo.client import HaloClient
from halo_agent.halo.errors import HaloAuthError, HaloError, HaloPermissionError, HaloUnavailableError
from halo_agent.models.factory import build_model

# What each role's tools and identity checks read or write in Halo. Agents and teams are read by admins'
# tools and by resolving an admin's agent id; only `all` or `admin` reach them.
ROLE_SCOPES: dict[str, tuple[str, ...]] = {
    "employee": ("read:tickets", "edit:tickets", "read:customers", "read:kb"),
    "admin": ("read:tickets", "edit:tickets", "read:customers", "read:assets", "read:kb"),
}
AREA_PROBES = {"read:customers": "Users", "read:assets": "Asset", "read:kb": "KBArticle"}
ADMIN_PROBES = ("Agent", "Team")  # need `all` or `admin`
API_PAGE = "Halo → Configuration → Integrations → Halo API → your application"


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    exit_code: int = 0

    def lines(self) -> list[str]:
        mark = "ok  " if self.ok else "FAIL"
        out = [f"[{mark}] {self.name}: {self.detail}"]
        if self.fix:
            out.append(f"       fix: {self.fix}")
        return out


async def halo_checks(client: HaloClient, kind: str, roles: Sequence[str]) -> list[Check]:
    """Token, kind, /TicketType, scopes: stops at the first failure that makes the rest meaningless."""
    try:
        token = await client.auth.token()
    except HaloError as exc:
        return [_halo_failure("Token", exc)]
    checks = [Check("Token", True, f"obtained from {client.auth.token_url}")]
    checks.append(await _kind_check(client, kind))
    try:
        types = await client.request_json("GET", "TicketType")
    except HaloError as exc:
        return [*checks, _halo_failure("GET /TicketType", exc)]
    count = len(types) if isinstance(types, list) else "?"
    checks.append(Check("GET /TicketType", True, f"{count} ticket types"))
    checks.append(await _scope_check(client, token.scope or client.settings.scope, roles))
    return checks


async def model_check(settings: ModelSettings, http_client: httpx2.AsyncClient | None = None) -> Check:
    if settings.is_offline:
        return Check("Model", True, "the built-in offline model (no endpoint to reach)")
    where = settings.azure_endpoint or settings.base_url or "https://api.openai.com/v1"
    fix = "check --llm-base-url (it usually ends in /v1), that the server is running, and the API key"
    try:
        model = build_model(settings, http_client=http_client)
    except HaloAgentError as exc:
        return Check("Model", False, str(exc), fix, EXIT_OTHER)
    try:
        await _ping(model)
    except HaloAgentError as exc:
        return Check("Model", False, str(exc), fix, EXIT_UNREACHABLE)
    finally:
        closer = getattr(model, "aclose", None)
        if closer is not None:
            await closer()
    return Check("Model", True, f"{settings.name} at {where} answers and accepts the key")


async def _ping(model: object) -> None:
    ping = getattr(model, "ping", None)
    if ping is not None:
        await ping()


async def _kind_check(client: HaloClient, chosen: str) -> Check:
    actual = await client.instance_kind()
    if actual == chosen:
        tenant = f", tenant {client.auth.tenant}" if client.auth.tenant else ""
        return Check("Instance", True, f"{actual}{tenant}")
    if chosen == "hosted":
        fix = "give the tenant shown on the Halo API page (--tenant), or choose --self-hosted"
    else:
        fix = "this instance is hosted: give its tenant (--tenant) and choose --hosted"
    return Check("Instance", False, f"chose {chosen}, but the instance is {actual}", fix, EXIT_AUTH)


async def _scope_check(client: HaloClient, granted: str, roles: Sequence[str]) -> Check:
    needed = sorted({scope for role in roles for scope in ROLE_SCOPES.get(role, ())})
    missing = set(missing_scopes(granted, needed)) if granted else set()
    probes = [(scope, AREA_PROBES[scope]) for scope in needed if scope in AREA_PROBES]
    probes += [("all or admin", path) for path in ADMIN_PROBES] if "admin" in roles else []
    for scope, path in probes:
        try:
            await client.request_json("GET", path, params={"count": "1"})
        except HaloPermissionError:
            missing.add(scope)
        except HaloError as exc:
            return _halo_failure(f"Scopes ({', '.join(roles)})", exc)
    name = f"Scopes for {' and '.join(roles)}"
    if missing:
        fix = f"grant {' '.join(sorted(missing))} (or 'all') to the API application in {API_PAGE}"
        return Check(name, False, f"missing {', '.join(sorted(missing))}", fix, EXIT_PERMISSION)
    agents = ", agents and teams readable" if "admin" in roles else ""
    return Check(name, True, f"{' '.join(needed)} granted{agents}")


def _halo_failure(name: str, exc: HaloError) -> Check:
    if isinstance(exc, HaloAuthError):
        fix = f"check the client id and secret ({API_PAGE}) and, for a hosted Halo, the tenant"
        return Check(name, False, exc.message, fix, EXIT_AUTH)
    if isinstance(exc, HaloUnavailableError):
        fix = "check the Halo URL (https://yourcompany.haloitsm.com) and that this machine can reach it"
        return Check(name, False, exc.message, fix, EXIT_UNREACHABLE)
    if isinstance(exc, HaloPermissionError):
        return Check(name, False, exc.message, f"grant the scopes in {API_PAGE}", EXIT_PERMISSION)
    return Check(name, False, exc.message, "", EXIT_OTHER)
