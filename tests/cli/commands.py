"""Every subcommand, found by walking the real parser: a command added tomorrow is in every sweep."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from dataclasses import dataclass

from halo_agent.cli import build_parser

# A value for each required argument, by its metavar (the sweep needs the command to get going).
PLACEHOLDERS = {
    "REQUEST": "list my open tickets",
    "ID": "00000000-0000-4000-8000-00000000a11d",  # a pending id nobody has; a well-formed Entra app id
    "ROLE": "employee",
    "TOOL": "haloitsm_get_ticket",
    "HOST": "halo-agent.example.com",
}


@dataclass(frozen=True)
class Command:
    words: tuple[str, ...]
    parser: argparse.ArgumentParser

    @property
    def name(self) -> str:
        return " ".join(self.words)

    @property
    def runs(self) -> bool:
        return self.parser.get_default("func") is not None

    def option(self, flag: str) -> argparse.Action | None:
        return next((a for a in self.parser._actions if flag in a.option_strings), None)

    def minimal_args(self) -> list[str]:
        """The words, then a placeholder for every required positional and option."""
        args = list(self.words)
        for action in self.parser._actions:
            if action.required and action.nargs != "*" and not isinstance(action, argparse._SubParsersAction):
                value = PLACEHOLDERS[str(action.metavar)]
                args += [action.option_strings[0], value] if action.option_strings else [value]
        return args


def walk(parser: argparse.ArgumentParser | None = None, words: tuple[str, ...] = ()) -> Iterator[Command]:
    parser = parser or build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield Command((*words, name), sub)
                yield from walk(sub, (*words, name))


def all_commands() -> list[Command]:
    return list(walk())


def runnable() -> list[Command]:
    return [command for command in walk() if command.runs]


def groups() -> list[Command]:
    """Commands that only name their subcommands (`policy`, `audit`): run bare, they are a usage error."""
    return [command for command in walk() if not command.runs]
