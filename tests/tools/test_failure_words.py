"""Failures are told as they happened: no retries claimed that never ran, no 'correct it' for outages,
nothing cut mid-word."""

from __future__ import annotations

from halo_agent.halo.errors import HaloUnavailableError, HaloWriteUncertainError
from halo_agent.halo.queries import TicketWrite
from halo_agent.models.offline.answers import answer_error
from halo_agent.models.offline.results import Step, text_of
from halo_agent.sandbox import create_app, sandbox_client
from halo_agent.tools.outcomes import halo_error_payload
from tests.halo.fakes import FakeClock

NEW = TicketWrite(summary="Printer jam", details="Tray 2 jams", site_id=18)


async def failure_of_create(status: int) -> HaloUnavailableError:
    app = create_app()
    app.faults.add("status", status=status, method="POST", path="/api/Tickets", times=None)
    async with sandbox_client(app, retry=FakeClock().policy()) as client:
        try:
            await client.create_ticket(NEW)
        except HaloUnavailableError as exc:
            return exc
    raise AssertionError("the create did not fail")


async def test_a_500_on_a_write_sent_once_does_not_claim_retries() -> None:
    exc = await failure_of_create(500)
    assert "retries" not in exc.message and "internal error (HTTP 500)" in exc.message
    assert "trying again later may work" in exc.message


async def test_a_503_that_outlasted_the_retries_says_so() -> None:
    exc = await failure_of_create(503)
    assert "kept failing after retries" in exc.message


def step_for(payload: dict[str, object]) -> Step:
    return Step(name="haloitsm_create_ticket", args={}, result=payload)


def test_an_outage_does_not_ask_the_person_to_correct_anything() -> None:
    payload = halo_error_payload(HaloUnavailableError("Halo answered POST /api/Tickets with HTTP 500."))
    answer = answer_error(step_for(payload))
    assert answer.startswith("I couldn't open the ticket: Halo is unavailable")
    assert "correct" not in answer


def test_an_unknown_outcome_is_said_whole() -> None:
    checked = "I looked at the 40 tickets created since the attempt started, for 10 s. " * 8
    payload = halo_error_payload(HaloWriteUncertainError(checked.strip()))
    answer = answer_error(step_for(payload))
    assert answer.startswith("I don't know whether I managed to open the ticket.")
    assert checked.strip() in answer and "correct" not in answer


def test_long_text_is_cut_on_a_word() -> None:
    cut = text_of("word " * 100, 52)
    assert cut.endswith("word…") and len(cut) <= 52
