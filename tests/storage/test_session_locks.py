"""The embedded session lock: one byte of one file per session, held across processes, dropped on death."""

from __future__ import annotations

import asyncio
import errno
import fcntl
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from halo_agent.storage.session_locks import FileLocks, RangeLocks, SessionBusyError, session_lock_files
from halo_agent.storage.sessions import SessionStore

HOLD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from halo_agent.storage.session_locks import RangeLocks
    locks = RangeLocks(Path(sys.argv[1]))
    assert locks.try_acquire(sys.argv[2]) is not None
    print("held", flush=True)
    time.sleep(60)
""")


def test_many_new_sessions_make_no_new_files(tmp_path: Path) -> None:
    locks = RangeLocks(tmp_path / "locks" / "sessions.lock")
    handles = [locks.try_acquire(f"session-{n}") for n in range(200)]
    assert all(handle is not None for handle in handles)
    for handle in handles:
        locks.release(handle)
    assert [path.name for path in (tmp_path / "locks").iterdir()] == ["sessions.lock"]


def test_two_holders_in_one_process_exclude_each_other_on_one_session_only(tmp_path: Path) -> None:
    one, two = RangeLocks(tmp_path / "s.lock"), RangeLocks(tmp_path / "s.lock")
    held = one.try_acquire("s1")
    assert held is not None
    assert one.try_acquire("s1") is None  # each hold has its own descriptor: no re-entry by accident
    assert two.try_acquire("s1") is None
    other = two.try_acquire("s2")
    assert other is not None
    one.release(held)
    again = two.try_acquire("s1")
    assert again is not None
    two.release(again)
    two.release(other)


async def test_a_session_held_by_another_process_is_busy_until_that_process_is_killed(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "state.db")
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", HOLD, str(tmp_path / "locks" / "sessions.lock"), "s1", stdout=subprocess.PIPE
    )
    try:
        assert child.stdout is not None and await child.stdout.readline() == b"held\n"
        with pytest.raises(SessionBusyError):
            async with store.lock("s1", wait_seconds=0.1):
                pass
        async with store.lock("s2", wait_seconds=0):
            pass
    finally:
        child.send_signal(signal.SIGKILL)
        await child.wait()
    async with store.lock("s1", wait_seconds=0):  # the kernel dropped the dead holder's lock
        pass


def test_without_byte_range_locks_a_file_per_session_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(*args: object) -> None:
        raise OSError(errno.EINVAL, "Invalid argument")

    monkeypatch.setattr(fcntl, "fcntl", refused)
    assert isinstance(session_lock_files(tmp_path / "locks"), FileLocks)
    monkeypatch.undo()
    assert isinstance(session_lock_files(tmp_path / "locks"), RangeLocks)
