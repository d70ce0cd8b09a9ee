"""Load on `halo-agent serve`: N concurrent sessions on loopback, the sandbox and the offline model.

    python benchmarks/bench_http_load.py [--sessions 20] [--turns 3] [--deadline 120]

Starts `python -m halo_agent serve --host 127.0.0.1 --port <free port> --model offline` in a fresh data
directory, then runs `--sessions` concurrent conversations of `--turns` turns each (employees asking
about their tickets, searching the KB, listing their tickets). The offline model is deterministic and
in-process, so it plays the scripted model. Reports turns/s, p50/p95 latency over HTTP, the same turns'
p50/p95 run directly on an AgentService (no HTTP), the difference ("added latency"), and errors (must
be 0). Bounded: at most sessions x turns requests, and the run stops at `--deadline` seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2

from halo_agent.agent.service import AgentService
from halo_agent.cli_common import quiet_logging
from halo_agent.config import Settings
from halo_agent.sandbox.demo_data import users

API_KEY = "bench-key-0123456789abcdef"
PEOPLE = tuple(user["emailaddress"] for user in users())  # 34 demo employees: one rate bucket each
SEQUENTIAL_TURNS = 30
MESSAGES = ("What's the status of my ticket 789?", "How do I reset my password?", "List my open tickets.")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(home: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "HALO_AGENT_API_KEY": API_KEY, "HALO_AGENT_HOME": str(home)}
    command = [sys.executable, "-m", "halo_agent", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--model", "offline"]  # fmt: skip
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def wait_ready(client: httpx2.AsyncClient, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            if (await client.get("/readyz")).status_code == 200:
                return
        except httpx2.TransportError:
            pass
        await asyncio.sleep(0.2)
    raise SystemExit("the server did not become ready in time")


async def conversation(
    client: httpx2.AsyncClient, n: int, turns: int, deadline: float, latencies: list[float], errors: list[str]
) -> None:
    user = {"role": "employee", "email": PEOPLE[n % len(PEOPLE)]}
    for turn in range(turns):
        if time.monotonic() > deadline:
            return
        body = {"session_id": f"bench-{n}", "message": MESSAGES[turn % len(MESSAGES)], "user": user}
        started = time.perf_counter()
        try:
            response = await client.post("/v1/chat", json=body)
        except httpx2.HTTPError as exc:
            errors.append(f"session {n}: {type(exc).__name__}")
            continue
        latencies.append(time.perf_counter() - started)
        if response.status_code != 200 or response.json().get("error"):
            errors.append(f"session {n}: {response.status_code} {response.text[:200]}")


async def direct_baseline(home: Path, runs: int) -> list[float]:
    """The same turns on an AgentService in this process: what the HTTP service adds is the rest."""
    quiet_logging()
    latencies: list[float] = []
    async with await AgentService.create(Settings(home=home)) as service:
        people = [await service.resolve_principal("employee", email=email) for email in PEOPLE]
        for n in range(runs):
            started = time.perf_counter()
            message = MESSAGES[n % len(MESSAGES)]
            _ = [e async for e in service.handle(message, people[n % len(people)], f"direct-{n}")]
            latencies.append(time.perf_counter() - started)
    return latencies


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


async def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        server = start_server(Path(tmp) / "served", port)
        deadline = time.monotonic() + args.deadline
        headers = {"Authorization": f"Bearer {API_KEY}"}
        try:
            async with httpx2.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=headers,
                                          timeout=60) as client:  # fmt: skip
                await wait_ready(client, time.monotonic() + 30)
                sequential, errors = await one_at_a_time(client, deadline)
                latencies, more_errors = await load(client, args, deadline)
                errors += more_errors
        finally:
            server.terminate()
            server.wait(timeout=30)
        baseline = await direct_baseline(Path(tmp) / "direct", SEQUENTIAL_TURNS)
    report(args, latencies, errors, baseline, sequential)
    return 0 if not errors else 1


async def one_at_a_time(client: httpx2.AsyncClient, deadline: float) -> tuple[list[float], list[str]]:
    """Turns one after another over HTTP: compared with the direct run, the latency HTTP adds."""
    latencies: list[float] = []
    errors: list[str] = []
    for n in range(SEQUENTIAL_TURNS):
        await conversation(client, 1000 + n, 1, deadline, latencies, errors)
    return latencies, errors


async def load(
    client: httpx2.AsyncClient, args: argparse.Namespace, deadline: float
) -> tuple[list[float], list[str]]:
    latencies: list[float] = []
    errors: list[str] = []
    started = time.perf_counter()
    await asyncio.gather(*(
        conversation(client, n, args.turns, deadline, latencies, errors) for n in range(args.sessions)
    ))  # fmt: skip
    args.elapsed = time.perf_counter() - started
    return latencies, errors


def report(
    args: argparse.Namespace,
    latencies: list[float],
    errors: list[str],
    baseline: list[float],
    sequential: list[float],
) -> None:
    print(f"concurrent: sessions={args.sessions} turns/session={args.turns} turns done={len(latencies)}")
    print(f"  throughput: {len(latencies) / args.elapsed:.1f} turns/s over {args.elapsed:.1f} s")
    print(f"  latency under load: p50 {pct(latencies, 0.5):.1f} ms, p95 {pct(latencies, 0.95):.1f} ms")
    print(
        f"one at a time, {len(sequential)} turns: HTTP p50 {pct(sequential, 0.5):.1f} ms, "
        f"p95 {pct(sequential, 0.95):.1f} ms; direct p50 {pct(baseline, 0.5):.1f} ms, "
        f"p95 {pct(baseline, 0.95):.1f} ms"
    )
    print(
        f"added latency (HTTP - direct): p50 {pct(sequential, 0.5) - pct(baseline, 0.5):.1f} ms, "
        f"p95 {pct(sequential, 0.95) - pct(baseline, 0.95):.1f} ms"
    )
    print(f"errors: {len(errors)}")
    for line in errors[:10]:
        print(f"  {line}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--turns", type=int, default=3)
    parser.add_argument("--deadline", type=float, default=120.0, help="stop after this many seconds")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
