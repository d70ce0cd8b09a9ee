"""Writers killed with SIGKILL while appending never leave a log that `verify` calls tampered."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from halo_agent.storage.audit import GAP_EVENT, AuditLog

KILLS = int(os.environ.get("HALO_AUDIT_KILLS", "12"))
WRITER = """
import sys
from halo_agent.storage.audit import AuditLog
log = AuditLog(sys.argv[1], fsync="off")
print("ready", flush=True)
for n in range(100000):
    log.append({"tool": "haloitsm_add_note", "args": {"n": n, "text": "x" * (n % 300)}})
"""


def test_tight_kills_during_appends_heal_and_verify(tmp_path: Path) -> None:
    path, rng = tmp_path / "audit.jsonl", random.Random(3)
    for _ in range(KILLS):
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE)
        assert writer.stdout is not None and writer.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.0, 0.05))
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
        report = AuditLog(path).verify()
        assert report.ok, report.problems  # at most a recoverable tail, never "tampered"
    log = AuditLog(path)
    log.append({"tool": "after the kills"})
    report = log.verify()
    assert report.ok and report.records > KILLS
    assert GAP_EVENT not in path.read_text(encoding="utf-8")
