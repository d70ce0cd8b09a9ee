"""Every backend keeps the same promises: sessions, pending calls claimed once, counters, rate buckets
and one audit chain, also when two "processes" (two independent Storage objects on the same data, with
their own connections and locks) use them at once. Run against the embedded files and a real PostgreSQL."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import psycopg
import pytest

from halo_agent.errors import PendingError
from halo_agent.principal import Principal
from halo_agent.storage.interface import Storage
from halo_agent.storage.session_locks import SessionBusyError
from halo_agent.storage.sessions import SessionError
from tests.storage.conftest import Opener

EMMA = Principal(role="employee", email="emma.hart@example.com", halo_user_id=12)
LIAM = Principal(role="employee", email="liam.cole@example.com", halo_user_id=13)
ADMIN = Principal(role="admin", email="alex.morgan@example.com", halo_agent_id=1)
ADMIN2 = Principal(role="admin", email="sam.lee@example.com", halo_agent_id=2)



def _approval(storage: Storage, requester: Principal = EMMA) -> str:
    record = storage.pending.create(
        kind="approval", requester=requester, session_id="s1", action="haloitsm_update_ticket",
        args={"ticket_id": 789, "priority": "P1"}, preview="Set #789 to P1", rule_id="r1",
        approver_roles=["admin"], ttl_seconds=600,
    )  # fmt: skip
    return record.id


# sessions ---------------------------------------------------------------------------------------------
def test_a_session_is_shared_and_owned(open_store: Opener) -> None:
    one, two = open_store(), open_store()
    session = one.sessions.load("s1", EMMA)
    session.history.append({"role": "user", "content": "hello"})
    session.pending_confirmations.append("abc")
    one.sessions.save(session)
    again = two.sessions.load("s1", EMMA)
    assert again.history == [{"role": "user", "content": "hello"}] and again.pending_id == "abc"
    with pytest.raises(SessionError, match="belongs to another user"):
        two.sessions.load("s1", LIAM)
    two.sessions.delete("s1")
    assert one.sessions.get("s1") is None


async def test_one_turn_of_a_session_at_a_time_across_processes(open_store: Opener) -> None:
    one, two = open_store(), open_store()
    trace: list[str] = []

    async def turn(storage: Storage, name: str) -> None:
        async with storage.sessions.lock("s1", wait_seconds=10):
            trace.append(f"{name} start")
            await asyncio.sleep(0.05)
            trace.append(f"{name} end")

    await asyncio.gather(turn(one, "a"), turn(two, "b"), turn(one, "c"))
    assert [trace[i].split()[0] for i in range(0, 6, 2)] == [trace[i].split()[0] for i in range(1, 6, 2)]
    async with one.sessions.lock("s1"):
        with pytest.raises(SessionBusyError, match="busy"):
            async with two.sessions.lock("s1", wait_seconds=0.1):
                pass
        async with two.sessions.lock("s2", wait_seconds=0):
            pass


# pending calls ------------------------------------------------------------------------------------------
def test_a_race_to_approve_has_one_winner_and_one_run(open_store: Opener) -> None:
    stores = [open_store() for _ in range(4)]
    pending_id = _approval(stores[0])
    decided, claimed, errors = [], [], []

    def approve(storage: Storage, who: Principal) -> None:
        try:
            decided.append(storage.pending.decide(pending_id, by=who, approve=True).state)
        except PendingError as exc:
            errors.append(str(exc))
        if storage.pending.claim(pending_id) is not None:
            claimed.append(storage)

    pairs = zip(stores, [ADMIN, ADMIN2] * 2, strict=True)
    threads = [threading.Thread(target=approve, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert decided == ["approved"] and len(errors) == 3 and len(claimed) == 1
    assert all("already" in error for error in errors)
    claimed[0].pending.finish(pending_id, result={"ok": True}, error=None)
    record = stores[1].pending.get(pending_id)
    assert record is not None and record.state == "done" and record.result == {"ok": True}
    assert record.decided_by in (ADMIN, ADMIN2)


def test_self_approval_and_expiry_are_refused(open_store: Opener) -> None:
    storage = open_store()
    pending_id = _approval(storage, requester=ADMIN)
    with pytest.raises(PendingError, match="cannot approve your own"):
        storage.pending.decide(pending_id, by=ADMIN, approve=True)
    assert [r.id for r in storage.pending.list(state="pending")] == [pending_id]
    short = storage.pending.create(
        kind="confirmation", requester=EMMA, session_id="s1", action="haloitsm_add_note",
        args={"ticket_id": 789, "note": "x"}, preview="Add a note", rule_id="r2", approver_roles=[],
        ttl_seconds=-1,
    )  # fmt: skip
    with pytest.raises(PendingError, match="expired"):
        storage.pending.decide(short.id, by=EMMA, approve=True)
    assert storage.pending.get(short.id).state == "expired"  # type: ignore[union-attr]


def test_rate_counters_are_shared(open_store: Opener) -> None:
    one, two = open_store(), open_store()
    for storage in (one, two, one):
        storage.pending.record_call(EMMA.key, "haloitsm_create_ticket")
    assert two.pending.count_recent(EMMA.key, "haloitsm_create_ticket", 60) == 3
    assert two.pending.count_recent(LIAM.key, "haloitsm_create_ticket", 60) == 0


def test_http_rate_buckets_are_shared(open_store: Opener) -> None:
    one, two = open_store(), open_store()
    taken = [s.buckets.take("emma", rate=1 / 60, capacity=3) for s in (one, two, one, two)]
    assert taken[:3] == [None, None, None] and taken[3] is not None and taken[3] > 1


# audit --------------------------------------------------------------------------------------------------
async def test_concurrent_writers_make_one_verifiable_chain(open_store: Opener) -> None:
    stores = [open_store() for _ in range(3)]

    def write(storage: Storage, n: int) -> None:
        for i in range(20):
            record = {"event": "tool_call", "writer": n, "i": i, "token": "x", "note": "hunter2-secret"}
            storage.audit.append(record)

    threads = [threading.Thread(target=write, args=(s, n)) for n, s in enumerate(stores)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    await stores[0].audit.sync()
    report = stores[1].audit.verify()
    assert report.ok, report.problems
    assert report.records == 60
    records = list(stores[2].audit.records())
    assert [r["seq"] for r in records] == list(range(1, 61))
    assert all(r["token"] == "[redacted]" and "hunter2" not in r["note"] for r in records)
    assert [r["seq"] for r in stores[0].audit.records(after_seq=58)] == [59, 60]
    assert [r["seq"] for r in stores[0].audit.tail(2)] == [59, 60]


def test_verify_finds_an_edited_record(open_store: Opener, request: pytest.FixtureRequest) -> None:
    storage = open_store()
    for i in range(3):
        storage.audit.append({"event": "tool_call", "i": i})  # in the file or table once it returns
    if "postgres" in request.node.callspec.id:
        with psycopg.connect(request.getfixturevalue("pg_url"), autocommit=True) as conn:
            conn.execute("UPDATE audit_log SET record = replace(record, '\"i\":1', '\"i\":7') WHERE seq = 2")
    else:
        path = Path(storage.audit.location)
        path.write_text(path.read_text(encoding="utf-8").replace('"i":1', '"i":7'), encoding="utf-8")
    report = storage.audit.verify()
    assert not report.ok and any("seq 2" in p and "edited" in p for p in report.problems)


# chat bots --------------------------------------------------------------------------------------------
def test_a_platform_delivery_is_taken_once_across_processes(open_store: Opener) -> None:
    from halo_agent.storage.bot_state import ApprovalPlaces

    one, two = open_store(), open_store()
    assert one.bots is not None and two.bots is not None
    taken = []

    def take() -> None:
        taken.append(two.bots.first_delivery("slack", "Ev0001"))  # type: ignore[union-attr]

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    taken.append(one.bots.first_delivery("slack", "Ev0001"))
    for thread in threads:
        thread.join()
    assert sorted(taken) == [False, False, False, False, True]
    assert one.bots.first_delivery("teams", "Ev0001")  # another platform's ids are its own

    places = ApprovalPlaces({"channel": "D0EMMA", "thread_ts": None}, {"channel": "C0APPROVE", "ts": "1.2"})
    one.bots.remember_approval("p1", "slack", places)
    assert two.bots.approval_places("p1") == places
    assert two.bots.approval_places("unknown") is None


# web page sign-ins -------------------------------------------------------------------------------------
def test_a_sign_in_token_is_spent_once_and_its_session_is_known_everywhere(open_store: Opener) -> None:
    one, two = open_store(), open_store()
    one.signins.put("token", "t-digest", EMMA, expires_at=1_000.0, now=900.0)
    assert two.signins.get("session", "t-digest", now=900.0) is None  # a token is no session
    assert two.signins.take("token", "t-digest", now=950.0) == EMMA
    assert one.signins.take("token", "t-digest", now=950.0) is None  # spent, on every "worker"
    two.signins.put("session", "c-digest", EMMA, expires_at=2_000.0, now=950.0)
    assert one.signins.get("session", "c-digest", now=1_999.0) == EMMA
    assert one.signins.get("session", "c-digest", now=2_001.0) is None  # expired


def test_expired_sign_ins_are_refused_and_cleared(open_store: Opener) -> None:
    one, two = open_store(), open_store()
    one.signins.put("token", "old", EMMA, expires_at=100.0, now=50.0)
    assert two.signins.take("token", "old", now=101.0) is None
    one.signins.put("session", "stale", LIAM, expires_at=200.0, now=150.0)
    two.signins.put("session", "fresh", EMMA, expires_at=900.0, now=300.0)  # clears what expired by now
    assert one.signins.take("session", "stale", now=0.0) is None  # gone, not merely past its time
    assert one.signins.get("session", "fresh", now=300.0) == EMMA
