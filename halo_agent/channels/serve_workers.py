"""`halo-agent serve --workers N`: N worker processes accepting on one listening socket.

The parent binds the socket, starts N copies of the same `serve` command (each with its own event loop,
Halo client and storage connections) handing them the socket, and supervises them: a worker that dies
(a crash, kill -9, out of memory) is replaced; SIGTERM or Ctrl-C stops them all gracefully. A worker
that fails at start (bad config, schema missing) stops the whole service with its message, instead of
being restarted in a loop.

Everything the workers share lives in the storage (PostgreSQL, or the embedded files with their
cross-process locks), so a request may land on any worker: turns of one session queue on the session
lock, a confirmation or approval is claimed once, rate limits count across workers, and a person signed
in to the chat page on one worker is signed in on all. One worker prints the sign-in link: the first,
or, if it dies before it was ready (it prints the link first), the one started in its place.
Several hosts are the same thing with a load balancer in front: run `halo-agent serve` on each against
one database.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
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


@dataclass
class _Worker:
    process: subprocess.Popen[bytes]
    ready_read: int  # its ready pipe, read without blocking
    prints_link: bool
    ready: bool = False

    def said_ready(self) -> bool:
        """Whether it wrote its ready byte; asked while it runs and once it exited (never blocking)."""
        if not self.ready:
            with contextlib.suppress(BlockingIOError):  # running, not ready yet
                self.ready = os.read(self.ready_read, 1) == _READY
        return self.ready


class Supervisor:
    def __init__(self, argv: Sequence[str], workers: int, sock: socket.socket) -> None:
        self.command = worker_argv(argv, sock.fileno())
        self.sock = sock
        self.size = workers
        self.children: dict[int, _Worker] = {}  # by slot
        self.link_owed = True  # until a worker that prints the sign-in link says it is ready
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
        # One worker at a time is charged with the link: the first, or the one replacing it if it died
        # before it could print it (it prints before it says it is ready).
        prints_link = self.link_owed and not any(w.prints_link for w in self.children.values())
        command = [*self.command, "--signin-link"] if prints_link else self.command
        ready_read, ready_write = os.pipe()
        os.set_blocking(ready_read, False)
        try:
            child = subprocess.Popen([*command, "--ready-fd", str(ready_write)],
                                     pass_fds=(self.sock.fileno(), ready_write))  # fmt: skip
        finally:
            os.close(ready_write)
        self.children[slot] = _Worker(child, ready_read, prints_link)

    def _watch(self) -> int:
        while not self.stopping:
            time.sleep(_POLL_SECONDS)
            for slot, worker in list(self.children.items()):
                code = worker.process.poll()
                if worker.prints_link and worker.said_ready():
                    self.link_owed = False
                if code is None or self.stopping:
                    continue
                was_ready = worker.said_ready()
                os.close(worker.ready_read)
                del self.children[slot]
                if code > 0 and not was_ready:  # its own error before it could serve, however slow
                    print(f"halo-agent: worker {worker.process.pid} failed to start (exit {code}); stopping",
                          file=sys.stderr)  # fmt: skip
                    return code
                print(f"halo-agent: worker {worker.process.pid} exited ({code}); starting another",
                      file=sys.stderr)  # fmt: skip
                self._spawn(slot)
        return 0

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True

    def _terminate(self, grace_seconds: float) -> None:
        for worker in self.children.values():
            if worker.process.poll() is None:
                worker.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace_seconds
        for worker in self.children.values():
            os.close(worker.ready_read)
            try:
                worker.process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait()


def run_workers(argv: Sequence[str], host: str, port: int, workers: int, grace_seconds: float) -> int:
    sock = listening_socket(host, port)
    print(f"halo-agent serving on http://{host}:{port} with {workers} workers (OpenAPI at /docs)",
          file=sys.stderr)  # fmt: skip
    try:
        return Supervisor(argv, workers, sock).run(grace_seconds)
    finally:
        sock.close()
