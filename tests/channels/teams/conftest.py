"""A TeamsBot on the Teams SDK over a real AgentService (in-process sandbox): real Bot Framework
activity JSON posted to the messaging endpoint with token validation on (keys from a fake login on
loopback), replies captured by a fake connector speaking the Bot Framework REST format."""

from __future__ import annotations

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
from halo_agent.channels.teams.app import TeamsBot
from halo_agent.channels.teams.fake import FakeBotFramework, card_action_activity, message_activity
from halo_agent.channels.teams.http import MESSAGES_PATH, build_teams_app, teams_asgi
from halo_agent.config import Settings
from halo_agent.examples import DEMO_EMPLOYEE_EMAIL, OTHER_EMPLOYEE_EMAIL

APP_ID = "00000000-0000-4000-8000-00000000a11d"  # a fictional Entra app id
LINK_BASE = "https://desk.example.com"
APPROVERS = "19:approvers@thread.tacv2"
EMMA, LIAM, ALEX, PRIYA, STRANGER = "29:emma", "29:liam", "29:alex", "29:priya", "29:nobody"
ROSTER = {
    EMMA: ("Emma Hart", DEMO_EMPLOYEE_EMAIL),
    LIAM: ("Liam Cole", OTHER_EMPLOYEE_EMAIL),
    ALEX: ("Alex Morgan", "alex.morgan@example.com"),
    PRIYA: ("Priya Shah", "priya.shah@example.com"),
    STRANGER: ("No Body", "nobody@example.com"),
}
ADMINS = AdminMapping.of(["alex.morgan@example.com", "priya.shah@example.com"])


def chat_of(user: str) -> str:
    return f"a:personal-chat-{user.split(':')[1]}"


@dataclass
class TeamsRig:
    service: AgentService
    bot: TeamsBot
    fake: FakeBotFramework
    http: httpx2.AsyncClient
    count: int = 0

    def _next_id(self) -> str:
        self.count += 1
        return f"1700000000{self.count:04d}"

    async def post(self, activity: dict[str, Any], token: str | None = "valid") -> httpx2.Response:
        headers = {"Authorization": f"Bearer {self.fake.channel_token(APP_ID)}"} if token == "valid" else {}
        if token not in (None, "valid"):
            headers = {"Authorization": f"Bearer {token}"}
        return await self.http.post(MESSAGES_PATH, json=activity, headers=headers)

    async def say(
        self,
        user: str,
        text: str,
        *,
        activity_id: str | None = None,
        settle: bool = True,
        conversation: str | None = None,
    ) -> httpx2.Response:
        activity = message_activity(
            user,
            ROSTER[user][0],
            text,
            conversation=conversation or chat_of(user),
            activity_id=activity_id or self._next_id(),
            service_url=self.fake.service_url,
        )
        response = await self.post(activity)
        if settle:
            await self.bot.core.background.idle()
        return response

    async def press(
        self, user: str, verb: str, data: dict[str, Any], *, conversation: str
    ) -> httpx2.Response:
        activity = card_action_activity(
            user,
            ROSTER[user][0],
            verb,
            data,
            conversation=conversation,
            activity_id=self._next_id(),
            service_url=self.fake.service_url,
        )
        return await self.post(activity)

    def cards_sent(self, conversation: str | None = None) -> list[dict[str, Any]]:
        found = []
        for sent in self.fake.made("POST"):
            body = sent.body or {}
            if conversation is None or f"/conversations/{conversation}/" in sent.path:
                found += [a["content"] for a in body.get("attachments") or []]
        return found

    def audited(self, event: str) -> list[dict[str, Any]]:
        return [r for r in self.service.audit.tail(1000) if r.get("event") == event]


def actions_of(card: dict[str, Any], verb: str) -> dict[str, Any]:
    for action in card.get("actions", []):
        if action.get("verb") == verb:
            return dict(action["data"])
    raise AssertionError(f"no {verb} action in {card}")


MakeRig = Callable[..., Awaitable[TeamsRig]]


@pytest.fixture
async def make_rig(tmp_path: Path) -> AsyncIterator[MakeRig]:
    opened: list[TeamsRig] = []

    async def make(
        model: ChatModel | None = None, *, approvers: str | None = APPROVERS, press_budget: float = 4.0
    ) -> TeamsRig:
        service = await AgentService.create(Settings(home=tmp_path / "home"), model=model)
        core = BotCore(service, BotIdentity(service, ADMINS), platform="teams", ticket_link_base=LINK_BASE)
        fake = await FakeBotFramework.start(dict(ROSTER))
        app, adapter = build_teams_app(
            APP_ID, token=fake.bot_token, cloud=fake.cloud(), service_url=fake.service_url
        )
        bot = TeamsBot(core, app, approvers_conversation=approvers, press_budget_seconds=press_budget)
        asgi = await teams_asgi(bot, adapter)
        http = httpx2.AsyncClient(transport=httpx2.ASGITransport(asgi), base_url="http://teams-bot.test")
        rig = TeamsRig(service, bot, fake, http)
        opened.append(rig)
        return rig

    yield make
    for rig in opened:
        await rig.bot.core.background.idle()
        await rig.http.aclose()
        await rig.fake.stop()
        await rig.service.aclose()
