"""The Teams messaging endpoint: the SDK's own FastAPI app (JWT validation on), with every refused
request on the audit log, and the App built from the deployment's credentials."""

from __future__ import annotations

import warnings
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from halo_agent.channels.teams.app import TeamsBot
from halo_agent.logs import setup_notices_as_info

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from microsoft_teams.api.auth.cloud_environment import CloudEnvironment
    from microsoft_teams.apps import App
    from microsoft_teams.apps.http.fastapi_adapter import FastAPIAdapter

MESSAGES_PATH = "/api/messages"


def build_teams_app(
    app_id: str, *, client_secret: str | None = None, tenant_id: str | None = None,
    managed_identity_client_id: str | None = None, token: Any = None,
    cloud: CloudEnvironment | None = None, service_url: str | None = None,
) -> tuple[App, FastAPIAdapter]:  # fmt: skip
    """A secret, a managed identity or (tests) a token provider authenticates what the bot sends;
    incoming activities are always validated against the cloud's Bot Framework keys for `app_id`."""
    adapter = FastAPIAdapter()
    options: dict[str, Any] = {
        "client_id": app_id, "client_secret": client_secret, "tenant_id": tenant_id,
        "managed_identity_client_id": managed_identity_client_id, "token": token, "cloud": cloud,
        "service_url": service_url, "http_server_adapter": adapter, "messaging_endpoint": MESSAGES_PATH,
        "dangerously_allow_unauthenticated_requests": False,
    }  # fmt: skip
    # Its start-up warnings describe choices made here, not faults: no tenant id means a multi-tenant app
    # (the `teams` banner says so), and "issuer validation will be skipped" is about the Entra validator
    # of `app.func` remote functions, which this bot never registers; /api/messages is checked by the
    # Bot Framework validator (its fixed issuer, `app_id` as the audience) whatever the tenant.
    with setup_notices_as_info("microsoft_teams"):
        return App(**{k: v for k, v in options.items() if v is not None}), adapter


async def teams_asgi(bot: TeamsBot, adapter: FastAPIAdapter) -> ASGIApp:
    """The endpoint to serve: the SDK's app, wrapped so each 401 it answers is audited."""
    await bot.app.initialize()
    inner: ASGIApp = adapter.app

    async def audited(scope: Scope, receive: Receive, send: Send) -> None:
        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 401:
                bot.core.audit_refusal("teams_request_refused", status=401, path=scope.get("path"),
                                       reason="missing or invalid Bot Framework token")  # fmt: skip
            await send(message)

        await inner(scope, receive, watch if scope["type"] == "http" else send)

    return audited
