"""When PostgreSQL's commits reach the disk: the audit log per its `audit_fsync` setting (a flush per
turn by default, waited for off the event loop), and the hot path's writes without a disk wait."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Literal

import psycopg

from halo_agent.config import Settings
from halo_agent.principal import Principal
from halo_agent.storage.factory import open_storage
from halo_agent.storage.interface import Storage
from halo_agent.storage.postgres import PostgresStorage
from halo_agent.storage.postgres.db import Pool
from halo_agent.storage.postgres.intents import PostgresIntentJournal
from halo_agent.storage.postgres.pending import PostgresPending
from halo_agent.storage.postgres.sessions import PostgresSessions

EMMA = Principal(role="employee", email="emma.hart@example.com", halo_user_id=12)


def _storage(url: str, home: Path, fsync: Literal["record", "turn", "off"] = "turn") -> Storage:
    return open_storage(Settings(home=home, database_url=url, audit_fsync=fsync))


def _lsn(url: str, what: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(f"SELECT pg_current_wal_{what}_lsn() - '0/0'::pg_lsn").fetchone()
    assert row is not None
    return int(row[0])


async def test_a_turn_s_records_are_on_disk_once_sync_returns(pg_url: str, tmp_path: Path) -> None:
    storage = _storage(pg_url, tmp_path)
    try:
        for _ in range(5):  # as often as the WAL writer might flush on its own in between: every time
            storage.audit.append({"event": "tool_call"})
            written = _lsn(pg_url, "insert")
            assert storage.audit.needs_sync
            await storage.audit.sync()
            assert _lsn(pg_url, "flush") >= written and not storage.audit.needs_sync
    finally:
        storage.close()


async def test_sync_waits_off_the_event_loop(pg_url: str, tmp_path: Path) -> None:
    storage = _storage(pg_url, tmp_path)
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    ticker = asyncio.create_task(tick())
    try:
        for _ in range(20):
            storage.audit.append({"event": "tool_call"})
            await storage.audit.sync()
        assert ticks >= 20  # the loop ran other work while each flush was waited for
    finally:
        ticker.cancel()
        storage.close()


def test_per_record_durability_leaves_nothing_to_sync(pg_url: str, tmp_path: Path) -> None:
    storage = _storage(pg_url, tmp_path, fsync="record")
    try:
        storage.audit.append({"event": "tool_call"})  # committed with the flush waited for
        assert not storage.audit.needs_sync and storage.audit.durability == "record"
    finally:
        storage.close()


def test_hot_path_writes_are_visible_to_another_worker_at_once(pg_url: str, tmp_path: Path) -> None:
    one, two = _storage(pg_url, tmp_path / "a"), _storage(pg_url, tmp_path / "b")
    try:
        session = one.sessions.load("s1", EMMA)
        session.history.append({"role": "user", "content": "hello"})
        one.sessions.save(session)
        one.pending.record_call(EMMA.key, "haloitsm_add_note")
        assert one.buckets.take("emma", rate=1.0, capacity=1.0) is None
        stored = two.sessions.get("s1")
        assert stored is not None and stored.history == session.history
        assert two.pending.count_recent(EMMA.key, "haloitsm_add_note", 60) == 1
        assert two.buckets.take("emma", rate=1.0, capacity=1.0) is not None  # the one token is spent
    finally:
        one.close()
        two.close()


def test_claims_and_intents_wait_for_the_disk_and_the_hot_path_does_not(pg_url: str, tmp_path: Path) -> None:
    storage = _storage(pg_url, tmp_path)
    try:
        assert isinstance(storage, PostgresStorage)
        assert _setting(storage.pool) == "on" and _setting(storage.quick_pool) == "off"
        pending, intents = storage.pending, storage.intents
        assert isinstance(pending, PostgresPending) and isinstance(intents, PostgresIntentJournal)
        assert pending.pool is storage.pool and intents.pool is storage.pool  # claims, intents
        assert isinstance(storage.sessions, PostgresSessions) and storage.sessions.pool is storage.quick_pool
    finally:
        storage.close()


def _setting(pool: Pool) -> str:
    with pool.connection() as conn:
        row = conn.execute("SHOW synchronous_commit").fetchone()
    return str(row[0]) if row else ""
