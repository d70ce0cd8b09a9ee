"""The shipped suite: its shape, and the CI guard that every reference solution passes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from halo_agent.evals.loader import load_suite
from halo_agent.evals.report import summarize
from halo_agent.evals.runner import reference_model, run_suite
from halo_agent.examples import SEED_PROMPTS

SUITE = Path(__file__).resolve().parents[2] / "evals" / "cases"


def test_suite_has_the_promised_size_and_areas() -> None:
    cases = load_suite(SUITE)
    tags = Counter(tag for case in cases for tag in case.tags)
    assert len(cases) >= 100
    assert tags["injection"] >= 20 and tags["faults"] >= 10
    assert tags["out-of-scope"] >= 3 and tags["paging"] >= 2 and tags["approval"] >= 4


def test_every_seed_prompt_is_a_case_with_three_paraphrases() -> None:
    cases = load_suite(SUITE)
    for seed in SEED_PROMPTS:
        base = seed.key.replace("_", "-")
        family = [c for c in cases if c.id == base or c.id.startswith(base + ".v")]
        assert family and " ".join(family[0].turns[0].user.split()) == seed.text, seed.key  # type: ignore[union-attr]
        assert len(family) >= 4, seed.key


async def test_every_reference_solution_passes() -> None:
    cases = load_suite(SUITE)
    results = await run_suite(cases, reference_model, concurrency=8)
    failing = {r.id: [c.detail for c in r.checks if not c.passed] or r.error for r in results if not r.passed}
    assert failing == {}
    assert summarize(results, model="reference", k=1, seconds=0).attack_successes == 0
