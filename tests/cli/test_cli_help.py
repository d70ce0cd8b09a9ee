"""Conventions of the command line (as git, gh and httpie keep them): every command says what it is for
and shows an example, the same thing has the same name everywhere, exit codes are documented, and help
answers without loading the agent."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys

import pytest

from halo_agent.cli import EXIT_CODES, build_parser, main
from halo_agent.halo.cli import EXIT_AUTH, EXIT_PERMISSION, EXIT_UNREACHABLE
from tests.cli.commands import Command, all_commands, runnable

SAME_METAVAR = {"--config": "FILE", "--policy": "FILE", "--home": "DIR", "--port": "PORT", "--host": "ADDR",
                "--keys": "FILE", "--admins": "FILE", "--file": "FILE", "--output": "FILE"}  # fmt: skip


@pytest.mark.parametrize("command", all_commands(), ids=lambda c: c.name)
def test_every_command_has_a_one_line_purpose_and_an_example(command: Command) -> None:
    text = command.parser.format_help()
    purpose = (command.parser.description or "").split(". ")[0]
    assert purpose and purpose[0].isupper() and purpose in " ".join(text.split()), text
    examples = text.split("examples:\n", 1)[-1]
    assert "examples:" in text and f"halo-agent {command.name}" in examples, text


def test_top_level_help_documents_every_exit_code_main_uses() -> None:
    text = build_parser().format_help()
    documented = {int(code): line for code, line in re.findall(r"^  (\d+) +(.*)$", EXIT_CODES, re.M)}
    assert "exit codes:" in text and EXIT_CODES.splitlines()[-1] in text
    assert set(documented) == {0, 1, 2, EXIT_AUTH, EXIT_UNREACHABLE, EXIT_PERMISSION, 130, 141}
    assert "credentials" in documented[EXIT_AUTH] and "reached" in documented[EXIT_UNREACHABLE]
    assert "scope" in documented[EXIT_PERMISSION] and "pipe" in documented[141]


@pytest.mark.parametrize("command", all_commands(), ids=lambda c: c.name)
def test_the_same_thing_has_the_same_metavar_everywhere(command: Command) -> None:
    for action in command.parser._actions:
        if action.option_strings and action.option_strings[-1] in SAME_METAVAR:
            wanted = SAME_METAVAR[action.option_strings[-1]]
            assert action.metavar == wanted, (command.name, action.option_strings)
        if isinstance(action, argparse._SubParsersAction):
            assert action.metavar == "COMMAND", command.name


@pytest.mark.parametrize("command", runnable(), ids=lambda c: c.name)
def test_a_command_that_reads_settings_also_takes_the_data_directory(command: Command) -> None:
    """`--config FILE` and `--home DIR` choose the settings together; `audit` and `config check` read
    the data directory too."""
    if command.option("--config") or command.words[0] == "audit":
        assert command.option("--home") is not None, command.name


def test_help_command_shows_the_help_of_a_nested_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["help", "policy", "check"])
    assert exit_.value.code == 0
    assert "Validate a policy file and summarise it per role" in capsys.readouterr().out


def test_help_of_an_unknown_command_is_one_usage_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["help", "polcy"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_help_and_version_load_no_dependency_of_the_agent() -> None:
    """Building every command's parser imports only the standard library and the `register` modules;
    `--version` does not even build the parser. (Speed itself: benchmarks/bench_cli_startup.py.)"""
    probe = (
        "import sys; start = set(sys.modules); from halo_agent.cli import build_parser, main; "
        "main(['--version']); before = 'halo_agent.channels.chat_args' in sys.modules; build_parser(); "
        "print(before, sorted(n for n in set(sys.modules) - start if not n.startswith(('halo_agent', '_')) "
        "and 'site-packages' in str(getattr(sys.modules[n], '__file__', ''))))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[-1] == "False []", done.stdout
