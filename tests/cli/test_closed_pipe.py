"""A reader that stops early (`| head`) is not an error of ours: no traceback, and the command ends."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_audit_export_into_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    env = {**os.environ, "HALO_AGENT_HOME": str(tmp_path / "home")}
    env.pop("HALO_AGENT_DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "halo_agent", "ask", "list open incidents for agent 6"],
                   env=env, capture_output=True, check=True, timeout=120)  # fmt: skip  # a record to export
    export = subprocess.Popen([sys.executable, "-m", "halo_agent", "audit", "export"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    assert export.stdout is not None
    export.stdout.close()  # the reader is gone before the first line is written, as after `head` ends
    _, stderr = export.communicate(timeout=60)
    assert b"Traceback" not in stderr and b"BrokenPipeError" not in stderr, stderr.decode()
    assert export.returncode in (0, 141)
