"""`halo-agent teams`: the Microsoft Teams bot; `halo-agent teams package`: its app package."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from halo_agent.channels.bots.setup import add_bot_args, admin_mapping, bot_core, required_env
from halo_agent.cli_args import Subparsers, add_backend_args, add_command, add_commands, add_listen_args

APP_ID_ENV = "TEAMS_APP_ID"
SECRET_ENV = "TEAMS_APP_SECRET"
TENANT_ENV = "TEAMS_TENANT_ID"
MANAGED_IDENTITY_ENV = "TEAMS_MANAGED_IDENTITY_CLIENT_ID"
APPROVERS_ENV = "TEAMS_APPROVERS_CONVERSATION"
DEFAULT_PORT = 3978


def register(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers, "teams",
        "the Microsoft Teams bot: chat with the desk in Teams, cards for confirmations and approvals",
        details=f"It serves the Bot Framework messaging endpoint /api/messages. Credentials come from the "
        f"environment: {APP_ID_ENV}, and {SECRET_ENV} or {MANAGED_IDENTITY_ENV}; {TENANT_ENV} for a "
        "single-tenant app.",
        examples=["TEAMS_APP_ID=... TEAMS_APP_SECRET=... halo-agent teams --port 3978 --admins admins.toml",
                  "halo-agent teams package --app-id ID --domain halo-agent.example.com"],
    )  # fmt: skip
    add_listen_args(parser, DEFAULT_PORT)
    parser.add_argument(
        "--approvers-conversation", metavar="ID", default=os.environ.get(APPROVERS_ENV),
        help=f"Teams channel conversation id where approvals are posted (or ${APPROVERS_ENV})",
    )  # fmt: skip
    add_bot_args(parser)
    add_backend_args(parser)
    parser.set_defaults(func=lambda args: _run(_teams(args)))
    package = add_command(
        add_commands(parser, "teams_command", required=False), "package",
        "write the Teams app package (manifest.json + icons, zipped) to upload",
        examples=["halo-agent teams package --app-id 00000000-0000-4000-8000-00000000a11d "
                  "--domain halo-agent.example.com --out halo-teams.zip"],
    )  # fmt: skip
    package.add_argument(
        "--app-id", metavar="ID", required=True, help="the bot's Entra application (client) id"
    )
    package.add_argument("--domain", metavar="HOST", required=True,
                         help="the public host of the messaging endpoint")  # fmt: skip
    package.add_argument("--developer", metavar="NAME", default="IT Service Desk",
                         help="publisher name shown in Teams")  # fmt: skip
    package.add_argument(
        "--website", metavar="URL", default="https://www.example.com", help="publisher website"
    )
    package.add_argument("--out", metavar="FILE", type=Path, default=Path("halo-teams.zip"),
                         help="the zip to write (default: halo-teams.zip)")  # fmt: skip
    package.set_defaults(func=_package)


def _run(command: Coroutine[Any, Any, int]) -> int:
    from halo_agent.cli_common import run

    return run(command)


def _package(args: argparse.Namespace) -> int:
    from halo_agent.channels.teams.package import write_package

    out = write_package(args.out, app_id=args.app_id, domain=args.domain, developer=args.developer,
                        website=args.website)  # fmt: skip
    print(f"wrote {out}: upload it in Teams (Apps -> Manage your apps -> Upload an app)")
    return 0


async def _teams(args: argparse.Namespace) -> int:
    import uvicorn

    from halo_agent.channels.serve_cli import listen_socket
    from halo_agent.channels.teams.app import TeamsBot
    from halo_agent.channels.teams.http import MESSAGES_PATH, build_teams_app, teams_asgi
    from halo_agent.halo.startup import refused_at_start

    app_id = required_env(APP_ID_ENV, "the Azure Bot's Microsoft App ID (Entra application id)")
    secret = os.environ.get(SECRET_ENV) or None
    identity = os.environ.get(MANAGED_IDENTITY_ENV) or None
    if not (secret or identity):
        required_env(
            SECRET_ENV, f"the app's client secret (or set {MANAGED_IDENTITY_ENV} for a managed identity)"
        )
    from halo_agent.cli_common import build_service, settings_from_args

    admins = admin_mapping(args)
    if (refused := await refused_at_start(settings_from_args(args))) is not None:
        return refused
    service = await build_service(args)
    core = bot_core(service, admins, platform="teams")
    try:
        app, adapter = build_teams_app(app_id, client_secret=secret, managed_identity_client_id=identity,
                                       tenant_id=os.environ.get(TENANT_ENV) or None)  # fmt: skip
        tenant = getattr(app.credentials, "tenant_id", None)  # as the SDK read it (it also reads $TENANT_ID)
        bot = TeamsBot(core, app, approvers_conversation=args.approvers_conversation)
        asgi = await teams_asgi(bot, adapter)
        listener = listen_socket(args.host, args.port)  # bound first: a busy port is one error line
        try:
            kind = f"tenant {tenant}" if tenant else f"multi-tenant app; {TENANT_ENV} for a single-tenant one"
            print(f"halo-agent Teams bot: messaging endpoint http://{args.host}:{args.port}{MESSAGES_PATH} "
                  f"({kind})", file=sys.stderr)  # fmt: skip
            config = uvicorn.Config(asgi, host=args.host, port=args.port, log_level="warning")
            await uvicorn.Server(config).serve(sockets=[listener])
        finally:
            listener.close()
        await core.background.idle(30.0)
    finally:
        await service.aclose()
    return 0
