"""The arguments of `halo-agent serve | mcp | keys hash` (what runs them is serve_cli.py, imported on use)."""

from __future__ import annotations

import argparse
from pathlib import Path

from halo_agent.cli_args import (
    Subparsers,
    add_backend_args,
    add_command,
    add_commands,
    add_identity_args,
    add_listen_args,
    lazy,
    positive,
)

DEFAULT_PORT = 8080
DEFAULT_MCP_PORT = 8081
API_KEY_ENV = "HALO_AGENT_API_KEY"  # channels/keys.py reads it


def register(subparsers: Subparsers) -> None:
    _register_serve(subparsers)
    _register_mcp(subparsers)
    keys = add_command(
        subparsers, "keys", "API keys for `serve` and `mcp --transport http`",
        examples=["halo-agent keys hash > keys.toml",
                  "halo-agent keys hash --name open-webui --roles employee"],
    )  # fmt: skip
    hashing = add_command(
        add_commands(keys, "keys_command"), "hash",
        "print a key's sha256 for the keys file (a new key if none)",
        details="A new key is printed once, on stderr; only its hash goes to stdout (the keys file).",
        examples=["halo-agent keys hash > keys.toml", "printf '%s\\n' \"$MY_KEY\" | halo-agent keys hash -"],
    )  # fmt: skip
    hashing.add_argument(
        "key", metavar="KEY", nargs="?", help="the key to hash; '-' reads it from stdin; omit for a new one"
    )
    hashing.add_argument(
        "--name", metavar="NAME", default="my-frontend", help="the frontend's name in the TOML snippet"
    )
    hashing.add_argument(
        "--roles", metavar="ROLES", default=None, help="comma-separated roles the key may assert"
    )
    hashing.set_defaults(func=lazy("halo_agent.channels.serve_cli:hash_command"))


def _register_serve(subparsers: Subparsers) -> None:
    serve = add_command(
        subparsers, "serve", "the HTTP/SSE service for chat frontends (OpenAPI at /docs)",
        details="It prints a one-time sign-in link for the chat page; the /v1 API needs API keys (--keys).",
        examples=["halo-agent serve --port 8080", "halo-agent serve --keys keys.toml --workers 2",
                  "halo-agent serve --host 0.0.0.0 --trusted-proxy 10.0.0.5 --keys keys.toml"],
    )  # fmt: skip
    add_listen_args(serve, DEFAULT_PORT)
    _add_keys_arg(serve)
    serve.add_argument(
        "--rate-limit", type=float, default=60.0, metavar="N", help="requests a minute per user (default: 60)"
    )
    serve.add_argument(
        "--burst",
        type=positive,
        default=20,
        metavar="N",
        help="requests a user may make at once (default: 20)",
    )
    serve.add_argument(
        "--trusted-proxy", action="append", default=[], metavar="ADDR",
        help="an address or network (repeatable) whose forwarded user headers (Open WebUI's "
        "X-OpenWebUI-User-*) are believed; none by default",
    )  # fmt: skip
    add_identity_args(serve)  # who the printed sign-in link signs in (sandbox default: the demo admin)
    serve.add_argument(
        "--workers", type=positive, default=1, metavar="N",
        help="worker processes sharing the port and the storage (default: 1); see 'Running in production'",
    )  # fmt: skip
    serve.add_argument("--listen-fd", type=int, default=None, help=argparse.SUPPRESS)  # set for workers
    serve.add_argument("--signin-link", action="store_true", help=argparse.SUPPRESS)  # a worker prints it
    serve.add_argument("--ready-fd", type=int, default=None, help=argparse.SUPPRESS)  # a worker says so
    add_backend_args(serve)
    serve.set_defaults(func=lazy("halo_agent.channels.serve_cli:serve_command"))


def _register_mcp(subparsers: Subparsers) -> None:
    mcp = add_command(
        subparsers, "mcp", "the MCP server: the same tools under the same policy",
        details="stdio: one person, named by the identity flags; http: each request names its caller.",
        examples=["halo-agent mcp --role employee --user emma.hart@example.com",
                  "halo-agent mcp --transport http --port 8081 --keys keys.toml"],
    )  # fmt: skip
    mcp.add_argument(
        "--transport", choices=("stdio", "http"), default="stdio",
        help="stdio: identity from the flags; http: per request from API keys and headers",
    )  # fmt: skip
    add_listen_args(mcp, DEFAULT_MCP_PORT, "http: ")
    _add_keys_arg(mcp)
    add_identity_args(mcp)
    add_backend_args(mcp)
    mcp.set_defaults(func=lazy("halo_agent.channels.serve_cli:mcp_command"))


def _add_keys_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--keys", metavar="FILE", type=Path,
        help=f"API keys file (TOML, hashed keys); default: ${API_KEY_ENV}, one key for all roles",
    )  # fmt: skip
