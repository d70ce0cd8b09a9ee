"""kill -9 in the middle of writes: real processes against a sandbox running as its own process on loopback.

A worker process runs one write turn (a create or a note) or a confirmed write (a close, confirmed with
"yes"), and is killed with SIGKILL at a random moment; Halo (the sandbox) holds each write for a moment
before committing it, so kills land before, during and after the send. Then a fresh process starts on the
same data directory (which reconciles), and the run is checked:

- every write that landed in Halo has an audit record naming it (no unaudited landed write);
- no pending record is left `running`; a "yes" to a close that happened never answers "Nothing was changed";
- asking again does not duplicate a write that landed (it is held for confirmation);
- `audit verify` passes (what a killed writer left is recovered, never reported as tampering).

`python -m tests.faults.kill_harness worker|check ...` are the two process roles; `run_kills` drives them.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from halo_agent.agent.events import FinalAnswer, Paused
from halo_agent.agent.service import AgentService
from halo_agent.config import Settings
from halo_agent.examples import DEMO_ADMIN_AGENT_ID, DEMO_EMPLOYEE_EMAIL
from halo_agent.halo.client import HaloClient
from halo_agent.halo.queries import TicketQuery
from halo_agent.principal import Principal
from halo_agent.sandbox import SandboxConfig, sandbox_settings

NOTE_TICKET = 789
HOLD_SECONDS = 0.4  # Halo holds each write this long before committing it
# How long a turn takes from "ready" (reads, the held write, the answer); kills are spread over it.
TURN_SECONDS = {"create": 1.0, "note": 1.0, "close": 1.6}
ROOT = Path(__file__).resolve().parents[2]


def settings_for(home: Path, url: str) -> Settings:
    return Settings(home=home, halo=sandbox_settings(SandboxConfig(), url=url))


def request_for(kind: str, run: int, ticket: int) -> str:
    if kind == "create":
        return f"Open a HaloITSM ticket — kill run {run}: my docking station stops charging the laptop"
    if kind == "note":
        return f'Add a hidden-from-user note to ticket {NOTE_TICKET}: "kill run {run} checked the logs"'
    return f"Close ticket {ticket}"


async def principal_for(service: AgentService, kind: str) -> Principal:
    if kind == "create":
        return await service.resolve_principal("employee", email=DEMO_EMPLOYEE_EMAIL)
    return await service.resolve_principal("admin", agent_id=DEMO_ADMIN_AGENT_ID)


# --- the worker: one write turn, or a confirmed write ----------------------------------------------------
async def worker(home: Path, url: str, kind: str, run: int, ticket: int) -> None:
    service = await AgentService.create(settings_for(home, url))
    try:
        who = await principal_for(service, kind)
        print("ready", flush=True)  # the driver's kill clock starts here: kills land inside the turn
        events = [e async for e in service.handle(request_for(kind, run, ticket), who, f"kill-{run}")]
        if kind == "close" and any(isinstance(e, Paused) for e in events):
            print("paused", flush=True)
            [e async for e in service.handle("yes", who, f"kill-{run}")]
        print("done", flush=True)
    finally:
        await service.aclose()


# --- the checker: a fresh process on the same data ---------------------------------------------------
async def check(home: Path, url: str, kind: str, run: int, ticket: int) -> dict[str, Any]:
    await asyncio.sleep(HOLD_SECONDS * 2)  # anything Halo was still holding has committed
    settings = settings_for(home, url)
    service = await AgentService.create(settings)
    try:
        assert service.reconciler is not None
        service.reconciler.settle_after_seconds = 0.0  # Halo has had its time (above)
        await service.recover()
        report = await _inspect(service, kind, run, ticket)
        who = await principal_for(service, kind)
        again = "yes" if kind == "close" else request_for(kind, run, ticket)
        events = [e async for e in service.handle(again, who, f"kill-{run}")]
        report["answer_again"] = next((e.text for e in events if isinstance(e, FinalAnswer)), "")
        report["landed_after_asking_again"] = len(await _landed(service.client, kind, run, ticket))
        report["verify_problems"] = service.audit.verify().problems
        return report
    finally:
        await service.aclose()


async def _inspect(service: AgentService, kind: str, run: int, ticket: int) -> dict[str, Any]:
    landed = await _landed(service.client, kind, run, ticket)
    audited: set[int] = set()
    for record in service.audit.tail(100_000):
        if record.get("tool") in ("haloitsm_create_ticket", "haloitsm_add_note", "haloitsm_resolve_ticket"):
            audited.update((record.get("outcome") or {}).get("halo_ids") or [])
    running = [r.id for r in service.pending_store.list(state="running")]
    return {"landed": landed, "unaudited": sorted(set(landed) - audited), "running": running}


async def _landed(client: HaloClient, kind: str, run: int, ticket: int) -> list[int]:
    """The records this run made in Halo (a closed ticket counts as its one write)."""
    marker = f"kill run {run}"
    if kind == "create":
        page = await client.list_tickets(TicketQuery(search=marker), page_size=50)
        return [t.id for t in page.items if marker in f"{t.summary} {t.details}"]
    if kind == "note":
        return [a.id for a in await client.list_notes(NOTE_TICKET, limit=500) if marker in str(a.note)]
    closed = (await client.metadata()).is_closed((await client.get_ticket(ticket)).status_id)
    return [ticket] if closed else []


# --- the driver ---------------------------------------------------------------------------------------
@dataclass
class KillFigures:
    runs: int = 0
    killed: int = 0
    landed: int = 0
    unaudited_landed: int = 0
    stuck_running: int = 0
    duplicates: int = 0
    nothing_changed_lies: int = 0
    verify_failures: int = 0
    problems: list[str] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_sandbox(port: int) -> subprocess.Popen[bytes]:
    holds = [f"latency,seconds={HOLD_SECONDS},method=POST,times=forever,path=/api/{p}"
             for p in ("Tickets", "Actions")]
    command = [sys.executable, "-m", "halo_agent", "sandbox", "--port", str(port)]
    for spec in holds:
        command += ["--fault", spec]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the sandbox did not start")


async def open_tickets(url: str, count: int) -> list[int]:
    async with HaloClient(settings_for(Path("/nonexistent"), url).halo) as client:  # type: ignore[arg-type]
        page = await client.list_tickets(TicketQuery(open_only=True), page_size=100)
    return [t.id for t in page.items if t.id != NOTE_TICKET][:count]


def _role(role: str, *args: Any) -> list[str]:
    return [sys.executable, "-m", "tests.faults.kill_harness", role, *map(str, args)]


def run_kills(home: Path, runs: int, *, seed: int = 7) -> KillFigures:
    """`runs` kills (creates, notes and confirmed closes in turn), each checked after restart."""
    rng, figures, port = random.Random(seed), KillFigures(), _free_port()
    sandbox = start_sandbox(port)
    url = f"http://127.0.0.1:{port}"
    try:
        tickets = asyncio.run(open_tickets(url, runs))
        for run in range(1, runs + 1):
            kind = ("create", "note", "close")[run % 3]
            _one_kill(home, url, kind, run, tickets[run - 1], rng.uniform(0.0, TURN_SECONDS[kind]), figures)
    finally:
        sandbox.kill()
        sandbox.wait()
    return figures


def _one_kill(home: Path, url: str, kind: str, run: int, ticket: int, delay: float,
              figures: KillFigures) -> None:
    worker_process = subprocess.Popen(_role("worker", home, url, kind, run, ticket), cwd=ROOT,
                                      stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert worker_process.stdout is not None
    for line in worker_process.stdout:  # its logs, then "ready" (or nothing, if it died starting)
        if line.strip() == b"ready":
            break
    time.sleep(delay)
    figures.runs += 1
    if worker_process.poll() is None:
        os.kill(worker_process.pid, signal.SIGKILL)
        figures.killed += 1
    worker_process.wait()
    done = subprocess.run(_role("check", home, url, kind, run, ticket), cwd=ROOT, capture_output=True,
                          timeout=120, check=False)
    if done.returncode != 0:
        figures.problems.append(f"run {run} ({kind}): the checker failed: {done.stderr.decode()[-400:]}")
        return
    _count(json.loads(done.stdout.decode().strip().splitlines()[-1]), kind, run, figures)


def _count(report: dict[str, Any], kind: str, run: int, figures: KillFigures) -> None:
    where = f"run {run} ({kind})"
    figures.landed += len(report["landed"])
    figures.unaudited_landed += len(report["unaudited"])
    figures.stuck_running += len(report["running"])
    figures.duplicates += max(0, len(report["landed"]) - 1) + max(0, report["landed_after_asking_again"] - 1)
    if kind == "close" and report["landed"] and "Nothing was changed" in report["answer_again"]:
        figures.nothing_changed_lies += 1
    if report["verify_problems"]:
        figures.verify_failures += 1
    for name in ("unaudited", "running", "verify_problems"):
        if report[name]:
            figures.problems.append(f"{where}: {name} {report[name]}")


def main(argv: list[str]) -> None:
    role, home, url, kind, run, ticket = argv
    if role == "worker":
        asyncio.run(worker(Path(home), url, kind, int(run), int(ticket)))
    else:
        print(json.dumps(asyncio.run(check(Path(home), url, kind, int(run), int(ticket)))))


if __name__ == "__main__":
    main(sys.argv[1:])
