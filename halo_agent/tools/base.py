"""A tool: a name, a description for the model, a strict argument model, a risk, and a handler."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from halo_agent.policies.types import Risk, Scope
from halo_agent.principal import Principal

if TYPE_CHECKING:
    from halo_agent.halo.client import HaloClient
    from halo_agent.halo.models import Ticket

ArgsT = TypeVar("ArgsT", bound=BaseModel)


class ToolArgs(BaseModel):
    """Base for every argument model: unknown properties are an error the model must correct."""

    model_config = ConfigDict(extra="forbid")


class ToolResult(BaseModel):
    """A handler's answer. `content` is compact JSON for the model (<= ~25 rows, long text cut).

    `untrusted` marks content holding text that came from Halo (summaries, notes, KB bodies, names):
    the executor frames it as data, and it raises the turn's untrusted-text flag.
    """

    content: dict[str, Any]
    summary: str  # one line for people (REPL, audit, events)
    halo_ids: list[int] = []  # Halo ids read or written, for the audit record
    untrusted: bool = False


class ToolError(Exception):
    """An error the model can correct (unknown name, ambiguous choice). Becomes an error tool result."""

    def __init__(self, message: str, *, choices: list[str] | None = None) -> None:
        self.choices = choices or []
        super().__init__(message)


@dataclass
class ToolContext:
    """What a handler may use. `scope == "own"` restricts every read and write to the principal's tickets."""

    client: HaloClient
    principal: Principal
    scope: Scope = "any"
    target: Ticket | None = None  # the target ticket, already fetched by the executor (fresh)
    extra: dict[str, Any] = field(default_factory=dict)


Handler = Callable[[ToolContext, ArgsT], Awaitable[ToolResult]]
Previewer = Callable[[ToolContext, ArgsT], Awaitable[str]]


@dataclass(frozen=True)
class ToolSpec(Generic[ArgsT]):
    name: str
    description: str
    args_model: type[ArgsT]
    risk: Risk
    handler: Handler[ArgsT]
    preview: Previewer[ArgsT] | None = None  # writes: the exact change, shown before confirmation
    target_ticket_arg: str | None = None  # the argument naming the ticket this call reads or writes
    idempotent: bool = False
