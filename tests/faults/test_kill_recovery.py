"""kill -9 during write turns and confirmed writes, against a sandbox in its own process; small in CI.

Larger runs: `benchmarks/kill_runs.py` (HALO_KILL_RUNS=30 by default there).
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.faults.kill_harness import run_kills

CI_RUNS = int(os.environ.get("HALO_KILL_RUNS", "4"))


def test_killed_writes_are_audited_recovered_and_never_duplicated(tmp_path: Path) -> None:
    figures = run_kills(tmp_path / "home", CI_RUNS)
    assert figures.runs == CI_RUNS and figures.killed >= CI_RUNS // 2, figures
    assert figures.problems == [], figures.problems
    assert (figures.unaudited_landed, figures.stuck_running, figures.duplicates) == (0, 0, 0), figures
    assert (figures.nothing_changed_lies, figures.verify_failures) == (0, 0), figures
