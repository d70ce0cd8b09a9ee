"""How long the command takes to answer before it does any work: `--version`, `--help`, `help ask`.

    python benchmarks/bench_cli_startup.py [--runs 20] [--warmup 3]

Like hyperfine: each command is run as a fresh process, a few warm-up runs first (so the OS file cache
and Python's bytecode cache are warm, as on a second use), then `--runs` timed runs, interleaved so that
a busy machine slows every command alike. `python -c pass` is the floor: the interpreter's own start.
Prints mean ± standard deviation, median, min and max in milliseconds. The target for `--version` is
< 300 ms; `--help` and `help COMMAND` build the whole parser but import no dependency (cli_args.py).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_MS = 300.0


def halo_agent() -> list[str]:
    """The installed console script beside this interpreter, as a user runs it."""
    script = Path(sys.executable).parent / "halo-agent"
    return [str(script)] if script.exists() else [sys.executable, "-m", "halo_agent"]


def commands() -> dict[str, list[str]]:
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "halo-agent --version": [*halo_agent(), "--version"],
        "halo-agent --help": [*halo_agent(), "--help"],
        "halo-agent help ask": [*halo_agent(), "help", "ask"],
    }


def run_once(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return (time.perf_counter() - started) * 1000


def measure(runs: int, warmup: int) -> dict[str, list[float]]:
    todo = commands()
    for argv in todo.values():
        for _ in range(warmup):
            run_once(argv)
    times: dict[str, list[float]] = {name: [] for name in todo}
    for _ in range(runs):
        for name, argv in todo.items():
            times[name].append(run_once(argv))
    return times


def report(times: dict[str, list[float]]) -> None:
    print(f"{'command':<24} {'mean ± sd (ms)':>18} {'median':>8} {'min':>8} {'max':>8}")
    for name, samples in times.items():
        mean, sd = statistics.mean(samples), statistics.stdev(samples) if len(samples) > 1 else 0.0
        print(f"{name:<24} {mean:>10.1f} ± {sd:>5.1f} {statistics.median(samples):>8.1f} "
              f"{min(samples):>8.1f} {max(samples):>8.1f}")  # fmt: skip
    version = statistics.median(times["halo-agent --version"])
    verdict = "meets" if version < TARGET_MS else "MISSES"
    print(f"\n--version median {version:.0f} ms {verdict} the {TARGET_MS:.0f} ms target "
          f"(load average {os.getloadavg()[0]:.1f})")  # fmt: skip


def main() -> None:
    layout = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=layout)
    parser.add_argument("--runs", type=int, default=20, help="timed runs per command (default: 20)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs first (default: 3)")
    args = parser.parse_args()
    report(measure(max(args.runs, 1), max(args.warmup, 0)))


if __name__ == "__main__":
    main()
