"""A SlackBot over a real AgentService (in-process sandbox), its HTTP endpoint driven with signed
requests, and the Web API pointed at a fake Slack on loopback that records every call."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest

from halo_agent.agent.model import ChatModel
from halo_agent.agent.service import AgentService
from halo_agent.channels.bots.core import BotCore
from halo_agent.channels.bots.identity import AdminMapping, BotIdentity
from halo_agent.channels.slack.app import SlackBot
from halo_agent.channels.slack.fake import FakeSlack, button_body, direct_message, event_body, signed_headers
from halo_agent.channels.slack.http import EVENTS_PATH, slack_http_app
from halo_agent.config import Settings
from halo_agent.examples import DEMO_EMPLOYEE_EMAIL, OTHER_EMPLOYEE_EMAIL

SECRET = "0123456789abcdef0123456789abcdef"  # a fictional signing secret
LINK_BASE = "https://desk.example.com"
APPROVERS = "C0APPROVE"
EMMA, LIAM, ALEX, PRIYA, STRANGER = "U0EMMA", "U0LIAM", "U0ALEX", "U0PRIYA", "U0NOBODY"
USERS = {
    EMMA: DEMO_EMPLOYEE_EMAIL,
    LIAM: OTHER_EMPLOYEE_EMAIL,
    ALEX: "alex.morgan@example.com",  # sandbox agent 1, an admin
    PRIYA: "priya.shah@example.com",  # sandbox agent 2, an admin
    STRANGER: "nobody@example.com",
}
ADMINS = AdminMapping.of(["alex.morgan@example.com", "priya.shah@example.com"])
DM = {EMMA: "D0EMMA", LIAM: "D0LIAM", ALEX: "D0ALEX", PRIYA: "D0PRIYA", STRANGER: "D0NOBODY"}


@dataclass
class SlackRig:
    service: AgentService
    bot: SlackBot
    fake: FakeSlack
    http: httpx2.AsyncClient
    events_sent: int = 0

    async def post(self, body: bytes, headers: dict[str, str], content_type: str) -> httpx2.Response:
        return await self.http.post(
            EVENTS_PATH, content=body, headers={**headers, "Content-Type": content_type}
        )

    async def say(
        self,
        user: str,
        text: str,
        *,
        event_id: str | None = None,
        retry: int | None = None,
        settle: bool = True,
    ) -> httpx2.Response:
        self.events_sent += 1
        event = direct_message(user, text, channel=DM[user], ts=f"1700000100.{self.events_sent:06d}")
        body = event_body(event, event_id=event_id or f"Ev{self.events_sent:08d}")
        headers = signed_headers(SECRET, body)
        if retry is not None:
            headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        response = await self.post(body, headers, "application/json")
        if settle:
            await self.settle()
        return response

    async def press(
        self, user: str, action_id: str, value: str, *, channel: str, ts: str, settle: bool = True
    ) -> httpx2.Response:
        body = button_body(user, action_id, value, channel=channel, message_ts=ts)
        response = await self.post(body, signed_headers(SECRET, body), "application/x-www-form-urlencoded")
        if settle:
            await self.settle()
        return response

    async def settle(self) -> None:
        await self.bot.core.background.idle()

    def last_shown(self) -> list[dict[str, Any]]:
        """The blocks of the last message the bot posted or edited."""
        shown = [c.args for c in self.fake.calls if c.method in ("chat.postMessage", "chat.update")]
        return _blocks(shown[-1])

    def audited(self, event: str) -> list[dict[str, Any]]:
        return [r for r in self.service.audit.tail(1000) if r.get("event") == event]


def _blocks(args: dict[str, Any]) -> list[dict[str, Any]]:
    value = args.get("blocks")
    return json.loads(value) if isinstance(value, str) else list(value or [])


def blocks_of(args: dict[str, Any]) -> list[dict[str, Any]]:
    return _blocks(args)


def button_value(blocks: list[dict[str, Any]], action_id: str) -> str:
    for block in blocks:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return str(element["value"])
    raise AssertionError(f"no {action_id} button in {blocks}")


MakeRig = Callable[..., Awaitable[SlackRig]]


@pytest.fixture
async def make_rig(tmp_path: Path) -> AsyncIterator[MakeRig]:
    opened: list[SlackRig] = []

    async def make(model: ChatModel | None = None, *, approvers: str | None = APPROVERS) -> SlackRig:
        service = await AgentService.create(Settings(home=tmp_path / "home"), model=model)
        core = BotCore(service, BotIdentity(service, ADMINS), platform="slack", ticket_link_base=LINK_BASE)
        fake = await FakeSlack.start(dict(USERS))
        bot = SlackBot(
            core,
            token="xoxb-test-token",
            signing_secret=SECRET,
            api_url=fake.api_url,
            approvers_channel=approvers,
        )
        http = httpx2.AsyncClient(
            transport=httpx2.ASGITransport(slack_http_app(bot, SECRET)), base_url="http://slack-bot.test"
        )
        rig = SlackRig(service, bot, fake, http)
        opened.append(rig)
        return rig

    yield make
    for rig in opened:
        await rig.settle()
        await rig.http.aclose()
        await rig.fake.stop()
        await rig.service.aclose()
