"""One turn at a time per session, across every process that shares the storage.

A turn takes the session's in-process asyncio lock first (so one process's turns queue without
polling), then the backend's cross-process lock: an flock on a per-session file (embedded) or a lease
row (PostgreSQL). Both are polled with a short sleep, so waiting never blocks the event loop, and the
wait is bounded: past it the caller gets `SessionBusyError` (HTTP 409), never a lost turn. A lock dies
with its holder: the kernel drops a dead process's flock; a lease lapses when its holder stops renewing.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import sys
import time
import weakref
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol

from halo_agent.errors import HaloAgentError

if sys.platform != "win32":
    import fcntl

_POLL_SECONDS = 0.02


class SessionBusyError(HaloAgentError):
    """Another turn of this session is still running (in this or another process) past the wait."""


class CrossProcessLock(Protocol):
    renew_seconds: float | None  # how often a held lock must be renewed; None: never

    def try_acquire(self, session_id: str) -> object | None:
        """A handle when the lock was free and is now ours, else None (do not wait)."""
        ...

    def renew(self, handle: object) -> None: ...
    def release(self, handle: object) -> None: ...


class SessionLocks:
    def __init__(self, shared: CrossProcessLock) -> None:
        self.shared = shared
        self._local: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    @contextlib.asynccontextmanager
    async def lock(self, session_id: str, *, wait_seconds: float) -> AsyncIterator[None]:
        deadline = time.monotonic() + wait_seconds
        local = self._local.get(session_id)
        if local is None:
            local = self._local[session_id] = asyncio.Lock()
        await _acquire_local(local, session_id, wait_seconds)
        try:
            handle = await self._acquire_shared(session_id, deadline)
            renewer = asyncio.create_task(self._renew(handle)) if self.shared.renew_seconds else None
            try:
                yield
            finally:
                if renewer is not None:
                    renewer.cancel()
                self.shared.release(handle)
        finally:
            local.release()

    async def _acquire_shared(self, session_id: str, deadline: float) -> object:
        while (handle := self.shared.try_acquire(session_id)) is None:
            if time.monotonic() >= deadline:
                raise _busy(session_id)
            await asyncio.sleep(_POLL_SECONDS)
        return handle

    async def _renew(self, handle: object) -> None:
        assert self.shared.renew_seconds is not None
        while True:
            await asyncio.sleep(self.shared.renew_seconds)
            self.shared.renew(handle)


async def _acquire_local(local: asyncio.Lock, session_id: str, wait_seconds: float) -> None:
    if not local.locked():
        await local.acquire()  # free: taken at once (wait_for with no time left would not even try)
        return
    try:
        await asyncio.wait_for(local.acquire(), timeout=max(wait_seconds, 0.0))
    except TimeoutError:
        raise _busy(session_id) from None


def _busy(session_id: str) -> SessionBusyError:
    return SessionBusyError(
        f"session {session_id!r} is busy with another turn; try again when it has answered"
    )


class FileLocks:
    """flock on `<folder>/<sha256 of the id>.lock`; the kernel releases it if the process dies.
    The files stay (empty): removing one while another process waits on it would split the lock."""

    renew_seconds: float | None = None

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def try_acquire(self, session_id: str) -> object | None:
        name = hashlib.sha256(session_id.encode("utf-8")).hexdigest()[:40] + ".lock"
        fd = os.open(self.folder / name, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            _lock_nonblocking(fd)
        except BlockingIOError:
            os.close(fd)
            return None
        return fd

    def renew(self, handle: object) -> None:
        return None

    def release(self, handle: object) -> None:
        assert isinstance(handle, int)
        os.close(handle)  # closing the last descriptor drops the flock


def _lock_nonblocking(fd: int) -> None:
    if sys.platform == "win32":  # pragma: no cover - the project runs on POSIX; keep Windows working
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError as exc:
            raise BlockingIOError from exc
        return
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
