"""The logic every chat bot shares, over AgentService: run a turn, take a Confirm/Cancel press from the
person who asked, take an Approve/Deny press from an approver. The platform adapters only translate
their wire formats to these calls and the results back to cards or blocks.

Exactly-once rests on the service: a confirmation is answered through `service.confirm` (under the
session lock, and the executor claims the pending call once), so a second press, or a press on a second
device, finds it already answered and gets a friendly "already handled" instead of a second run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

from halo_agent.agent.service import AgentService, approval_note
from halo_agent.channels.bots.identity import BotIdentity
from halo_agent.channels.bots.replies import ButtonToken, Reply, reply_from
from halo_agent.errors import ConfigError, HaloAgentError, PendingError
from halo_agent.logs import get_logger
from halo_agent.principal import Principal
from halo_agent.storage.approvals import PendingRecord

log = get_logger(__name__)

FAILED = "That failed on our side; nothing more was changed. The details are in the bot's log."
_STATE_WORDS = {
    "approved": "was already approved",
    "running": "is being carried out now",
    "done": "was already carried out",
    "failed": "was already tried and failed",
    "denied": "was already cancelled",
    "expired": "has expired; nothing was changed",
}


@dataclass
class PressResult:
    """The outcome of a button press: `ok` when it was taken; `message` is a line for the presser;
    `reply` is the continued conversation after a confirmation; `record` the pending call as it now is."""

    ok: bool
    message: str
    reply: Reply | None = None
    record: PendingRecord | None = None


class Background:
    """Work that outlives the platform's request (a turn acknowledged within the platform's deadline)."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("bot work failed", error=type(task.exception()).__name__, exc_info=task.exception())

    async def idle(self, grace_seconds: float | None = None) -> None:
        """Wait until nothing is in flight (tests), or at most `grace_seconds` (shutdown)."""
        while self._tasks:
            await asyncio.wait(set(self._tasks), timeout=grace_seconds)
            if grace_seconds is not None:
                return


class BotCore:
    def __init__(
        self,
        service: AgentService,
        identity: BotIdentity,
        *,
        platform: str,
        ticket_link_base: str | None = None,
    ) -> None:
        if service.storage.bots is None:
            raise ConfigError("storage", "bots", "this storage backend keeps no chat-bot state")
        self.service = service
        self.identity = identity
        self.store = service.storage.bots  # deliveries taken once and approval places, shared by processes
        self.platform = platform
        self.ticket_link_base = ticket_link_base
        self.background = Background()

    async def turn(self, principal: Principal, session_id: str, text: str) -> Reply:
        """The turn's reply; a failure becomes words for the person (Halo's own reason when it has one)."""
        try:
            events = [
                event async for event in self.service.handle(text, principal, session_id, live_text=False)
            ]
        except HaloAgentError as exc:
            return Reply(errors=[str(exc)])
        except Exception as exc:  # the person still gets an answer; the details go to the log only
            log.error("bot turn failed", platform=self.platform, error=type(exc).__name__, exc_info=exc)
            return Reply(errors=[FAILED])
        return reply_from(events, self.service.pending_store)

    async def confirm(self, presser: Principal, token: ButtonToken, *, yes: bool) -> PressResult:
        record, refusal = self._checked(presser, token, kind="confirmation")
        if record is None:
            return PressResult(False, refusal)
        if record.requester.key != presser.key:
            who = record.requester.name or "the person who asked"
            return self._refused(presser, token, f"Only {who} can answer this request.")
        try:
            events = await self.service.confirm(record.session_id, record.id, presser, yes=yes)
        except PendingError:
            return PressResult(False, self._already(record.id), record=self._fresh(record))
        reply = reply_from(events, self.service.pending_store)
        return PressResult(True, "Confirmed." if yes else "Cancelled.", reply, self._fresh(record))

    async def decide(
        self, approver: Principal, token: ButtonToken, *, approve: bool, reason: str | None = None
    ) -> PressResult:
        """An approver's press; the policy decides who may approve (never the requester)."""
        record, refusal = self._checked(approver, token, kind="approval")
        if record is None:
            return PressResult(False, refusal)
        try:
            if approve:
                await self.service.approve(record.id, approver)
            else:
                await self.service.deny(record.id, approver, reason)
        except PendingError as exc:
            fresh = self._fresh(record)
            if fresh.state != "pending":
                return PressResult(False, self._already(record.id), record=fresh)
            return self._refused(approver, token, f"You can't decide this request: {exc}")
        fresh = self._fresh(record)
        return PressResult(True, approval_note(fresh) or "Decided.", record=fresh)

    def _checked(
        self, presser: Principal, token: ButtonToken, *, kind: str
    ) -> tuple[PendingRecord | None, str]:
        record = self.service.pending_store.get(token.pending_id)
        if record is None or record.kind != kind:
            return None, self._refused(presser, token, "That request is unknown here.").message
        if record.args_hash != token.args_hash:
            words = "That button no longer matches the request it was made for; nothing was changed."
            return None, self._refused(presser, token, words).message
        return record, ""

    def _fresh(self, record: PendingRecord) -> PendingRecord:
        return self.service.pending_store.get(record.id) or record

    def _already(self, pending_id: str) -> str:
        record = self.service.pending_store.get(pending_id)
        state = _STATE_WORDS.get(record.state, "was already answered") if record else "is gone"
        return f"This request {state}."

    def _refused(self, presser: Principal, token: ButtonToken, message: str) -> PressResult:
        self.audit_refusal("bot_press_refused", reason=message, pending_id=token.pending_id,
                           presser=presser.key)  # fmt: skip
        return PressResult(False, message)

    def audit_refusal(self, event: str, **fields: Any) -> None:
        """A refused request or press on the record (not a proposed call: no tool ran)."""
        self.service.audit.append({"event": event, "platform": self.platform, **fields})

    async def principal_or_refusal(
        self, email: str | None, *, groups: tuple[str, ...] = (), platform_user: str
    ) -> Principal | str:
        """The person's principal, or the words of a refusal (audited) for them."""
        try:
            return await self.identity.principal(email, groups=groups, platform=self.platform.title())
        except HaloAgentError as exc:
            self.audit_refusal("bot_identity_refused", reason=str(exc), platform_user=platform_user)
            return str(exc)
