"""Input that is not UTF-8 text is refused where it enters, in one line naming the byte: never a
traceback, never sent on to the model, whatever the locale's stdin error handling."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from halo_agent.channels.input_text import not_utf8
from tests.cli.proc import ROOT

LATIN1_NOTE = b"add a note to ticket 789: caf\xe9 broken"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("plain ascii", None),
        ("café — ok ✓", None),
        ("caf\udce9", "byte 0xE9 at character 4 is not UTF-8 text"),
        ("a\ud800b", "character 2 is a lone surrogate, not text"),
    ],
)
def test_not_utf8_names_the_first_bad_byte(text: str, problem: str | None) -> None:
    assert not_utf8(text) == problem


def _halo(
    args: list[str | bytes], home: Path, stdin: bytes = b"", **env: str
) -> subprocess.CompletedProcess[bytes]:
    environment = {**os.environ, "HALO_AGENT_HOME": str(home), **env}
    return subprocess.run([sys.executable, "-m", "halo_agent", *args], input=stdin, capture_output=True,
                          cwd=ROOT, env=environment, timeout=120, check=False)  # fmt: skip


def test_ask_with_a_non_utf8_request_is_a_usage_error_and_sends_nothing(tmp_path: Path) -> None:
    result = _halo(["ask", LATIN1_NOTE], tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.decode().splitlines() == [
        "halo-agent: the request was not sent: byte 0xE9 at character 30 is not UTF-8 text "
        "(check the terminal's or the script's encoding)"
    ]
    assert not (tmp_path / "audit.jsonl").exists() or (tmp_path / "audit.jsonl").read_text() == ""


@pytest.mark.parametrize("stdin_errors", ["utf-8:strict", "utf-8:surrogateescape"])
def test_chat_refuses_a_non_utf8_line_and_carries_on(tmp_path: Path, stdin_errors: str) -> None:
    """`utf-8:strict` is what Python uses for stdin in an en_US.UTF-8 locale (C.UTF-8 escapes instead)."""
    lines = LATIN1_NOTE + b"\nWhat's the status of ticket 789?\n"
    result = _halo(["chat"], tmp_path, stdin=lines, PYTHONIOENCODING=stdin_errors)
    out, err = result.stdout.decode(), result.stderr.decode()
    assert result.returncode == 0 and "Traceback" not in err, err
    assert "error: byte 0xE9 at character 30 is not UTF-8 text; the line was not sent" in out
    assert "In Progress" in out  # the next line ran
    assert "haloitsm_add_note" not in (tmp_path / "audit.jsonl").read_text()
