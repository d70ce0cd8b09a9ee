"""The executor: the one path every proposed call takes.

    parse JSON -> known tool? -> validate (pydantic) -> names made canonical -> facts fetched fresh
    -> PolicyEngine.decide -> deny: refused | confirm/approval: preview + pending record, paused
    | allow: forced values applied, handler run -> one audit record

Errors the model can correct come back as tool results; Halo failures as error results in plain words.
A paused call is resumed only through `resume`, a human act bound to the pending record.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from halo_agent.agent.events import ToolCallProposed
from halo_agent.agent.model import ToolCallRequest, ToolSchema
from halo_agent.errors import HaloAgentError
from halo_agent.policies.types import Decision, ProposedCall
from halo_agent.principal import Principal
from halo_agent.tools.base import ToolContext, ToolError, ToolSpec
from halo_agent.tools.facts import FactFinder
from halo_agent.tools.hidden_notes import hidden_notes_in
from halo_agent.tools.limits import audited_text, parse_arguments
from halo_agent.tools.outcomes import (
    error_payload,
    halo_error_payload,
    ok_payload,
    refused_payload,
    validation_text,
)
from halo_agent.tools.pending_runs import PendingRunner
from halo_agent.tools.trace import CallOutcome, Trace
from halo_agent.tools.write_intents import WriteIntents, with_earlier

if TYPE_CHECKING:
    from halo_agent.halo.client import HaloClient
    from halo_agent.policies.engine import PolicyEngine
    from halo_agent.storage.intents import IntentJournal
    from halo_agent.storage.interface import AuditTrail, PendingCalls
    from halo_agent.tools.registry import ToolRegistry

__all__ = ["CallOutcome", "Executor", "TurnContext"]


@dataclass
class TurnContext:
    """One per turn, mutable: who asks, and what entered the conversation so far."""

    principal: Principal
    session_id: str
    request_id: str
    user_texts: list[str] = field(default_factory=list)  # the person's own messages, the current one last
    # Halo text is in what the model sees. Fails closed: a caller that cannot tell (MCP, where the client's
    # model has read who knows what) is tainted; the agent loop sets it from the history in context.
    untrusted_seen: bool = True
    hidden_notes: list[str] = field(default_factory=list)  # internal notes read in the session
    # True when the caller syncs the audit log itself at the end of its turn (the agent loop does);
    # otherwise each call's record is synced (per the log's durability) before `execute` returns.
    defer_audit_sync: bool = False


@dataclass
class _Prepared:
    spec: ToolSpec[Any]
    args: dict[str, Any]  # validated, canonical, as given (exclude_unset)


class Executor:
    def __init__(
        self, client: HaloClient, registry: ToolRegistry, engine: PolicyEngine, audit: AuditTrail,
        pending: PendingCalls, *, pending_ttl_seconds: int = 3600, intents: IntentJournal | None = None,
    ) -> None:
        self.client = client
        self.registry = registry
        self.engine = engine
        self.audit = audit
        self.pending = pending
        self.pending_ttl_seconds = pending_ttl_seconds
        self.intents = WriteIntents(intents)  # writes journaled before they are sent; repeats confirmed
        self.facts = FactFinder(client, engine, pending)
        self._runner = PendingRunner(self)
        self._schemas: tuple[ToolRegistry, PolicyEngine, dict[str, list[ToolSchema]]] | None = None

    def tool_schemas(self, principal: Principal) -> list[ToolSchema]:
        """Only the tools the role can ever be allowed, without arguments it may never set.

        Built once per role (sent on every model round trip); the schema dicts are shared, not copied.
        """
        if self._schemas is None or self._schemas[:2] != (self.registry, self.engine):
            self._schemas = (self.registry, self.engine, {})
        by_role = self._schemas[2]
        if principal.role not in by_role:
            by_role[principal.role] = schemas_for(self.registry, self.engine, principal.role)
        return list(by_role[principal.role])

    # --- one proposed call -----------------------------------------------------------------------------
    async def execute(self, call: ToolCallRequest, turn: TurnContext) -> CallOutcome:
        try:
            return await self._execute(call, turn)
        finally:
            if not turn.defer_audit_sync:
                await self.audit.sync()

    async def _execute(self, call: ToolCallRequest, turn: TurnContext) -> CallOutcome:
        """Exactly one audit record, whatever happens: a result, a correctable error, a refusal, a pause,
        an unexpected exception (an error result, logged as one bounded record) or a cancellation (the
        record is written, then the cancellation goes on)."""
        trace = Trace(
            audit=self.audit, event="tool_call", call_id=call.id, tool=call.name, principal=turn.principal,
            session_id=turn.session_id, request_id=turn.request_id, args=audited_text(call.arguments),
        )
        try:
            prepared = await self._prepare(call, turn.principal, trace)
            return await self._decide_and_run(prepared, turn, trace)
        except ToolError as exc:
            if trace.decision is None:
                trace.invalid(str(exc))
            return trace.close("error", error_payload(str(exc), exc.choices))
        except HaloAgentError as exc:
            return trace.close("error", halo_error_payload(exc))
        except Exception as exc:
            return trace.fail(exc)
        except BaseException as exc:  # cancelled, interrupted: recorded, then it goes on
            trace.interrupted(exc)
            raise

    async def _prepare(self, call: ToolCallRequest, principal: Principal, trace: Trace) -> _Prepared:
        try:
            raw = parse_arguments(call.arguments)
            trace.args = raw
        finally:
            trace.events.append(ToolCallProposed(call_id=call.id, tool=call.name, arguments=trace.args))
        spec = self.registry.get(call.name)
        if spec is None:
            offered = sorted(self.engine.actions_for(principal.role) & set(self.registry.names()))
            raise ToolError(f"there is no tool called {call.name!r}", choices=offered)
        args = _validated(spec, raw)
        settable = self._settable(principal, spec)
        canonical = await self.registry.canonicalize(spec.name, args, self.client, settable)
        if canonical != args:
            args = _validated(spec, canonical)
        trace.args = args
        return _Prepared(spec, args)

    def _settable(self, principal: Principal, spec: ToolSpec[Any]) -> Collection[str] | None:
        """Arguments whose directory lookup the role may see (None: all); none for a tool it is denied."""
        if spec.name not in self.engine.actions_for(principal.role):
            return frozenset()
        return self.engine.settable_args(principal.role).get(spec.name)

    async def _decide_and_run(self, prepared: _Prepared, turn: TurnContext, trace: Trace) -> CallOutcome:
        spec, principal = prepared.spec, turn.principal
        facts, target = await self.facts.gather(
            spec, prepared.args, principal, user_texts=turn.user_texts, untrusted=turn.untrusted_seen,
            hidden_notes=turn.hidden_notes,
        )
        decision = self.engine.decide(principal, ProposedCall(action=spec.name, args=prepared.args,
                                                              risk=spec.risk), facts)
        decision = self.intents.guard_repeat(spec.name, prepared.args, principal, decision)
        trace.decided(decision)
        if decision.kind == "deny":
            return trace.close("refused", refused_payload(decision))
        args = spec.args_model.model_validate({**prepared.args, **decision.forced_args})
        ctx = ToolContext(client=self.client, principal=principal, scope=decision.scope, target=target)
        if decision.kind in ("confirm", "approval"):
            return await self._pause(spec, args, ctx, decision, trace)
        return await self.run(spec, args, ctx, trace, turn)

    async def _pause(
        self, spec: ToolSpec[Any], args: BaseModel, ctx: ToolContext, decision: Decision, trace: Trace
    ) -> CallOutcome:
        preview = await spec.preview(ctx, args) if spec.preview else _plain_preview(spec.name, args)
        preview = with_earlier(preview, decision)
        record = self.pending.create(
            kind="confirmation" if decision.kind == "confirm" else "approval",
            requester=ctx.principal, session_id=trace.session_id, action=spec.name,
            args=args.model_dump(exclude_unset=True) | decision.forced_args, preview=preview,
            rule_id=decision.rule_id, approver_roles=decision.approver_roles,
            ttl_seconds=self.pending_ttl_seconds,
        )
        payload = {"status": "paused", "kind": record.kind, "pending_id": record.id, "preview": preview,
                   "reason": decision.reason}
        return trace.close("paused", payload, pending=record)

    async def run(
        self, spec: ToolSpec[Any], args: BaseModel, ctx: ToolContext, trace: Trace,
        turn: TurnContext | None = None,
    ) -> CallOutcome:
        """Run an allowed call once. Halo errors (after the handler touched Halo) count for rate limits."""
        try:
            with self.intents.recording(trace):
                result = await spec.handler(ctx, args)
        except HaloAgentError:
            self._count(ctx.principal, spec.name)
            raise
        self._count(ctx.principal, spec.name)
        if turn is not None and result.untrusted:
            turn.untrusted_seen = True  # after the call: it affects later calls only
            turn.hidden_notes += hidden_notes_in(result.content)
        return trace.close("ok", ok_payload(result), result=result)

    def _count(self, principal: Principal, action: str) -> None:
        """Record the call for rate limits, only where a rule limits it (a write to SQLite per call)."""
        if self.engine.rate_window_seconds(principal.role, action):
            self.pending.record_call(principal.key, action)

    # --- a paused call, decided by a person ------------------------------------------------------------
    async def resume(
        self, pending_id: str, actor: Principal, *, approve: bool, reason: str | None = None
    ) -> CallOutcome:
        """Confirm, approve or deny a pending call; on the go-ahead re-check it and run it at most once."""
        try:
            return await self._runner.resume(pending_id, actor, approve=approve, reason=reason)
        finally:
            await self.audit.sync()  # a human act: its records are on disk before anyone is told


def schemas_for(registry: ToolRegistry, engine: PolicyEngine, role: str) -> list[ToolSchema]:
    """The role's toolset as sent to the model. Arguments outside a rule's `allowed_args` are dropped
    (the engine would refuse them anyway), which keeps the employee toolset small."""
    return registry.schemas(engine.actions_for(role), settable=engine.settable_args(role))


def _validated(spec: ToolSpec[Any], raw: dict[str, Any]) -> dict[str, Any]:
    try:
        model = spec.args_model.model_validate(raw)
    except ValidationError as exc:
        raise ToolError(validation_text(exc)) from None
    dumped: dict[str, Any] = model.model_dump(exclude_unset=True)
    return dumped


def _plain_preview(name: str, args: BaseModel) -> str:
    return f"{name} {json.dumps(args.model_dump(exclude_unset=True), ensure_ascii=False)}"
