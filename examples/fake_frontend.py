"""A fake chat frontend on halo-agent's Python API: who is asking comes from *your* login, never the chat.

    python examples/fake_frontend.py                      # type messages; "yes"/"no" answers a pause
    echo "What's the status of my ticket 789?" | python examples/fake_frontend.py

Runs on the embedded Halo sandbox and the offline model unless HALO_URL / OPENAI_API_KEY are set.
"""

from __future__ import annotations

import asyncio
import sys

from halo_agent.agent.events import AgentEvent, ErrorEvent, FinalAnswer, Paused, ToolResultEvent
from halo_agent.agent.service import AgentService
from halo_agent.cli_common import quiet_logging
from halo_agent.config import load_settings

LOGGED_IN_EMAIL = "emma.hart@example.com"  # in a real frontend: from your SSO session


def show(event: AgentEvent) -> str | None:
    """Print one event; return the pending id when the agent waits for a yes/no."""
    if isinstance(event, ToolResultEvent):
        print(f"  [{event.tool}: {event.status}] {event.summary}")
    elif isinstance(event, Paused):
        print(f"  [needs your OK] {event.preview}  (yes/no)")
        return event.pending_id if event.kind == "confirmation" else None
    elif isinstance(event, FinalAnswer):
        print(f"bot> {event.text}")
    elif isinstance(event, ErrorEvent):
        print(f"bot> (error) {event.message}")
    return None


async def main() -> int:
    quiet_logging()  # operational logs to stderr, warnings only
    async with await AgentService.create(load_settings()) as service:
        me = await service.resolve_principal("employee", email=LOGGED_IN_EMAIL)
        session, waiting = "fake-frontend-demo", None
        for line in sys.stdin:
            message = line.strip()
            if not message:
                continue
            print(f"you> {message}")
            if waiting and message.lower() in ("yes", "no"):  # a button press, not free text
                events = await service.confirm(session, waiting, me, yes=message.lower() == "yes")
                waiting = None
            else:
                events = [event async for event in service.handle(message, me, session)]
            for event in events:
                waiting = show(event) or waiting
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
