"""Building a bot's core from command-line flags and the environment (shared by `slack` and `teams`)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from halo_agent.errors import ConfigError

if TYPE_CHECKING:  # imported on use: `add_bot_args` builds `--help`, which must not load the agent
    from halo_agent.agent.service import AgentService
    from halo_agent.channels.bots.core import BotCore
    from halo_agent.channels.bots.identity import AdminMapping

ADMINS_ENV = "HALO_AGENT_BOT_ADMINS"


def add_bot_args(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("people (who may act as an admin; everyone else is an employee)")
    group.add_argument(
        "--admins", metavar="FILE", type=Path,
        help=f"TOML with `emails = [...]` and `groups = [...]` allowed to act as admins (or ${ADMINS_ENV})",
    )  # fmt: skip


def admin_mapping(args: argparse.Namespace) -> AdminMapping:
    from halo_agent.channels.bots.identity import AdminMapping

    path = args.admins or (Path(os.environ[ADMINS_ENV]) if os.environ.get(ADMINS_ENV) else None)
    return AdminMapping.load(path) if path is not None else AdminMapping()


def bot_core(service: AgentService, admins: AdminMapping, *, platform: str) -> BotCore:
    from halo_agent.channels.bots.core import BotCore
    from halo_agent.channels.bots.identity import BotIdentity

    halo = service.settings.halo
    return BotCore(
        service, BotIdentity(service, admins), platform=platform,
        ticket_link_base=halo.halo_url if halo is not None else None,
    )  # fmt: skip


def required_env(name: str, purpose: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ConfigError("environment", name, f"not set; {purpose}")
    return value
