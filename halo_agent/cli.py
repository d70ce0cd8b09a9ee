"""The `halo-agent` command: one argparse parser; each part registers its own subcommands."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from halo_agent import __version__
from halo_agent.errors import HaloAgentError

# Each module has `register(subparsers)`; see docs/contracts.md.
COMMAND_MODULES = (
    "halo_agent.channels.chat_cli",
    "halo_agent.sandbox.cli",
    "halo_agent.halo.cli",
    "halo_agent.policies.cli",
    "halo_agent.approvals_cli",
    "halo_agent.audit_cli",
    "halo_agent.storage.cli",
    "halo_agent.evals.cli",
    "halo_agent.channels.serve_cli",
    "halo_agent.channels.slack.cli",
    "halo_agent.channels.teams.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="halo-agent",
        description="Drive a HaloITSM service desk in plain language, under policy, with an audit log.",
    )
    parser.add_argument("--version", action="version", version=f"halo-agent {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    helper = subparsers.add_parser("help", help="show help for halo-agent or one of its commands")
    helper.add_argument("topic", nargs="*", metavar="COMMAND", help="e.g. ask, or: policy check")
    helper.set_defaults(func=lambda args: _help(parser, args.topic))
    return parser


def _help(parser: argparse.ArgumentParser, topic: list[str]) -> int:
    """`halo-agent help policy check` is `halo-agent policy check --help`."""
    if not topic:
        parser.print_help()
        return 0
    parser.parse_args([*topic, "--help"])  # prints the help and exits 0, or names the unknown command
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        code: int = args.func(args)
        sys.stdout.flush()  # here, not at exit, so a closed pipe is caught below
    except HaloAgentError as exc:
        print(f"halo-agent: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _reader_went_away()
    return code


def _reader_went_away() -> int:
    """`halo-agent … | head -n 3`: the reader closed the pipe. Not an error of ours: exit quietly.

    stdout is pointed at devnull so that Python's own flush at exit does not raise again (the recipe in
    the `signal` module's documentation)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 141  # 128 + SIGPIPE, what a shell reports for a command killed by a closed pipe


if __name__ == "__main__":
    sys.exit(main())
