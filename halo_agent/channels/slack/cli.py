"""`halo-agent slack`: the Slack app, over HTTP events or Socket Mode."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from halo_agent.channels.bots.setup import add_bot_args, admin_mapping, bot_core, required_env
from halo_agent.cli_args import Subparsers, add_backend_args, add_command, add_listen_args

if TYPE_CHECKING:
    from halo_agent.channels.slack.app import SlackBot

BOT_TOKEN_ENV = "SLACK_BOT_TOKEN"
SIGNING_SECRET_ENV = "SLACK_SIGNING_SECRET"
APP_TOKEN_ENV = "SLACK_APP_TOKEN"
APPROVERS_ENV = "SLACK_APPROVERS_CHANNEL"
DEFAULT_PORT = 3000


def register(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers, "slack",
        "the Slack app: chat with the desk in Slack, buttons for confirmations and approvals",
        details="Tokens come from the environment: SLACK_BOT_TOKEN, and SLACK_SIGNING_SECRET (HTTP events) "
        "or SLACK_APP_TOKEN (Socket Mode).",
        examples=["SLACK_BOT_TOKEN=xoxb-... SLACK_APP_TOKEN=xapp-... halo-agent slack --socket-mode "
                  "--approvers-channel C0123ABCD --admins admins.toml",
                  "SLACK_BOT_TOKEN=xoxb-... SLACK_SIGNING_SECRET=... halo-agent slack --port 3000"],
    )  # fmt: skip
    parser.add_argument(
        "--socket-mode",
        action="store_true",
        help=f"connect out over a WebSocket (needs ${APP_TOKEN_ENV}); default: HTTP events",
    )
    add_listen_args(parser, DEFAULT_PORT, "HTTP events: ")
    parser.add_argument(
        "--approvers-channel",
        metavar="ID",
        default=os.environ.get(APPROVERS_ENV),
        help=f"channel id where approvals are posted (or ${APPROVERS_ENV})",
    )
    parser.add_argument("--slack-api-url", metavar="URL", help="Web API base (a fake Slack in tests)")
    add_bot_args(parser)
    add_backend_args(parser)
    parser.set_defaults(func=lambda args: _run(_slack(args)))


def _run(command: Coroutine[Any, Any, int]) -> int:
    from halo_agent.cli_common import run

    return run(command)


async def _slack(args: argparse.Namespace) -> int:
    from halo_agent.channels.slack.app import SlackBot
    from halo_agent.channels.slack.http import run_socket_mode
    from halo_agent.halo.startup import refused_at_start

    token = required_env(
        BOT_TOKEN_ENV, "the bot token (xoxb-…) from the Slack app's OAuth & Permissions page"
    )
    secret = os.environ.get(SIGNING_SECRET_ENV, "")
    app_token = (
        required_env(APP_TOKEN_ENV, "the app-level token (xapp-…) for Socket Mode")
        if args.socket_mode
        else ""
    )
    if not args.socket_mode:
        secret = required_env(
            SIGNING_SECRET_ENV, "the signing secret from the Slack app's Basic Information page"
        )
    from halo_agent.cli_common import build_service, settings_from_args

    admins = admin_mapping(args)
    if (refused := await refused_at_start(settings_from_args(args))) is not None:
        return refused
    service = await build_service(args)
    core = bot_core(service, admins, platform="slack")
    try:
        bot = SlackBot(
            core,
            token=token,
            signing_secret=secret or "unused-in-socket-mode",
            api_url=args.slack_api_url,
            approvers_channel=args.approvers_channel,
        )
        if args.socket_mode:
            print("halo-agent Slack app connecting in Socket Mode", file=sys.stderr)
            await run_socket_mode(bot, app_token)
        else:
            await _serve_http(bot, secret, args.host, args.port)
    finally:
        await service.aclose()
    return 0


async def _serve_http(bot: SlackBot, secret: str, host: str, port: int) -> None:
    import uvicorn

    from halo_agent.channels.serve_cli import listen_socket
    from halo_agent.channels.slack.http import EVENTS_PATH, slack_http_app

    listener = listen_socket(host, port)  # bound first: a busy port is one error line, not a banner
    try:
        print(f"halo-agent Slack app: events at http://{host}:{port}{EVENTS_PATH}", file=sys.stderr)
        config = uvicorn.Config(slack_http_app(bot, secret), host=host, port=port, log_level="warning")
        await uvicorn.Server(config).serve(sockets=[listener])
    finally:
        listener.close()
