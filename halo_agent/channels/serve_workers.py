"""`halo-agent serve --workers N`: N worker processes accepting on one listening socket.

The parent binds the socket, starts N copies of the same `serve` command (each with its own event loop,
Halo client and storage connections) handing them the socket, and supervises them: a worker that dies
(a crash, kill -9, out of memory) is replaced; SIGTERM or Ctrl-C stops them all gracefully. A worker
that fails at start (bad config, schema missing) stops the whole service with its message, instead of
being restarted in a loop.

Everything the workers share lives in the storage (PostgreSQL, or the embedded files with their
cross-process locks), so a request may land on any worker: turns of one session queue on the session
lock, a confirmation or approval is claimed once, rate limits count across workers, and a person signed
in to the chat page on one worker is signed in on all (the first worker prints the sign-in link).
Several hosts are the same thing with a load balancer in front: run `halo-agent serve` on each against
one database.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from types import FrameType

_POLL_SECONDS = 0.2
_READY = b"R"  # a worker writes it to its ready pipe once it is built and about to serve


def listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def worker_argv(argv: Sequence[str], fd: int) -> list[str]:
    """The same serve command for one worker: one process, on the inherited socket."""
    out: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg in ("--workers", "--listen-fd"):
            skip = True
            continue
        if arg.startswith(("--workers=", "--listen-fd=")):
            continue
        out.append(arg)
    return [sys.executable, "-m", "halo_agent", *out, "--listen-fd", str(fd)]


class Supervisor:
    def __init__(self, argv: Sequence[str], workers: int, sock: socket.socket) -> None:
        self.command = worker_argv(argv, sock.fileno())
        self.sock = sock
        self.size = workers
        self.children: dict[int, tuple[subprocess.Popen[bytes], int]] = {}  # slot: the child, its ready pipe
        self.stopping = False

    def run(self, grace_seconds: float) -> int:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._stop)
        for slot in range(self.size):
            self._spawn(slot)
        code = self._watch()
        self._terminate(grace_seconds)
        return code

    def _spawn(self, slot: int) -> None:
        first = not self.children  # the first worker prints the sign-in link (once, not on a respawn)
        command = [*self.command, "--signin-link"] if first else self.command
        ready_read, ready_write = os.pipe()
        try:
            child = subprocess.Popen([*command, "--ready-fd", str(ready_write)],
                                     pass_fds=(self.sock.fileno(), ready_write))  # fmt: skip
        finally:
            os.close(ready_write)
        self.children[slot] = (child, ready_read)

    def _watch(self) -> int:
        while not self.stopping:
            time.sleep(_POLL_SECONDS)
            for slot, (child, ready_read) in list(self.children.items()):
                code = child.poll()
                if code is None or self.stopping:
                    continue
                was_ready = _said_ready(ready_read)
                if code > 0 and not was_ready:  # its own error before it could serve, however slow
                    del self.children[slot]  # its pipe is closed; the others are stopped by the caller
                    print(f"halo-agent: worker {child.pid} failed to start (exit {code}); stopping",
                          file=sys.stderr)  # fmt: skip
                    return code
                print(f"halo-agent: worker {child.pid} exited ({code}); starting another", file=sys.stderr)
                self._spawn(slot)
        return 0

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True

    def _terminate(self, grace_seconds: float) -> None:
        for child, _ in self.children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace_seconds
        for child, ready_read in self.children.values():
            os.close(ready_read)
            try:
                child.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def run_workers(argv: Sequence[str], host: str, port: int, workers: int, grace_seconds: float) -> int:
    sock = listening_socket(host, port)
    print(f"halo-agent serving on http://{host}:{port} with {workers} workers (OpenAPI at /docs)",
          file=sys.stderr)  # fmt: skip
    try:
        return Supervisor(argv, workers, sock).run(grace_seconds)
    finally:
        sock.close()


def _said_ready(ready_read: int) -> bool:
    """Read once its worker has exited (so never blocking): the worker's byte, or end of file if it
    never got as far as serving. The descriptor is closed either way."""
    try:
        return os.read(ready_read, 1) == _READY
    finally:
        os.close(ready_read)
