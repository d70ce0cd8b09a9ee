"""The Slack app over AgentService: events in (Socket Mode or signed HTTP), Block Kit out.

Every event is acknowledged at once and worked on in the background: Slack resends an event not
acknowledged within 3 s, and each resend (X-Slack-Retry-Num) carries the same event id, which is
claimed once in the bot store, so no turn runs twice. The Web API client retries 429s after Slack's
Retry-After. The person is whoever Slack says sent the event: users.info gives their profile email
(scope users:read.email), and Halo decides who that is.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from halo_agent.channels.bots.core import BotCore, PressResult
from halo_agent.channels.bots.replies import ButtonToken, Pause
from halo_agent.channels.slack import blocks
from halo_agent.logs import get_logger
from halo_agent.principal import Principal
from halo_agent.storage.bot_state import ApprovalPlaces

log = get_logger(__name__)

PROFILE_TTL_SECONDS = 600.0
RATE_LIMIT_RETRIES = 3
WORKING = "Working on it…"
_MENTION = re.compile(r"<@[A-Z0-9]+>\s*")


@dataclass(frozen=True)
class SlackPlace:
    """Where a message goes: a channel, and the thread in it (None: the channel itself)."""

    channel: str
    thread_ts: str | None = None


@dataclass(frozen=True)
class _Profile:
    email: str | None
    groups: tuple[str, ...]
    fetched: float


class SlackBot:
    def __init__(
        self, core: BotCore, *, token: str, signing_secret: str, api_url: str | None = None,
        approvers_channel: str | None = None,
    ) -> None:  # fmt: skip
        self.core = core
        self.approvers_channel = approvers_channel
        # Bolt builds the Web API client from the token: handed a client of ours it would also read
        # $SLACK_BOT_TOKEN (which `halo-agent slack` uses) and warn at every start that it is unused.
        self.app = AsyncApp(token=token, signing_secret=signing_secret, process_before_response=True)
        self.client: AsyncWebClient = self.app.client
        if api_url:  # a fake Slack in tests
            self.client.base_url = AsyncWebClient(base_url=api_url).base_url  # normalised as the SDK does
        self.client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES))
        self._profiles: dict[str, _Profile] = {}
        self._register()

    def _register(self) -> None:
        self.app.event("message")(self._on_message)
        self.app.event("app_mention")(self._on_message)
        for action_id in (blocks.CONFIRM, blocks.CANCEL, blocks.APPROVE, blocks.DENY):
            self.app.action(action_id)(self._on_action)

    # -- events ------------------------------------------------------------------------------------
    async def _on_message(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """Claimed once by event id, then worked on after Slack has its acknowledgement."""
        if event.get("subtype") or event.get("bot_id") or not event.get("user"):
            return  # edits, joins, other bots and our own messages
        if event.get("type") == "message" and event.get("channel_type") != "im":
            return  # in channels the bot answers when mentioned (app_mention)
        if not self.core.store.first_delivery("slack", str(body.get("event_id") or event.get("ts"))):
            log.info("slack event already taken", event_id=body.get("event_id"))
            return
        self.core.background.spawn(self._turn(body, event))

    async def _turn(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        user, channel = str(event["user"]), str(event["channel"])
        dm = event.get("channel_type") == "im"
        place = SlackPlace(channel, event.get("thread_ts") or (None if dm else event.get("ts")))
        principal = await self.principal(user)
        if isinstance(principal, str):
            await self._post(place, blocks.section(blocks.escape(principal)), principal)
            return
        placeholder = await self._post(place, blocks.context(WORKING), WORKING)
        session_id = f"slack:{body.get('team_id')}:{channel}:{place.thread_ts or 'dm'}:{user}"
        text = _MENTION.sub("", str(event.get("text") or "")).strip()
        reply = await self.core.turn(principal, session_id, text)
        await self._update(
            placeholder, blocks.answer_blocks(reply, self.core.ticket_link_base), reply.summary()
        )
        for pause in reply.approvals:
            await self._ask_approvers(pause, principal, place)

    # -- buttons -----------------------------------------------------------------------------------
    async def _on_action(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        self.core.background.spawn(self._press(body, action))

    async def _press(self, body: dict[str, Any], action: dict[str, Any]) -> None:
        user = str(body["user"]["id"])
        channel = str(body["channel"]["id"])
        message = body.get("message") or {}
        presser = await self.principal(user)
        token = ButtonToken.decode(action.get("value"))
        if isinstance(presser, str) or token is None:
            await self._ephemeral(channel, user, presser if isinstance(presser, str) else "Unknown button.")
            return
        action_id = action.get("action_id")
        if action_id in (blocks.CONFIRM, blocks.CANCEL):
            result = await self.core.confirm(presser, token, yes=action_id == blocks.CONFIRM)
        else:
            result = await self.core.decide(presser, token, approve=action_id == blocks.APPROVE)
        await self._after_press(result, presser, channel, user, str(message.get("ts", "")))

    async def _after_press(
        self, result: PressResult, presser: Principal, channel: str, user: str, message_ts: str
    ) -> None:
        if not result.ok or result.record is None:
            await self._ephemeral(channel, user, result.message)
            return
        outcome = f"{result.message} ({presser.describe()})"
        shown = blocks.decided_blocks(result.record.preview, outcome)
        if result.reply is not None:
            shown += blocks.answer_blocks(result.reply, self.core.ticket_link_base)
        await self._update((channel, message_ts), shown[:50], result.message)
        if result.record.kind == "approval":
            await self._tell_requester(result.record.id, result.message)

    # -- approvals ---------------------------------------------------------------------------------
    async def _ask_approvers(self, pause: Pause, requester: Principal, place: SlackPlace) -> None:
        if not self.approvers_channel:
            return  # decided with `halo-agent approvals` or the HTTP API; the answer said it waits
        request = blocks.approval_request_blocks(pause, requester)
        posted = await self._post(SlackPlace(self.approvers_channel), request, "Approval needed")
        requester_place = {"channel": place.channel, "thread_ts": place.thread_ts}
        self.core.store.remember_approval(
            pause.pending_id, "slack",
            ApprovalPlaces(requester_place, {"channel": posted[0], "ts": posted[1]}),
        )  # fmt: skip

    async def _tell_requester(self, pending_id: str, note: str) -> None:
        places = self.core.store.approval_places(pending_id)
        if places is not None:
            where = SlackPlace(str(places.requester["channel"]), places.requester.get("thread_ts"))
            await self._post(where, blocks.section(blocks.mrkdwn(note, self.core.ticket_link_base)), note)

    # -- identity ----------------------------------------------------------------------------------
    async def principal(self, user: str) -> Principal | str:
        """Who Slack says this is, as Halo knows them; a string is a refusal to show them."""
        profile = await self._profile(user)
        return await self.core.principal_or_refusal(profile.email, groups=profile.groups, platform_user=user)

    async def _profile(self, user: str) -> _Profile:
        cached = self._profiles.get(user)
        if cached is not None and time.monotonic() - cached.fetched < PROFILE_TTL_SECONDS:
            return cached
        try:
            answer = await self.client.users_info(user=user)
        except SlackApiError as exc:  # unknown or deactivated user: no email, a clear refusal
            log.warning("slack users.info failed", error=exc.response.get("error"))
            return _Profile(None, (), time.monotonic())
        person = answer.get("user") or {}
        real = not (person.get("is_bot") or person.get("deleted"))
        email = (person.get("profile") or {}).get("email") if real else None
        groups = await self._groups(user) if self.core.identity.admins.groups else ()
        profile = _Profile(email, groups, time.monotonic())
        self._profiles[user] = profile
        return profile

    async def _groups(self, user: str) -> tuple[str, ...]:
        """Handles of the Slack user groups the person belongs to (scope usergroups:read)."""
        answer = await self.client.usergroups_list(include_users=True)
        groups = answer.get("usergroups") or []
        return tuple(str(g.get("handle")) for g in groups if user in (g.get("users") or []))

    # -- Web API -----------------------------------------------------------------------------------
    async def _post(self, place: SlackPlace, shown: dict[str, Any] | list[dict[str, Any]], text: str
                    ) -> tuple[str, str]:  # fmt: skip
        answer = await self.client.chat_postMessage(
            channel=place.channel, thread_ts=place.thread_ts, text=text,
            blocks=shown if isinstance(shown, list) else [shown],
        )  # fmt: skip
        return str(answer["channel"]), str(answer["ts"])

    async def _update(self, where: tuple[str, str], shown: list[dict[str, Any]], text: str) -> None:
        await self.client.chat_update(channel=where[0], ts=where[1], text=text[:3000], blocks=shown)

    async def _ephemeral(self, channel: str, user: str, text: str) -> None:
        await _quietly(self.client.chat_postEphemeral(channel=channel, user=user, text=text))


async def _quietly(call: Awaitable[Any]) -> None:
    """A courtesy message that may fail (the person left the channel) without failing the press."""
    try:
        await call
    except SlackApiError as exc:
        log.warning("slack courtesy message failed", error=exc.response.get("error"))
