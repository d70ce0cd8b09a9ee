"""Slack over HTTP events: a Starlette app that refuses (and audits) any request without a valid
signature before bolt sees it, and Socket Mode for desks that cannot expose an endpoint."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_sdk.signature import SignatureVerifier
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from halo_agent.channels.slack.app import SlackBot

if TYPE_CHECKING:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

EVENTS_PATH = "/slack/events"
SHUTDOWN_GRACE_SECONDS = 30.0


def slack_http_app(bot: SlackBot, signing_secret: str) -> Starlette:
    """POST /slack/events for events and interactivity (both URLs in the manifest point here)."""
    verifier = SignatureVerifier(signing_secret)
    handler = AsyncSlackRequestHandler(bot.app)

    async def events(request: Request) -> Response:
        body = await request.body()
        if not verifier.is_valid_request(body, dict(request.headers)):
            bot.core.audit_refusal(
                "slack_request_refused", status=401, reason="missing or invalid Slack signature",
                retry=request.headers.get("x-slack-retry-num"),
            )  # fmt: skip
            return JSONResponse({"error": "invalid signature"}, status_code=401)
        return await handler.handle(request)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        await bot.core.background.idle(SHUTDOWN_GRACE_SECONDS)

    return Starlette(routes=[Route(EVENTS_PATH, events, methods=["POST"])], lifespan=lifespan)


def socket_mode_handler(bot: SlackBot, app_token: str) -> AsyncSocketModeHandler:
    """Events over a WebSocket the app opens to Slack (apps.connections.open with the app token)."""
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    return AsyncSocketModeHandler(bot.app, app_token, web_client=bot.client)


async def run_socket_mode(bot: SlackBot, app_token: str) -> None:
    """Connect out to Slack over a WebSocket (no public endpoint); Slack authenticates the app token."""
    handler = socket_mode_handler(bot, app_token)
    try:
        await handler.start_async()  # type: ignore[no-untyped-call]  # bolt leaves it unannotated
    finally:
        await bot.core.background.idle(SHUTDOWN_GRACE_SECONDS)
