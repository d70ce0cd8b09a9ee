"""The Teams bot over AgentService, on the Teams SDK for Python (microsoft-teams-apps).

The SDK validates every incoming activity's Bot Framework JWT (signature from the cloud's JWKS,
issuer, audience = our app id, and the serviceurl claim against the activity) before a handler runs,
and authenticates what the bot sends. A message is claimed once by (conversation, activity id), so a
redelivery never runs a turn twice, and worked on after Teams has its 200. The person is whoever the
roster says sent it: GET /v3/conversations/{id}/members/{user} gives their email / UPN, and Halo
decides who that is.
"""

from __future__ import annotations

import asyncio
import re
import time
import warnings
from dataclasses import dataclass
from typing import Any

from halo_agent.channels.bots.core import BotCore, PressResult
from halo_agent.channels.bots.replies import ButtonToken, Pause, Reply
from halo_agent.channels.teams import cards
from halo_agent.logs import get_logger
from halo_agent.principal import Principal
from halo_agent.storage.bot_state import ApprovalPlaces

with warnings.catch_warnings():  # the SDK announces a preview feature we do not use at import
    warnings.simplefilter("ignore")
    from microsoft_teams.api import AdaptiveCardInvokeResponse, TypingActivityInput
    from microsoft_teams.api.activities.invoke.adaptive_card.action import AdaptiveCardInvokeActivity
    from microsoft_teams.api.activities.message.message import MessageActivity, MessageActivityInput
    from microsoft_teams.api.models.adaptive_card.adaptive_card_action_response import (
        AdaptiveCardActionCardResponse,
        AdaptiveCardActionMessageResponse,
    )
    from microsoft_teams.api.models.attachment.attachment import Attachment
    from microsoft_teams.apps import ActivityContext, App
    from microsoft_teams.cards import AdaptiveCard

log = get_logger(__name__)

PROFILE_TTL_SECONDS = 600.0
PRESS_BUDGET_SECONDS = 4.0  # Teams waits only a few seconds for an invoke's answer
WORKING = "Working on it…"
_MENTION = re.compile(r"<at>[^<]*</at>\s*")
_VERBS = (cards.CONFIRM, cards.CANCEL, cards.APPROVE, cards.DENY)


@dataclass(frozen=True)
class _Profile:
    email: str | None
    fetched: float


