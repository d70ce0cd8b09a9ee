"""The executor's own overhead per call, with the Halo sandbox in-process.

    python benchmarks/bench_executor.py [--calls 300]

Runs a read (haloitsm_get_ticket) and a write (haloitsm_add_note) through Executor.execute as an admin,
timing the whole call and, separately, the time spent inside HaloClient.request_json (the sandbox round
trip, token included). "Excluding Halo" = whole call minus that. The audit append (fsync'd) and the
SQLite rate-limit bookkeeping are the executor's own work and are reported as parts of it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import structlog

from halo_agent.agent.model import ToolCallRequest
from halo_agent.policies.engine import PolicyEngine
from halo_agent.principal import Principal
from halo_agent.sandbox import create_app, sandbox_client
from halo_agent.storage.approvals import PendingStore
from halo_agent.storage.audit import AuditLog
from halo_agent.tools.executor import Executor, TurnContext
from halo_agent.tools.registry import default_registry

ADMIN = Principal(role="admin", name="Alex Morgan", halo_agent_id=1)
WRITE_CALLS = 190  # default.yaml allows an admin 200 notes an hour (one is the warm-up)


class Timer:
    """Accumulates seconds spent inside wrapped callables."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def wrap_async(self, fn: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return await fn(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start

        return timed

    def wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start

        return timed


async def measure(tool: str, args: dict[str, Any], calls: int, home: Path) -> dict[str, float]:
    client = sandbox_client(create_app())
    store, audit = PendingStore(home / f"{tool}.db"), AuditLog(home / f"{tool}.jsonl")
    executor = Executor(client, default_registry(), PolicyEngine.load(), audit, store)
    halo, audit_t, store_t = Timer(), Timer(), Timer()
    client.request_json = halo.wrap_async(client.request_json)  # type: ignore[method-assign]
    audit.append = audit_t.wrap(audit.append)  # type: ignore[method-assign]
    store.count_recent = store_t.wrap(store.count_recent)  # type: ignore[method-assign]
    store.record_call = store_t.wrap(store.record_call)  # type: ignore[method-assign]
    # The person's own message names the write and its target: without it, the Halo text the warm-up
    # call read would (rightly) pause every later write for confirmation.
    asked = "add a hidden note to ticket 789: benchmark note"
    turn = TurnContext(principal=ADMIN, session_id="bench", request_id="bench", user_texts=[asked])
    request = ToolCallRequest(id="c", name=tool, arguments=json.dumps(args))
    await executor.execute(request, turn)  # warm: token, metadata, agents
    for timer in (halo, audit_t, store_t):
        timer.seconds = 0.0
    start = time.perf_counter()
    for _ in range(calls):
        outcome = await executor.execute(request, turn)
        assert outcome.status == "ok", outcome.tool_message
    total = time.perf_counter() - start
    await client.aclose()
    per = 1e6 / calls
    return {"including_halo_us": total * per, "excluding_halo_us": (total - halo.seconds) * per,
            "audit_us": audit_t.seconds * per, "rate_store_us": store_t.seconds * per}


async def main(calls: int) -> None:
    logging.disable(logging.CRITICAL)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.CRITICAL))
    cases = [("haloitsm_get_ticket", {"ticket_id": 789}),
             ("haloitsm_add_note", {"ticket_id": 789, "note": "benchmark note", "hidden_from_user": True})]
    with tempfile.TemporaryDirectory() as tmp:
        for tool, args in cases:
            n = calls if tool == "haloitsm_get_ticket" else min(calls, WRITE_CALLS)
            r = await measure(tool, args, n, Path(tmp))
            print(f"{tool:24} {n} calls: {r['including_halo_us']:8.0f} µs/call including Halo, "
                  f"{r['excluding_halo_us']:7.0f} µs excluding Halo "
                  f"(of which audit {r['audit_us']:.0f} µs, rate-limit store {r['rate_store_us']:.0f} µs)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    asyncio.run(main(parser.parse_args().calls))
