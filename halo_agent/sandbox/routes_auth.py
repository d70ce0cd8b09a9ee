"""Halo's authorisation server: `/auth/token` (self-hosted), `/token?tenant=` and `/auth/token?tenant=`
(hosted), and the unauthenticated `/api/authinfo` discovery document.

A hosted sandbox (a tenant configured) refuses token requests without a tenant and answers a wrong
tenant with a 500, as real hosted Halo has been seen to do.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs

from starlette.responses import PlainTextResponse, Response

from halo_agent.sandbox.auth import OAuthError, TokenIssuer, parse_scopes
from halo_agent.sandbox.wire import json_response


@dataclass(frozen=True)
class AuthSetup:
    client_id: str
    client_secret: str
    tenant: str | None
    granted_scopes: str
    agent_name: str


def token_endpoint(
    setup: AuthSetup, issuer: TokenIssuer, *, path: str, params: dict[str, str], headers: dict[str, str],
    body: bytes,
) -> Response:
    if path == "/token" and setup.tenant is None:
        return Response(status_code=404)  # a self-hosted instance has no separate auth server route
    tenant_problem = _tenant_problem(setup, params.get("tenant"))
    if tenant_problem is not None:
        return tenant_problem
    try:
        form = _form(headers, body)
        _check_client(setup, form, headers.get("authorization"))
        scopes = parse_scopes(form.get("scope"), setup.granted_scopes)
    except OAuthError as error:
        return json_response({"error": error.error, "error_description": error.description}, error.status)
    return json_response(issuer.issue(scopes, setup.agent_name), headers={"Cache-Control": "no-store"})


def _tenant_problem(setup: AuthSetup, tenant: str | None) -> Response | None:
    if setup.tenant is None:
        return None
    if not tenant:
        return json_response(
            {"error": "invalid_request", "error_description": "A tenant must be supplied"}, 400
        )
    if tenant.lower() != setup.tenant.lower():
        return PlainTextResponse("An error has occurred.", status_code=500)
    return None


def _form(headers: dict[str, str], body: bytes) -> dict[str, str]:
    if not headers.get("content-type", "").lower().startswith("application/x-www-form-urlencoded"):
        raise OAuthError(400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded")
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    form = {name: values[-1] for name, values in fields.items()}
    if form.get("grant_type") != "client_credentials":
        raise OAuthError(400, "unsupported_grant_type", "Only client_credentials is supported")
    return form


def _check_client(setup: AuthSetup, form: dict[str, str], authorization: str | None) -> None:
    client_id, client_secret = form.get("client_id", ""), form.get("client_secret", "")
    scheme, _, encoded = (authorization or "").partition(" ")
    if scheme.lower() == "basic" and encoded:
        try:
            client_id, _, client_secret = base64.b64decode(encoded).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            client_id = client_secret = ""
    id_ok = secrets.compare_digest(client_id.encode(), setup.client_id.encode())
    secret_ok = secrets.compare_digest(client_secret.encode(), setup.client_secret.encode())
    if not (id_ok and secret_ok):
        raise OAuthError(401, "invalid_client", "The specified client credentials are invalid.")


def authinfo(setup: AuthSetup, base_url: str) -> Response:
    """Where to get a token: HaloAPI appends `/token` to `auth_url` and passes `tenant_id` as `?tenant=`."""
    return json_response({
        "auth_url": f"{base_url}/auth",
        "tenant_id": setup.tenant or "",
        "resource_server": f"{base_url}/api",
    })
