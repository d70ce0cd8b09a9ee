"""The audit log's files and cross-process lock, kept open between records (a record costs a few
system calls, not an open/close of three files and a lock library's bookkeeping).

A descriptor is reopened whenever the file at its path is no longer the one open (rotated, removed,
replaced) and after a fork, so a writer never appends to a file nobody can see.
"""

from __future__ import annotations

import os
import sys
import weakref
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from filelock import FileLock

if sys.platform != "win32":
    import fcntl

Mark = tuple[int, int, int, int, int]  # log inode, size, mtime; head inode, mtime


class _Descriptor:
    """One file kept open; `get` reopens it when the path now names another file or we were forked."""

    def __init__(self, path: Path, flags: int) -> None:
        self.path = path
        self.flags = flags
        self.fd: int | None = None
        self._pid = 0
        self._identity: tuple[int, int] | None = None  # (device, inode) of the file open as `fd`

    def get(self) -> int:
        if self.names(_stat(self.path)):
            return self.fd  # type: ignore[return-value]  # names() is True only with an open descriptor
        return self.reopen()

    def open_here(self) -> int | None:
        """The descriptor if this process opened it (not one inherited across a fork)."""
        return self.fd if self.fd is not None and self._pid == os.getpid() else None

    def names(self, seen: os.stat_result | None) -> bool:
        """`seen` (a stat of the path) is the file open here, in this process."""
        return (self.open_here() is not None and seen is not None
                and (seen.st_dev, seen.st_ino) == self._identity)  # fmt: skip

    def reopen(self) -> int:
        self.close(sync=True)  # what went to the old file stays as durable as the setting promised
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, self.flags, 0o644)
        opened = os.fstat(fd)
        self.fd, self._pid, self._identity = fd, os.getpid(), (opened.st_dev, opened.st_ino)
        return fd

    def close(self, *, sync: bool = False) -> None:
        fd, self.fd = self.fd, None
        if fd is None or self._pid != os.getpid():
            return  # a forked child leaves its parent's descriptors alone
        if sync:
            _datasync(fd)
        os.close(fd)


class AuditFiles:
    """The log (append only) and its head (overwritten in place).

    `mark` stats both paths under the writers' lock; when they name the open files, the record's two
    writes go straight to the descriptors, and the mark after them is taken from the descriptors
    (fstat, no path lookup): a record costs the lock, two stats, two writes and two fstats.
    """

    def __init__(self, log: Path, head: Path) -> None:
        self.log = _Descriptor(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        self.head = _Descriptor(head, os.O_WRONLY | os.O_CREAT)
        self._checked = False  # the last mark found both paths naming the open descriptors
        weakref.finalize(self, _close_all, self.log, self.head)

    def append(self, data: bytes) -> None:
        if not self._checked:
            self._fd(self.head)  # the head exists before the log's first record: a kill between is a tail
        fd, view = self._fd(self.log), memoryview(data)
        while view:  # O_APPEND: each write lands at the end; the locks keep other writers out
            view = view[os.write(fd, view):]

    def write_head(self, data: bytes) -> None:
        os.pwrite(self._fd(self.head), data, 0)

    def mark(self) -> Mark | None:
        """What changes when anyone writes, cuts or replaces either file (one stat each)."""
        log, head = _stat(self.log.path), _stat(self.head.path)
        self._checked = self.log.names(log) and self.head.names(head)
        if log is None or head is None:
            return None
        return log.st_ino, log.st_size, log.st_mtime_ns, head.st_ino, head.st_mtime_ns

    def written_mark(self) -> Mark | None:
        """The mark right after this writer's own writes to files the last `mark` checked."""
        if not self._checked:
            return self.mark()
        log, head = os.fstat(self.log.fd), os.fstat(self.head.fd)  # type: ignore[arg-type]
        return log.st_ino, log.st_size, log.st_mtime_ns, head.st_ino, head.st_mtime_ns

    def fsync(self, *, log: bool = True, head: bool = True) -> None:
        for descriptor, wanted in ((self.log, log), (self.head, head)):
            if wanted and descriptor.fd is not None:
                _datasync(descriptor.fd)

    def close(self) -> None:
        self._checked = False
        _close_all(self.log, self.head)

    def _fd(self, descriptor: _Descriptor) -> int:
        if self._checked and descriptor.fd is not None:
            return descriptor.fd
        self._checked = False
        return descriptor.get()


class _FlockLock:
    """An exclusive flock on a lock file kept open: a few µs per use where filelock takes ~100. The
    same lock as filelock's FileLock on that path (both flock the file's inode)."""

    def __init__(self, path: str) -> None:
        self.file = _Descriptor(Path(path), os.O_RDWR | os.O_CREAT)
        weakref.finalize(self, self.file.close)

    def __enter__(self) -> None:
        while True:
            fd = self.file.open_here()
            fd = self.file.reopen() if fd is None else fd  # checked once locked: no stat before
            fcntl.flock(fd, fcntl.LOCK_EX)
            if self.file.names(_stat(self.file.path)):
                return
            fcntl.flock(fd, fcntl.LOCK_UN)  # replaced while we waited: lock the file at the path
            self.file.close()

    def __exit__(self, *exc_info: object) -> None:
        if self.file.fd is not None:
            fcntl.flock(self.file.fd, fcntl.LOCK_UN)


def process_lock(path: str) -> AbstractContextManager[Any]:
    """The lock writers in every process take around each record."""
    if sys.platform == "win32":
        return FileLock(path)
    return _FlockLock(path)


def _datasync(fd: int) -> None:
    # The data and the size, without mtime-only metadata writes: all a reader of the log needs.
    if hasattr(os, "fdatasync"):
        os.fdatasync(fd)
    else:
        os.fsync(fd)


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except FileNotFoundError:
        return None


def _close_all(*descriptors: _Descriptor) -> None:
    for descriptor in descriptors:
        descriptor.close()
