"""The executor's side of the write-intent journal: who is writing, and no duplicate by repetition.

`WriteIntents.recording` installs, for one call, the recorder the Halo write path reports to
(`halo.intent_hook`): each write becomes an intent naming the call, the person and the arguments, and the
call's audit record names its intents (`intent_ids`), so the reconciler can tell whether a dead process
wrote it. `guard_repeat` turns an identical create or note, proposed by anyone shortly after one that
landed or whose outcome is unknown, into a confirmation (rule `repeat-write-confirm`) showing the earlier
one.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from halo_agent.halo.intent_hook import Settled, recording
from halo_agent.halo.lost_writes import Attempt, norm
from halo_agent.policies.types import Decision
from halo_agent.principal import Principal
from halo_agent.storage.intents import Intent, IntentJournal, new_intent_id, this_process
from halo_agent.tools.trace import Trace

REPEAT_RULE = "repeat-write-confirm"
REPEAT_WINDOW_SECONDS = 15 * 60
REPEAT_GUARDED = frozenset({"haloitsm_create_ticket", "haloitsm_add_note"})


def fingerprint(tool: str, args: dict[str, Any]) -> str:
    """The write's identity: the tool and its arguments, text compared as a person would read it."""
    canonical = {key: norm(value) if isinstance(value, str) else value for key, value in args.items()}
    text = json.dumps({"tool": tool, "args": canonical}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class CallRecorder:
    """The recorder for one call's writes (a resolve may make two)."""

    def __init__(self, journal: IntentJournal, trace: Trace, pending_id: str | None) -> None:
        self.journal = journal
        self.trace = trace
        self.pending_id = pending_id
        self.ids: list[str] = []
        trace.on_written.append(self._audited)

    def intended(self, attempt: Attempt) -> str:
        trace = self.trace
        args = trace.args if isinstance(trace.args, dict) else {}
        intent = Intent(
            id=new_intent_id(), call_id=trace.call_id, session_id=trace.session_id,
            request_id=trace.request_id, principal=trace.principal.model_dump(mode="json"),
            principal_key=trace.principal.key, tool=trace.tool, args=args,
            fingerprint=fingerprint(trace.tool, args), pending_id=self.pending_id,
            attempt=attempt.to_json(), owner=this_process(), created_at=time.time(),
        )
        self.journal.begin(intent)  # durable before the write is sent
        self.ids.append(intent.id)
        trace.extra["intent_ids"] = list(self.ids)
        return intent.id

    def settled(self, intent_id: str, state: Settled, halo_id: int | None, detail: str | None) -> None:
        self.journal.settle(intent_id, state, halo_id=halo_id, detail=detail)

    def _audited(self) -> None:
        if self.ids:
            self.journal.mark_audited(self.ids)


class WriteIntents:
    def __init__(
        self, journal: IntentJournal | None, *, window_seconds: float = REPEAT_WINDOW_SECONDS
    ) -> None:
        self.journal = journal
        self.window_seconds = window_seconds

    @contextmanager
    def recording(self, trace: Trace) -> Iterator[None]:
        """Journal the writes of the call `trace` follows (a resumed call names its pending record)."""
        if self.journal is None:
            yield
            return
        pending_id = trace.extra.get("pending_id")
        with recording(CallRecorder(self.journal, trace, str(pending_id) if pending_id else None)):
            yield

    def own_pending(self, pending_id: str) -> None:
        """This process now runs the pending record: if it dies, the reconciler may recover the record."""
        if self.journal is not None:
            self.journal.own_pending(pending_id)

    def guard_repeat(
        self, tool: str, args: dict[str, Any], principal: Principal, decision: Decision
    ) -> Decision:
        """An identical create or note soon after one that landed or may have: the person confirms it."""
        if self.journal is None or tool not in REPEAT_GUARDED or decision.kind not in ("allow", "confirm"):
            return decision
        since = time.time() - self.window_seconds
        earlier = self.journal.recent_same(principal.key, fingerprint(tool, args), since)
        if not earlier:
            return decision
        reason = f"{earlier_words(earlier[0])}; doing it again needs your confirmation"
        return decision.model_copy(update={"kind": "confirm", "rule_id": REPEAT_RULE, "reason": reason})


def earlier_words(intent: Intent) -> str:
    """The earlier write, as the person should see it before repeating it."""
    when = datetime.fromtimestamp(intent.created_at, UTC).strftime("%H:%M UTC")
    what = Attempt.from_json(intent.attempt).what()
    if intent.state == "applied":
        made = f"ticket #{intent.halo_id}" if intent.tool == "haloitsm_create_ticket" else (
            f"note {intent.halo_id}")
        return f"an identical request was carried out at {when}: {what} was made ({made})"
    if intent.state == "intended":
        return f"an identical request was sent to Halo at {when} and has not finished: {what}"
    return f"an identical request at {when} may have been carried out (its outcome is unknown): {what}"


def with_earlier(preview: str, decision: Decision) -> str:
    """The preview of a repeat, with the earlier write shown first."""
    if decision.rule_id != REPEAT_RULE:
        return preview
    return f"{preview}\nNote: {decision.reason.removesuffix('; doing it again needs your confirmation')}."
