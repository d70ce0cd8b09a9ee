"""Walk 10,000 tickets through HaloClient against the in-process sandbox; report the figures.

Run: python benchmarks/bench_halo_client.py [--tickets N]
Prints pages fetched, seconds, peak memory (tracemalloc) of the walk, and the Halo calls metadata
discovery makes cold (first call) and warm (cached).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time
import tracemalloc

import structlog

from halo_agent.halo.client import HaloClient
from halo_agent.halo.queries import TicketQuery
from halo_agent.sandbox import SandboxConfig, create_app, sandbox_client


async def walk(client: HaloClient) -> tuple[int, int, float, int]:
    await client.auth.token()  # authenticate outside the measured walk
    tracemalloc.start()
    started = time.perf_counter()
    with client.stats.scope() as calls:
        count = 0
        async for _ticket in client.iter_tickets(TicketQuery()):
            count += 1
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return count, calls.api_calls, seconds, peak


async def metadata_calls(client: HaloClient) -> tuple[int, int]:
    with client.stats.scope() as cold:
        await client.metadata()
    with client.stats.scope() as warm:
        await client.metadata()
    return cold.api_calls + cold.token_calls, warm.api_calls + warm.token_calls


async def main(tickets: int) -> None:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    built = time.perf_counter()
    app = create_app(SandboxConfig(ticket_count=tickets))
    print(f"sandbox with {len(app.state_store.tickets)} tickets built in {time.perf_counter() - built:.1f} s")
    async with sandbox_client(app) as client:
        count, pages, seconds, peak = await walk(client)
        print(f"walked {count} tickets: {pages} pages of 100, {seconds:.2f} s, "
              f"{count / seconds:.0f} tickets/s, peak memory {peak / 1e6:.2f} MB")
        cold, warm = await metadata_calls(client)
        print(f"metadata discovery: {cold} Halo calls cold, {warm} warm (cached)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=10_000)
    asyncio.run(main(parser.parse_args().tickets))
