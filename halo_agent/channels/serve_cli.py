"""`halo-agent serve` (HTTP/SSE), `halo-agent mcp` (stdio or streamable HTTP) and `halo-agent keys hash`
(their arguments: serve_args.py)."""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
from typing import TYPE_CHECKING, Any

from halo_agent.channels.forwarded import TrustedProxies
from halo_agent.channels.keys import API_KEY_ENV, KeyRing, generate_key, hash_key
from halo_agent.channels.mcp_identity import AGENT_HEADER, ROLE_HEADER, USER_HEADER
from halo_agent.cli_common import build_service, principal_from_args, run, settings_from_args
from halo_agent.errors import ConfigError, HaloAgentError

if TYPE_CHECKING:
    from halo_agent.agent.service import AgentService

SHUTDOWN_GRACE_SECONDS = 60
# How long an idle kept-alive connection stays open. Longer than any client's or load balancer's own
# idle timeout (httpx 5 s, nginx and AWS ALB 60 s): the side that closes an idle connection must be the
# one that would reuse it, or a request sent as the server closes is lost (uvicorn's default 5 s equals
# httpx's, and load tests saw ReadError from exactly that race).
KEEP_ALIVE_SECONDS = 75


def serve_command(args: argparse.Namespace) -> int:
    if args.listen_fd is None:  # a worker's parent checked already
        from halo_agent.halo.startup import refused_at_start

        refused = asyncio.run(refused_at_start(settings_from_args(args)))
        if refused is not None:
            return refused
    if args.workers > 1:
        from halo_agent.channels.serve_workers import run_workers

        return run_workers(sys.argv[1:], args.host, args.port, args.workers, SHUTDOWN_GRACE_SECONDS)
    return run(_serve(args))


async def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from halo_agent.channels.http_app import create_http_app
    from halo_agent.channels.ratelimit import RateLimiter

    listener = _inherited(args.listen_fd) or listen_socket(args.host, args.port)
    api_closed = args.keys is None and not os.environ.get(API_KEY_ENV)
    # No keys configured: a random key nobody holds, so the API refuses everyone and the page still works.
    keys = KeyRing.single(generate_key(), name="none") if api_closed else KeyRing.from_config(args.keys)
    proxies = TrustedProxies.parse(args.trusted_proxy)
    service = await build_service(args)
    try:
        buckets = service.storage.buckets  # shared by every worker on this storage
        limiter = RateLimiter(per_minute=args.rate_limit, capacity=args.burst, buckets=buckets)
        app = create_http_app(
            service, keys, limiter=limiter, shutdown_grace_seconds=SHUTDOWN_GRACE_SECONDS,
            trusted_proxies=proxies,
        )  # fmt: skip
        if args.listen_fd is None:  # a worker stays quiet: its parent says where the service listens
            base = _base_url(args)
            print(f"halo-agent serving on {base} (chat page at /, OpenAPI at /docs)", file=sys.stderr)
            print(await _signin_line(service, app, args, base), file=sys.stderr)
            if api_closed:
                print(f"No API keys configured (--keys FILE or {API_KEY_ENV}): the /v1 API refuses every "
                      "request; the chat page works through a sign-in link.", file=sys.stderr)  # fmt: skip
            if service.sandbox_notice:
                print(service.sandbox_notice, file=sys.stderr)
        elif args.signin_link:  # one worker prints it; the sign-ins are in the storage every worker shares
            print(await _signin_line(service, app, args, _base_url(args)), file=sys.stderr)
        _say_ready(args.ready_fd)
        config = uvicorn.Config(
            app, host=args.host, port=args.port, log_level="warning", log_config=None,
            timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS, timeout_keep_alive=KEEP_ALIVE_SECONDS,
            **proxy_settings(proxies),
        )  # fmt: skip
        await uvicorn.Server(config).serve(sockets=[listener])
    finally:
        listener.close()
        await service.aclose()
    return 0


