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

    def get(self) -> int:
        fd = self.fd
        if fd is not None and self._pid == os.getpid() and _same_file(fd, self.path):
            return fd
        self.close(sync=True)  # what went to the old file stays as durable as the setting promised
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fd, self._pid = os.open(self.path, self.flags, 0o644), os.getpid()
        return self.fd

    def close(self, *, sync: bool = False) -> None:
        fd, self.fd = self.fd, None
        if fd is None or self._pid != os.getpid():
            return  # a forked child leaves its parent's descriptors alone
        if sync:
            _datasync(fd)
        os.close(fd)


class AuditFiles:
    """The log (append only) and its head (overwritten in place)."""

    def __init__(self, log: Path, head: Path) -> None:
        self.log = _Descriptor(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        self.head = _Descriptor(head, os.O_WRONLY | os.O_CREAT)
        weakref.finalize(self, _close_all, self.log, self.head)

    def append(self, data: bytes) -> None:
        fd, view = self.log.get(), memoryview(data)
        while view:  # O_APPEND: each write lands at the end; the locks keep other writers out
            view = view[os.write(fd, view):]

    def write_head(self, data: bytes) -> None:
        os.pwrite(self.head.get(), data, 0)

    def mark(self) -> Mark | None:
        """What changes when anyone writes, cuts or replaces either file (one stat each)."""
        try:
            log, head = self.log.path.stat(), self.head.path.stat()
        except FileNotFoundError:
            return None
        return log.st_ino, log.st_size, log.st_mtime_ns, head.st_ino, head.st_mtime_ns

    def fsync(self, *, log: bool = True, head: bool = True) -> None:
        for descriptor, wanted in ((self.log, log), (self.head, head)):
            if wanted and descriptor.fd is not None:
                _datasync(descriptor.fd)

    def close(self) -> None:
        _close_all(self.log, self.head)


class _FlockLock:
    """An exclusive flock on a lock file kept open: a few µs per use where filelock takes ~100. The
    same lock as filelock's FileLock on that path (both flock the file's inode)."""

    def __init__(self, path: str) -> None:
        self.file = _Descriptor(Path(path), os.O_RDWR | os.O_CREAT)
        weakref.finalize(self, self.file.close)

    def __enter__(self) -> None:
        while True:
            fd = self.file.get()
            fcntl.flock(fd, fcntl.LOCK_EX)
            if _same_file(fd, self.file.path):
                return
            fcntl.flock(fd, fcntl.LOCK_UN)  # replaced while we waited: lock the file at the path

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


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(fd), path.stat())
    except FileNotFoundError:
        return False


def _close_all(*descriptors: _Descriptor) -> None:
    for descriptor in descriptors:
        descriptor.close()
