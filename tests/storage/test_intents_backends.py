"""The write-intent journal keeps the same promises on both backends, also across two "processes":
what one begins another can find open and reconcile, repeats are found, each notice is told once."""

from __future__ import annotations

import threading
import time

from halo_agent.storage.intents import Intent, IntentJournal, new_intent_id, this_process
from halo_agent.storage.interface import Storage
from tests.storage.conftest import Opener


def _intent(session: str = "s1", fingerprint: str = "f1", pending_id: str | None = None) -> Intent:
    return Intent(
        id=new_intent_id(), call_id="c1", session_id=session, request_id="r1",
        principal={"role": "admin", "halo_agent_id": 1}, principal_key="admin:1", tool="haloitsm_add_note",
        args={"ticket_id": 789, "note": "vendor called"}, fingerprint=fingerprint, pending_id=pending_id,
        attempt={"kind": "note", "ticket_id": 789, "floor": 41}, owner=this_process(), created_at=time.time(),
    )  # fmt: skip


def _journal(storage: Storage) -> IntentJournal:
    assert storage.intents is not None  # both backends journal writes
    return storage.intents


def test_an_intent_begun_by_one_process_is_open_to_another_until_settled(open_store: Opener) -> None:
    one, two = _journal(open_store()), _journal(open_store())
    intent = _intent(pending_id="p1")
    one.begin(intent)
    [found] = two.open_intents("s1")
    assert found == intent and two.open_intents("other") == []
    assert [i.id for i in two.for_pending("p1")] == [intent.id]
    assert [i.id for i in two.unaudited()] == [intent.id]
    one.settle(intent.id, "applied", halo_id=1234, detail="note 1234")
    assert two.open_intents() == []
    [settled] = two.for_pending("p1")
    assert (settled.state, settled.halo_id, settled.detail) == ("applied", 1234, "note 1234")
    two.mark_audited([intent.id])
    assert one.unaudited() == []


def test_a_recent_identical_write_is_found_until_it_failed(open_store: Opener) -> None:
    one, two = _journal(open_store()), _journal(open_store())
    first, other = _intent(fingerprint="same"), _intent(fingerprint="different")
    one.begin(first)
    one.begin(other)
    assert [i.id for i in two.recent_same("admin:1", "same", time.time() - 60)] == [first.id]
    assert two.recent_same("admin:1", "same", time.time() + 60) == []
    one.settle(first.id, "failed", halo_id=None, detail="Halo refused it")
    assert two.recent_same("admin:1", "same", time.time() - 60) == []


def test_each_notice_is_told_once_however_many_processes_ask(open_store: Opener) -> None:
    journals = [_journal(open_store()) for _ in range(3)]
    for n in range(5):
        intent = _intent()
        journals[0].begin(intent)
        journals[0].settle(intent.id, "unknown", halo_id=None, detail=None, notice=f"notice {n}")
    told: list[str] = []

    def take(journal: IntentJournal) -> None:
        told.extend(journal.take_notices("s1"))

    threads = [threading.Thread(target=take, args=(journal,)) for journal in journals]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(told) == [f"notice {n}" for n in range(5)]
    assert journals[1].take_notices("s1") == []


def test_the_owner_of_a_pending_call_is_shared(open_store: Opener) -> None:
    one, two = _journal(open_store()), _journal(open_store())
    assert two.pending_owner("p1") is None
    one.own_pending("p1")
    assert two.pending_owner("p1") == this_process()
    two.own_pending("p1")
    assert one.pending_owner("p1") == this_process()
