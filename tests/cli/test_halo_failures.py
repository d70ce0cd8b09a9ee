"""`ask` and `chat` refuse an unusable Halo or request at start: one line, the `config check` exit codes."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest

from halo_agent.agent.events import Paused
from halo_agent.channels.body_limit import DEFAULT_MAX_BODY_BYTES
from halo_agent.channels.chat_cli import _approval_hint
from halo_agent.halo.cli import EXIT_AUTH, EXIT_PERMISSION, EXIT_UNREACHABLE
from tests.cli.proc import halo
from tests.cli.sandbox_proc import SECRET, free_port, served_sandbox

IDENTITIES = (["--agent-id", "1"], ["--role", "employee", "--user", "someone@example.com"])


@pytest.fixture(scope="module")
def narrow_sandbox() -> Iterator[str]:
    """A loopback sandbox whose API application holds only read:tickets."""
    with served_sandbox("--scopes", "read:tickets", "--client-secret", SECRET) as url:
        yield url


def _halo_env(
    monkeypatch: pytest.MonkeyPatch, url: str, secret: str = SECRET, scope: str | None = None
) -> None:
    monkeypatch.setenv("HALO_URL", url)
    monkeypatch.setenv("HALO_CLIENT_ID", "halo-agent-demo")
    monkeypatch.setenv("HALO_CLIENT_SECRET", secret)
    if scope:
        monkeypatch.setenv("HALO_SCOPE", scope)


def _one_line_failure(result: subprocess.CompletedProcess[str], code: int) -> str:
    assert result.returncode == code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr  # no retry warnings, no traceback
    assert lines[0].startswith("halo-agent: cannot start: ")
    assert result.stdout == ""
    return lines[0]


@pytest.mark.parametrize("identity", IDENTITIES)
@pytest.mark.parametrize("command", ["ask", "chat"])
def test_unreachable_halo_fails_fast_with_exit_4(
    monkeypatch: pytest.MonkeyPatch, command: str, identity: list[str]
) -> None:
    _halo_env(monkeypatch, f"http://127.0.0.1:{free_port()}")  # nothing listens there
    args = [command, "list my tickets"] if command == "ask" else [command]
    line = _one_line_failure(halo(*args, *identity, stdin="list my tickets\n"), EXIT_UNREACHABLE)
    assert "Cannot reach Halo" in line


@pytest.mark.parametrize("identity", IDENTITIES)
def test_wrong_secret_fails_with_exit_3(
    monkeypatch: pytest.MonkeyPatch, narrow_sandbox: str, identity: list[str]
) -> None:
    _halo_env(monkeypatch, narrow_sandbox, secret="not-the-secret", scope="read:tickets")
    line = _one_line_failure(halo("ask", "list my tickets", *identity), EXIT_AUTH)
    assert "client id or secret" in line and "not-the-secret" not in line


@pytest.mark.parametrize("scope", ["all", "read:tickets"])
def test_missing_scopes_fail_with_exit_5(
    monkeypatch: pytest.MonkeyPatch, narrow_sandbox: str, scope: str
) -> None:
    """Asked for more than granted (Halo refuses the token), or granted too little (the agent refuses)."""
    _halo_env(monkeypatch, narrow_sandbox, scope=scope)
    line = _one_line_failure(halo("ask", "list my tickets", "--agent-id", "1"), EXIT_PERMISSION)
    assert "scope" in line


@pytest.mark.parametrize("message", ["", "   \n\t"])
def test_an_empty_request_is_a_usage_error(message: str) -> None:
    result = halo("ask", message)
    assert result.returncode == 2
    assert result.stderr.startswith("halo-agent: usage: ask needs a request")
    assert result.stdout == ""  # no turn ran


def test_a_request_over_64_kib_is_refused() -> None:
    result = halo("ask", "x" * (DEFAULT_MAX_BODY_BYTES + 1))
    assert result.returncode == 2
    assert f"the limit is {DEFAULT_MAX_BODY_BYTES} bytes" in result.stderr
    assert result.stdout == "" and len(result.stderr.strip().splitlines()) == 1


def test_the_approval_hint_names_another_approvers_flags() -> None:
    paused = Paused(kind="approval", pending_id="p-42", tool="haloitsm_update_ticket", preview="x",
                    approver_roles=["admin"])
    hint = _approval_hint(paused)
    assert "halo-agent approvals approve p-42 --role admin --agent-id <another admin's id>" in hint
    assert "cannot approve your own request" in hint