async def _signin_line(service: AgentService, app: Any, args: argparse.Namespace, base: str) -> str:
    """A one-time sign-in link for the identity flags (on the sandbox: the demo admin by default), or
    why there is none. The service runs either way: the API and SSO sign-in do not need it."""
    named = args.user or args.agent_id is not None or args.role
    if service.sandbox is None and not named:
        return "No sign-in link: give --agent-id N or --user EMAIL (and --role) to get one."
    try:
        person = await principal_from_args(service, args)
    except HaloAgentError as exc:
        return f"No sign-in link: {exc}"
    token = app.state.signins.issue(person)
    link = f"{base}/signin?token={token}"
    return f"Open the chat page, signed in as {person.describe()} (a one-time link):\n  {link}"


def _say_ready(fd: int | None) -> None:
    """Tell the supervising parent this worker started: a later exit is a crash to replace, not a
    start-up failure (bad config, schema missing) that must stop the service."""
    if fd is not None:
        os.write(fd, b"R")
        os.close(fd)


def _base_url(args: argparse.Namespace) -> str:
    host = "127.0.0.1" if args.host in ("0.0.0.0", "::", "") else args.host
    return f"http://{host}:{args.port}"


def _inherited(fd: int | None) -> socket.socket | None:
    return None if fd is None else socket.socket(fileno=fd)


def listen_socket(host: str, port: int) -> socket.socket:
    """A socket already bound and listening, so the "serving on" banner is only printed once the port
    accepts connections, and a busy port is one clear error instead of a banner then uvicorn's log."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family, backlog=2048)
    except OSError as exc:
        reason = (exc.strerror or str(exc)).split(" (while attempting")[0]  # create_server adds the address
        raise HaloAgentError(f"cannot listen on {host}:{port}: {reason}") from None


def mcp_command(args: argparse.Namespace) -> int:
    return run(_mcp(args))


async def _mcp(args: argparse.Namespace) -> int:
    from halo_agent.channels.mcp_server import serve_http, serve_stdio
    from halo_agent.halo.startup import refused_at_start

    refused = await refused_at_start(settings_from_args(args))
    if refused is not None:
        return refused
    if args.transport == "http":
        keys = KeyRing.from_config(args.keys)
        listener = listen_socket(args.host, args.port)
        try:
            return await serve_http(args, keys, listener, _mcp_banner)
        finally:
            listener.close()
    return await serve_stdio(args)


def _mcp_banner(service: AgentService, args: argparse.Namespace) -> None:
    """What a client needs to connect: the endpoint and the headers naming the caller."""
    print(f"halo-agent MCP serving on {_base_url(args)}/mcp (streamable HTTP)", file=sys.stderr)
    print(f"Each request needs: Authorization: Bearer <key>, {_title(ROLE_HEADER)}: employee|admin, and "
          f"{_title(USER_HEADER)}: <email> or {_title(AGENT_HEADER)}: <n>", file=sys.stderr)  # fmt: skip
    if service.sandbox_notice:
        print(service.sandbox_notice, file=sys.stderr)


def _title(header: str) -> str:
    return "-".join(part.capitalize() for part in header.split("-"))


def proxy_settings(proxies: TrustedProxies) -> dict[str, Any]:
    """uvicorn's own proxy handling stays off, whatever is trusted: its default trusts loopback (any
    local caller could set the audited address), and when on it hides the real peer from the
    forwarded-identity check. The app believes X-Forwarded-For from `proxies` itself
    (`channels.forwarded.add_proxy_layers`)."""
    del proxies
    return {"proxy_headers": False}


def hash_command(args: argparse.Namespace) -> int:
    key = args.key
    if key == "-":
        key = sys.stdin.readline().strip()
    fresh = key is None
    key = key or generate_key()
    try:
        digest = hash_key(key)  # before printing anything: a key that is not UTF-8 is refused whole
    except UnicodeEncodeError:
        raise ConfigError("stdin", "KEY", "the key is not UTF-8 text") from None
    if fresh:  # on stderr: `keys hash > keys.toml` must never store the key itself
        print(f"# new API key (give it to the frontend; it is not stored anywhere): {key}", file=sys.stderr)
    print("[[keys]]")
    print(f'name = "{args.name}"')
    print(f'sha256 = "{digest}"')
    if args.roles:
        roles = ", ".join(f'"{role.strip()}"' for role in args.roles.split(",") if role.strip())
        print(f"roles = [{roles}]")
    return 0
