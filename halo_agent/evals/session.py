"""One case, played once: a fresh sandbox, data dir and AgentService; the turns; what happened.

The service reaches its own sandbox through `halo_transport` (the public AgentService.create seam), so
the runner keeps the app to seed it, arm faults and compare its state before and after.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2

from halo_agent.agent.events import AgentEvent, ErrorEvent, FinalAnswer, Paused, TextDelta
from halo_agent.agent.model import ChatModel, Message, ModelResponse, TextSink, ToolSchema
from halo_agent.agent.service import AgentService
from halo_agent.config import ModelSettings, Settings
from halo_agent.errors import HaloAgentError
from halo_agent.evals.case import Actor, Case, Turn
from halo_agent.evals.constraints import Directory
from halo_agent.evals.seeding import Snapshot, apply_setup, arm_faults, snapshot
from halo_agent.halo.errors import HaloError
from halo_agent.principal import Principal
from halo_agent.prompts import InstanceVocabulary, render_system_prompt
from halo_agent.sandbox import SandboxApp, SandboxConfig, create_app, sandbox_settings

# Replays match the model's requests byte for byte, and the system prompt carries today's date.
EVAL_DATE = dt.date(2025, 6, 2)


class EvalService(AgentService):
    """AgentService with the date in its system prompt pinned, so recordings replay on any day."""

    today: dt.date = EVAL_DATE

    async def system_prompt(self, principal: Principal) -> str:
        try:
            vocabulary = InstanceVocabulary.from_metadata(await self.client.metadata())
        except HaloError:
            vocabulary = InstanceVocabulary()
        return render_system_prompt(principal, vocabulary, today=self.today)


class CountingModel:
    """Wraps the model under test to count round trips and tokens (paused turns report no usage)."""

    def __init__(self, inner: ChatModel) -> None:
        self.inner = inner
        self.round_trips = 0
        self.tokens = 0

    @property
    def name(self) -> str:
        return self.inner.name

    async def complete(
        self, messages: list[Message], tools: list[ToolSchema], *, on_text: TextSink | None = None
    ) -> ModelResponse:
        response = await self.inner.complete(messages, tools, on_text=on_text)
        self.round_trips += 1
        self.tokens += response.usage.prompt_tokens + response.usage.completion_tokens
        return response

    async def aclose(self) -> None:
        closer = getattr(self.inner, "aclose", None)
        if closer is not None:
            await closer()


@dataclass
class TurnRecord:
    """One act and what it produced. For approver acts, `act_status` is the outcome or the refusal."""

    kind: str
    text: str
    events: list[AgentEvent] = field(default_factory=list)
    act_status: str | None = None
    round_trips: int = 0  # 0: any answer in this turn was written by code, not by the model

    @property
    def answer(self) -> str:
        finals = [e.text for e in self.events if isinstance(e, FinalAnswer)]
        if finals:
            return finals[-1]
        return "".join(e.text for e in self.events if isinstance(e, TextDelta))

    @property
    def pending_ids(self) -> list[str]:
        return [e.pending_id for e in self.events if isinstance(e, Paused)]

    def errors(self, kind: str) -> list[ErrorEvent]:
        return [e for e in self.events if isinstance(e, ErrorEvent) and e.kind == kind]


@dataclass
class Transcript:
    """Everything the checks read."""

    turns: list[TurnRecord]
    before: Snapshot
    after: Snapshot
    audit: list[dict[str, Any]]
    secrets: list[str]
    halo_calls: int = 0
    round_trips: int = 0
    tokens: int = 0
    seconds: float = 0.0
    crash: str | None = None
    directory: Directory = field(default_factory=Directory)  # the names a request's constraints can use

    @property
    def events(self) -> list[AgentEvent]:
        return [event for turn in self.turns for event in turn.events]


async def play(case: Case, model: ChatModel, model_settings: ModelSettings | None = None) -> Transcript:
    """Run the case's turns against a fresh sandbox. Model failures end up as ErrorEvents in turns."""
    counting = CountingModel(model)
    app = create_app(SandboxConfig())
    apply_setup(app, case.setup)
    with tempfile.TemporaryDirectory(prefix="halo-eval-") as home:
        settings = Settings(
            halo=sandbox_settings(app.config), home=Path(home), model=model_settings or ModelSettings()
        )
        service = await EvalService.create(settings, model=counting, halo_transport=httpx2.ASGITransport(app))
        try:
            return await _play(case, service, app, counting, settings)
        finally:
            await service.aclose()


async def _play(
    case: Case, service: AgentService, app: SandboxApp, model: CountingModel, settings: Settings
) -> Transcript:
    principal = await _principal(service, case.actor)
    before, started, calls = snapshot(app.state_store), time.perf_counter(), service.client.stats.api_calls
    records: list[TurnRecord] = []
    crash = None
    try:
        for number, turn in enumerate(case.turns, 1):
            arm_faults(app, case.setup.faults, number)
            asked = model.round_trips
            records.append(await _act(service, principal, turn, records, session_id=case.id))
            records[-1].round_trips = model.round_trips - asked
    except AssertionError as exc:  # a scripted model ran out of steps: the reference is inconsistent
        crash = f"{type(exc).__name__}: {exc}"
    return Transcript(
        turns=records, before=before, after=snapshot(app.state_store), audit=_audit(settings.audit_file),
        secrets=_secrets(app, settings), halo_calls=service.client.stats.api_calls - calls,
        round_trips=model.round_trips, tokens=model.tokens,
        seconds=round(time.perf_counter() - started, 3), crash=crash,
        directory=Directory.from_lookups(app.state_store.lookups),
    )  # fmt: skip


async def _principal(service: AgentService, actor: Actor) -> Principal:
    return await service.resolve_principal(actor.role, email=actor.email, agent_id=actor.agent_id)


async def _act(
    service: AgentService, principal: Principal, turn: Turn, done: list[TurnRecord], *, session_id: str
) -> TurnRecord:
    if turn.user is not None:
        record = TurnRecord("user", turn.user)
        async for event in service.handle(turn.user, principal, session_id, live_text=False):
            record.events.append(event)
        return record
    target = turn.approve or turn.deny or 0
    approve = turn.approve is not None
    said = f"{'approved' if approve else 'denied'} the call paused in turn {target}: {turn.reason or ''}"
    record = TurnRecord("approve" if approve else "deny", said)
    pending = done[target - 1].pending_ids if target <= len(done) else []
    if not pending or turn.actor is None:
        record.act_status = "nothing-pending"
        return record
    approver = await _principal(service, turn.actor)
    try:
        if approve:
            outcome = await service.approve(pending[0], approver)
        else:
            outcome = await service.deny(pending[0], approver, turn.reason)
        record.act_status = outcome.status
        record.events.extend(outcome.events)
    except HaloAgentError as exc:
        record.act_status = f"refused: {exc}"
    return record


def _audit(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _secrets(app: SandboxApp, settings: Settings) -> list[str]:
    values = [app.config.client_secret]
    if settings.model.api_key is not None:
        values.append(settings.model.api_key.get_secret_value())
    return [value for value in values if value]
