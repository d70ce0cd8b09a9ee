"""The README's fake chat frontend runs as written: it answers, pauses for a yes, and closes the ticket."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_fake_frontend_answers_and_closes_a_ticket_only_after_yes() -> None:
    script = "What's the status of my ticket 789?\nPlease close ticket 789, it's fixed.\nyes\n"
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "fake_frontend.py")], input=script, capture_output=True,
        text=True, timeout=120, cwd=ROOT, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "you> What's the status of my ticket 789?" and "789" in lines[2]
    pause = next(i for i, line in enumerate(lines) if "[needs your OK]" in line)
    confirmed = lines.index("you> yes")
    assert pause < confirmed
    assert any("Closed" in line and line.startswith("bot>") for line in lines[confirmed:])
    assert "halo.call" not in done.stdout  # logs stay off the conversation
