"""`halo-agent eval`: run the suite against the reference solutions, the offline model, a live model
(optionally recording cassettes) or recorded cassettes, and write the reports."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from halo_agent.cli_args import Subparsers, add_command, add_config_arg, add_home_arg, positive

if TYPE_CHECKING:
    from rich.console import Console

    from halo_agent.config import ModelSettings
    from halo_agent.evals.case import Case
    from halo_agent.evals.runner import ModelFactory, RunResult

REPLAY = "replay"


def register(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers, "eval", "run the eval suite",
        details="Against the reference solutions, the offline model, a live model (optionally recording "
        "cassettes) or recorded cassettes; writes the reports you ask for. See evals/README.md.",
        examples=["halo-agent eval --reference", "halo-agent eval --tag dev --md-report report.md",
                  "halo-agent eval --model gpt-4.1-mini --record   # with OPENAI_API_KEY set"],
    )  # fmt: skip
    parser.add_argument("--suite", metavar="PATH", type=Path,
                        help="a case file or folder (default: evals/cases)")  # fmt: skip
    parser.add_argument(
        "--model",
        metavar="NAME",
        default=None,
        help="offline (default), replay[:NAME] (cassettes), or an OpenAI-compatible model NAME",
    )
    parser.add_argument("--reference", action="store_true", help="play each case's reference solution")
    parser.add_argument("--record", action="store_true", help="with a model NAME: write cassettes")
    parser.add_argument(
        "--cassettes", metavar="DIR", type=Path, help="cassette folder (default: next to the suite)"
    )
    parser.add_argument("--k", metavar="N", type=positive, default=1, help="runs per case; reports pass^k")
    parser.add_argument(
        "--tag", metavar="TAG", action="append", default=[], help="only cases with this tag (repeatable)"
    )
    parser.add_argument("--concurrency", metavar="N", type=positive, default=8, help="cases at once")
    # A live model's endpoint and key come from the settings, as for ask; each case runs in a fresh
    # sandbox with a temporary data directory of its own.
    add_config_arg(parser, "a TOML settings file for a live model")
    add_home_arg(parser)
    parser.add_argument("--json-report", type=Path, metavar="FILE")
    parser.add_argument("--md-report", type=Path, metavar="FILE")
    parser.add_argument("--png-report", type=Path, metavar="FILE")
    parser.add_argument(
        "--fail-under",
        type=float,
        metavar="RATE",
        help="exit 1 when the pass rate is below RATE (0-1); --reference implies 1.0",
    )
    parser.set_defaults(func=run_eval)  # fmt: skip


def run_eval(args: argparse.Namespace) -> int:
    from rich.console import Console

    from halo_agent.channels.render import make_console
    from halo_agent.errors import ConfigError
    from halo_agent.evals.loader import default_suite_path, load_suite
    from halo_agent.evals.report import print_table, summarize, write_json, write_markdown, write_png

    _quiet()
    suite = args.suite or default_suite_path()
    cases = load_suite(suite, args.tag)
    if not cases:
        raise ConfigError(suite, "--tag", f"no case has any of the tags {args.tag}")
    label, factory, settings = choose_model(args, suite)
    console = Console(stderr=True)
    started = time.perf_counter()
    results = _run(cases, factory, args, settings, console)
    summary = summarize(results, model=label, k=args.k, seconds=time.perf_counter() - started)
    print_table(summary, results, make_console())  # piped: whole lines, never wrapped mid-phrase
    if args.json_report:
        write_json(args.json_report, summary, results)
    if args.md_report:
        write_markdown(args.md_report, summary, results)
    if args.png_report:
        write_png(args.png_report, summary)
    threshold = 1.0 if args.reference else args.fail_under
    if args.reference and summary.passed != summary.runs:
        return 1
    return 1 if threshold is not None and (summary.pass_rate or 0.0) < threshold else 0


def _quiet() -> None:
    """Faults are injected on purpose: their retry warnings would bury the report. Errors still show."""
    import structlog

    if not structlog.is_configured():
        structlog.configure(
            wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR),
            logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        )


def choose_model(args: argparse.Namespace, suite: Path) -> tuple[str, ModelFactory, ModelSettings]:
    """(label, factory, model settings). Live names take keys and endpoints from the environment."""
    from halo_agent.config import OFFLINE_MODEL, ModelSettings
    from halo_agent.errors import ConfigError
    from halo_agent.evals.runner import CassetteModels, LiveModels, offline_model, reference_model

    if args.reference:
        return "reference", reference_model, ModelSettings()
    name: str = args.model or OFFLINE_MODEL
    if name == OFFLINE_MODEL:
        if args.record:
            raise ConfigError("command line", "--record", "needs a live model NAME, not the offline model")
        return OFFLINE_MODEL, offline_model, ModelSettings()
    folder = args.cassettes or (suite if suite.is_dir() else suite.parent).parent / "cassettes"
    if name == REPLAY or name.startswith(REPLAY + ":"):
        settings = _live_settings(args, name.partition(":")[2] or None)
        return f"replay of {settings.name}", CassetteModels(settings, folder, "replay"), settings
    settings = _live_settings(args, name)
    if args.record:
        return f"{settings.name} (recording)", CassetteModels(settings, folder, "record"), settings
    return settings.name, LiveModels(settings), settings


def _live_settings(args: argparse.Namespace, name: str | None) -> ModelSettings:
    from halo_agent.config import DEFAULT_LLM, load_settings

    model = load_settings(args.config, overrides={"model.name": name, "home": args.home}).model
    if model.is_offline:
        model = model.model_copy(update={"name": DEFAULT_LLM})
    return model


def _run(
    cases: list[Case],
    factory: ModelFactory,
    args: argparse.Namespace,
    settings: ModelSettings,
    console: Console,
) -> list[RunResult]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from halo_agent.evals.runner import run_suite

    total = len(cases) * args.k
    if not console.is_terminal:
        return asyncio.run(
            run_suite(cases, factory, k=args.k, concurrency=args.concurrency, model_settings=settings)
        )
    columns = (
        TextColumn("eval"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[failed]} not passed"),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("eval", total=total, failed=0)
        failed = 0

        def advance(result: RunResult) -> None:
            nonlocal failed
            failed += not result.passed
            bar.update(task, advance=1, failed=failed)

        return asyncio.run(
            run_suite(
                cases,
                factory,
                k=args.k,
                concurrency=args.concurrency,
                model_settings=settings,
                progress=advance,
            )
        )
