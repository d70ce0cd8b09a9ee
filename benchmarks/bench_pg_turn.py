"""What one turn costs in PostgreSQL: statements, round trips and the time they hold the event loop.

    python benchmarks/bench_pg_turn.py [--turns 150] [--database-url URL]

The HTTP app in-process (the sandbox in-process too, offline model), on a throwaway database, answers
the load bench's conversations one turn at a time. Counted from the client: statements sent (BEGIN and
COMMIT included), round trips (a statement outside a pipeline, a transaction's BEGIN or COMMIT outside
one, and each pipeline sync), both on the event loop's thread and on others (the audit log's flush);
timed: the CPU and wall time the storage's own calls take on the event loop (what a loop blocked on
the database cannot spend on other turns). Prints the totals per turn, then statements per turn by text.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import functools
import inspect
import os
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx2
import psycopg
from psycopg._pipeline_base import BasePipeline

from halo_agent.sandbox.demo_data import users

MESSAGES = ("What's the status of my ticket 789?", "How do I reset my password?", "List my open tickets.")
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
KEY = "bench-key-0123456789abcdef"


class Counts:
    def __init__(self) -> None:
        self.on = False
        self.statements: collections.Counter[str] = collections.Counter()
        self.trips = {"loop": 0, "other": 0}
        self.cpu = self.wall = 0.0

    def trip(self) -> None:
        if self.on:
            self.trips["loop" if threading.current_thread() is threading.main_thread() else "other"] += 1


def instrument(counts: Counts) -> None:
    """Count what psycopg sends; time the storage classes' calls on the loop (outermost only)."""
    execute, sync = psycopg.Cursor.execute, BasePipeline._enqueue_sync
    enter, leave = psycopg.Transaction.__enter__, psycopg.Transaction.__exit__

    def counted_execute(self: psycopg.Cursor[Any], query: Any, *args: Any, **kwargs: Any) -> Any:
        if counts.on:
            counts.statements[" ".join(str(query).split())[:70]] += 1
            if self.connection._pipeline is None:
                counts.trip()
        return execute(self, query, *args, **kwargs)

    def counted_sync(self: BasePipeline) -> None:
        counts.trip()
        sync(self)

    def counted_enter(self: psycopg.Transaction) -> psycopg.Transaction:
        if counts.on:
            counts.statements["BEGIN (transaction block)"] += 1
            counts.trip()
        return enter(self)

    def counted_leave(self: psycopg.Transaction, *args: Any) -> Any:
        if counts.on:
            counts.statements["COMMIT (transaction block)"] += 1
            counts.trip()
        return leave(self, *args)

    psycopg.Cursor.execute = counted_execute  # type: ignore[method-assign,assignment]
    BasePipeline._enqueue_sync = counted_sync  # type: ignore[method-assign]
    psycopg.Transaction.__enter__ = counted_enter  # type: ignore[method-assign]
    psycopg.Transaction.__exit__ = counted_leave  # type: ignore[method-assign]
    for cls in _storage_classes():
        for name, method in list(vars(cls).items()):
            plain = inspect.isfunction(method) and not inspect.iscoroutinefunction(method)
            if plain and not name.startswith("__"):
                setattr(cls, name, _timed(method, counts))


def _storage_classes() -> list[type]:
    from halo_agent.storage.postgres import audit, buckets, intents, pending, sessions

    return [sessions.PostgresSessions, sessions.LeaseLocks, pending.PostgresPending,
            intents.PostgresIntentJournal, audit.PostgresAudit, buckets.PostgresBuckets]  # fmt: skip


_depth = threading.local()


def _timed(method: Callable[..., Any], counts: Counts) -> Callable[..., Any]:
    @functools.wraps(method)
    def timed(*args: Any, **kwargs: Any) -> Any:
        outer = threading.current_thread() is threading.main_thread() and not getattr(_depth, "n", 0)
        if not (counts.on and outer):
            return method(*args, **kwargs)
        _depth.n = 1
        cpu, wall = time.thread_time(), time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            _depth.n = 0
            counts.cpu += time.thread_time() - cpu
            counts.wall += time.perf_counter() - wall

    return timed


async def turns(url: str, n: int, counts: Counts) -> float:
    from halo_agent.agent.service import AgentService
    from halo_agent.channels.http_app import create_http_app
    from halo_agent.channels.keys import KeyRing
    from halo_agent.channels.ratelimit import RateLimiter
    from halo_agent.config import Settings

    people = [user["emailaddress"] for user in users()]
    with tempfile.TemporaryDirectory(prefix="bench-pg-turn-") as tmp:
        service = await AgentService.create(Settings(home=Path(tmp) / "home", database_url=url))
        try:
            limiter = RateLimiter(per_minute=1e6, capacity=1_000_000, buckets=service.storage.buckets)
            app = create_http_app(service, KeyRing.single(KEY, name="bench"), limiter=limiter)
            headers = {"Authorization": f"Bearer {KEY}"}
            async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app), base_url="http://bench",
                                          headers=headers, timeout=60) as client:  # fmt: skip

                async def turn(k: int, prefix: str) -> None:
                    user = {"role": "employee", "email": people[(k // 3) % len(people)]}
                    body = {"session_id": f"{prefix}{k // 3}", "message": MESSAGES[k % 3], "user": user}
                    answer = await client.post("/v1/chat", json=body)
                    assert answer.status_code == 200 and not answer.json().get("error"), answer.text

                for k in range(6):  # warm-up: connections, prepared statements, caches
                    await turn(k, "warm")
                counts.on, started = True, time.perf_counter()
                for k in range(n):
                    await turn(k, "s")
                elapsed, counts.on = time.perf_counter() - started, False
        finally:
            await service.aclose()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--turns", type=int, default=150)
    server = os.environ.get("HALO_AGENT_TEST_DATABASE_URL", DEFAULT_SERVER)
    parser.add_argument("--database-url", default=server, help="a server to create the throwaway database on")
    args = parser.parse_args()
    from halo_agent.storage.postgres.migrations import upgrade

    name = f"halo_bench_turn_{os.getpid()}"
    with psycopg.connect(args.database_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = urlunsplit(urlsplit(args.database_url)._replace(path=f"/{name}"))
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            upgrade(conn)
        counts = Counts()
        instrument(counts)
        elapsed = asyncio.run(turns(url, args.turns, counts))
    finally:
        with psycopg.connect(args.database_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    n = args.turns
    load = os.getloadavg()[0]
    print(f"{n} turns one at a time: {1000 * elapsed / n:.1f} ms each (load average {load:.1f})")
    print(f"statements per turn: {sum(counts.statements.values()) / n:.1f}")
    print(f"round trips per turn: {counts.trips['loop'] / n:.1f} on the event loop, "
          f"{counts.trips['other'] / n:.1f} on other threads")  # fmt: skip
    print(f"storage calls on the event loop per turn: {1000 * counts.cpu / n:.2f} ms CPU, "
          f"{1000 * counts.wall / n:.2f} ms wall")  # fmt: skip
    for text, count in counts.statements.most_common():
        print(f"  {count / n:5.2f}  {text}")


if __name__ == "__main__":
    main()
