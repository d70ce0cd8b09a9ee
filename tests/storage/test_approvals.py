"""The pending store: state rules, expiry, self-approval, exactly-once claims, rate-limit counters."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from halo_agent.errors import PendingError
from halo_agent.principal import Principal
from halo_agent.storage.approvals import PendingRecord, PendingStore, args_hash

ALEX = Principal(role="admin", halo_agent_id=1, name="Alex Morgan")
SAM = Principal(role="admin", halo_agent_id=2, name="Sam")
EMMA = Principal(role="employee", halo_user_id=501, email="emma.hart@example.com")
ARGS = {"ticket_id": 789, "priority": "Critical"}


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> PendingStore:
    return PendingStore(tmp_path / "state.db", clock=clock)


def approval(store: PendingStore, *, ttl: int = 600) -> PendingRecord:
    return store.create(kind="approval", requester=ALEX, session_id="s1", action="haloitsm_update_ticket",
                        args=ARGS, preview="Ticket 789: priority High -> Critical", rule_id="admin-crit",
                        approver_roles=["admin"], ttl_seconds=ttl)


def confirmation(store: PendingStore, who: Principal = EMMA) -> PendingRecord:
    return store.create(kind="confirmation", requester=who, session_id="s2", action="haloitsm_resolve_ticket",
                        args={"ticket_id": 789}, preview="Close 789", rule_id="employee-resolve-ticket",
                        approver_roles=[], ttl_seconds=600)


def test_created_record_round_trips(store: PendingStore) -> None:
    record = approval(store)
    assert store.get(record.id) == record
    assert (record.state, record.requester, record.args) == ("pending", ALEX, ARGS)
    assert record.args_hash == args_hash("haloitsm_update_ticket", ARGS)
    assert (record.expires_at - record.created_at).total_seconds() == 600
    assert store.get("missing") is None


def test_args_hash_binds_action_and_exact_arguments() -> None:
    assert args_hash("a", {"x": 1, "y": 2}) == args_hash("a", {"y": 2, "x": 1})
    assert args_hash("a", {"x": 1}) != args_hash("a", {"x": 2})
    assert args_hash("a", {"x": 1}) != args_hash("b", {"x": 1})


def test_another_admin_approves_and_is_recorded(store: PendingStore, clock: Clock) -> None:
    record = approval(store)
    decided = store.decide(record.id, by=SAM, approve=True, reason="on-call agreed")
    assert (decided.state, decided.decided_by, decided.reason) == ("approved", SAM, "on-call agreed")
    assert decided.decided_at is not None and decided.decided_at.timestamp() == clock.now


def test_requester_cannot_approve_their_own_request(store: PendingStore) -> None:
    record = approval(store)
    with pytest.raises(PendingError, match="your own request"):
        store.decide(record.id, by=ALEX, approve=True)
    assert store.get(record.id).state == "pending"  # type: ignore[union-attr]


def test_requester_may_withdraw_their_own_approval_request(store: PendingStore) -> None:
    record = approval(store)
    assert store.decide(record.id, by=ALEX, approve=False).state == "denied"


def test_only_an_approver_role_decides_an_approval(store: PendingStore) -> None:
    record = approval(store)
    with pytest.raises(PendingError, match="may not decide"):
        store.decide(record.id, by=EMMA, approve=True)


def test_confirmation_is_decided_only_by_the_requester(store: PendingStore) -> None:
    record = confirmation(store)
    with pytest.raises(PendingError, match="only the person who asked"):
        store.decide(record.id, by=ALEX, approve=True)
    assert store.decide(record.id, by=EMMA, approve=True).state == "approved"


def test_a_decided_record_cannot_be_decided_again(store: PendingStore) -> None:
    record = approval(store)
    store.decide(record.id, by=SAM, approve=False)
    with pytest.raises(PendingError, match="already denied"):
        store.decide(record.id, by=SAM, approve=True)
    assert store.claim(record.id) is None


def test_unknown_record_cannot_be_decided(store: PendingStore) -> None:
    with pytest.raises(PendingError, match="no such pending request"):
        store.decide("nope", by=SAM, approve=True)


def test_expired_record_cannot_be_decided_and_becomes_expired(store: PendingStore, clock: Clock) -> None:
    record = approval(store, ttl=60)
    clock.now += 60
    with pytest.raises(PendingError, match="expired"):
        store.decide(record.id, by=SAM, approve=True)
    assert store.get(record.id).state == "expired"  # type: ignore[union-attr]


def test_expired_approval_cannot_be_claimed(store: PendingStore, clock: Clock) -> None:
    record = approval(store, ttl=60)
    store.decide(record.id, by=SAM, approve=True)
    clock.now += 61
    assert store.claim(record.id) is None
    assert store.get(record.id).state == "expired"  # type: ignore[union-attr]


def test_claim_runs_once_then_finishes(store: PendingStore) -> None:
    record = approval(store)
    assert store.claim(record.id) is None  # not approved yet
    store.decide(record.id, by=SAM, approve=True)
    claimed = store.claim(record.id)
    assert claimed is not None and claimed.state == "running"
    assert store.claim(record.id) is None
    store.finish(record.id, result={"ticket_id": 789}, error=None)
    done = store.get(record.id)
    assert done is not None and (done.state, done.result, done.error) == ("done", {"ticket_id": 789}, None)
    with pytest.raises(PendingError, match="not running"):
        store.finish(record.id, result=None, error="again")


def test_failed_run_is_recorded(store: PendingStore) -> None:
    record = confirmation(store)
    store.decide(record.id, by=EMMA, approve=True)
    store.claim(record.id)
    store.finish(record.id, result=None, error="Halo said 500")
    failed = store.get(record.id)
    assert failed is not None and (failed.state, failed.error) == ("failed", "Halo said 500")


def race(workers: int, action: Callable[[int], Any]) -> list[Any]:
    """Run `action(i)` on `workers` threads released together; exceptions are returned as values."""
    barrier = threading.Barrier(workers)
    results: list[Any] = [None] * workers

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = action(i)
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_concurrent_claims_on_two_store_instances_run_exactly_once(tmp_path: Path) -> None:
    stores = [PendingStore(tmp_path / "shared.db"), PendingStore(tmp_path / "shared.db")]
    record = approval(stores[0])
    stores[1].decide(record.id, by=SAM, approve=True)
    results = race(16, lambda i: stores[i % 2].claim(record.id))
    winners = [r for r in results if isinstance(r, PendingRecord)]
    assert len(winners) == 1
    assert all(r is None for r in results if r is not winners[0])


def test_concurrent_approvals_are_accepted_once(tmp_path: Path) -> None:
    stores = [PendingStore(tmp_path / "shared.db"), PendingStore(tmp_path / "shared.db")]
    record = approval(stores[0])
    approvers = [Principal(role="admin", halo_agent_id=10 + i) for i in range(8)]
    results = race(8, lambda i: stores[i % 2].decide(record.id, by=approvers[i], approve=True))
    accepted = [r for r in results if isinstance(r, PendingRecord)]
    assert len(accepted) == 1
    assert all(isinstance(r, PendingError) for r in results if r is not accepted[0])
    assert stores[1].get(record.id).decided_by == accepted[0].decided_by  # type: ignore[union-attr]


def test_list_filters_by_state_and_requester_and_expires_overdue(store: PendingStore, clock: Clock) -> None:
    first = approval(store, ttl=30)
    clock.now += 1
    second = confirmation(store)
    assert [r.id for r in store.list()] == [first.id, second.id]
    assert [r.id for r in store.list(requester_key=EMMA.key)] == [second.id]
    clock.now += 30
    assert [r.id for r in store.list()] == [second.id]
    assert [r.id for r in store.list(state="expired")] == [first.id]
    assert len(store.list(state=None)) == 2


def test_recent_calls_are_counted_inside_the_window(store: PendingStore, clock: Clock) -> None:
    for _ in range(3):
        store.record_call(EMMA.key, "haloitsm_create_ticket")
        clock.now += 100
    store.record_call(ALEX.key, "haloitsm_create_ticket")
    store.record_call(EMMA.key, "haloitsm_add_note")
    assert store.count_recent(EMMA.key, "haloitsm_create_ticket", 3600) == 3
    assert store.count_recent(EMMA.key, "haloitsm_create_ticket", 250) == 2
    assert store.count_recent(EMMA.key, "haloitsm_add_note", 3600) == 1
    clock.now += 3600
    assert store.count_recent(EMMA.key, "haloitsm_create_ticket", 3600) == 0


def test_store_survives_reopening(tmp_path: Path) -> None:
    record = approval(PendingStore(tmp_path / "s.db"))
    assert PendingStore(tmp_path / "s.db").get(record.id) == record
