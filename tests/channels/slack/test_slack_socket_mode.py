"""Socket Mode: events arrive over a WebSocket the app opens (apps.connections.open with the app token),
each envelope is acknowledged, and a redelivered envelope for the same event runs nothing twice."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from halo_agent.channels.slack.fake import direct_message, event_body
from halo_agent.channels.slack.http import socket_mode_handler
from tests.channels.slack.conftest import DM, EMMA, MakeRig


async def _until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    """Poll what the fake saw (a WebSocket peer has no event to wait on here)."""
    for _ in range(int(seconds * 100)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("timed out waiting for the fake Slack")


async def test_socket_mode_events_are_acknowledged_and_run_once(make_rig: MakeRig) -> None:
    rig = await make_rig()
    handler = socket_mode_handler(rig.bot, "xapp-1-test-app-token")
    await handler.connect_async()
    try:
        await _until(lambda: rig.fake._socket is not None)
        body = event_body(direct_message(EMMA, "What's the status of my ticket 789?", channel=DM[EMMA]),
                          event_id="EvSOCKET")  # fmt: skip
        await rig.fake.push(body, envelope_id="env-1")
        await rig.fake.push(body, envelope_id="env-2", retry_attempt=1)  # Slack's redelivery
        await _until(lambda: len(rig.fake.acks) == 2)
        await _until(lambda: len(rig.fake.made("chat.update")) >= 1)
        await rig.settle()
    finally:
        await handler.close_async()
    opened = rig.fake.made("apps.connections.open")
    assert len(opened) == 1
    assert rig.fake.acks == ["env-1", "env-2"]
    assert len(rig.fake.made("chat.postMessage")) == 1 and len(rig.fake.made("chat.update")) == 1
    assert "789" in str(rig.last_shown())
