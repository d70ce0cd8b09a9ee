"""Load on `halo-agent serve`: concurrent sessions over HTTP against 1, 2 and 4 workers on PostgreSQL,
with the Halo sandbox in its own process and the offline model.

    python benchmarks/bench_http_load.py [--workers 1,2,4] [--sessions 50,200] [--turns 3]
                                         [--database-url URL | --embedded] [--deadline 300]

For each worker count: a fresh database (created on `--database-url`'s server, default the loopback
PostgreSQL, and dropped afterwards) upgraded with `halo-agent db upgrade`; `halo-agent sandbox` serving
the demo data (and `--tickets`) on its own port with its state in SQLite; `halo-agent serve --workers N`
on another. Then, for each session count, that many conversations of `--turns` turns run at once
(employees asking about their tickets, searching the KB, listing their tickets). Reported per row:
turns/s, p50/p95 latency, errors (any non-200 or error answer) and lost turns (turns answered 200 whose
user message is missing from the stored session afterwards): the target is 0 and 0. The per-user rate
limit is raised out of the way (it is not what is measured). Beside them: the CPU the serve processes,
the PostgreSQL backends serving them and the sandbox used per turn (what the machine's other work does
not change much), the connections open to the database as the row ended, and the 1-minute load average
as the row ended (what the machine's other work does change). `--embedded` uses the embedded backend
(SQLite + JSONL in one data directory) instead of PostgreSQL. Bounded by `--deadline` per row.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx2
import psycopg

from halo_agent.sandbox.demo_data import users

API_KEY = "bench-key-0123456789abcdef"
PEOPLE = tuple(user["emailaddress"] for user in users())  # 34 demo employees
MESSAGES = ("What's the status of my ticket 789?", "How do I reset my password?", "List my open tickets.")
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass
class Row:
    workers: int
    sessions: int
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    answered: dict[str, int] = field(default_factory=dict)  # session -> turns answered 200
    elapsed: float = 0.0
    lost: int = 0
    agent_cpu: float = 0.0  # CPU seconds of the serve processes (parent and workers) during the row
    sandbox_cpu: float = 0.0
    db_cpu: float = 0.0  # CPU seconds of the PostgreSQL backends serving the bench's database
    connections: int = 0  # PostgreSQL connections to the bench's database as the row ended
    load: float = 0.0  # the machine's 1-minute load average as the row ended (others' work included)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def halo(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "halo_agent", *args], env={**os.environ, **env},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip


def cpu_seconds(pid: int, *, with_children: bool = False) -> float:
    """User + system CPU of a live process (and its live children), from /proc; 0 where unreadable."""
    pids = [pid]
    if with_children:
        with contextlib.suppress(OSError):
            pids += [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    total = 0.0
    for one in pids:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def upgrade(env: dict[str, str]) -> None:
    command = [sys.executable, "-m", "halo_agent", "db", "upgrade"]
    subprocess.run(command, env={**os.environ, **env}, check=True, capture_output=True)


async def wait_up(url: str, deadline: float) -> None:
    async with httpx2.AsyncClient() as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get(url)).status_code == 200:
                    return
            except httpx2.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise SystemExit(f"{url} did not answer in time")


class Database:
    """A throwaway database on the server (PostgreSQL), or nothing (embedded)."""

    def __init__(self, server: str | None) -> None:
        self.server = server
        self.url: str | None = None

    def __enter__(self) -> Database:
        if self.server:
            name = f"halo_bench_{os.getpid()}_{time.monotonic_ns()}"
            with psycopg.connect(self.server, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            self.url = urlunsplit(urlsplit(self.server)._replace(path=f"/{name}"))
        return self

    def __exit__(self, *exc: object) -> None:
        if self.server and self.url:
            with psycopg.connect(self.server, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{urlsplit(self.url).path[1:]}" WITH (FORCE)')

    def backends(self) -> list[int]:
        """The server processes connected to this database (not this query's own)."""
        if not self.url:
            return []
        with psycopg.connect(self.url) as conn:
            rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                "AND pid <> pg_backend_pid()").fetchall()  # fmt: skip
        return [int(row[0]) for row in rows]

    def cpu(self) -> dict[int, float]:
        """CPU seconds so far of each backend on this database (a backend's own, from /proc)."""
        return {pid: cpu_seconds(pid) for pid in self.backends()}

    def user_turns(self, home: Path) -> dict[str, int]:
        """Stored user messages per session (what survived)."""
        if self.url:
            with psycopg.connect(self.url) as conn:
                rows = conn.execute("SELECT id, history FROM agent_sessions").fetchall()
        else:
            import sqlite3

            with sqlite3.connect(home / "state.db") as db:
                rows = db.execute("SELECT id, history FROM agent_sessions").fetchall()
        return {sid: sum(1 for m in json.loads(history) if m["role"] == "user") for sid, history in rows}


async def conversation(client: httpx2.AsyncClient, row: Row, n: int, turns: int, deadline: float) -> None:
    session = f"w{row.workers}-s{row.sessions}-{n}"
    user = {"role": "employee", "email": PEOPLE[n % len(PEOPLE)]}
    for turn in range(turns):
        if time.monotonic() > deadline:
            return
        body = {"session_id": session, "message": MESSAGES[turn % len(MESSAGES)], "user": user}
        started = time.perf_counter()
        try:
            response = await client.post("/v1/chat", json=body)
        except httpx2.HTTPError as exc:
            row.errors.append(f"{session}: {type(exc).__name__}")
            continue
        row.latencies.append(time.perf_counter() - started)
        if response.status_code != 200 or response.json().get("error"):
            row.errors.append(f"{session}: {response.status_code} {response.text[:200]}")
        else:
            row.answered[session] = row.answered.get(session, 0) + 1


