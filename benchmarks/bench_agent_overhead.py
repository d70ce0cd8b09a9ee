"""The agent's own overhead per run, against the OpenAI Agents SDK and pydantic-ai on the same shape.

    python benchmarks/bench_agent_overhead.py [--runs 400] [--repeat 3] [--breakdown] [--profile]

One run = one user message, 3 model turns and 3 tool calls: turn 1 proposes one call, turn 2 two calls in
parallel, turn 3 the final text. Models are scripted (no LLM; ours is `BenchModel`, which like the
peers' returns the next turn and does nothing else); Halo is an in-memory httpx2.MockTransport replaying
canned JSON (recorded once from the sandbox at start, so the shapes are real), so what is timed is our
own work: AgentService.handle (session lock, load and save, recovery check, system prompt), the loop,
the executor (argument validation and canonical names, facts, policy decision, audit records, tool
handlers, HaloClient parsing) in a temporary data directory, with the audit log's default durability
(one fdatasync of the log per turn, before the answer).

The peers (overhead_peers.py) are the OpenAI Agents SDK (`Runner.run`, tracing disabled) and
pydantic-ai (a `FunctionModel`), each with the same scripted turns, in two forms: six trivial plain
`def` tools (as first benchmarked), and async tools doing the same Halo work as ours (our tool handlers
on the same canned replies). Neither writes anything to disk. Runs are interleaved, the order rotated
every round, so drift and the garbage one leaves for the next hit all alike; `--repeat` rounds give the
spread. Each run is timed on the wall clock and in CPU time of this process, threads included (the
frameworks run plain `def` tools in worker threads; what other processes of a shared machine take does
not count there, and neither does waiting for the disk). Ours is timed twice in one run: with the audit
log durable per turn (the default) and, beside it, the same runs with the sync off, which is the figure
excluding the disk's latency. Target: ours durable <= 0.5x the SDK.
`--breakdown` times the known costs inside our runs (audit append and sync, session store,
pending/rate-limit SQLite, the scripted model, HaloClient) and re-times our runs with the audit fsync
per record and off; `--profile` prints a cProfile listing of our runs.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import logging
import pstats
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import structlog
from agents import set_tracing_disabled
from overhead_peers import FINAL, MESSAGE, TURNS, HaloWork, Runner_, checked, peers

from halo_agent.agent.events import ErrorEvent, FinalAnswer
from halo_agent.agent.model import ChatModel, ModelResponse
from halo_agent.agent.service import AgentService
from halo_agent.config import Settings, load_settings
from halo_agent.halo.client import HaloClient
from halo_agent.principal import Principal
from halo_agent.sandbox import SandboxConfig, create_app
from halo_agent.storage.approvals import PendingStore
from halo_agent.storage.audit import AuditLog
from halo_agent.storage.sessions import SessionStore, session_row
from halo_agent.testing import ScriptedModel, as_response, call, text

HALO_ENV = {"HALO_URL": "http://halo.bench", "HALO_CLIENT_ID": "bench", "HALO_CLIENT_SECRET": "bench-secret"}
Key = tuple[str, str, bytes]


# --- Halo: recorded once from the sandbox, replayed from memory ----------------------------------------


class Recorder(httpx2.AsyncBaseTransport):
    """Passes requests to the sandbox and keeps each response body by method, path and query."""

    def __init__(self, inner: httpx2.AsyncBaseTransport) -> None:
        self.inner = inner
        self.responses: dict[Key, tuple[int, bytes]] = {}

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self.inner.handle_async_request(request)
        body = await response.aread()
        self.responses[_key(request)] = (response.status_code, body)
        return httpx2.Response(response.status_code, headers=response.headers, content=body)


def _key(request: httpx2.Request) -> Key:
    return request.method, request.url.path, request.url.query


def canned_transport(responses: dict[Key, tuple[int, bytes]]) -> httpx2.MockTransport:
    def answer(request: httpx2.Request) -> httpx2.Response:
        status, body = responses[_key(request)]  # a KeyError here means the run changed shape
        return httpx2.Response(status, content=body, headers={"content-type": "application/json"})

    return httpx2.MockTransport(answer)


def settings_in(home: Path) -> Settings:
    return load_settings(env=HALO_ENV, overrides={"home": str(home), "model.name": "offline"})


def script() -> ScriptedModel:
    steps: list[Any] = [[call(name, **args) for name, args in turn] for turn in TURNS]
    return ScriptedModel([*steps, text(FINAL)])


class BenchModel:
    """Our `ChatModel` answering each round trip with the next scripted turn and doing nothing else, as
    the peers' scripted models do. (The test suite's `ScriptedModel` also copies every request it
    receives and estimates its tokens from its JSON: a fake's bookkeeping, used once for `shape`.)"""

    name = "bench"
    turns = [as_response([call(name, **args) for name, args in turn]) for turn in TURNS] + [text(FINAL)]

    def __init__(self) -> None:
        self.turn = 0

    async def complete(self, messages: list[Any], tools: list[Any], *, on_text: Any = None) -> ModelResponse:
        turn, self.turn = self.turn, self.turn + 1
        return self.turns[turn]


