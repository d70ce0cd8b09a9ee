"""Every subcommand (found by walking the parser) against ordinary mistakes and a hostile environment:
bad flags, ports and paths, a file as the data directory, a busy port, a closed stdout, bytes that are
not UTF-8. Whatever happens: no traceback, a documented exit code, and a failure is one line.

Command-line mistakes are checked in-process; the rest run as real processes, the way a shell runs them.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from halo_agent.cli import EXIT_CODES, build_parser, main
from halo_agent.cli_args import parse
from halo_agent.sandbox.faults import FAULT_KINDS
from tests.cli.commands import Command, all_commands, groups, runnable

DOCUMENTED = {int(code) for code in re.findall(r"^  (\d+) ", EXIT_CODES, re.M)}
QUIET_ENDS = {0, 141}  # done, or the reader went away: nothing to report
NOT_UTF8 = b"Add a note to ticket 789: caf\xe9 \xff is broken\n"
SERVERS = [command for command in runnable() if command.option("--port")]
# The flags under which a command uses its --port (mcp without them serves stdio).
SERVE_FOR_REAL: dict[tuple[str, ...], list[str]] = {("mcp",): ["--transport", "http"]}
OUTPUTS = {"--out", "--output", "--json-report", "--md-report", "--png-report", "--state"}
# Fake platform credentials: the bots get past their environment checks to the port and the data directory.
PLATFORM_ENV = {
    "SLACK_BOT_TOKEN": "xoxb-sweep", "SLACK_SIGNING_SECRET": "sweep", "TEAMS_APP_SECRET": "sweep",
    "TEAMS_APP_ID": "00000000-0000-4000-8000-00000000a11d",
    "HALO_AGENT_API_KEY": "sweep-key-of-32-characters-long",
}  # fmt: skip
TINY_SUITE = """cases:
  - id: sweep-weather
    actor: {role: employee, email: emma.hart@example.com}
    turns: [{user: "What's the weather like tomorrow?"}]
    expect: {no_calls: true}
    reference: ["I can only help with service-desk tickets."]
