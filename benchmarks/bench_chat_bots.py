"""The Slack app and the Teams bot against a direct AgentService call: requests each turn makes to the
platform, and the time the adapter adds on top of the turn itself.

Everything runs on loopback: the embedded Halo sandbox, the offline model, a fake Slack (Web API) and a
fake Bot Framework (token keys and connector). A turn is timed from the platform's request to the bot
until the bot's last call to the platform; the direct figure is `service.handle` for the same message.

    python benchmarks/bench_chat_bots.py [--turns 40]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx2

from halo_agent.agent.service import AgentService
from halo_agent.channels.bots.core import BotCore
from halo_agent.channels.bots.identity import BotIdentity
from halo_agent.channels.slack.app import SlackBot
from halo_agent.channels.slack.fake import FakeSlack, direct_message, event_body, signed_headers
from halo_agent.channels.slack.http import EVENTS_PATH, slack_http_app
from halo_agent.channels.teams.app import TeamsBot
from halo_agent.channels.teams.fake import FakeBotFramework, message_activity
from halo_agent.channels.teams.http import MESSAGES_PATH, build_teams_app, teams_asgi
from halo_agent.cli_common import quiet_logging
from halo_agent.config import Settings
from halo_agent.examples import DEMO_EMPLOYEE_EMAIL

MESSAGE = "What's the status of my ticket 789?"
SECRET = "0123456789abcdef0123456789abcdef"
APP_ID = "00000000-0000-4000-8000-00000000a11d"
Turn = Callable[[int], Awaitable[None]]


async def timed(turn: Turn, turns: int) -> list[float]:
    await turn(-1)  # warm: caches, keys, connections
    seconds = []
    for n in range(turns):
        started = time.perf_counter()
        await turn(n)
        seconds.append(time.perf_counter() - started)
    return seconds


async def direct(service: AgentService, turns: int) -> list[float]:
    me = await service.resolve_principal("employee", email=DEMO_EMPLOYEE_EMAIL)

    async def turn(n: int) -> None:
        async for _ in service.handle(MESSAGE, me, f"direct-{n}"):
            pass

    return await timed(turn, turns)


async def slack(core: BotCore, turns: int) -> tuple[list[float], float]:
    fake = await FakeSlack.start({"U0EMMA": DEMO_EMPLOYEE_EMAIL})
    bot = SlackBot(core, token="xoxb-bench", signing_secret=SECRET, api_url=fake.api_url)
    http = httpx2.AsyncClient(
        transport=httpx2.ASGITransport(slack_http_app(bot, SECRET)), base_url="http://b"
    )

    async def turn(n: int) -> None:
        ts = f"1700000000.{n + 2:06d}"
        event = {
            **direct_message("U0EMMA", MESSAGE, channel="D0EMMA", ts=ts),
            "thread_ts": ts,
        }  # a new session
        body = event_body(event, event_id=f"EvBench{n + 2}")
        headers = {**signed_headers(SECRET, body), "Content-Type": "application/json"}
        await http.post(EVENTS_PATH, content=body, headers=headers)
        await core.background.idle()

    try:
        seconds = await timed(turn, turns)
        calls = len([c for c in fake.calls if c.method != "auth.test"]) - 3  # less the warm-up turn's
        return seconds, calls / turns
    finally:
        await http.aclose()
        await fake.stop()


async def teams(core: BotCore, turns: int) -> tuple[list[float], float]:
    fake = await FakeBotFramework.start({"29:emma": ("Emma Hart", DEMO_EMPLOYEE_EMAIL)})
    app, adapter = build_teams_app(
        APP_ID, token=fake.bot_token, cloud=fake.cloud(), service_url=fake.service_url
    )
    bot = TeamsBot(core, app)
    http = httpx2.AsyncClient(
        transport=httpx2.ASGITransport(await teams_asgi(bot, adapter)), base_url="http://b"
    )

    async def turn(n: int) -> None:
        chat = f"a:bench-{n}"  # a new session, as the direct turns get
        activity = message_activity("29:emma", "Emma Hart", MESSAGE, conversation=chat, activity_id=f"b{n}",
                                    service_url=fake.service_url)  # fmt: skip
        token = fake.channel_token(APP_ID)
        await http.post(MESSAGES_PATH, json=activity, headers={"Authorization": f"Bearer {token}"})
        await core.background.idle()

    try:
        seconds = await timed(turn, turns)
        return seconds, (len(fake.sent) - 3) / turns  # less the warm-up turn's (roster, typing, answer)
    finally:
        await http.aclose()
        await fake.stop()


def _ms(seconds: list[float]) -> float:
    return statistics.median(seconds) * 1000


async def main(turns: int) -> None:
    quiet_logging()
    with tempfile.TemporaryDirectory() as home:
        service = await AgentService.create(Settings(home=Path(home)))
        try:
            base = await direct(service, turns)
            slack_core = BotCore(service, BotIdentity(service), platform="slack")
            teams_core = BotCore(service, BotIdentity(service), platform="teams")
            slack_s, slack_calls = await slack(slack_core, turns)
            teams_s, teams_calls = await teams(teams_core, turns)
        finally:
            await service.aclose()
    print(f"{turns} turns each, median ms per turn ({MESSAGE!r}, offline model, sandbox)")
    print(f"  direct AgentService.handle   {_ms(base):8.2f}")
    for name, seconds, calls in (("Slack app", slack_s, slack_calls), ("Teams bot", teams_s, teams_calls)):
        added = _ms(seconds) - _ms(base)
        print(f"  {name:<28} {_ms(seconds):8.2f}  (+{added:.2f} ms; {calls:.1f} platform requests a turn)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=40, help="turns per way in (default 40)")
    asyncio.run(main(parser.parse_args().turns))