async def load(port: int, row: Row, turns: int, deadline: float) -> None:
    limits = httpx2.Limits(max_connections=row.sessions, max_keepalive_connections=row.sessions)
    async with httpx2.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120, limits=limits,
                                  headers={"Authorization": f"Bearer {API_KEY}"}) as client:  # fmt: skip
        started = time.perf_counter()
        await asyncio.gather(*(conversation(client, row, n, turns, deadline) for n in range(row.sessions)))
        row.elapsed = time.perf_counter() - started


async def run_workers(args: argparse.Namespace, workers: int, server: str | None) -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp, Database(server) as database:
        home, sandbox_port, port = Path(tmp) / "home", free_port(), free_port()
        env = {"HALO_URL": f"http://127.0.0.1:{sandbox_port}", "HALO_CLIENT_ID": "halo-agent-demo",
               "HALO_CLIENT_SECRET": "sandbox-secret", "HALO_AGENT_API_KEY": API_KEY,
               "HALO_AGENT_HOME": str(home), "HALO_AGENT_MODEL": "offline"}  # fmt: skip
        if database.url:
            env["HALO_AGENT_DATABASE_URL"] = database.url
            upgrade(env)
        sandbox = halo(["sandbox", "--port", str(sandbox_port), "--state", str(Path(tmp) / "sandbox.db"),
                        "--tickets", str(args.tickets)], env)  # fmt: skip
        serve: subprocess.Popen[bytes] | None = None
        try:
            await wait_up(f"http://127.0.0.1:{sandbox_port}/api/authinfo", time.monotonic() + 60)
            # serve checks Halo as it starts: only once the sandbox answers
            serve = halo(["serve", "--port", str(port), "--workers", str(workers), "--rate-limit", "1000000",
                          "--burst", "1000000", "--agent-id", "1"], env)  # fmt: skip
            await wait_up(f"http://127.0.0.1:{port}/readyz", time.monotonic() + 120)
            await asyncio.sleep(1.0 + workers * 0.5)  # every worker up, not only the first to answer
            for sessions in args.sessions:
                row = Row(workers, sessions)
                assert serve is not None
                agent, halo_cpu = cpu_seconds(serve.pid, with_children=True), cpu_seconds(sandbox.pid)
                db_before = database.cpu()
                await load(port, row, args.turns, time.monotonic() + args.deadline)
                row.agent_cpu = cpu_seconds(serve.pid, with_children=True) - agent
                row.sandbox_cpu, row.load = cpu_seconds(sandbox.pid) - halo_cpu, os.getloadavg()[0]
                db_after = database.cpu()  # a backend that closed during the row is missed
                row.db_cpu = sum(cpu - db_before.get(pid, 0.0) for pid, cpu in db_after.items())
                row.connections = len(db_after)
                stored = database.user_turns(home)
                row.lost = sum(max(0, done - stored.get(sid, 0)) for sid, done in row.answered.items())
                rows.append(row)
                print(line(row), flush=True)
        finally:
            for process in (serve, sandbox):
                if process is not None:
                    process.terminate()
                    process.wait(timeout=60)
    return rows


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


def line(row: Row) -> str:
    turns = len(row.latencies)
    rate = turns / row.elapsed if row.elapsed else 0.0
    p50, p95 = pct(row.latencies, 0.5), pct(row.latencies, 0.95)
    agent_ms, sandbox_ms, db_ms = (1000 * cpu / max(turns, 1) for cpu in (row.agent_cpu, row.sandbox_cpu,
                                                                         row.db_cpu))
    return (f"| {row.workers} | {row.sessions} | {turns} | {rate:.1f} | {p50:.0f} | {p95:.0f} | "
            f"{len(row.errors)} | {row.lost} | {agent_ms:.1f} | {db_ms:.1f} | {sandbox_ms:.1f} | "
            f"{row.connections} | {row.load:.1f} |")


async def run(args: argparse.Namespace) -> int:
    server = None if args.embedded else args.database_url
    backend = "embedded (SQLite + JSONL)" if server is None else "PostgreSQL"
    print(f"backend: {backend}; sandbox in its own process ({args.tickets} tickets); offline model; "
          f"{args.turns} turns per session; {os.cpu_count()} CPUs")
    print("| workers | sessions | turns | turns/s | p50 ms | p95 ms | errors | lost turns "
          "| agent CPU ms/turn | PG CPU ms/turn | sandbox CPU ms/turn | PG connections | load |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    rows = [row for workers in args.workers for row in await run_workers(args, workers, server)]
    for row in rows:
        for error in row.errors[:3]:
            print(f"  w{row.workers} s{row.sessions}: {error}")
    return 0 if all(not row.errors and not row.lost for row in rows) else 1


def numbers(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--workers", type=numbers, default=[1, 2, 4], help="worker counts (default 1,2,4)")
    parser.add_argument("--sessions", type=numbers, default=[50, 200], help="at once (default 50,200)")
    parser.add_argument("--turns", type=int, default=3)
    parser.add_argument("--tickets", type=int, default=300, help="demo tickets in the sandbox")
    server = os.environ.get("HALO_AGENT_TEST_DATABASE_URL", DEFAULT_SERVER)
    parser.add_argument("--database-url", default=server,
                        help="a PostgreSQL server URL to create the throwaway databases on")  # fmt: skip
    parser.add_argument("--embedded", action="store_true", help="the embedded backend instead of PostgreSQL")
    parser.add_argument("--deadline", type=float, default=300.0, help="stop a row after this many seconds")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
