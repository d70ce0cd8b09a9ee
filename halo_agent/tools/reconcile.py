"""Finishing what a dead process left: writes in flight, their audit records, confirmed calls `running`.

Run on start and before anyone acts on a session. For every write intent without an outcome whose
process is gone (and every `unknown` one), Halo is asked (`lost_writes.find`): found, it is recorded as
applied; not found once Halo has had time to commit it, as not applied. Either way the person is told on
their next turn. A call whose process died before its audit record was written gets that one record now
(marked `recovered`), so no landed write is ever unaudited. A pending record left `running` is finished
from its intents: done when its write landed, failed when nothing was (or could have been) sent.
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from halo_agent.halo.errors import HaloError
from halo_agent.halo.lost_writes import Attempt, find
from halo_agent.logs import get_logger
from halo_agent.principal import Principal
from halo_agent.storage.intents import Intent, IntentJournal, owner_alive
from halo_agent.tools.trace import principal_record

if TYPE_CHECKING:
    from halo_agent.halo.client import HaloClient
    from halo_agent.storage.approvals import PendingRecord
    from halo_agent.storage.interface import AuditTrail, PendingCalls

log = get_logger("halo_agent.reconcile")
FOREIGN_LEASE_SECONDS = 600.0  # an owner on another host: presumed gone once its write is this old
AUDIT_SEARCH = 20_000  # records searched for a call's own record (a dead writer's are near the end)


class Reconciler:
    def __init__(
        self, client: HaloClient, journal: IntentJournal, audit: AuditTrail, pending: PendingCalls, *,
        settle_after_seconds: float = 60.0,
    ) -> None:
        self.client = client
        self.journal = journal
        self.audit = audit
        self.pending = pending
        # Not found this long after it was sent: Halo would have committed it by now (read timeout plus
        # the look-up window), so it is recorded as not applied.
        self.settle_after_seconds = settle_after_seconds

    async def reconcile(self, session_id: str | None = None) -> None:
        """Settle, audit and finish what dead processes left (for one session, or all)."""
        for intent in self.journal.open_intents(session_id):
            if intent.state == "unknown" or _orphaned(intent.owner, intent.created_at):
                await self._settle(intent)
        self._audit_orphans(session_id)
        for record in self.pending.list(state="running"):
            if session_id is None or record.session_id == session_id:
                self._finish(record)
        await self.audit.sync()

    def notices(self, session_id: str) -> list[str]:
        """What the person has not been told yet about their writes (each told once)."""
        return self.journal.take_notices(session_id)

    async def _settle(self, intent: Intent) -> None:
        attempt = Attempt.from_json(intent.attempt)
        try:
            found = await find(self.client, attempt)
        except HaloError as exc:  # cannot tell now: try again next time
            log.warning("reconcile.lookup_failed", intent=intent.id, error=exc.message)
            return
        when = _clock(intent.created_at)
        if found is not None:
            made = f"ticket #{found.id}" if attempt.kind == "ticket" else f"Halo record {found.id}"
            notice = f"Update: {attempt.what()} you asked for at {when} was made after all ({made})."
            self.journal.settle(intent.id, "applied", halo_id=found.id, detail="found in Halo by the "
                                "reconciler", notice=notice)
        elif time.time() - intent.created_at >= self.settle_after_seconds:
            notice = (f"Update: {attempt.what()} you asked for at {when} was not made: Halo has no record "
                      "of it. Ask again if it is still needed.")
            self.journal.settle(intent.id, "not_applied", halo_id=None, detail="not found in Halo by the "
                                "reconciler", notice=notice)

    def _audit_orphans(self, session_id: str | None) -> None:
        """One audit record for each call whose process died before writing it."""
        calls: dict[str, list[Intent]] = defaultdict(list)
        for intent in self.journal.unaudited(session_id):
            if _orphaned(intent.owner, intent.created_at):
                calls[intent.call_id].append(intent)
        settled = [group for group in calls.values() if all(i.state != "intended" for i in group)]
        if not settled:
            return
        written = _audited_intents(self.audit)
        for intents in settled:
            if not written & {i.id for i in intents}:
                self.audit.append(_recovered_record(intents))
            self.journal.mark_audited([i.id for i in intents])

    def _finish(self, record: PendingRecord) -> None:
        owner = self.journal.pending_owner(record.id)
        since = (record.decided_at or record.created_at).timestamp()
        if not _orphaned(owner, since):
            return
        intents = self.journal.for_pending(record.id)
        if any(i.state in ("intended", "unknown") for i in intents):
            return  # its write is not settled yet
        landed = [i for i in intents if i.state == "applied"]
        if landed:
            ids = [i.halo_id for i in landed if i.halo_id is not None]
            self.pending.finish(record.id, result={"recovered": True, "halo_ids": ids}, error=None)
        else:
            error = ("the process stopped while running it; Halo has no record of the change, so nothing "
                     "was changed")
            self.pending.finish(record.id, result=None, error=error)
        if not intents and not _pending_run_audited(self.audit, record.id):
            self.audit.append(_interrupted_run(record))


def pending_outcome_note(record: PendingRecord) -> str | None:
    """Words for a confirmed call that already ran (or is running) when the person answers it again."""
    if record.state == "done":
        return f"That was already carried out: {record.preview} ({record.id})."
    if record.state == "failed":
        return f"That already ran and did not go through: {record.error or 'unknown error'} ({record.id})."
    if record.state == "running":
        return (f"That is being carried out and its outcome is still being checked: {record.preview} "
                f"({record.id}). I will tell you how it ended.")
    return None


def _orphaned(owner: str | None, since: float) -> bool:
    alive = owner_alive(owner) if owner else None
    if alive is None:
        return time.time() - since >= FOREIGN_LEASE_SECONDS
    return not alive


def _clock(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%H:%M UTC")


def _audited_intents(audit: AuditTrail) -> set[str]:
    found: set[str] = set()
    for record in audit.tail(AUDIT_SEARCH):
        found.update(str(i) for i in record.get("intent_ids") or ())
    return found


def _pending_run_audited(audit: AuditTrail, pending_id: str) -> bool:
    return any(r.get("event") == "pending_run" and r.get("pending_id") == pending_id
               for r in audit.tail(AUDIT_SEARCH))


def _recovered_record(intents: list[Intent]) -> dict[str, Any]:
    first = intents[0]
    landed = [i.halo_id for i in intents if i.state == "applied" and i.halo_id is not None]
    status = "ok" if landed and all(i.state == "applied" for i in intents) else "error"
    record: dict[str, Any] = {
        "event": "pending_run" if first.pending_id else "tool_call", "request_id": first.request_id,
        "session_id": first.session_id, "principal": _principal(first.principal), "tool": first.tool,
        "args": first.args, "decision": "recovered", "rule_id": None,
        "reason": "the process stopped before recording this call; its outcome was looked up in Halo",
        "intent_ids": [i.id for i in intents], "recovered": True,
        "outcome": {"status": status, "summary": "; ".join(f"{i.state}: {i.detail or ''}" for i in intents),
                    "halo_ids": landed},
    }
    if first.pending_id:
        record["pending_id"] = first.pending_id
    return record


def _interrupted_run(record: PendingRecord) -> dict[str, Any]:
    return {
        "event": "pending_run", "request_id": "recovered", "session_id": record.session_id,
        "principal": principal_record(record.requester), "tool": record.action, "args": record.args,
        "decision": "recovered", "rule_id": None, "pending_id": record.id, "recovered": True,
        "reason": "the process stopped while running this call, before any write was sent to Halo",
        "outcome": {"status": "error", "summary": "interrupted before reaching Halo; nothing was changed",
                    "halo_ids": []},
    }


def _principal(data: dict[str, Any]) -> dict[str, Any]:
    return principal_record(Principal.model_validate(data))
