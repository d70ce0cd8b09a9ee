"""A tool: a name, a description for the model, a strict argument model, a risk, and a handler."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from halo_agent.policies.types import Risk, Scope
from halo_agent.principal import Principal

if TYPE_CHECKING:
    from halo_agent.halo.client import HaloClient
    from halo_agent.halo.models import Ticket

ArgsT = TypeVar("ArgsT", bound=BaseModel)


MAX_NAME_CHARS = 200  # a name, an email, a search, a status: what a person would type in a field
MAX_TEXT_CHARS = 8_000  # ticket details and notes
MAX_HALO_ID = 2**31 - 1  # Halo ids are 32-bit integers

# Every string argument carries a size the model sees in its schema (tests/tools/test_schemas.py checks
# that no string property lacks `maxLength`); an oversize value is an error the model can correct.
Name = Annotated[str, Field(max_length=MAX_NAME_CHARS)]
Text = Annotated[str, Field(max_length=MAX_TEXT_CHARS)]


def _halo_id(value: int) -> int:
    if not 0 < value <= MAX_HALO_ID:
        raise ValueError(f"a Halo id is a whole number from 1 to {MAX_HALO_ID}")
    return value


# Checked, not advertised: the range would cost every schema bytes and a model never needs to be told it.
HaloId = Annotated[int, AfterValidator(_halo_id)]


class ToolArgs(BaseModel):
    """Base for every argument model: unknown properties are an error the model must correct.

    Strict types: no lax coercion (`true` is not ticket 1, `"5"` is not 5, `1` is not `true`); a tool
    that accepts text for a number says so with its own before-validator. A blank string is never a
    meaningful argument (a whitespace-only note or summary once crashed a turn), so it is refused.
    """

    model_config = ConfigDict(extra="forbid", strict=True)

    @field_validator("*", mode="after")
    @classmethod
    def _not_blank(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            raise ValueError("must not be blank")
        return value


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
