"""`halo-agent ask … | head -1` and `chat` into a closed pipe: the reader going away drops the output,
never the turn. The session is saved (a pause can still be confirmed) and every proposed call is audited.

Real subprocesses with a real pipe: the reader takes `lines_read` lines and closes its end, as `head`
does. With 0 lines the pipe is closed before the first write, so every write of the command fails.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from halo_agent.agent.service import AgentService
from halo_agent.channels.repl import Repl
from halo_agent.config import load_settings
from halo_agent.models.offline import OfflineModel
from halo_agent.storage.factory import open_storage
from halo_agent.storage.sessions import Session

CLOSE = "close ticket 789, the user confirmed it is fixed"  # an admin's close waits for confirmation


def _env(home: Path) -> dict[str, str]:
    env = {**os.environ, "HALO_AGENT_HOME": str(home), "COLUMNS": "100"}
    for name in ("HALO_AGENT_DATABASE_URL", "HALO_URL", "HALO_AGENT_CONFIG"):
        env.pop(name, None)
    return env


def _into_closed_pipe(
    args: list[str], home: Path, lines_read: int, stdin: str | None = None
) -> tuple[int, str]:
    """Run `halo-agent ARGS` with stdout into a pipe whose reader closes after `lines_read` lines."""
    command = subprocess.Popen(
        [sys.executable, "-m", "halo_agent", *args], env=_env(home), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
    )  # fmt: skip
    assert command.stdout is not None and command.stderr is not None
    if stdin is not None:
        assert command.stdin is not None
        command.stdin.write(stdin.encode())
        command.stdin.close()
    for _ in range(lines_read):
        command.stdout.readline()
    command.stdout.close()
    stderr = command.stderr.read().decode()
    return command.wait(timeout=180), stderr


def _saved(home: Path, session_id: str) -> tuple[Session | None, list[dict[str, object]]]:
    storage = open_storage(load_settings(overrides={"home": home}))
    try:
        records = [r for r in storage.audit.records() if r.get("session_id") == session_id]
        return storage.sessions.get(session_id), records
    finally:
        storage.close()


def _assert_quiet_end(code: int, stderr: str) -> None:
    assert "Traceback" not in stderr and "Error" not in stderr, stderr
    assert code in (0, 141), (code, stderr)


@pytest.mark.parametrize("lines_read", [0, 1])
@pytest.mark.parametrize("output", [[], ["--json"]], ids=["rendered", "json"])
def test_ask_into_a_closed_pipe_saves_the_session_and_audits_the_call(
    tmp_path: Path, output: list[str], lines_read: int
) -> None:
    code, stderr = _into_closed_pipe(["ask", CLOSE, "--session", "s1", *output], tmp_path, lines_read)
    _assert_quiet_end(code, stderr)
    if lines_read == 0:
        assert code == 141  # every write failed: the shell's code for a closed pipe
    session, records = _saved(tmp_path, "s1")
    assert session is not None and len(session.pending_confirmations) == 1, "the pause was not saved"
    assert [(r["tool"], r["decision"]) for r in records] == [("haloitsm_resolve_ticket", "confirm")]
    assert records[0]["outcome"]["status"] == "paused"  # type: ignore[index]


def test_the_pause_made_into_a_closed_pipe_can_still_be_confirmed(tmp_path: Path) -> None:
    code, stderr = _into_closed_pipe(["ask", CLOSE, "--session", "s1", "--json"], tmp_path, 0)
    assert code == 141, stderr
    confirm = subprocess.run([sys.executable, "-m", "halo_agent", "ask", "yes", "--session", "s1", "--json"],
                             env=_env(tmp_path), capture_output=True, text=True, timeout=180)  # fmt: skip
    assert confirm.returncode == 0, confirm.stderr
    results = [json.loads(line) for line in confirm.stdout.splitlines()]
    assert [(e["tool"], e["status"]) for e in results if e["type"] == "tool_result"] == [
        ("haloitsm_resolve_ticket", "ok")
    ]


def test_chat_into_a_closed_pipe_finishes_the_turn_and_reads_no_further_line(tmp_path: Path) -> None:
    lines = f"{CLOSE}\nlist open incidents for agent 6\n"
    code, stderr = _into_closed_pipe(["chat", "--session", "c1"], tmp_path, 0, stdin=lines)
    _assert_quiet_end(code, stderr)
    assert code == 141
    session, records = _saved(tmp_path, "c1")
    assert session is not None and len(session.pending_confirmations) == 1
    assert [r["tool"] for r in records] == ["haloitsm_resolve_ticket"]  # the second line never ran


class _OutputBrokeError(Exception):
    pass


async def test_a_repl_turn_whose_output_fails_saves_and_frees_the_session_at_once(tmp_path: Path) -> None:
    """The REPL closes the turn's event stream as it leaves (aclosing), not whenever the garbage collector
    gets to it: the session is saved and its lock free the moment the turn is over."""
    settings = load_settings(overrides={"home": tmp_path})
    async with await AgentService.create(settings, model=OfflineModel()) as service:
        admin = await service.resolve_principal("admin", agent_id=1)
        repl = Repl(service, admin, settings, Console(file=io.StringIO()), session_id="r1")

        def broken_output(event: object) -> None:
            raise _OutputBrokeError

        repl.renderer.event = broken_output  # type: ignore[method-assign]
        with pytest.raises(_OutputBrokeError):
            await repl.turn(CLOSE)
        async with service.sessions.lock("r1", wait_seconds=0):  # SessionBusyError if still held
            saved = service.sessions.get("r1")
    assert saved is not None and saved.history[0]["content"] == CLOSE