class TeamsBot:
    def __init__(
        self, core: BotCore, app: App, *, approvers_conversation: str | None = None,
        press_budget_seconds: float = PRESS_BUDGET_SECONDS,
    ) -> None:  # fmt: skip
        self.core = core
        self.app = app
        self.approvers_conversation = approvers_conversation
        self.press_budget_seconds = press_budget_seconds
        self._profiles: dict[str, _Profile] = {}
        app.on_message(self._on_message)
        app.on_card_action(self._on_card_action)

    # -- messages ----------------------------------------------------------------------------------
    async def _on_message(self, ctx: ActivityContext[MessageActivity]) -> None:
        activity = ctx.activity
        if not self.core.store.first_delivery("teams", f"{activity.conversation.id}:{activity.id}"):
            log.info("teams activity already taken", activity_id=activity.id)
            return
        self.core.background.spawn(self._turn(ctx))

    async def _turn(self, ctx: ActivityContext[MessageActivity]) -> None:
        principal = await self.principal(ctx)
        if isinstance(principal, str):
            await ctx.send(principal)
            return
        await ctx.send(TypingActivityInput())
        activity = ctx.activity
        session_id = f"teams:{activity.conversation.id}:{self._user_key(ctx)}"
        reply = await self.core.turn(principal, session_id, _MENTION.sub("", activity.text or "").strip())
        await ctx.send(card_message(cards.answer_card(reply, self.core.ticket_link_base), reply.summary()))
        for pause in reply.approvals:
            await self._ask_approvers(pause, principal, ctx)

    # -- Action.Execute ----------------------------------------------------------------------------
    async def _on_card_action(
        self, ctx: ActivityContext[AdaptiveCardInvokeActivity]
    ) -> AdaptiveCardInvokeResponse:
        """The press's outcome as the invoke's answer; a press that takes longer than Teams waits
        answers "Working on it…" and replaces that card when done."""
        work = asyncio.ensure_future(self._press(ctx))
        done, _ = await asyncio.wait({work}, timeout=self.press_budget_seconds)
        if work in done:
            return work.result()
        self.core.background.spawn(self._replace_when_done(ctx, work))
        return AdaptiveCardActionCardResponse(
            value=AdaptiveCard.model_validate(cards.card([cards.plain(WORKING)]))
        )

    async def _replace_when_done(
        self,
        ctx: ActivityContext[AdaptiveCardInvokeActivity],
        work: asyncio.Future[AdaptiveCardInvokeResponse],
    ) -> None:
        answer = await work
        if isinstance(answer, AdaptiveCardActionCardResponse) and ctx.activity.reply_to_id:
            shown = card_message(answer.value.model_dump(by_alias=True, exclude_none=True), "Done.")
            await ctx.api.conversations.update_activity(
                ctx.activity.conversation.id, ctx.activity.reply_to_id, shown
            )
        elif isinstance(answer, AdaptiveCardActionMessageResponse):
            await ctx.send(answer.value)

    async def _press(self, ctx: ActivityContext[AdaptiveCardInvokeActivity]) -> AdaptiveCardInvokeResponse:
        action = ctx.activity.value.action
        token = ButtonToken.decode(action.data)
        presser = await self.principal(ctx)
        if isinstance(presser, str) or token is None or action.verb not in _VERBS:
            return AdaptiveCardActionMessageResponse(
                value=presser if isinstance(presser, str) else "Unknown button."
            )
        if action.verb in (cards.CONFIRM, cards.CANCEL):
            result = await self.core.confirm(presser, token, yes=action.verb == cards.CONFIRM)
        else:
            result = await self.core.decide(presser, token, approve=action.verb == cards.APPROVE)
        return await self._after_press(result, presser)

    async def _after_press(self, result: PressResult, presser: Principal) -> AdaptiveCardInvokeResponse:
        if not result.ok or result.record is None:
            return AdaptiveCardActionMessageResponse(value=result.message)
        outcome = f"{result.message} ({presser.describe()})"
        shown = cards.decided_card(result.record.preview, outcome, result.reply, self.core.ticket_link_base)
        if result.record.kind == "approval":
            await self._tell_requester(result.record.id, result.message)
        return AdaptiveCardActionCardResponse(value=AdaptiveCard.model_validate(shown))

    # -- approvals ---------------------------------------------------------------------------------
    async def _ask_approvers(self, pause: Pause, requester: Principal, ctx: ActivityContext[Any]) -> None:
        if not self.approvers_conversation:
            return  # decided with `halo-agent approvals` or the HTTP API; the answer said it waits
        service_url = ctx.activity.service_url
        request = card_message(cards.approval_request_card(pause, requester), "Approval needed")
        sent = await self.app.send(self.approvers_conversation, request, service_url=service_url)
        here = {"conversation": ctx.activity.conversation.id, "service_url": service_url}
        there = {"conversation": self.approvers_conversation, "activity": sent.id}
        self.core.store.remember_approval(pause.pending_id, "teams", ApprovalPlaces(here, there))

    async def _tell_requester(self, pending_id: str, note: str) -> None:
        places = self.core.store.approval_places(pending_id)
        if places is not None:
            reply = Reply(text=note)
            await self.app.send(
                str(places.requester["conversation"]),
                card_message(cards.answer_card(reply, self.core.ticket_link_base), note),
                service_url=places.requester.get("service_url"),
            )

    # -- identity ----------------------------------------------------------------------------------
    async def principal(self, ctx: ActivityContext[Any]) -> Principal | str:
        """Who the roster says sent this, as Halo knows them; a string is a refusal to show them."""
        email = await self._email(ctx)
        return await self.core.principal_or_refusal(email, platform_user=self._user_key(ctx))

    async def _email(self, ctx: ActivityContext[Any]) -> str | None:
        key = self._user_key(ctx)
        cached = self._profiles.get(key)
        if cached is not None and time.monotonic() - cached.fetched < PROFILE_TTL_SECONDS:
            return cached.email
        activity = ctx.activity
        try:
            member = await ctx.api.conversations.get_member_by_id(activity.conversation.id, activity.from_.id)
        except Exception as exc:  # not in the roster (or the connector failed): no email, a clear refusal
            log.warning("teams roster lookup failed", error=type(exc).__name__)
            return None
        email: str | None = member.email or member.user_principal_name
        self._profiles[key] = _Profile(email, time.monotonic())
        return email

    @staticmethod
    def _user_key(ctx: ActivityContext[Any]) -> str:
        sender = ctx.activity.from_
        return str(sender.aad_object_id or sender.id)


def card_message(shown: cards.Card, summary: str) -> MessageActivityInput:
    """A message carrying one Adaptive Card; `summary` is what notifications and old clients show."""
    attachment = Attachment(content_type=cards.CARD_CONTENT_TYPE, content=shown)
    return MessageActivityInput(summary=summary[:200] or None, attachments=[attachment])
