"""`halo-agent sandbox`: serve the sandbox on loopback and print the settings a client needs."""

from __future__ import annotations

import argparse
from pathlib import Path

from halo_agent.sandbox.app import SandboxConfig, create_app
from halo_agent.sandbox.faults import parse_fault_spec


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("sandbox", help="serve the embedded Halo sandbox (demo data, faults)")
    defaults = SandboxConfig()
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default: loopback only)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--client-id", default=defaults.client_id)
    parser.add_argument("--client-secret", default=defaults.client_secret)
    parser.add_argument("--tenant", default=None, help="serve as a hosted instance needing ?tenant=")
    parser.add_argument(
        "--state", type=Path, default=None,
        help="SQLite file that keeps the data across restarts, shared by every process using it",
    )  # fmt: skip
    parser.add_argument("--token-ttl", type=int, default=defaults.token_ttl_seconds, help="token lifetime, s")
    parser.add_argument("--scopes", default=defaults.granted_scopes, help="scopes the API application holds")
    parser.add_argument("--tickets", type=int, default=defaults.ticket_count, help="demo tickets to generate")
    parser.add_argument(
        "--fault", action="append", default=[], metavar="SPEC",
        help="kind[,key=value...], e.g. status,status=429,times=3,path=/api/Tickets or "
             "commit_then_timeout,method=POST,path=/api/Tickets,seconds=60 (repeatable)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    config = SandboxConfig(
        client_id=args.client_id, client_secret=args.client_secret, tenant=args.tenant or None,
        token_ttl_seconds=args.token_ttl, granted_scopes=args.scopes, state_file=args.state,
        ticket_count=args.tickets,
    )
    app = create_app(config)
    for spec in args.fault:
        options = parse_fault_spec(spec)
        app.faults.add(**options)  # type: ignore[arg-type]  # validated by FaultInjector.add
    from halo_agent.channels.serve_cli import listen_socket

    listener = listen_socket(args.host, args.port)  # bound first: a busy port is an error, not a banner
    try:
        print(settings_text(config, f"http://{args.host}:{args.port}"), flush=True)
        server_config = uvicorn.Config(app, host=args.host, port=args.port, log_level="warning")
        uvicorn.Server(server_config).run(sockets=[listener])
    finally:
        listener.close()
    return 0


def settings_text(config: SandboxConfig, url: str) -> str:
    """The environment a client needs. Only the built-in demo secret is printed; a chosen one is not."""
    kind = f"hosted, tenant {config.tenant}" if config.tenant else "self-hosted"
    secret = config.client_secret
    if secret != SandboxConfig().client_secret:
        secret = "<the secret you passed with --client-secret>"
    lines = [
        f"Halo sandbox serving on {url} ({kind})",
        f"export HALO_URL={url}",
        f"export HALO_CLIENT_ID={config.client_id}",
        f"export HALO_CLIENT_SECRET={secret}",
    ]
    if config.tenant:
        lines.append(f"export HALO_TENANT={config.tenant}")
    if config.state_file:
        lines.append(f"# state is kept in {config.state_file}")
    return "\n".join(lines)
