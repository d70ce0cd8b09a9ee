"""A turn's recovery check on the embedded files reads, and so never queues behind another process's
write transaction when there is nothing to recover (it runs before every turn)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from halo_agent.storage.approvals import PendingStore
from halo_agent.storage.intents import SqliteIntentJournal

WAIT = 0.5  # seconds a store waits for the write lock before "database is locked"


@pytest.fixture
def writer_holding_the_lock(tmp_path: Path) -> Iterator[Path]:
    """Another process in the middle of a write transaction on the state database."""
    path = tmp_path / "state.db"
    SqliteIntentJournal(path).close()
    PendingStore(path).close()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    yield path
    other.execute("ROLLBACK")
    other.close()


def _quick(path: Path) -> tuple[SqliteIntentJournal, PendingStore]:
    journal, pending = SqliteIntentJournal(path), PendingStore(path)
    for conn in (journal._conn, pending._conn):  # a short busy wait, so a regression fails fast
        conn.execute(f"PRAGMA busy_timeout = {int(WAIT * 1000)}")
    return journal, pending


def test_no_notices_are_taken_without_the_write_lock(writer_holding_the_lock: Path) -> None:
    journal, _ = _quick(writer_holding_the_lock)
    started = time.monotonic()
    assert journal.take_notices("s1") == []
    assert time.monotonic() - started < WAIT


def test_listing_running_pauses_takes_no_write_lock(writer_holding_the_lock: Path) -> None:
    _, pending = _quick(writer_holding_the_lock)
    started = time.monotonic()
    assert pending.list(state="running") == []
    assert time.monotonic() - started < WAIT
