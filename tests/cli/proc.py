"""Run `python -m halo_agent …` the way a person or a script does: through a pipe or a terminal."""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-B]|[=>78])")


def halo(*args: str, stdin: str = "", timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """One command with stdin and stdout piped (so: not a terminal). HALO_AGENT_HOME comes from conftest."""
    return subprocess.run(
        [sys.executable, "-m", "halo_agent", *args], input=stdin, capture_output=True, text=True,
        cwd=ROOT, timeout=timeout, check=False,
    )


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text).replace("\r", "")


class Terminal:
    """A command on a pseudo-terminal (its controlling terminal, so Ctrl-C is a real SIGINT)."""

    def __init__(self, *args: str, columns: int = 120) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
        env = {**os.environ, "TERM": "xterm-256color", "PROMPT_TOOLKIT_NO_CPR": "1"}
        env.pop("NO_COLOR", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "halo_agent", *args], stdin=slave, stdout=slave, stderr=slave,
            cwd=ROOT, env=env, start_new_session=True,
            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),  # pty = controlling tty
        )
        os.close(slave)
        self.master = master
        self.raw = ""
        self.position = 0  # how much of the plain text earlier expects consumed

    def send(self, text: str) -> None:
        os.write(self.master, text.encode())

    def expect(self, pattern: str, *, timeout: float = 30) -> str:
        """Read until `pattern` (a regex) appears after what earlier expects consumed; return that text."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = strip_ansi(self.raw)
            found = re.search(pattern, text[self.position :])
            if found:
                seen = text[self.position : self.position + found.end()]
                self.position += found.end()
                return seen
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if ready:
                try:
                    self.raw += os.read(self.master, 65536).decode(errors="replace")
                except OSError:  # the child closed the terminal
                    break
        raise AssertionError(f"{pattern!r} not seen; output was:\n{strip_ansi(self.raw)[self.position :]}")

    def wait(self, timeout: float = 30) -> int:
        try:
            code = self.process.wait(timeout)
        finally:
            os.close(self.master)
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
