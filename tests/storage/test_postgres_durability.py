"""When PostgreSQL's commits reach the disk: the audit log per its `audit_fsync` setting (a flush per
turn by default, waited for off the event loop), and the hot path's writes without a disk wait."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import psycopg
import pytest

from halo_agent.config import Settings
from halo_agent.principal import Principal
from halo_agent.storage.factory import open_storage
from halo_agent.storage.intents import Intent, new_intent_id, this_process
from halo_agent.storage.interface import Storage
from halo_agent.storage.postgres import PostgresStorage
from halo_agent.storage.postgres.db import durable, flush_wal

EMMA = Principal(role="employee", email="emma.hart@example.com", halo_user_id=12)
ADMIN = Principal(role="admin", email="alex.morgan@example.com", halo_agent_id=1)
WAIT = "SET LOCAL synchronous_commit TO on"


def _storage(url: str, home: Path, fsync: Literal["record", "turn", "off"] = "turn") -> Storage:
    return open_storage(Settings(home=home, database_url=url, audit_fsync=fsync))


def _intent() -> Intent:
    return Intent(
        id=new_intent_id(), call_id="c1", session_id="s1", request_id="r1", principal={"role": "admin"},
        principal_key="admin:1", tool="haloitsm_add_note", args={"ticket_id": 789}, fingerprint="f1",
        attempt={"kind": "note", "ticket_id": 789, "floor": 41}, owner=this_process(), created_at=time.time(),
    )  # fmt: skip


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


async def test_turns_syncing_at_once_share_one_flush(pg_url: str, tmp_path: Path, sent: list[str]) -> None:
    storage = _storage(pg_url, tmp_path)
    try:
        for _ in range(10):
            storage.audit.append({"event": "tool_call"})
        written = _lsn(pg_url, "insert")
        sent.clear()
        await asyncio.gather(*(storage.audit.sync() for _ in range(10)))
        assert sum("pg_logical_emit_message" in statement for statement in sent) == 1
        assert _lsn(pg_url, "flush") >= written and not storage.audit.needs_sync
    finally:
        storage.close()


async def test_a_failed_flush_is_not_waited_for_again(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = _storage(pg_url, tmp_path)
    try:
        storage.audit.append({"event": "tool_call"})
        with monkeypatch.context() as patched:
            patched.setattr("halo_agent.storage.postgres.audit.flush_wal", _refuse)
            with pytest.raises(psycopg.OperationalError):
                await storage.audit.sync()
        assert storage.audit.needs_sync
        await storage.audit.sync()  # a new flush, not the failed one's error again
        assert not storage.audit.needs_sync
    finally:
        storage.close()


def _refuse(pool: object) -> None:
    raise psycopg.OperationalError("the server closed the connection")


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


def test_claims_and_intents_wait_for_the_disk_and_the_hot_path_does_not(
    pg_url: str, tmp_path: Path, sent: list[str]
) -> None:
    storage = _storage(pg_url, tmp_path)

    def waits(action: Callable[[], object]) -> bool:
        """Whether the action returned only once its changes were on disk: its last commit waited (which
        puts every commit before it on disk too)."""
        sent.clear()
        action()
        assert sent, "the action sent nothing"
        if sent[-1] != "COMMIT" or "BEGIN" not in sent:
            return False
        last_transaction = sent[len(sent) - 1 - sent[::-1].index("BEGIN") :]
        return WAIT in last_transaction

    try:
        intents = storage.intents
        assert intents is not None
        created = storage.pending.create(
            kind="approval", requester=EMMA, session_id="s1", action="haloitsm_update_ticket",
            args={"ticket_id": 789}, preview="Set #789 to P1", rule_id="r1", approver_roles=["admin"],
            ttl_seconds=600,
        )  # fmt: skip
        assert waits(lambda: storage.pending.create(
            kind="confirmation", requester=EMMA, session_id="s1", action="haloitsm_add_note",
            args={"ticket_id": 789}, preview="Add a note", rule_id="r2", approver_roles=[], ttl_seconds=600,
        ))  # fmt: skip
        assert waits(lambda: storage.pending.decide(created.id, by=ADMIN, approve=True))
        assert waits(lambda: storage.pending.claim(created.id))
        assert waits(lambda: storage.pending.finish(created.id, result={"ok": True}, error=None))
        intent = _intent()
        assert waits(lambda: intents.begin(intent))
        assert waits(lambda: intents.settle(intent.id, "applied", halo_id=5, detail=None, notice="made"))
        assert waits(lambda: intents.take_notices("s1"))  # one was taken: handed out once, even after a crash
        assert not waits(lambda: intents.take_notices("s1"))  # asked every turn, mostly for nothing
        assert waits(lambda: intents.own_pending(created.id))
        assert waits(lambda: flush_wal(storage.pool))

        session = storage.sessions.load("s1", EMMA)
        session.history.append({"role": "user", "content": "hello"})
        assert not waits(lambda: storage.sessions.save(session))
        assert not waits(lambda: storage.pending.record_call(EMMA.key, "haloitsm_add_note"))
        assert not waits(lambda: storage.buckets.take("emma", rate=1.0, capacity=5.0))
        assert not waits(lambda: storage.audit.append({"event": "tool_call"}))  # the turn's sync does
    finally:
        storage.close()


def test_the_server_sees_what_the_client_asks(pg_url: str, tmp_path: Path) -> None:
    storage = _storage(pg_url, tmp_path)
    try:
        assert isinstance(storage, PostgresStorage)
        with storage.pool.connection() as conn:
            plain = conn.execute("SHOW synchronous_commit").fetchone()
        with durable(storage.pool) as conn:
            inside = conn.execute("SHOW synchronous_commit")
        assert plain == ("off",) and inside.fetchone() == ("on",)
    finally:
        storage.close()


def test_per_record_audit_durability_waits_at_every_append(
    pg_url: str, tmp_path: Path, sent: list[str]
) -> None:
    storage = _storage(pg_url, tmp_path, fsync="record")
    try:
        for _ in range(2):  # the first reads the head under its lock, the next chains to the head it knows
            sent.clear()
            storage.audit.append({"event": "tool_call"})
            assert sent[:2] == ["BEGIN", WAIT] and sent[-1] == "COMMIT"
    finally:
        storage.close()
