"""What the executor hands back: the model's tool message, and words for Halo's failures.

Three channels (after pydantic-ai): an error the model can correct, a refusal or a pause it must relay,
and a result. Halo failures become error results a person understands, never crashes.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from halo_agent.errors import HaloAgentError
from halo_agent.halo.errors import (
    HaloNotFoundError,
    HaloPermissionError,
    HaloRateLimitedError,
    HaloUnavailableError,
    HaloValidationError,
    HaloWriteUncertainError,
)
from halo_agent.policies.types import Decision
from halo_agent.tools.base import ToolResult

MAX_CHOICES = 30
MAX_ERRORS = 5


def ok_payload(result: ToolResult) -> dict[str, Any]:
    """Halo text goes under `untrusted_data`, so the prompt can frame it as data, never instructions."""
    key = "untrusted_data" if result.untrusted else "result"
    return {"status": "ok", key: result.content}


def error_payload(message: str, choices: list[str] | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {"status": "error", "error": message}
    if choices:
        payload["choices"] = choices[:MAX_CHOICES]
    return payload


def refused_payload(decision: Decision) -> dict[str, Any]:
    return {"status": "refused", "reason": decision.reason, "rule": decision.rule_id}


def validation_text(exc: ValidationError) -> str:
    """pydantic's errors, one short clause per argument."""
    parts = []
    for error in exc.errors()[:MAX_ERRORS]:
        where = ".".join(str(p) for p in error["loc"]) or "arguments"
        parts.append(f"{where}: {_brief(error['type'], error['msg'])}")
    return "invalid arguments: " + "; ".join(parts)


def _brief(kind: str, message: str) -> str:
    if kind == "extra_forbidden":
        return "not an argument of this tool"
    if kind == "missing":
        return "required"
    return message.removeprefix("Value error, ")  # our own validators' messages are already plain


def halo_error_payload(exc: HaloAgentError) -> dict[str, Any]:
    """A Halo failure as an error result: the words, and whether the person has something to correct
    (`correctable`) or the outcome of a write is unknown (`outcome: unknown`)."""
    payload = error_payload(halo_error_text(exc))
    if isinstance(exc, HaloWriteUncertainError):
        payload["outcome"] = "unknown"
    payload["correctable"] = isinstance(exc, HaloValidationError | HaloNotFoundError)
    return payload


def halo_error_text(exc: HaloAgentError) -> str:
    """A Halo failure in words: what happened and what to do; an uncertain write is said plainly."""
    if isinstance(exc, HaloWriteUncertainError):
        return (
            f"Halo did not confirm this change and it MAY HAVE BEEN MADE: {exc} Do not repeat it: the "
            "outcome is unknown."
        )
    prefix = {
        HaloNotFoundError: "not found in Halo",
        HaloValidationError: "Halo refused the change",
        HaloPermissionError: "the Halo API account is not permitted to do this (retrying will not help "
                             "until a Halo administrator grants it)",
        HaloRateLimitedError: "Halo is rate-limiting requests; nothing was changed; try again shortly",
        HaloUnavailableError: "Halo is unavailable",
    }
    if isinstance(exc, HaloNotFoundError) and "not found" in str(exc):
        return str(exc)  # it says so already: no "not found in Halo: … was not found"
    for kind, words in prefix.items():
        if isinstance(exc, kind):
            return f"{words}: {exc}"
    return f"Halo error: {exc}"
