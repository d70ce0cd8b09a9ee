"""System prompts: jinja2 templates shipped as package data, rendered with strict undefined.

The prompt is rebuilt every turn (never stored in a session), so it always carries today's date and the
instance's current ticket types, statuses, priorities and teams. It is kept short: it is paid on every
model round trip. The rules in it are guidance only; every gate lives in the policy engine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

import jinja2

from halo_agent.principal import Principal

if TYPE_CHECKING:
    from halo_agent.halo.models import InstanceMetadata

_PACKAGE = "halo_agent.prompts"


@dataclass(frozen=True)
class InstanceVocabulary:
    """The names a person may use on this instance, in Halo's order, without duplicates."""

    ticket_types: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    priorities: list[str] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)

    @classmethod
    def from_metadata(cls, metadata: InstanceMetadata) -> InstanceVocabulary:
        return cls(
            ticket_types=_names(t.name for t in metadata.ticket_types if not t.inactive),
            statuses=_names(s.name for s in metadata.statuses),
            priorities=_names(p.name for p in metadata.priorities),
            teams=_names(t.name for t in metadata.teams if not t.inactive),
        )


def render_system_prompt(
    principal: Principal, vocabulary: InstanceVocabulary, *, today: dt.date | None = None
) -> str:
    """The system prompt for the principal's role (admin-like roles with an agent id, else employee-like)."""
    template = _environment().get_template(template_name(principal))
    return template.render(
        name=principal.name or principal.email or _fallback_name(principal),
        email=principal.email,
        agent_id=principal.halo_agent_id,
        today=(today or dt.date.today()).isoformat(),
        ticket_types=vocabulary.ticket_types,
        statuses=vocabulary.statuses,
        priorities=vocabulary.priorities,
        teams=vocabulary.teams,
    ).strip()


def template_name(principal: Principal) -> str:
    name = f"system_{principal.role}.j2"
    if _read_template(name) is not None:
        return name
    # A role the packaged prompts do not know: agents get the desk prompt, others the self-service one.
    return "system_admin.j2" if principal.halo_agent_id is not None else "system_employee.j2"


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FunctionLoader(_read_template),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # plain text for a model, not HTML
        trim_blocks=True,
        keep_trailing_newline=False,
    )


def _read_template(name: str) -> str | None:
    resource = resources.files(_PACKAGE).joinpath(name)
    return resource.read_text(encoding="utf-8") if resource.is_file() else None


def _fallback_name(principal: Principal) -> str:
    if principal.halo_agent_id is not None:
        return f"agent {principal.halo_agent_id}"
    return "an unnamed user"


def _names(names: Iterable[str | None]) -> list[str]:
    return list(dict.fromkeys(n.strip() for n in names if n and n.strip()))