async def run_ours(
    service: AgentService, admin: Principal, session_id: str, model: ChatModel | None = None
) -> FinalAnswer:
    service.model = model or BenchModel()
    final: FinalAnswer | None = None
    # live_text=False: the peers run their non-streaming API (`Runner.run`, `agent.run`), so ours does not
    # ask to stream either (with live_text the loop runs each model request as a task feeding a queue)
    async for event in service.handle(MESSAGE, admin, session_id, live_text=False):
        if isinstance(event, ErrorEvent):
            raise RuntimeError(f"our run failed: {event.message}")
        final = event if isinstance(event, FinalAnswer) else final
    if final is None or final.usage.tool_calls != 3 or final.usage.model_round_trips != 3:
        raise RuntimeError(f"our run did not have the benchmark's shape: {final}")
    return final


async def record_halo(home: Path) -> dict[Key, tuple[int, bytes]]:
    app = create_app(SandboxConfig(client_id=HALO_ENV["HALO_CLIENT_ID"],
                                   client_secret=HALO_ENV["HALO_CLIENT_SECRET"]))
    recorder = Recorder(httpx2.ASGITransport(app=app))
    service = await AgentService.create(settings_in(home), halo_transport=recorder)
    try:
        await run_ours(service, await service.resolve_principal("admin", agent_id=1), "record")
    finally:
        await service.aclose()
    return recorder.responses


# --- timing ---------------------------------------------------------------------------------------------

Sample = tuple[float, float]  # wall µs, CPU µs of the process (what other processes on the machine take
#                               from us does not count, blocking in fsync does not either)


async def time_alternating(runners: dict[str, Runner_], runs: int, warmup: int) -> dict[str, list[Sample]]:
    """Each runner `runs` times, interleaved, the order rotated every round so no runner always follows
    the same one (garbage another left behind, a cold cache)."""
    names = list(runners)
    for index in range(warmup):
        for fn in runners.values():
            await fn(-1 - index)
    samples: dict[str, list[Sample]] = {name: [] for name in runners}
    for index in range(runs):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            cpu, start = time.process_time(), time.perf_counter()
            await runners[name](index)
            samples[name].append(((time.perf_counter() - start) * 1e6, (time.process_time() - cpu) * 1e6))
    return samples


def report(name: str, samples: list[Sample]) -> tuple[float, float]:
    walls, cpus = [wall for wall, _ in samples], [cpu for _, cpu in samples]
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    p90 = statistics.quantiles(walls, n=10)[-1]
    print(f"  {name:<52} median {wall:7.0f} µs  p90 {p90:7.0f} µs  CPU median {cpu:7.0f} µs")
    return wall, cpu


