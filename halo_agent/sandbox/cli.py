"""`halo-agent sandbox`: serve the sandbox on loopback and print the settings a client needs."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from halo_agent.cli_args import Subparsers, add_command, add_listen_args, at_least, positive
from halo_agent.sandbox.faults import FAULT_KINDS, parse_fault_spec

if TYPE_CHECKING:
    from halo_agent.sandbox.app import SandboxConfig

DEFAULT_PORT = 8765


def register(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers, "sandbox", "serve the embedded Halo sandbox (demo data, faults)",
        details="It prints the HALO_* settings a client needs; the demo data lives in memory unless --state.",
        examples=["halo-agent sandbox --port 8765", "halo-agent sandbox --tenant acme --state sandbox.db",
                  "halo-agent sandbox --fault status,status=429,times=3,path=/api/Tickets"],
    )  # fmt: skip
    add_listen_args(parser, DEFAULT_PORT)
    parser.add_argument(
        "--client-id", metavar="ID", help="the API application's client id (default: the demo's)"
    )
    parser.add_argument("--client-secret", metavar="SECRET", help="its secret (default: the demo's, printed)")
    parser.add_argument("--tenant", metavar="NAME", help="serve as a hosted instance needing ?tenant=")
    parser.add_argument(
        "--state", metavar="FILE", type=Path,
        help="SQLite file that keeps the data across restarts, shared by every process using it",
    )  # fmt: skip
    parser.add_argument(
        "--token-ttl", metavar="SECONDS", type=positive, help="token lifetime (default: 3600)"
    )
    parser.add_argument("--scopes", metavar="SCOPES", help="scopes the API application holds (default: all)")
    parser.add_argument(
        "--tickets", metavar="N", type=at_least(250), help="demo tickets to generate (default: 300)"
    )
    parser.add_argument(
        "--fault", action="append", default=[], metavar="SPEC", type=fault_spec,
        help=f"kind[,key=value...] (repeatable); kinds: {', '.join(FAULT_KINDS)}; e.g. "
        "status,status=429,times=3,path=/api/Tickets or commit_then_timeout,method=POST,path=/api/Tickets",
    )  # fmt: skip
    parser.set_defaults(func=run)


def fault_spec(spec: str) -> str:
    """A `--fault` checked when the command line is read, so a typo is a usage error, not a traceback."""
    from halo_agent.sandbox.faults import FaultInjector

    try:
        FaultInjector().add(**parse_fault_spec(spec))  # type: ignore[arg-type]  # add checks each value
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{spec!r}: {_fault_problem(exc)}") from None
    return spec


def _fault_problem(exc: ValueError) -> str:
    text = str(exc)
    if text.startswith("not enough values"):  # an empty spec
        return f"name a kind: {', '.join(FAULT_KINDS)}"
    if text.startswith("invalid literal"):
        return f"a number was expected ({text})"
    return text


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from halo_agent.channels.serve_cli import listen_socket
    from halo_agent.sandbox.app import SandboxConfig, create_app

    given = {"client_id": args.client_id, "client_secret": args.client_secret, "tenant": args.tenant or None,
             "token_ttl_seconds": args.token_ttl, "granted_scopes": args.scopes, "state_file": args.state,
             "ticket_count": args.tickets}  # fmt: skip
    config = SandboxConfig(**{key: value for key, value in given.items() if value is not None})
    app = create_app(config)
    for spec in args.fault:
        app.faults.add(**parse_fault_spec(spec))  # type: ignore[arg-type]  # checked by fault_spec
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
    from halo_agent.sandbox.app import SandboxConfig

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
