"""Bytes and requests per turn on the OpenAI-compatible endpoint, as a chat frontend uses it.

    python benchmarks/bench_openai_endpoint.py [--stream | --no-stream]

Plays the employee seed requests as one conversation through the official `openai` client, in process
(`httpx2.ASGITransport`, the offline model, the embedded sandbox), resending the whole history every
turn the way Open WebUI and LibreChat do, and answering "yes" when a close asks for confirmation.
Prints, per turn: HTTP requests the client made, request bytes (body), response bytes (body, SSE framing
included when streaming), and the Halo API calls the turn cost.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path
from typing import Any

import httpx2
import openai

from halo_agent.agent.service import AgentService
from halo_agent.channels.http_app import create_http_app
from halo_agent.channels.keys import ApiKey, KeyRing, hash_key
from halo_agent.cli_common import quiet_logging
from halo_agent.config import Settings
from halo_agent.examples import DEMO_EMPLOYEE_EMAIL, EMPLOYEE_PROMPTS

KEY = "bench-key-0123456789abcdef"


class Meter:
    def __init__(self) -> None:
        self.requests = 0
        self.sent = 0
        self.received = 0

    async def on_request(self, request: httpx2.Request) -> None:
        self.requests += 1
        self.sent += len(request.content)

    async def on_response(self, response: httpx2.Response) -> None:
        await response.aread()
        self.received += len(response.content)


async def turn(client: openai.AsyncOpenAI, history: list[Any], stream: bool) -> str:
    if not stream:
        completion = await client.chat.completions.create(model="halo-agent", messages=history)
        return completion.choices[0].message.content or ""
    chunks = await client.chat.completions.create(model="halo-agent", messages=history, stream=True)
    return "".join([c.choices[0].delta.content or "" async for c in chunks if c.choices])


async def main(stream: bool) -> None:
    quiet_logging()
    with tempfile.TemporaryDirectory() as home:
        service = await AgentService.create(Settings(home=Path(home)))
        app = create_http_app(service, KeyRing([ApiKey(name="bench", sha256=hash_key(KEY))]))
        meter = Meter()
        hooks = {"request": [meter.on_request], "response": [meter.on_response]}
        http = httpx2.AsyncClient(transport=httpx2.ASGITransport(app), event_hooks=hooks)
        headers = {"X-Halo-Role": "employee", "X-Halo-User": DEMO_EMPLOYEE_EMAIL}
        client = openai.AsyncOpenAI(
            api_key=KEY, base_url="http://bench.local/v1", http_client=http, default_headers=headers
        )
        history: list[Any] = []
        print(f"{'turn':<60} {'requests':>8} {'sent B':>8} {'received B':>10} {'Halo calls':>10}")
        messages = [p.text for p in EMPLOYEE_PROMPTS] + ["yes"]
        for message in messages:
            before = (meter.requests, meter.sent, meter.received, service.client.stats.api_calls)
            history.append({"role": "user", "content": message})
            history.append({"role": "assistant", "content": await turn(client, history, stream)})
            used = (meter.requests, meter.sent, meter.received, service.client.stats.api_calls)
            counts = [now - then for now, then in zip(used, before, strict=True)]
            print(f"{message[:58]:<60} {counts[0]:>8} {counts[1]:>8} {counts[2]:>10} {counts[3]:>10}")
        await http.aclose()
        await service.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stream", action=argparse.BooleanOptionalAction, default=True)
    asyncio.run(main(parser.parse_args().stream))
