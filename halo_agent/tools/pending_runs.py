"""Resuming a paused call: a person's decision, then a re-check against fresh Halo facts, then one run.

Confirmations are decided only by the requester; approvals only by a principal the engine's
`may_approve` accepts (never the requester). The go-ahead re-checks the policy with fresh facts (the
ticket re-read; the stored arguments must still match their hash), claims the record atomically (so a
double or concurrent approval runs once), runs, and finishes the record. Every step is audited.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from halo_agent.errors import HaloAgentError, PendingError
from halo_agent.policies.types import Decision, ProposedCall
from halo_agent.principal import Principal
from halo_agent.storage.approvals import PendingRecord, args_hash
from halo_agent.tools.base import ToolContext, ToolError
from halo_agent.tools.outcomes import error_payload, halo_error_payload, refused_payload
from halo_agent.tools.trace import INTERRUPTED, CallOutcome, Trace, principal_record

if TYPE_CHECKING:
    from halo_agent.tools.executor import Executor

_STRENGTH = {"allow": 0, "confirm": 1, "approval": 2}  # what each kind of human act satisfies


def satisfied(decision: Decision, record: PendingRecord) -> bool:
    """The human act on `record` covers the fresh decision (an approval also covers a confirmation)."""
    needed = _STRENGTH.get(decision.kind)
    given = _STRENGTH["confirm" if record.kind == "confirmation" else "approval"]
    return needed is not None and needed <= given


class PendingRunner:
    def __init__(self, executor: Executor) -> None:
        self.x = executor

    def _trace(self, record: PendingRecord, event: str, principal: Principal) -> Trace:
        return Trace(
            audit=self.x.audit, event=event, call_id=record.id, tool=record.action, principal=principal,
            session_id=record.session_id, request_id=uuid.uuid4().hex[:12], args=record.args,
            extra={"pending_id": record.id, "pending_kind": record.kind},
        )

    async def resume(
        self, pending_id: str, actor: Principal, *, approve: bool, reason: str | None
    ) -> CallOutcome:
        record = self.x.pending.get(pending_id)
        if record is None:
            raise PendingError(f"no pending request {pending_id}")
        trace = self._trace(record, "pending_decision", actor)
        trace.extra["requester"] = principal_record(record.requester)
        verdict = self._verdict(record, actor, approve)
        decided = self._decide(record, actor, approve, reason, verdict, trace)
        if not approve:
            words = f"{actor.describe()} declined" + (f": {reason}" if reason else "")
            refusal = Decision(kind="deny", rule_id="pending-declined", reason=words)
            trace.decision = refusal
            return trace.close("refused", refused_payload(refusal))
        return await self._run(decided, actor)

    def _verdict(self, record: PendingRecord, actor: Principal, approve: bool) -> Decision:
        """Who may decide: the requester confirms (or withdraws); approvers approve via the engine."""
        if record.kind == "approval" and (approve or actor.key != record.requester.key):
            return self.x.engine.may_approve(actor, record.requester.key, record.approver_roles)
        if actor.key != record.requester.key:
            return Decision(kind="deny", rule_id="confirmation-requester-only",
                            reason="only the person who asked can confirm or cancel this request")
        verb = "confirmed" if approve else "withdrew"
        return Decision(kind="allow", rule_id="confirmation-by-requester", reason=f"the requester {verb} it")

    def _decide(
        self, record: PendingRecord, actor: Principal, approve: bool, reason: str | None,
        verdict: Decision, trace: Trace,
    ) -> PendingRecord:
        trace.decision = verdict
        trace.extra["act"] = ("approve" if record.kind == "approval" else "confirm") if approve else "deny"
        if not verdict.allowed:
            trace.write({"outcome": {"status": "refused", "error": verdict.reason}})
            raise PendingError(verdict.reason)
        try:
            decided = self.x.pending.decide(record.id, by=actor, approve=approve, reason=reason)
        except PendingError as exc:  # expired, already decided: audited, then raised
            trace.write({"outcome": {"status": "error", "error": str(exc)}})
            raise
        if approve:  # a denial is written once, by the refusal that closes the trace
            trace.write({"outcome": {"status": decided.state}})
        return decided

    async def _run(self, record: PendingRecord, actor: Principal) -> CallOutcome:
        trace = self._trace(record, "pending_run", record.requester)
        trace.extra["decided_by"] = principal_record(actor)
        if self.x.pending.claim(record.id) is None:
            trace.write({"outcome": {"status": "error", "error": "already running, done or expired"}})
            raise PendingError(f"request {record.id} has already run, is running, or has expired")
        self.x.intents.own_pending(record.id)
        try:
            outcome = await self._recheck_and_run(record, trace)
        except (ToolError, HaloAgentError) as exc:
            payload = error_payload(str(exc)) if isinstance(exc, ToolError) else halo_error_payload(exc)
            self.x.pending.finish(record.id, result=None, error=payload["error"])
            return trace.close("error", payload)
        except Exception as exc:  # one record and a finished pending record, whatever was raised
            outcome = trace.fail(exc)
        except BaseException as exc:  # cancelled or interrupted: never left "running" unrecorded
            trace.interrupted(exc)
            self.x.pending.finish(record.id, result=None, error=INTERRUPTED.format(kind=type(exc).__name__))
            raise
        self.x.pending.finish(record.id, result=_stored(outcome), error=_error_of(outcome))
        return outcome

    async def _recheck_and_run(self, record: PendingRecord, trace: Trace) -> CallOutcome:
        spec = self.x.registry.get(record.action)
        if spec is None or args_hash(record.action, record.args) != record.args_hash:
            raise ToolError("the stored request does not match what was confirmed; nothing was run")
        call = ProposedCall(action=spec.name, args=record.args, risk=spec.risk)
        # Conservative facts: the human act is what lifts a confirmation, never the turn's flags.
        facts, target = await self.x.facts.gather(
            spec, record.args, record.requester, user_texts=(), untrusted=True
        )
        decision = self.x.engine.decide(record.requester, call, facts)
        trace.decided(decision)
        if not satisfied(decision, record):
            return trace.close("refused", refused_payload(decision))
        args = spec.args_model.model_validate({**record.args, **decision.forced_args})
        ctx = ToolContext(client=self.x.client, principal=record.requester, scope=decision.scope,
                          target=target)
        return await self.x.run(spec, args, ctx, trace)


def _stored(outcome: CallOutcome) -> dict[str, Any] | None:
    return outcome.result.content if outcome.result else None


def _error_of(outcome: CallOutcome) -> str | None:
    if outcome.status == "ok":
        return None
    return outcome.tool_message
