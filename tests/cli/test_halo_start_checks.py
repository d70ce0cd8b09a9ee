"""serve, mcp (stdio and HTTP), approvals, teams and slack check Halo at start as ask and chat do: a wrong
URL, secret or scope is one line and `config check`'s exit code (3, 4, 5), never a server that fails on
its first request. On the embedded sandbox nothing is checked, so those commands start at once."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest

from halo_agent.halo.cli import EXIT_AUTH, EXIT_PERMISSION, EXIT_UNREACHABLE
from tests.cli.proc import halo
from tests.cli.sandbox_proc import CLIENT_ID, SECRET, free_port, served_sandbox

BOT_ENV = {"TEAMS_APP_ID": "00000000-0000-0000-0000-000000000000", "TEAMS_APP_SECRET": "x" * 12,
           "SLACK_BOT_TOKEN": "xoxb-not-a-token", "SLACK_SIGNING_SECRET": "s" * 12}  # fmt: skip
COMMANDS = {
    "serve": ["serve", "--port", "{port}"],
    "serve --workers 2": ["serve", "--port", "{port}", "--workers", "2"],
    "mcp": ["mcp", "--agent-id", "1"],
    "mcp --transport http": ["mcp", "--transport", "http", "--port", "{port}"],
    "approvals list": ["approvals", "list", "--agent-id", "1"],
    "approvals approve": ["approvals", "approve", "p-1", "--agent-id", "1"],
    "approvals deny": ["approvals", "deny", "p-1", "--agent-id", "1"],
    "teams": ["teams", "--port", "{port}"],
    "slack": ["slack", "--port", "{port}"],
}


@pytest.fixture(scope="module")
def narrow_halo() -> Iterator[str]:
    """A served sandbox whose API application holds only read:tickets."""
    with served_sandbox("--scopes", "read:tickets", "--client-secret", SECRET) as url:
        yield url


def _started(monkeypatch: pytest.MonkeyPatch, command: str, url: str, **halo_env: str) -> str:
    """Run `command` against Halo at `url`; the one line it fails with (it must not start)."""
    env = {"HALO_URL": url, "HALO_CLIENT_ID": CLIENT_ID, "HALO_CLIENT_SECRET": SECRET, **BOT_ENV, **halo_env}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    args = [arg.format(port=free_port()) for arg in COMMANDS[command]]
    try:
        result = halo(*args, timeout=60)
    except subprocess.TimeoutExpired:  # it started serving: the check did not stop it
        pytest.fail(f"{command} started against an unusable Halo")
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("halo-agent: cannot start: "), result.stderr
    assert result.stdout == "" and "serving on" not in result.stderr
    return f"{result.returncode} {lines[0]}"


@pytest.mark.parametrize("command", COMMANDS)
def test_an_unreachable_halo_stops_the_command_at_start_with_exit_4(
    monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    line = _started(monkeypatch, command, f"http://127.0.0.1:{free_port()}")  # nothing listens there
    assert line.startswith(f"{EXIT_UNREACHABLE} ") and "connection refused" in line


@pytest.mark.parametrize("command", COMMANDS)
def test_a_wrong_secret_stops_the_command_at_start_with_exit_3(
    monkeypatch: pytest.MonkeyPatch, narrow_halo: str, command: str
) -> None:
    line = _started(monkeypatch, command, narrow_halo, HALO_CLIENT_SECRET="not-the-secret")
    assert line.startswith(f"{EXIT_AUTH} ") and "not-the-secret" not in line


@pytest.mark.parametrize("command", COMMANDS)
def test_missing_scopes_stop_the_command_at_start_with_exit_5(
    monkeypatch: pytest.MonkeyPatch, narrow_halo: str, command: str
) -> None:
    line = _started(monkeypatch, command, narrow_halo, HALO_SCOPE="read:tickets")
    assert line.startswith(f"{EXIT_PERMISSION} ") and "scope" in line