DURABLE = "halo-agent (AgentService), audit durable per turn"
UNSYNCED = "halo-agent, the same without disk sync"
SDK = "OpenAI Agents SDK, trivial tools"
SDK_HALO = "OpenAI Agents SDK, same Halo work (async tools)"
TARGET = 0.5


def summarise(rounds: list[dict[str, tuple[float, float]]]) -> None:
    """Ratios to each form of the Agents SDK per round (wall and CPU medians): their median and spread."""
    print(f"\nRatios over {len(rounds)} round(s), median [min-max] of the rounds' medians:")
    for base in (SDK, SDK_HALO):
        print(f"  to the {base}:")
        for name in rounds[0]:
            if name in (SDK, SDK_HALO):
                continue
            walls = [medians[name][0] / medians[base][0] for medians in rounds]
            cpus = [medians[name][1] / medians[base][1] for medians in rounds]
            print(f"    {name:<50} wall {_spread(walls)}   CPU {_spread(cpus)}")
    print(f"  target for halo-agent, audit durable per turn: <= {TARGET:.2f}x the Agents SDK")


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f}x [{min(values):.2f}-{max(values):.2f}]"


async def shape(service: AgentService, admin: Principal) -> None:
    """What one of our runs costs besides time: Halo calls, round trips, bytes sent to the model, and
    what it writes (the peers write nothing)."""
    model, audit = script(), service.audit
    assert isinstance(audit, AuditLog)
    before = audit.path.stat().st_size
    usage = (await run_ours(service, admin, "bench-shape", model)).usage
    written = audit.path.stat().st_size - before
    stored = service.sessions.get("bench-shape")
    assert stored is not None
    prompts = [len(json.dumps(request.messages)) for request in model.requests]
    tools = model.requests[0].tools
    print(f"\nOne task: {usage.model_round_trips} model round trips, {usage.tool_calls} tool calls, "
          f"{usage.halo_calls} Halo calls; messages sent per round trip {prompts} bytes (system prompt "
          f"included), tool schemas {len(json.dumps(tools))} bytes per round trip ({len(tools)} tools).\n"
          f"It writes {written} bytes of audit log ({usage.tool_calls} records; fdatasync of the log once, "
          f"before the answer; the 128-byte head rewritten per record, not synced) and a session row of "
          f"{sum(len(str(column)) for column in session_row(stored))} bytes (SQLite WAL, synchronous=NORMAL: "
          "no fsync); no write intents (reads only). The peers write nothing.")


async def profile_ours(ours: Runner_, runs: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for index in range(runs):
        await ours(100_000 + index)
    profiler.disable()
    print(f"\nWhere our time goes ({runs} runs, cProfile, by cumulative time; profiling inflates it):")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)


PARTS: tuple[tuple[str, type[Any], str], ...] = (
    ("audit append (3 records)", AuditLog, "append"),
    ("audit sync (fsync per turn)", AuditLog, "sync"),
    ("session load", SessionStore, "load"),
    ("session save", SessionStore, "save"),
    ("rate-limit count (SQLite)", PendingStore, "count_recent"),
    ("rate-limit record (SQLite)", PendingStore, "record_call"),
    ("scripted model", BenchModel, "complete"),
    ("system prompt", AgentService, "system_prompt"),
    ("HaloClient requests", HaloClient, "request_json"),
)


