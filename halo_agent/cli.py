"""The `halo-agent` command: one argparse parser; each part registers its own subcommands.

Building the parser imports only the `register` modules, which import only the standard library
(`cli_args.py`), so `--version`, `--help`, `help COMMAND` and usage mistakes answer at once; a command's
own modules load when it runs. `benchmarks/bench_cli_startup.py` times it.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from halo_agent import __version__
from halo_agent.cli_args import Parser, add_command, parse
from halo_agent.errors import HaloAgentError

# Each module has `register(subparsers)` and imports nothing heavy; see docs/contracts.md.
COMMAND_MODULES = (
    "halo_agent.channels.chat_args",
    "halo_agent.sandbox.cli",
    "halo_agent.halo.cli",
    "halo_agent.policies.cli",
    "halo_agent.approvals_cli",
    "halo_agent.audit_cli",
    "halo_agent.storage.cli",
    "halo_agent.evals.cli",
    "halo_agent.channels.serve_args",
    "halo_agent.channels.slack.cli",
    "halo_agent.channels.teams.cli",
)

# What `main` returns; the codes 3-5 are `config check`'s (halo/cli.py), used by every command that checks
# Halo at start (halo/startup.py).
EXIT_CODES = """\
exit codes:
  0    done
  1    an error, said in one line on stderr (a file that cannot be read, a data directory that
       cannot be used, a busy port, a refused approval), or a check that failed, said in its
       report (policy check: INVALID, audit verify: BROKEN, eval below --fail-under), or an ask
       whose turn failed, said in its answer (the model failed, or Halo did after the start
       check: down, a 5xx, a refused permission, a change whose outcome is unknown)
  2    a usage mistake: an unknown command or flag, a bad value (a port outside 1-65535, an
       unknown --fault kind, --home naming a file or an unwritable directory), an argument that
       is not UTF-8, an empty or oversized request
  3    Halo refused the credentials (client id, secret, tenant)
  4    Halo could not be reached (URL, network, TLS)
  5    the Halo token lacks a scope the agent needs
       (3-5: config check and init, and ask, chat, approvals, serve, mcp, slack and teams,
       which check Halo before they start)
  130  interrupted (Ctrl-C)
  141  the reader closed the pipe early (as in: halo-agent audit export | head -1)
"""

EXAMPLES = """\
examples:
  halo-agent demo                              the example requests against the built-in sandbox
  halo-agent ask "list my open tickets" --user emma.hart@example.com
  halo-agent chat                              a conversation (type /help inside)
  halo-agent help policy check                 the help of one command
"""


def build_parser() -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = Parser(
        prog="halo-agent",
        description="Drive a HaloITSM service desk in plain language, under policy, with an audit log.",
        epilog=f"{EXAMPLES}\n{EXIT_CODES}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"halo-agent {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    helper = add_command(
        subparsers, "help", "show help for halo-agent or one of its commands",
        details="`halo-agent help policy check` is `halo-agent policy check --help`.",
        examples=["halo-agent help", "halo-agent help ask", "halo-agent help policy check"],
    )  # fmt: skip
    helper.add_argument("topic", nargs="*", metavar="COMMAND", help="e.g. ask, or: policy check")
    helper.set_defaults(func=lambda args: _help(parser, args.topic))
    return parser


def _help(parser: argparse.ArgumentParser, topic: list[str]) -> int:
    """`halo-agent help policy check` is `halo-agent policy check --help`."""
    if not topic:
        parser.print_help()
        return 0
    parse(parser, [*topic, "--help"])  # prints the help and exits 0, or names the unknown command
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(sys.argv[1:] if argv is None else list(argv))
    except BrokenPipeError:  # help or --version into a closed pipe (a command's own output: _main)
        return _reader_went_away()


def _main(arguments: list[str]) -> int:
    if arguments == ["--version"]:  # answered before anything else is imported
        print(f"halo-agent {__version__}", flush=True)
        return 0
    _tolerate_any_bytes()
    problem = _undecodable(arguments)
    if problem:
        print(f"halo-agent: the request was not sent: {problem} (check the terminal's or the script's "
              "encoding)", file=sys.stderr)  # fmt: skip
        return 2
    parser = build_parser()
    args = parse(parser, arguments)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        code: int = args.func(args)
        sys.stdout.flush()  # here, not at exit, so a closed pipe is caught below
    except HaloAgentError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _reader_went_away()
    except OSError as exc:  # the environment said no: a file, a directory, a socket
        return _fail(os_error_line(exc))
    except UnicodeError as exc:
        return _fail(f"text that is not UTF-8: {exc}")
    return code


def _fail(line: str) -> int:
    print(f"halo-agent: {line}", file=sys.stderr)
    return 1


def os_error_line(exc: OSError) -> str:
    """`cannot use /x/y: Permission denied`: the path and the reason, no errno noise."""
    path = exc.filename
    if path is None:
        return exc.strerror or str(exc)
    if isinstance(exc, FileExistsError):  # mkdir(exist_ok=True) says this only of a file in the way
        return f"cannot use {path} as a directory: it is a file (check --home / $HALO_AGENT_HOME)"
    if isinstance(exc, NotADirectoryError):
        return f"cannot use {path}: a part of that path is a file, not a directory"
    return f"cannot use {path}: {exc.strerror or exc}"


def _undecodable(arguments: list[str]) -> str | None:
    """Bytes that are not UTF-8 in any argument (a Latin-1 terminal, a mangled paste) are refused before
    anything runs, so no request, name or id is half-read into Halo, the audit log or a session."""
    from halo_agent.channels.input_text import not_utf8

    return next((problem for problem in map(not_utf8, arguments) if problem), None)


def _tolerate_any_bytes() -> None:
    """Input that is not UTF-8 arrives as text with escapes (which the tools refuse, audited) instead of
    crashing the reader; output that the terminal cannot encode is escaped instead of crashing the writer."""
    for stream, errors in ((sys.stdin, "surrogateescape"), (sys.stdout, "backslashreplace"),
                           (sys.stderr, "backslashreplace")):  # fmt: skip
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors=errors)


def _reader_went_away() -> int:
    """`halo-agent … | head -n 3`: the reader closed the pipe. Not an error of ours: exit quietly.

    stdout is pointed at devnull so that Python's own flush at exit does not raise again (the recipe in
    the `signal` module's documentation)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 141  # 128 + SIGPIPE, what a shell reports for a command killed by a closed pipe


if __name__ == "__main__":
    sys.exit(main())
