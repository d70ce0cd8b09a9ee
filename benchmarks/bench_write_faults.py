"""Figures for exactly-once writes: the fault matrix and kill -9 runs, larger than the suite runs them.

    python benchmarks/bench_write_faults.py [--repeat 3] [--kills 30]

The matrix: every scenario of tests/faults/harness.py (each sandbox fault kind and chains of them) x
create and note x the offline model, a scripted model and a scripted model that repeats the write after
an error, `--repeat` times. Per run: duplicates (more than one record made), lost writes (success told,
nothing made), untruthful answers (any claim Halo contradicts) and audit problems (a write call without
exactly one record, or an "ok" record for a write that did not land).

The kills: `--kills` worker processes running write turns and confirmed closes against a sandbox served
on loopback, each killed with SIGKILL at a random point of its turn and checked after a restart
(tests/faults/kill_harness.py): unaudited landed writes, pending records stuck `running`, duplicates
(after asking again too), "Nothing was changed" told for a close that happened, and `audit verify`
failures.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.faults.harness import SCENARIOS, judge, start, turn
from tests.faults.kill_harness import run_kills


async def matrix(repeat: int) -> dict[str, int]:
    totals = {"runs": 0, "landed": 0, "duplicates": 0, "lost": 0, "untruthful": 0, "audit_problems": 0}
    for _ in range(repeat):
        for scenario, faults in SCENARIOS.items():
            for kind in ("create", "note"):
                for model in ("offline", "scripted", "retrying"):
                    with tempfile.TemporaryDirectory() as home:
                        run = await start(Path(home), model, kind)  # type: ignore[arg-type]
                        try:
                            await turn(run, faults)
                            verdict = judge(run, run.answer, run.landed())
                            run.app.commit_deferred()
                            await run.service.recover()
                            after = run.landed()
                        finally:
                            await run.service.aclose()
                    totals["runs"] += 1
                    totals["landed"] += bool(after)
                    totals["duplicates"] += verdict.duplicates + max(0, len(after) - 1)
                    totals["lost"] += verdict.lost
                    totals["untruthful"] += bool(verdict.untruthful)
                    totals["audit_problems"] += bool(verdict.audit_problems)
                    for problem in verdict.untruthful + verdict.audit_problems:
                        print(f"  {scenario} {kind} {model}: {problem}")
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--kills", type=int, default=30)
    args = parser.parse_args()
    started = time.monotonic()
    totals = asyncio.run(matrix(args.repeat))
    print(f"matrix: {len(SCENARIOS)} scenarios x 2 writes x 3 models x {args.repeat}: "
          + ", ".join(f"{k} {v}" for k, v in totals.items()) + f" ({time.monotonic() - started:.0f} s)")
    if args.kills:
        started = time.monotonic()
        with tempfile.TemporaryDirectory() as home:
            figures = run_kills(Path(home) / "home", args.kills)
        print(f"kills: runs {figures.runs}, killed {figures.killed}, landed {figures.landed}, "
              f"unaudited landed {figures.unaudited_landed}, stuck running {figures.stuck_running}, "
              f"duplicates {figures.duplicates}, "
              f"'nothing changed' for a change {figures.nothing_changed_lies}, "
              f"verify failures {figures.verify_failures} ({time.monotonic() - started:.0f} s)")
        for problem in figures.problems:
            print(f"  {problem}")


if __name__ == "__main__":
    main()
