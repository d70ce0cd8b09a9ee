"""Summaries and reports: a terminal table, JSON, Markdown and a PNG chart of pass rate per tag.

pass^k (tau-bench): a case counts only if all k of its runs passed. Cases with any infrastructure error
or divergence are left out of pass rates and pass^k and counted on their own.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from halo_agent.evals.runner import RunResult


class TagSummary(BaseModel):
    tag: str
    cases: int
    runs: int
    passed_runs: int
    pass_rate: float | None
    pass_k: float | None
    set_apart: int


class Summary(BaseModel):
    model: str
    k: int
    cases: int
    runs: int
    passed: int
    failed: int
    infra_errors: int
    diverged: int
    pass_rate: float | None
    pass_k: float | None
    attack_runs: int
    attack_successes: int
    attack_success_rate: float | None
    seconds: float
    tags: list[TagSummary]
    failing_cases: list[str]


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _by_case(results: list[RunResult]) -> dict[str, list[RunResult]]:
    grouped: dict[str, list[RunResult]] = defaultdict(list)
    for result in results:
        grouped[result.id].append(result)
    return grouped


def _pass_k(groups: list[list[RunResult]]) -> tuple[float | None, int]:
    """(pass^k over cases whose runs all counted, number of cases set apart)."""
    clean = [runs for runs in groups if all(r.counted for r in runs)]
    return _rate(sum(all(r.passed for r in runs) for runs in clean), len(clean)), len(groups) - len(clean)


def _tag_summary(tag: str, groups: list[list[RunResult]]) -> TagSummary:
    runs = [r for runs in groups for r in runs]
    counted = [r for r in runs if r.counted]
    pass_k, apart = _pass_k(groups)
    passed = sum(r.passed for r in counted)
    return TagSummary(
        tag=tag,
        cases=len(groups),
        runs=len(runs),
        passed_runs=passed,
        pass_rate=_rate(passed, len(counted)),
        pass_k=pass_k,
        set_apart=apart,
    )


def summarize(results: list[RunResult], *, model: str, k: int, seconds: float) -> Summary:
    cases = _by_case(results)
    tags: dict[str, list[list[RunResult]]] = defaultdict(list)
    for runs in cases.values():
        for tag in runs[0].tags:
            tags[tag].append(runs)
    counted = [r for r in results if r.counted]
    attacks = [r for r in counted if "injection" in r.tags]
    successes = sum(r.attacked for r in attacks)
    pass_k, _ = _pass_k(list(cases.values()))
    return Summary(
        model=model, k=k, cases=len(cases), runs=len(results), passed=sum(r.passed for r in results),
        failed=sum(r.status == "failed" for r in results),
        infra_errors=sum(r.status == "infra_error" for r in results),
        diverged=sum(r.status == "diverged" for r in results),
        pass_rate=_rate(sum(r.passed for r in counted), len(counted)), pass_k=pass_k,
        attack_runs=len(attacks), attack_successes=successes,
        attack_success_rate=_rate(successes, len(attacks)), seconds=round(seconds, 2),
        tags=[_tag_summary(tag, groups) for tag, groups in sorted(tags.items())],
        failing_cases=sorted(cid for cid, runs in cases.items() if any(r.status == "failed" for r in runs)),
    )  # fmt: skip


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def print_table(summary: Summary, results: list[RunResult], console: Console) -> None:
    """Per-tag table, then the failing runs with the checks that failed."""
    table = Table(title=f"halo-agent eval: {summary.model} (k={summary.k})")
    for column in ("tag", "cases", "pass rate", f"pass^{summary.k}", "set apart"):
        table.add_column(column, justify="left" if column == "tag" else "right")
    for tag in summary.tags:
        table.add_row(
            tag.tag, str(tag.cases), _percent(tag.pass_rate), _percent(tag.pass_k), str(tag.set_apart)
        )
    table.add_row(
        "[bold]all",
        str(summary.cases),
        _percent(summary.pass_rate),
        _percent(summary.pass_k),
        str(summary.infra_errors + summary.diverged),
        end_section=True,
    )
    console.print(table)
    for result in results:
        if result.status != "passed":
            why = escape(f"{result.id} (run {result.run}): {_why(result)}")
            console.print(f"[red]{result.status}[/] {why}")
    console.print(_totals_line(summary))


def _why(result: RunResult) -> str:
    failed = [f"{c.name}: {c.detail}" for c in result.checks if not c.passed]
    return "; ".join(failed) or result.error or "?"


def _totals_line(summary: Summary) -> str:
    attack = (
        f", attack success {summary.attack_successes}/{summary.attack_runs}" if summary.attack_runs else ""
    )
    return (
        f"{summary.passed}/{summary.runs} runs passed ({_percent(summary.pass_rate)}), "
        f"pass^{summary.k} {_percent(summary.pass_k)}, infra errors {summary.infra_errors}, "
        f"diverged {summary.diverged}{attack}; {summary.seconds:.1f}s"
    )


def json_report(summary: Summary, results: list[RunResult]) -> dict[str, Any]:
    return {"summary": summary.model_dump(), "runs": [_run_row(r) for r in results]}


def _run_row(result: RunResult) -> dict[str, Any]:
    row = result.model_dump()
    row["passed"] = result.passed
    return row


def write_json(path: Path, summary: Summary, results: list[RunResult]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(json_report(summary, results), indent=2), encoding="utf-8")


def markdown(summary: Summary, results: list[RunResult]) -> str:
    lines = [
        f"# halo-agent eval: {summary.model}", "",
        _totals_line(summary), "",
        f"| tag | cases | pass rate | pass^{summary.k} | set apart |", "|---|---:|---:|---:|---:|",
        *[f"| {t.tag} | {t.cases} | {_percent(t.pass_rate)} | {_percent(t.pass_k)} | {t.set_apart} |"
          for t in summary.tags],
    ]  # fmt: skip
    failing = [r for r in results if r.status != "passed"]
    if failing:
        lines += ["", "## Not passed", "", "| case | run | status | why |", "|---|---:|---|---|"]
        lines += [f"| {r.id} | {r.run} | {r.status} | {_why(r).replace('|', '/')} |" for r in failing]
    return "\n".join(lines) + "\n"


def write_markdown(path: Path, summary: Summary, results: list[RunResult]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(markdown(summary, results), encoding="utf-8")


def write_png(path: Path, summary: Summary) -> None:
    """A horizontal bar chart of pass rate per tag (Agg backend: no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    tags = [t for t in summary.tags if t.pass_rate is not None]
    figure, axes = pyplot.subplots(figsize=(8, 0.35 * len(tags) + 1.5))
    names = [f"{t.tag} ({t.cases})" for t in tags]
    axes.barh(names, [t.pass_rate or 0.0 for t in tags], color="#2b6cb0")
    axes.set_xlim(0, 1)
    axes.invert_yaxis()
    axes.set_xlabel("pass rate")
    axes.set_title(f"halo-agent eval: {summary.model}, overall {_percent(summary.pass_rate)}")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    pyplot.close(figure)
