"""Halo failing after start, in the middle of a conversation: nothing prints over the prompt, and what
cannot succeed on another try (a refused connection) is said at once, in one line."""

from __future__ import annotations

import subprocess
import sys

import pytest

from halo_agent.channels.chat_cli import CHAT_LOG
from tests.cli.proc import ROOT, Terminal, halo, strip_ansi
from tests.cli.sandbox_proc import CLIENT_ID, SECRET, served_sandbox


def _use_halo(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("HALO_URL", url)
    monkeypatch.setenv("HALO_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("HALO_CLIENT_SECRET", SECRET)


def test_retry_warnings_in_an_interactive_chat_go_to_its_log_not_over_the_prompt(
    monkeypatch: pytest.MonkeyPatch, tmp_path: pytest.TempPathFactory
) -> None:
    busy = "status,status=503,times=2,method=GET,path=/api/Tickets"  # two retries, then an answer
    with served_sandbox("--fault", busy) as url:
        _use_halo(monkeypatch, url)
        home = tmp_path / "home"  # type: ignore[operator]
        monkeypatch.setenv("HALO_AGENT_HOME", str(home))
        terminal = Terminal("chat", "--agent-id", "1")
        try:
            terminal.expect(r"admin>")
            terminal.send("What's the status of ticket 789?\r")
            terminal.expect(r"In Progress[\s\S]*admin>", timeout=60)
            terminal.send("/quit\r")
            assert terminal.wait() == 0
        finally:
            terminal.kill()
    shown = strip_ansi(terminal.raw)
    assert "halo.retry" not in shown and "[warning" not in shown
    assert f"{home / CHAT_LOG}" in terminal.raw.replace("\r\n", "")  # the banner says where they went
    assert (home / CHAT_LOG).read_text().count("halo.retry") == 2


def test_halo_going_away_mid_chat_is_said_in_one_line_without_retrying(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with served_sandbox() as url:
        _use_halo(monkeypatch, url)
        chat = subprocess.Popen([sys.executable, "-m", "halo_agent", "chat", "--agent-id", "1"], cwd=ROOT,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)  # fmt: skip
        assert chat.stdin is not None and chat.stdout is not None
        chat.stdin.write("What's the status of ticket 789?\n")
        chat.stdin.flush()
        assert "In Progress" in chat.stdout.readline()
    # the sandbox has stopped: nothing listens on its port any more
    out, err = chat.communicate("What's the status of ticket 790?\n", timeout=60)
    assert chat.returncode == 0  # the conversation itself ended normally, at the end of its input
    assert "halo.retry" not in err, err
    (answer,) = [line for line in out.splitlines() if "790" in line or "Halo" in line]
    assert "Cannot reach Halo" in answer and "connection refused" in answer


@pytest.mark.parametrize("output", [[], ["--json"]], ids=["text", "json"])
def test_ask_whose_turn_halo_failed_says_so_in_its_exit_code(
    monkeypatch: pytest.MonkeyPatch, output: list[str]
) -> None:
    """The start check passes (the token is fine), then Halo answers the read with a 500: the answer
    explains, and the exit code says the request was not done, as for any turn that ended in an error."""
    broken = "status,status=500,times=100,method=GET,path=/api/Tickets"
    with served_sandbox("--fault", broken) as url:
        _use_halo(monkeypatch, url)
        result = halo("ask", "What's the status of ticket 789?", "--agent-id", "1", *output)
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "HTTP 500" in result.stdout and "Traceback" not in result.stderr


def test_ask_about_a_ticket_halo_does_not_have_is_answered_not_failed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A missing ticket is for the person to correct: the turn did what it could (exit 0)."""
    with served_sandbox() as url:
        _use_halo(monkeypatch, url)
        result = halo("ask", "What's the status of ticket 987654?", "--agent-id", "1")
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert "987654" in result.stdout
