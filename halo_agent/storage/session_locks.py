"""One turn at a time per session, across every process that shares the storage.

A turn takes the session's in-process asyncio lock first (so one process's turns queue without
polling), then the backend's cross-process lock: the session's byte of one lock file (embedded; a file
per session where the OS has no open-file-description locks) or a lease row (PostgreSQL). Both are
polled with a short sleep, so waiting never blocks the event loop, and the wait is bounded: past it the
caller gets `SessionBusyError` (HTTP 409), never a lost turn. A lock dies with its holder: the kernel
drops a dead process's file locks; a lease lapses when its holder stops renewing.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import os
import struct
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


class RangeLocks:
    """An open-file-description lock on one byte of one file, at an offset from the session id's sha256
    (62 bits: two sessions sharing a byte, which would only make one wait for the other, is a 1 in 2**31
    chance among 65,536 turns held at once). The kernel drops it when its descriptor closes or the
    process dies. One file for every session: no file is created per new session (a create costs ~0.3 ms
    of metadata, written with the next fsync), and nothing accumulates. Each hold opens its own
    descriptor, so two holders in one process exclude each other as two processes do. Linux
    (F_OFD_SETLK); `session_lock_files` falls back to `FileLocks` elsewhere."""

    renew_seconds: float | None = None

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))

    def try_acquire(self, session_id: str) -> object | None:
        fd = os.open(self.path, os.O_RDWR)
        try:
            fcntl.fcntl(fd, fcntl.F_OFD_SETLK, _flock(fcntl.F_WRLCK, _offset(session_id)))
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                return None
            raise
        return fd

    def renew(self, handle: object) -> None:
        return None

    def release(self, handle: object) -> None:
        assert isinstance(handle, int)
        os.close(handle)  # closing the descriptor drops its lock


def session_lock_files(folder: Path) -> CrossProcessLock:
    """The embedded backend's cross-process session lock under `folder`: byte ranges where the kernel
    has open-file-description locks, else a file per session."""
    if sys.platform != "win32" and hasattr(fcntl, "F_OFD_SETLK"):
        locks = RangeLocks(folder / "sessions.lock")
        try:  # a kernel or file system without them refuses this one (EINVAL), not every turn after
            probe = locks.try_acquire("\0probe")
        except OSError:
            return FileLocks(folder / "sessions")
        if probe is not None:
            locks.release(probe)
        return locks
    return FileLocks(folder / "sessions")


def _offset(session_id: str) -> int:
    return int.from_bytes(hashlib.sha256(session_id.encode("utf-8")).digest()[:8], "big") >> 2


def _flock(kind: int, offset: int) -> bytes:
    # struct flock: l_type, l_whence, l_start, l_len, l_pid (0, as OFD locks require); zero-padded past
    # the kernel's size so no stray byte is read.
    return struct.pack("hhqqi", kind, os.SEEK_SET, offset, 1, 0).ljust(64, b"\0")


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