"""


def ids(command: Command) -> str:
    return command.name


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.create_server(("127.0.0.1", 0)) as held:
        yield held.getsockname()[1]


@pytest.fixture
def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return int(probe.getsockname()[1])


def _parse_error(argv: list[str], capsys: pytest.CaptureFixture[str], *, run: bool = False) -> str:
    """Reading the command line stops with exit code 2 and exactly one line on stderr; returns that line.
    Only parsed unless `run`: a mistake let through must fail here, not start a server."""
    with pytest.raises(SystemExit) as exit_:
        main(argv) if run else parse(build_parser(), argv)
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    return err


# parse time, in-process ----------------------------------------------------------------------------------
@pytest.mark.parametrize("command", runnable(), ids=ids)
def test_an_unknown_flag_is_one_usage_line(command: Command, capsys: pytest.CaptureFixture[str]) -> None:
    line = _parse_error([*command.minimal_args(), "--no-such-flag"], capsys, run=True)
    assert line.startswith(f"halo-agent {command.name}: error: unrecognized arguments: --no-such-flag")


@pytest.mark.parametrize("command", groups(), ids=ids)
def test_a_group_without_its_command_is_one_usage_line(
    command: Command, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "required: COMMAND" in _parse_error(list(command.words), capsys)


@pytest.mark.parametrize("value", ["0", "65536", "99999", "-1", "http"])
@pytest.mark.parametrize("command", SERVERS, ids=ids)
def test_a_port_outside_1_to_65535_is_one_usage_line(
    command: Command, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    line = _parse_error([*command.minimal_args(), "--port", value], capsys)
    assert f"'{value}' is not a port: give a number from 1 to 65535" in line


@pytest.mark.parametrize("where", ["a file", "under a file", "unwritable"])
@pytest.mark.parametrize("command", [c for c in runnable() if c.option("--home")], ids=ids)
def test_a_home_that_cannot_be_a_directory_is_one_usage_line(
    command: Command, where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a directory")
    home = {"a file": a_file, "under a file": a_file / "home", "unwritable": Path("/proc/self/halo-home")}[
        where
    ]
    line = _parse_error([*command.minimal_args(), "--home", str(home)], capsys)
    problem = {"a file": f"{home} is a file", "under a file": f"{home} cannot be created: {a_file} is a file",
               "unwritable": f"{home} is not writable"}[where]  # fmt: skip
    assert f"argument --home: {problem}" in line, line


@pytest.mark.parametrize("command", runnable(), ids=ids)
def test_an_argument_that_is_not_utf8_is_refused_before_anything_runs(
    command: Command, capsys: pytest.CaptureFixture[str]
) -> None:
    undecodable = NOT_UTF8.decode("utf-8", "surrogateescape").strip()  # what Python makes of such argv
    assert main([*command.minimal_args(), undecodable]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "byte 0xE9 at character 30 is not UTF-8 text" in err, err


def test_an_unknown_fault_kind_is_a_usage_line_listing_the_kinds(capsys: pytest.CaptureFixture[str]) -> None:
    line = _parse_error(["sandbox", "--fault", "bogus,times=2"], capsys)
    assert "unknown fault kind 'bogus'" in line and all(kind in line for kind in FAULT_KINDS)


# real processes ------------------------------------------------------------------------------------------
def _run(
    argv: list[str],
    cwd: Path,
    *,
    env: dict[str, str] | None = None,
    stdin: bytes = b"",
    close_stdout: bool = False,
) -> tuple[int, str, str]:
    environment = {**os.environ, "PYTHONIOENCODING": "utf-8", **PLATFORM_ENV, **(env or {})}
    for name in ("HALO_URL", "HALO_AGENT_DATABASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        environment.pop(name, None)
    read_end, write_end = os.pipe()
    if close_stdout:
        os.close(read_end)  # the reader is gone before the first line, as after `| head -0`
    try:
        done = subprocess.run(
            [sys.executable, "-m", "halo_agent", *argv], input=stdin, cwd=cwd, env=environment,
            stdout=write_end, stderr=subprocess.PIPE, timeout=240, check=False,
        )  # fmt: skip
    finally:
        os.close(write_end)
    out = b""
    if not close_stdout:
        with os.fdopen(read_end, "rb") as reader:
            out = reader.read()
    return done.returncode, out.decode(errors="replace"), done.stderr.decode(errors="replace")


def _assert_orderly(code: int, err: str, out: str = "") -> None:
    """No traceback, no error log; a documented code; a failure says why in one `halo-agent` line on
    stderr, or (a checking command: `policy check`, `audit verify`) in its report on stdout."""
    assert "Traceback" not in err and not re.search(r"^(ERROR|CRITICAL)\b", err, re.M), err
    assert code in DOCUMENTED, (code, err)
    ours = [line for line in err.splitlines() if line.startswith("halo-agent")]
    if code not in QUIET_ENDS:
        assert len(ours) == 1 or (not ours and re.match(r"(INVALID|BROKEN) ", out)), (out, err)


def _argv(command: Command, cwd: Path, port: int) -> list[str]:
    """The command as the sweep runs it: busy port for a server, a one-case suite for eval."""
    argv = command.minimal_args()
    if command.option("--port"):
        argv += ["--port", str(port)]
    if command.words == ("eval",):
        (cwd / "tiny.yaml").write_text(TINY_SUITE)
        argv += ["--suite", "tiny.yaml", "--reference"]
    return argv


@pytest.mark.parametrize("command", SERVERS, ids=ids)
def test_a_busy_port_is_one_error_line(command: Command, tmp_path: Path, busy_port: int) -> None:
    argv = [*_argv(command, tmp_path, busy_port), *SERVE_FOR_REAL.get(command.words, [])]
    code, _, err = _run(argv, tmp_path)
    _assert_orderly(code, err)
    assert code == 1 and f"cannot listen on 127.0.0.1:{busy_port}" in err, err


@pytest.mark.parametrize("command", runnable(), ids=ids)
def test_a_closed_stdout_and_undecodable_stdin_end_in_order(
    command: Command, tmp_path: Path, busy_port: int
) -> None:
    code, _, err = _run(_argv(command, tmp_path, busy_port), tmp_path, stdin=NOT_UTF8, close_stdout=True)
    _assert_orderly(code, err)


HELP_PATHS = [["--help"], ["help"], ["--version"], ["help", "policy", "check"]] + [
    [*command.words, "--help"] for command in all_commands()
]


@pytest.mark.parametrize("argv", HELP_PATHS, ids=" ".join)
def test_help_into_a_closed_stdout_ends_as_every_command_does(argv: list[str], tmp_path: Path) -> None:
    """`halo-agent help | head -0`: the reader went away (141, closed_pipe.py), not "read" (0)."""
    assert _run(argv, tmp_path, close_stdout=True) == (141, "", "")


@pytest.mark.parametrize("command", runnable(), ids=ids)
def test_a_data_directory_that_is_a_file_ends_in_order(
    command: Command, tmp_path: Path, busy_port: int
) -> None:
    home = tmp_path / "home"
    home.write_text("a file where the data directory should be")
    code, out, err = _run(_argv(command, tmp_path, busy_port), tmp_path, env={"HALO_AGENT_HOME": str(home)})
    _assert_orderly(code, err, out)


@pytest.mark.parametrize(
    "command", ["ask", "chat", "approvals list", "audit tail", "audit verify", "audit export"]
)
def test_a_command_using_the_data_directory_names_it_when_it_is_a_file(command: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.write_text("a file where the data directory should be")
    argv = [*command.split(), *(["hi"] if command == "ask" else [])]
    code, out, err = _run(argv, tmp_path, env={"HALO_AGENT_HOME": str(home)})
    _assert_orderly(code, err, out)
    assert code == 1 and f"cannot use {home} as a directory: it is a file" in err, err


def _input_files() -> list[tuple[Command, str]]:
    """Each flag or argument naming a file to read, on the first command that has it."""
    seen: dict[str, Command] = {}
    for command in runnable():
        for action in command.parser._actions:
            flag = action.option_strings[0] if action.option_strings else action.dest
            if action.metavar == "FILE" and flag not in OUTPUTS:
                seen.setdefault(flag, command)
    return [(command, flag) for flag, command in seen.items()]


@pytest.mark.parametrize("problem", ["not UTF-8", "a directory", "missing"])
@pytest.mark.parametrize(
    ("command", "flag"), _input_files(), ids=lambda x: x if isinstance(x, str) else x.name
)
def test_an_unreadable_input_file_is_named_in_one_line(
    command: Command, flag: str, problem: str, tmp_path: Path, free_port: int
) -> None:
    """A server gets a free port here: it must stop at the file, not at the port."""
    path = {"not UTF-8": tmp_path / "latin1.txt", "a directory": tmp_path, "missing": tmp_path / "typo"}[
        problem
    ]
    (tmp_path / "latin1.txt").write_bytes(b'name = "caf\xe9"\n')
    argv = _argv(command, tmp_path, free_port)
    argv += [flag, str(path)] if flag.startswith("-") else [str(path)]
    code, out, err = _run(argv, tmp_path, env={"HALO_AGENT_HOME": str(tmp_path / "home")})
    _assert_orderly(code, err, out)
    assert code == 1 and str(path) in out + err, (out, err)
