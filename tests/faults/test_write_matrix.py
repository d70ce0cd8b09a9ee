"""The fault matrix: every sandbox fault kind and chains of them, x create and note, x the offline model
and scripted models (one repeats the write after an error). Each run is judged by Halo's final state, the
audit log and the answer's truth; then Halo catches up (held commits land), the reconciler runs, and the
journal must agree with Halo, with the person told what changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from halo_agent.sandbox.faults import FAULT_KINDS
from tests.faults.harness import SCENARIOS, ModelKind, WriteKind, judge, start, turn


def test_the_matrix_covers_every_fault_kind() -> None:
    used = {kind for faults in SCENARIOS.values() for kind, _ in faults}
    assert used == set(FAULT_KINDS)


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
@pytest.mark.parametrize("kind", ["create", "note"])
@pytest.mark.parametrize("model", ["offline", "scripted", "retrying"])
async def test_a_write_under_faults_happens_at_most_once_and_is_told_truly(
    tmp_path: Path, scenario: str, kind: WriteKind, model: ModelKind
) -> None:
    run = await start(tmp_path, model, kind)
    try:
        await turn(run, SCENARIOS[scenario])
        at_answer = run.landed()
        verdict = judge(run, run.answer, at_answer)
        assert verdict.duplicates == 0 and verdict.lost == 0, run.answer
        assert not verdict.untruthful and not verdict.audit_problems, (verdict, run.answer)

        run.app.commit_deferred()  # Halo catches up on anything it was still committing
        await run.service.recover()
        landed = run.landed()
        assert len(landed) <= 1
        journal = run.service.reconciler.journal if run.service.reconciler else None
        assert journal is not None
        intents = journal.unaudited() + journal.open_intents()
        assert not [i for i in intents if i.state in ("intended", "unknown")], intents
        notices = run.service.reconciler.notices("matrix") if run.service.reconciler else []
        if landed and landed != at_answer:  # it landed after the answer: the person is told
            assert notices and "made after all" in notices[0]
    finally:
        await run.service.aclose()


async def test_the_judge_catches_lost_writes_duplicates_and_false_failures(tmp_path: Path) -> None:
    run = await start(tmp_path, "scripted", "create")
    try:
        await turn(run, [])
        (made,) = run.landed()
        assert judge(run, "Opened ticket #5.", []).lost == 1
        assert judge(run, "Opened ticket #5.", [made]).untruthful  # not the number that was made
        assert judge(run, "I couldn't open the ticket: Halo is unavailable", [made]).untruthful
        assert judge(run, run.answer, [made, made + 1]).duplicates == 1
        assert not judge(run, "I don't know whether I managed to open the ticket.", [made]).untruthful
    finally:
        await run.service.aclose()
