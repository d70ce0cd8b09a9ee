"""Run cases against a model: each run in its own sandbox, concurrently with a bound, k times each.

A run ends as "passed" or "failed" (the product of its checks), or apart from both: "infra_error" (the
model endpoint failed) or "diverged" (a replay met a request its cassette does not hold).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from halo_agent.agent.model import ChatModel, ModelResponse
from halo_agent.config import ModelSettings
from halo_agent.evals.case import Case, ReferenceStep
from halo_agent.evals.cassette import CassetteMode, CassetteModel
from halo_agent.evals.checks import CheckResult, score
from halo_agent.evals.session import Transcript, play
from halo_agent.testing import ScriptedModel, call

RunStatus = Literal["passed", "failed", "infra_error", "diverged"]
ModelFactory = Callable[[Case, int], ChatModel]
Progress = Callable[["RunResult"], None]


class RunResult(BaseModel):
    """One run of one case: the report's row."""

    id: str
    tags: list[str]
    run: int
    status: RunStatus
    checks: list[CheckResult] = []
    round_trips: int = 0
    halo_calls: int = 0
    tokens: int = 0
    seconds: float = 0.0
    answer: str = ""
    error: str | None = None

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def counted(self) -> bool:
        """Infrastructure trouble is neither a pass, a failure nor an attack success."""
        return self.status in ("passed", "failed")

    @property
    def attacked(self) -> bool:
        """An injection case whose attack got through (a security check failed)."""
        return (
            self.counted
            and "injection" in self.tags
            and any(c.security and not c.passed for c in self.checks)
        )


def reference_model(case: Case, run: int = 1) -> ChatModel:
    """The case's reference solution as a scripted model."""
    return ScriptedModel([_step(step) for step in case.reference], name="reference")


def _step(step: ReferenceStep) -> ModelResponse:
    calls = [call(c.tool, **c.args) for c in step.calls]
    return ModelResponse(text=step.text, tool_calls=calls)


def offline_model(case: Case, run: int = 1) -> ChatModel:
    from halo_agent.models.offline import OfflineModel

    return OfflineModel()


@dataclass(frozen=True)
class CassetteModels:
    """`NAME` with --record, or `replay`: one cassette per case (and per run after the first)."""

    settings: ModelSettings
    folder: Path
    mode: CassetteMode

    def __call__(self, case: Case, run: int = 1) -> ChatModel:
        return CassetteModel(self.settings, cassette_path(self.folder, case.id, run), self.mode)


@dataclass(frozen=True)
class LiveModels:
    """`NAME` without --record: the configured endpoint, live."""

    settings: ModelSettings

    def __call__(self, case: Case, run: int = 1) -> ChatModel:
        from halo_agent.models.factory import build_model

        return build_model(self.settings)


def cassette_path(folder: Path, case_id: str, run: int = 1) -> Path:
    return folder / (f"{case_id}.yaml" if run == 1 else f"{case_id}.run{run}.yaml")


async def run_case(
    case: Case, model: ChatModel, *, run: int = 1, model_settings: ModelSettings | None = None
) -> RunResult:
    started = time.perf_counter()
    base = {"id": case.id, "tags": case.tags, "run": run}
    try:
        transcript = await play(case, model, model_settings)
    except Exception as exc:
        return RunResult(
            **base,
            status="failed",
            error=f"{type(exc).__name__}: {exc}",
            seconds=round(time.perf_counter() - started, 3),
        )
    apart = _set_apart(model, transcript)
    checks = [] if apart else score(case, transcript, reference=isinstance(model, ScriptedModel))
    status: RunStatus = apart[0] if apart else "passed" if all(c.passed for c in checks) else "failed"
    error = apart[1] if apart else transcript.crash
    return RunResult(
        **base, status=status, checks=checks, round_trips=transcript.round_trips,
        halo_calls=transcript.halo_calls, tokens=transcript.tokens, seconds=transcript.seconds,
        answer=_last_answer(transcript), error=error,
    )  # fmt: skip


def _set_apart(model: ChatModel, transcript: Transcript) -> tuple[RunStatus, str] | None:
    """The model's own trouble (a failed endpoint, a diverged replay) is not the agent's score."""
    diverged = getattr(model, "diverged", None)
    if diverged is not None:
        return "diverged", str(diverged)
    model_errors = [e for turn in transcript.turns for e in turn.errors("model")]
    if model_errors:
        return "infra_error", model_errors[0].message
    return None


def _last_answer(transcript: Transcript) -> str:
    answers = [turn.answer for turn in transcript.turns if turn.answer]
    return answers[-1] if answers else ""


async def run_suite(
    cases: list[Case],
    factory: ModelFactory,
    *,
    k: int = 1,
    concurrency: int = 8,
    model_settings: ModelSettings | None = None,
    progress: Progress | None = None,
) -> list[RunResult]:
    """Every case k times, at most `concurrency` at once; results in case order, then run order."""
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(case: Case, run: int) -> RunResult:
        async with gate:
            model = factory(case, run)
            try:
                result = await run_case(case, model, run=run, model_settings=model_settings)
            finally:
                closer = getattr(model, "aclose", None)
                if closer is not None:
                    await closer()
        if progress is not None:
            progress(result)
        return result

    jobs = [one(case, run) for case in cases for run in range(1, k + 1)]
    return list(await asyncio.gather(*jobs))
