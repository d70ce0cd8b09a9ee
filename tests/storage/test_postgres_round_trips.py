"""The PostgreSQL stores do a turn's work in few statements and round trips, and keep their promises
while doing so: a session read with its lease sees every save before it, a bucket taken in one upsert
refills and refuses as the embedded one does, a counter recorded in one statement prunes old calls."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from halo_agent.config import Settings
from halo_agent.principal import Principal
from halo_agent.storage.buckets import MemoryBuckets
from halo_agent.storage.factory import open_storage
from halo_agent.storage.interface import Storage
from halo_agent.storage.postgres import PostgresStorage
from halo_agent.storage.postgres.buckets import PostgresBuckets

EMMA = Principal(role="employee", email="emma.hart@example.com", halo_user_id=12)


@pytest.fixture
def two(pg_url: str, tmp_path: Path) -> Iterator[list[Storage]]:
    """Two stores on one database, as two workers have."""
    stores = [open_storage(Settings(home=tmp_path / name, database_url=pg_url)) for name in ("a", "b")]
    yield stores
    for store in stores:
        store.close()


async def test_a_session_is_read_with_its_lease_and_every_save_before_is_seen(
    two: list[Storage], sent: list[str]
) -> None:
    for n in range(6):  # the workers take turns on one session
        store = two[n % 2]
        async with store.sessions.lock("s1"):
            sent.clear()
            session = store.sessions.load("s1", EMMA)
            assert sent == []  # read in the round trip that took the lease
            assert [m["content"] for m in session.history] == [f"turn {i}" for i in range(n)]
            session.history.append({"role": "user", "content": f"turn {n}"})
            store.sessions.save(session)
        outside = store.sessions.get("s1")  # no lease held: read now, never the copy taken with one
        assert outside is not None and len(outside.history) == n + 1
        assert sent[-1].lstrip().startswith("SELECT")


def test_a_bucket_refills_and_refuses_as_the_embedded_one_does(two: list[Storage]) -> None:
    now = [1000.0]
    store = two[0]
    assert isinstance(store, PostgresStorage)
    shared = PostgresBuckets(store.pool, clock=lambda: now[0])
    memory = MemoryBuckets(clock=lambda: now[0])
    for step in (0.0, 0.0, 0.0, 0.25, 0.5, 0.0, 0.3, 2.0, 0.0, 0.0, 0.0):
        now[0] += step
        expected = memory.take("emma", rate=2.0, capacity=2.0)
        got = shared.take("emma", rate=2.0, capacity=2.0)
        assert (got is None) == (expected is None)
        assert got == pytest.approx(expected)


def test_a_take_is_one_statement_and_a_recorded_call_prunes_in_the_same_one(
    two: list[Storage], sent: list[str]
) -> None:
    store = two[0]
    assert store.buckets.take("emma", rate=1.0, capacity=3.0) is None
    store.pending.record_call(EMMA.key, "haloitsm_add_note")
    assert len(sent) == 2 and "DELETE FROM policy_calls" in sent[1]
    assert store.pending.count_recent(EMMA.key, "haloitsm_add_note", 60) == 1


def test_an_append_after_ones_own_is_one_statement_and_after_anothers_two(
    two: list[Storage], sent: list[str]
) -> None:
    one, other = two
    one.audit.append({"event": "tool_call", "n": 0})  # no head known yet: read under its lock
    sent.clear()
    one.audit.append({"event": "tool_call", "n": 1})
    assert len(sent) == 1  # chained to the head it left
    other.audit.append({"event": "tool_call", "n": 2})
    sent.clear()
    one.audit.append({"event": "tool_call", "n": 3})  # the head moved: refused, then chained to it
    assert len(sent) == 2
    report = other.audit.verify()
    assert report.ok and report.records == 4, report.problems
    assert [r["n"] for r in one.audit.records()] == [0, 1, 2, 3]


def test_writers_racing_for_the_head_make_one_chain_with_every_record_once(
    pg_url: str, tmp_path: Path
) -> None:
    stores = [open_storage(Settings(home=tmp_path / str(n), database_url=pg_url)) for n in range(4)]
    try:

        def write(storage: Storage, writer: int) -> None:
            for i in range(25):
                storage.audit.append({"event": "tool_call", "writer": writer, "i": i})

        threads = [threading.Thread(target=write, args=(stores[n % 4], n)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        report = stores[0].audit.verify()
        assert report.ok and report.records == 200, report.problems
        written = [(r["writer"], r["i"]) for r in stores[1].audit.records()]
        assert sorted(written) == [(w, i) for w in range(8) for i in range(25)]
    finally:
        for storage in stores:
            storage.close()
