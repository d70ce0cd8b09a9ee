"""Serving a fake platform on loopback (the fake Slack and the fake Bot Framework connector)."""

from __future__ import annotations

from aiohttp import web


async def serve_on_loopback(app: web.Application) -> tuple[web.AppRunner, int]:
    """The app listening on 127.0.0.1 on a free port: (its runner, to clean up; the port)."""
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server  # aiohttp keeps the bound socket here; port 0 means we must ask it
    port: int = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, port
