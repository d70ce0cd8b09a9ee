"""Plumbing every command shares once it runs: settings, the service, the caller, the banner. (The flags
themselves are in cli_args.py, which stays light.)"""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import structlog

from halo_agent import __version__
from halo_agent.config import Settings, load_settings
from halo_agent.errors import ConfigError
from halo_agent.examples import DEMO_ADMIN_AGENT_ID, DEMO_EMPLOYEE_EMAIL
from halo_agent.logs import configure_logging
from halo_agent.principal import Principal

if TYPE_CHECKING:
    from halo_agent.agent.model import ChatModel
    from halo_agent.agent.service import AgentService

SANDBOX_LABEL = "embedded Halo sandbox (demo data, in-process)"


def settings_from_args(args: argparse.Namespace) -> Settings:
    overrides = {
        "model.name": getattr(args, "model", None),
        "home": getattr(args, "home", None),
        "policy_file": getattr(args, "policy", None),
    }
    return load_settings(getattr(args, "config", None), overrides=overrides)


async def build_service(
    args: argparse.Namespace, *, settings: Settings | None = None, model: ChatModel | None = None
) -> AgentService:
    """The service for a CLI command. On the sandbox the service keeps Halo's state in
    `settings.sandbox_state_file`, so a pause made by one command can be confirmed by the next."""
    from halo_agent.agent.service import AgentService

    quiet_logging()
    return await AgentService.create(settings or settings_from_args(args), model=model)


def quiet_logging() -> None:
    """Operational logs (one per Halo call) go to stderr and only from WARNING up, so they never mix
    with answers or `--json` output; exceptions as one bounded record and secrets scrubbed (logs.py).
    A host that configured structlog itself keeps its own setup."""
    if not structlog.is_configured():
        configure_logging(logging.WARNING)


async def principal_from_args(service: AgentService, args: argparse.Namespace) -> Principal:
    """Resolve the identity flags against Halo. On the sandbox the demo people are the defaults."""
    on_sandbox = service.sandbox is not None
    role = args.role or ("employee" if args.user else "admin")
    if role == "employee":
        email = args.user or (DEMO_EMPLOYEE_EMAIL if on_sandbox else None)
        if not email:
            raise ConfigError("command line", "--user", "an employee needs --user EMAIL")
        return await service.resolve_principal(role, email=email)
    agent_id = args.agent_id
    if agent_id is None and not args.user and on_sandbox:  # --user EMAIL names the agent by email
        agent_id = DEMO_ADMIN_AGENT_ID
    return await service.resolve_principal(role, email=args.user, agent_id=agent_id)


@asynccontextmanager
async def opened(
    args: argparse.Namespace, settings: Settings | None = None
) -> AsyncIterator[tuple[AgentService, Principal]]:
    """The service and the caller, closed on the way out whatever happens."""
    service = await build_service(args, settings=settings)
    try:
        yield service, await principal_from_args(service, args)
    finally:
        await service.aclose()


def run(coro: Coroutine[Any, Any, int]) -> int:
    """The one sync edge: run a command's coroutine and return its exit code."""
    return asyncio.run(coro)


def backend_label(settings: Settings) -> str:
    if settings.halo is None:
        return SANDBOX_LABEL
    tenant = f" (tenant {settings.halo.tenant})" if settings.halo.tenant else ""
    return f"{settings.halo.halo_url}{tenant}"


def model_label(settings: Settings) -> str:
    model = settings.model
    if model.is_offline:
        if model.api_key or model.base_url or model.azure_endpoint:
            return "offline model (chosen with --model offline)"
        return "offline model (no LLM configured; set OPENAI_API_KEY or OPENAI_BASE_URL)"
    where = model.azure_endpoint or model.base_url or "api.openai.com"
    return f"{model.name} at {where}"


def banner(settings: Settings, principal: Principal) -> list[tuple[str, str]]:
    """(label, value) rows naming the backend, the model and the caller."""
    who = principal.describe()
    if principal.halo_agent_id is not None:
        who += f", Halo agent {principal.halo_agent_id}"
    elif principal.halo_user_id is not None:
        who += f", Halo user {principal.halo_user_id}"
    return [
        ("halo-agent", __version__),
        ("Halo", backend_label(settings)),
        ("model", model_label(settings)),
        ("you", who),
        ("data", data_label(settings)),
    ]


def data_label(settings: Settings) -> str:
    if settings.halo is None:
        return f"{settings.home} (delete {settings.sandbox_state_file.name} there to reset the demo data)"
    return str(settings.home)


def banner_line(settings: Settings) -> str:
    return f"Halo: {backend_label(settings)} · model: {model_label(settings)}"
