"""Sessions persist by id in SQLite, belong to one principal, and serialise turns across processes."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from halo_agent.principal import Principal
from halo_agent.storage.session_locks import SessionBusyError
from halo_agent.storage.sessions import SessionError, SessionStore

EMMA = Principal(role="employee", email="emma.hart@example.com", halo_user_id=12)
LIAM = Principal(role="employee", email="liam.cole@example.com", halo_user_id=13)


def test_a_session_survives_a_new_store_on_the_same_file(tmp_path: Path) -> None:
    session = SessionStore(tmp_path / "state.db").load("s1", EMMA)
    session.history.append({"role": "user", "content": "hello"})
    session.pending_confirmations.append("abc123")
    session.user_texts.append("hello")
    SessionStore(tmp_path / "state.db").save(session)

    again = SessionStore(tmp_path / "state.db").load("s1", EMMA)
    assert again.history == [{"role": "user", "content": "hello"}]
    assert again.pending_id == "abc123"
    assert again.user_texts == ["hello"]
    assert again.principal == EMMA


def test_another_principal_cannot_use_the_session(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "state.db")
    store.save(store.load("s1", EMMA))
    with pytest.raises(SessionError, match="belongs to another user"):
        store.load("s1", LIAM)


@pytest.mark.parametrize("bad_id", ["", "x" * 201, "line\nbreak"])
def test_bad_session_ids_are_refused(tmp_path: Path, bad_id: str) -> None:
    with pytest.raises(SessionError):
        SessionStore(tmp_path / "state.db").load(bad_id, EMMA)


async def test_turns_of_one_session_never_interleave(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "state.db")
    trace: list[str] = []

    async def turn(name: str) -> None:
        async with store.lock("s1"):
            trace.append(f"{name} start")
            await asyncio.sleep(0.01)
            trace.append(f"{name} end")

    await asyncio.gather(turn("a"), turn("b"))
    assert trace in (["a start", "a end", "b start", "b end"], ["b start", "b end", "a start", "a end"])


async def test_different_sessions_run_concurrently(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "state.db")
    async with store.lock("s1"):
        async with store.lock("s2", wait_seconds=0):
            pass
        with pytest.raises(SessionBusyError, match="busy"):
            async with store.lock("s1", wait_seconds=0.05):
                pass


async def test_a_turn_holds_the_session_against_another_store_on_the_same_directory(tmp_path: Path) -> None:
    """Another store on the same file is what another process sees: the flock is per open file."""
    mine, theirs = SessionStore(tmp_path / "state.db"), SessionStore(tmp_path / "state.db")
    async with mine.lock("s1"):
        with pytest.raises(SessionBusyError):
            async with theirs.lock("s1", wait_seconds=0.1):
                pass
    async with theirs.lock("s1", wait_seconds=0):
        pass


def test_an_unchanged_session_is_not_written_again(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "state.db")
    session = store.load("s1", EMMA)
    session.history.append({"role": "user", "content": "hello"})
    store.save(session)
    saved_at = session.updated_at
    again = store.load("s1", EMMA)
    store.save(again)
    assert again.updated_at == saved_at == store.get("s1").updated_at  # type: ignore[union-attr]
    again.history.append({"role": "assistant", "content": "hi"})
    store.save(again)
    assert len(SessionStore(tmp_path / "state.db").load("s1", EMMA).history) == 2


def test_one_store_serves_several_threads(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "state.db")

    def work(worker: int) -> None:
        for i in range(10):
            session = store.load(f"t{worker}", EMMA)
            session.user_texts.append(str(i))
            store.save(session)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [len(store.load(f"t{w}", EMMA).user_texts) for w in range(4)] == [10, 10, 10, 10]
