"""The command line's shared vocabulary: argument types, flag groups, help layout and lazy commands.

Only the standard library is imported here (and by every module's `register`), so that `--help`, `help
COMMAND` and a usage mistake answer without loading the agent; a command's own modules are imported when
it runs (`lazy`). The same thing has the same flag and metavar everywhere: `--config FILE`, `--policy
FILE`, `--home DIR`, `--port PORT`, `COMMAND` for a subcommand.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Never, TypeAlias

from halo_agent.examples import DEMO_ADMIN_AGENT_ID

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

Command = Callable[[argparse.Namespace], int]
# A string: `_SubParsersAction` cannot be subscripted at run time.
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
Flags = argparse._ActionsContainer  # a parser or one of its argument groups


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors: the mistake and where to read more, never the whole usage."""

    def error(self, message: str) -> Never:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")

    def print_help(self, file: SupportsWrite[str] | None = None) -> None:
        """Written and flushed here because argparse ignores a failed write: `halo-agent help | head -0`
        would end 0 as if read. A closed pipe raises BrokenPipeError, which `cli.main` turns into 141 as
        for every other command (channels/closed_pipe.py)."""
        out = file or sys.stdout
        out.write(self.format_help())
        flush = getattr(out, "flush", None)
        if flush is not None:
            flush()


def parse(parser: argparse.ArgumentParser, arguments: Sequence[str]) -> argparse.Namespace:
    """parse_args, except that an unknown flag is blamed on the command it was given to
    (`halo-agent audit tail: error: unrecognized arguments: --lines`), not on `halo-agent`."""
    args, unknown = parser.parse_known_args(arguments)
    if unknown:
        blamed: argparse.ArgumentParser = getattr(args, "command_parser", parser)
        blamed.error(f"unrecognized arguments: {' '.join(unknown)}")
    return args


def add_command(
    subparsers: Subparsers, name: str, purpose: str, *, examples: Sequence[str], details: str = ""
) -> argparse.ArgumentParser:
    """A subcommand whose --help starts with its one-line purpose and ends with examples to copy."""
    lines = "\n".join(f"  {example}" for example in examples)
    description = f"{purpose[0].upper()}{purpose[1:]}." + (f" {details}" if details else "")
    parser = subparsers.add_parser(
        name, help=purpose, description=description, epilog=f"examples:\n{lines}", formatter_class=_Layout
    )
    parser.set_defaults(command_parser=parser)  # the innermost one wins: it names a mistake (`unknown`)
    return parser


def add_commands(parser: argparse.ArgumentParser, dest: str, *, required: bool = True) -> Subparsers:
    return parser.add_subparsers(dest=dest, metavar="COMMAND", required=required)


class _Layout(argparse.RawDescriptionHelpFormatter):
    """The description wraps to the terminal; the examples keep their lines as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if text.startswith("examples:"):
            return super()._fill_text(text, width, indent)
        return argparse.HelpFormatter._fill_text(self, text, width, indent)


def lazy(target: str) -> Command:
    """`module:function`, imported only when the command runs."""
    module, _, name = target.partition(":")

    def command(args: argparse.Namespace) -> int:
        function: Command = getattr(importlib.import_module(module), name)
        return function(args)

    return command


# argument types --------------------------------------------------------------------------------------
def port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: give a number from 1 to 65535")
    return value


def at_least(minimum: int) -> Callable[[str], int]:
    def whole_number(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least {minimum}")
        return value

    whole_number.__name__ = f"whole number >= {minimum}"  # argparse names the type in some errors
    return whole_number


positive = at_least(1)


def home_dir(text: str) -> Path:
    """A data directory that is, or can become, a writable directory."""
    path = Path(text).expanduser()
    existing = next(p for p in (path, *path.parents) if p.exists())
    if not existing.is_dir():
        what = "is a file" if existing == path else f"cannot be created: {existing} is a file"
        raise argparse.ArgumentTypeError(f"{text} {what}, not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"{text} is not writable ({existing} refuses new files)")
    return path


def home_env(args: argparse.Namespace) -> Mapping[str, str]:
    """The environment as the command sees it: `--home DIR` is `HALO_AGENT_HOME=DIR` for this command."""
    home = getattr(args, "home", None)
    return {**os.environ, "HALO_AGENT_HOME": str(home)} if home else os.environ


# flag groups -------------------------------------------------------------------------------------------
def add_home_arg(parser: Flags) -> None:
    parser.add_argument(
        "--home", metavar="DIR", type=home_dir,
        help="data directory: settings, sessions, audit log (default: $HALO_AGENT_HOME)",
    )  # fmt: skip


def add_config_arg(parser: Flags, purpose: str = "a TOML settings file") -> None:
    parser.add_argument(
        "--config", metavar="FILE", type=Path, help=f"{purpose} (default: $HALO_AGENT_CONFIG or config.toml "
        "in the data directory)",
    )  # fmt: skip


def add_identity_args(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("identity (who is asking; decided by you, never by the model)")
    group.add_argument(
        "--role", metavar="ROLE", help="admin or employee (default: employee with --user, else admin)"
    )
    group.add_argument("--user", metavar="EMAIL", help="an employee's email, resolved to their Halo user")
    group.add_argument(
        "--agent-id", metavar="N", type=int,
        help=f"an admin's Halo agent id (sandbox default: {DEMO_ADMIN_AGENT_ID})",
    )  # fmt: skip


def add_backend_args(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("backend")
    add_config_arg(group)
    group.add_argument(
        "--model", metavar="offline|NAME", help="chat model: the built-in offline model or an LLM name"
    )
    add_home_arg(group)
    group.add_argument("--policy", metavar="FILE", type=Path, help="policy file (default: the packaged one)")


def add_listen_args(parser: Flags, default_port: int, what: str = "") -> None:
    parser.add_argument(
        "--host",
        metavar="ADDR",
        default="127.0.0.1",
        help=f"{what}address to listen on (default: loopback only)",
    )
    parser.add_argument(
        "--port",
        metavar="PORT",
        type=port,
        default=default_port,
        help=f"{what}port (default: {default_port})",
    )
