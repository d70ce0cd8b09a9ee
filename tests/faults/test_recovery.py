"""What a dead process left is finished truthfully; an identical write soon after another is confirmed."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

from halo_agent.agent.events import FinalAnswer, Paused
from halo_agent.halo.lost_writes import Attempt, ticket_floor
from halo_agent.halo.queries import TicketWrite
from halo_agent.storage.intents import Intent, SqliteIntentJournal, new_intent_id
from halo_agent.tools.write_intents import REPEAT_RULE, fingerprint
from tests.faults.harness import Run, start, turn


def dead_owner() -> str:
    done = subprocess.run(["true"], check=True)
    assert done.returncode == 0
    probe = subprocess.Popen(["true"])
    probe.wait()
    return f"{socket.gethostname()}:{probe.pid}:gone"


def journal_of(run: Run) -> SqliteIntentJournal:
    assert run.service.reconciler is not None
    journal = run.service.reconciler.journal
    assert isinstance(journal, SqliteIntentJournal)
    return journal


async def test_the_person_repeating_a_create_is_asked_first_with_the_earlier_ticket_shown(
    tmp_path: Path,
) -> None:
    run = await start(tmp_path, "offline", "create")
    try:
        await turn(run, [])
        (first,) = run.landed()
        await turn(run, [])
        paused = [e for e in run.events if isinstance(e, Paused)]
        assert len(paused) == 1 and f"ticket #{first}" in paused[0].preview
        assert run.audited()[-1]["rule_id"] == REPEAT_RULE and run.landed() == [first]
        who = await run.service.resolve_principal("employee", email="emma.hart@example.com")
        [e async for e in run.service.handle("yes", who, "matrix")]  # the person's own choice
        assert len(run.landed()) == 2
    finally:
        await run.service.aclose()


async def test_a_write_sent_by_a_process_that_died_is_found_audited_and_told(tmp_path: Path) -> None:
    run = await start(tmp_path, "offline", "create")
    try:
        client = run.service.client
        body = {"summary": "Scanner offline", "details": "The scanner on floor 2 is offline", "site_id": 18}
        attempt = Attempt("ticket", body, floor=await ticket_floor(client))
        args = {"summary": body["summary"], "details": body["details"]}
        intent = Intent(
            id=new_intent_id(), call_id="call_9", session_id="s-dead", request_id="r9",
            principal={"role": "admin", "email": "sam@example.com"}, principal_key="admin:sam@example.com",
            tool="haloitsm_create_ticket", args=args, fingerprint=fingerprint("haloitsm_create_ticket", args),
            attempt=attempt.to_json(), owner=dead_owner(), created_at=time.time(),
        )
        journal_of(run).begin(intent)
        ticket = await client.create_ticket(TicketWrite(**body))  # landed; its process died unaudited
        await run.service.recover()
        (settled,) = [i for i in journal_of(run).unaudited() + journal_of(run).open_intents()] or [None]
        assert settled is None  # settled and audited
        recovered = [r for r in run.service.audit.tail(50) if r.get("recovered")]
        assert len(recovered) == 1 and recovered[0]["outcome"]["halo_ids"] == [ticket.id]
        assert recovered[0]["intent_ids"] == [intent.id] and run.service.audit.verify().ok
        notices = run.service.reconciler.notices("s-dead") if run.service.reconciler else []
        assert notices == [notices[0]] and f"ticket #{ticket.id}" in notices[0] and "after all" in notices[0]
        await run.service.recover()  # done once: no second record
        assert len([r for r in run.service.audit.tail(50) if r.get("recovered")]) == 1
    finally:
        await run.service.aclose()


async def left_running(run: Run, *, sent: bool) -> tuple[str, str]:
    """A close confirmed and claimed by a process that died (after sending it, if `sent`); the answer to
    a later "yes" and the pending record's final state."""
    service = run.service
    admin = await service.resolve_principal("admin", agent_id=1)
    events = [e async for e in service.handle("Close ticket 790", admin, "close")]
    (paused,) = [e for e in events if isinstance(e, Paused)]
    service.pending_store.decide(paused.pending_id, by=admin, approve=True)
    assert service.pending_store.claim(paused.pending_id) is not None
    journal, owner = journal_of(run), dead_owner()
    with journal._connect() as conn:
        conn.execute("INSERT INTO pending_owners VALUES (?, ?, ?)", (paused.pending_id, owner, 0))
    if sent:
        attempt = Attempt("update", {"status_id": 9}, ticket_id=790)
        journal.begin(Intent(
            id=new_intent_id(), call_id=paused.pending_id, session_id="close", request_id="r",
            principal=admin.model_dump(mode="json"), principal_key=admin.key,
            tool="haloitsm_resolve_ticket", args={"ticket_id": 790}, fingerprint="f",
            pending_id=paused.pending_id, attempt=attempt.to_json(), owner=owner, created_at=time.time(),
        ))
        await service.client.update_ticket(790, TicketWrite(status_id=9))  # it landed
    answer = [e async for e in service.handle("yes", admin, "close")]
    record = service.pending_store.get(paused.pending_id)
    assert record is not None
    return next(e.text for e in answer if isinstance(e, FinalAnswer)), record.state


async def test_a_confirmed_close_that_landed_before_the_kill_is_told_as_done(tmp_path: Path) -> None:
    run = await start(tmp_path, "offline", "note")
    try:
        text, state = await left_running(run, sent=True)
        assert state == "done" and "already carried out" in text and "Nothing was changed" not in text
        runs = [r for r in run.service.audit.tail(50) if r.get("event") == "pending_run"]
        assert len(runs) == 1 and runs[0]["recovered"] and runs[0]["outcome"]["halo_ids"] == [790]
    finally:
        await run.service.aclose()


async def test_a_confirmed_close_killed_before_sending_is_told_as_not_done(tmp_path: Path) -> None:
    run = await start(tmp_path, "offline", "note")
    try:
        text, state = await left_running(run, sent=False)
        assert state == "failed" and "did not go through" in text
        assert run.app.state_store.ticket(790)["status_id"] != 9
        runs = [r for r in run.service.audit.tail(50) if r.get("event") == "pending_run"]
        assert len(runs) == 1 and runs[0]["outcome"]["status"] == "error"
    finally:
        await run.service.aclose()