def _timed(totals: dict[str, float], label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def add(start: float) -> None:
        totals[label] = totals.get(label, 0.0) + time.perf_counter() - start

    if asyncio.iscoroutinefunction(fn):
        async def timed_async(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return await fn(*args, **kwargs)
            finally:
                add(start)
        return timed_async

    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            add(start)
    return timed


async def breakdown(ours: Runner_, service: AgentService, runs: int, sdk: Runner_, sdk_halo: Runner_) -> None:
    """Wall time inside each known cost, per run (parallel calls overlap, so parts may exceed 100%)."""
    totals: dict[str, float] = {}
    originals = [(cls, name, getattr(cls, name)) for _, cls, name in PARTS]
    for label, cls, name in PARTS:
        setattr(cls, name, _timed(totals, label, getattr(cls, name)))
    try:
        start = time.perf_counter()
        for index in range(runs):
            await ours(200_000 + index)
        whole = (time.perf_counter() - start) / runs * 1e6
    finally:
        for cls, name, original in originals:
            setattr(cls, name, original)
    print(f"\nInside our runs ({runs} runs, {whole:.0f} µs per run with the timers on):")
    for label, _, _ in PARTS:
        print(f"  {label:<28} {totals.get(label, 0.0) / runs * 1e6:8.0f} µs per run")
    default = service.audit.durability
    try:
        for durability in ("record", "off"):  # what-ifs: the audit log's own setting, on the live instance
            service.audit.durability = durability
            print(f"\nOur runs again, audit fsync={durability!r} (what-if; the default is {default!r}):")
            timed = await time_alternating({"ours": ours, SDK: sdk, SDK_HALO: sdk_halo}, runs, 3)
            wall, cpu = report(f"halo-agent, fsync={durability}", timed["ours"])
            for base in (SDK, SDK_HALO):
                base_wall, base_cpu = report(base, timed[base])
                print(f"    ratio: wall {wall / base_wall:.2f}x, CPU {cpu / base_cpu:.2f}x")
    finally:
        service.audit.durability = default


async def main(runs: int, warmup: int, repeat: int, profile: bool, parts: bool) -> int:
    logging.disable(logging.CRITICAL)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.CRITICAL))
    set_tracing_disabled(True)
    with tempfile.TemporaryDirectory(prefix="bench-agent-") as tmp:
        responses = await record_halo(Path(tmp) / "record")
        settings = settings_in(Path(tmp) / "home")
        service = await AgentService.create(settings, halo_transport=canned_transport(responses))
        assert settings.halo is not None
        their_halo = HaloClient(settings.halo, transport=canned_transport(responses))
        try:
            admin = await service.resolve_principal("admin", agent_id=1)
            HaloWork.bind(their_halo, admin)
            await run_rounds(service, admin, runs, warmup, repeat, profile, parts)
        finally:
            await their_halo.aclose()
            await service.aclose()
    return 0


async def run_rounds(
    service: AgentService, admin: Principal, runs: int, warmup: int, repeat: int, profile: bool, parts: bool
) -> None:
    durable = service.audit.durability

    async def ours(index: int) -> FinalAnswer:
        return await run_ours(service, admin, f"bench-{index}")

    async def ours_unsynced(index: int) -> None:
        service.audit.durability = "off"
        try:
            await ours(index)
        finally:
            service.audit.durability = durable

    others = peers()
    await checked(others)
    runners = {DURABLE: ours, UNSYNCED: ours_unsynced, **others}
    rounds = []
    for number in range(1, repeat + 1):
        samples = await time_alternating(runners, runs, warmup)
        print(f"Round {number}: {runs} runs each (after {warmup} warm-up), interleaved, "
              "3 model turns + 3 tool calls per run:")
        rounds.append({name: report(name, timed) for name, timed in samples.items()})
    summarise(rounds)
    await shape(service, admin)
    if parts:
        await breakdown(ours, service, max(100, runs // 2), others[SDK], others[SDK_HALO])
    if profile:
        await profile_ours(ours, max(50, runs // 4))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=400)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3, help="rounds of --runs each, for the spread")
    parser.add_argument("--breakdown", action="store_true", help="time the known costs in our runs")
    parser.add_argument("--profile", action="store_true", help="cProfile our runs afterwards")
    options = parser.parse_args()
    raise SystemExit(asyncio.run(main(options.runs, options.warmup, options.repeat, options.profile,
                                      options.breakdown)))
