"""Run a Markdown document's examples the way a reader would: in order, in one shell, in a scratch copy
of the checkout with a fresh data directory. The rules are written for readers in docs/readme-tests.md;
each rule below names the paragraph of that document it implements."""

from __future__ import annotations

import os
import re
import secrets
import select
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUN_FENCES = ("bash", "console", "python")  # "Which blocks run"
AMBIGUOUS_FENCES = ("sh", "shell", "zsh")  # run or not? the document must say bash or text
BLOCK_TIMEOUT_SECONDS = 420.0
SANDBOX_TENANT = "yourcompany"
EXAMPLE_DATABASE = "halo_agent_readme"  # "Databases": each run gets its own, dropped afterwards

_FENCE = re.compile(r"^(?P<indent> *)(?P<fence>```+|~~~+)(?P<info>[^\n`]*)$")
# "Install and test commands": stand-ins for what the test's own venv already is.
_SKIPPED_COMMAND = re.compile(r"^\s*(python3? -m venv\b|(\S*/)?pip3? install\b|(\S*/)?pytest\b)")
_PORT_FLAG = re.compile(r"--port[ =](\d{2,5})\b")
_BACKGROUND = re.compile(r"&\s*(#.*)?$")


@dataclass(frozen=True)
class Block:
    """One fenced block: its language, the line it starts on (1-based, the fence) and its text."""

    language: str
    line: int
    text: str

    @property
    def runs(self) -> bool:
        return self.language in RUN_FENCES

    def commands(self) -> str:
        """The shell text to run: a console block's `$ ` lines (with their `> ` continuations)."""
        if self.language != "console":
            return self.text
        lines = []
        for line in self.text.splitlines():
            if line.startswith("$ ") or (line.startswith("> ") and lines):
                lines.append(line[2:])
        return "\n".join(lines) + "\n"

    def expected_output(self) -> list[str]:
        """A console block's output lines, each of which must appear, in order ("Console blocks")."""
        if self.language != "console":
            return []
        shown = [line for line in self.text.splitlines() if not line.startswith(("$ ", "> "))]
        return [" ".join(line.split()) for line in shown if line.strip() and line.strip() not in ("...", "…")]


def blocks(markdown: str) -> list[Block]:
    """Every fenced block, in order. Fences may be indented (inside list items)."""
    found: list[Block] = []
    lines = markdown.splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        indent, fence = opening["indent"], opening["fence"]
        body: list[str] = []
        end = index + 1
        while end < len(lines) and not lines[end].strip().startswith(fence):
            body.append(lines[end][len(indent) :] if lines[end].startswith(indent) else lines[end])
            end += 1
        language = opening["info"].strip().split(" ")[0].lower()
        found.append(Block(language, index + 1, "\n".join(body) + "\n"))
        index = end + 1
    return found


@dataclass
class Rules:
    """The substitutions of "Ports" and "Placeholders", fixed for one document."""

    ports: dict[str, str] = field(default_factory=dict)
    sandbox_url: str | None = None
    client_id: str = "halo-agent-demo"
    client_secret: str = "sandbox-secret"
    database: str = field(default_factory=lambda: f"{EXAMPLE_DATABASE}_{secrets.token_hex(4)}")

    def apply(self, text: str) -> str:
        text = re.sub(rf"\b{EXAMPLE_DATABASE}\b", self.database, text)
        text = _PORT_FLAG.sub(lambda m: f"--port {self.ports.get(m[1], m[1])}", text)
        for printed, free in self.ports.items():
            text = re.sub(rf"(?<=[a-z0-9\]]:){printed}\b", free, text)
        if self.sandbox_url:
            text = text.replace(f"https://{SANDBOX_TENANT}.haloitsm.com", self.sandbox_url)
            text = re.sub(r"\bHALO_CLIENT_ID=\.\.\.", f"HALO_CLIENT_ID={self.client_id}", text)
            text = re.sub(r"\bHALO_CLIENT_SECRET=\.\.\.", f"HALO_CLIENT_SECRET={self.client_secret}", text)
        return text


def shell_text(block: Block, rules: Rules) -> str:
    """The block as the test's shell runs it: rules applied, install/test commands stood in for, and a
    wait for the port after each backgrounded server."""
    out: list[str] = []
    for line in rules.apply(block.commands()).splitlines():
        line = " && ".join(_stand_in(part) for part in line.split(" && "))
        out.append(line)
        if _BACKGROUND.search(line) and not line.rstrip().endswith("&&"):
            port = _PORT_FLAG.search(line)
            if not port:
                raise ValueError(f"line {block.line}: a backgrounded command must name its --port: {line}")
            out.append(f"readme_wait_port {port[1]} $!")
    return "\n".join(out) + "\n"


def _stand_in(command: str) -> str:
    if _SKIPPED_COMMAND.match(command):
        return f": README-test stand-in for: {command.strip()!r}"
    return command


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def rules_for(document: list[Block]) -> Rules:
    text = "".join(block.text for block in document if block.runs)
    ports = {printed: str(free_port()) for printed in dict.fromkeys(_PORT_FLAG.findall(text))}
    return Rules(ports=ports)


_PRELUDE = """
set -e
readme_wait_port() {  # port, pid of the backgrounded server
  for _ in $(seq 600); do
    (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || { echo "README test: the server meant for port $1 exited" >&2; return 1; }
    sleep 0.1
  done
  echo "README test: nothing listening on port $1 after 60 s" >&2; return 1
}
"""


class BlockFailedError(AssertionError):
    pass


class ReaderShell:
    """One bash, like a reader's terminal: exports, the working directory and background jobs carry from
    block to block. Every command's stdin is /dev/null ("Interactive commands")."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir = workdir
        self.process = subprocess.Popen(
            ["bash", "--noprofile", "--norc"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, cwd=workdir, env=env, start_new_session=True,
        )
        self.count = 0
        self.helpers: list[subprocess.Popen[bytes]] = []  # stand-ins the test started beside the shell
        self._send(_PRELUDE)

    def _send(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text.encode())
        self.process.stdin.flush()

    def run(self, script: str, *, timeout: float = BLOCK_TIMEOUT_SECONDS) -> str:
        """Run `script` in the shell; return its output. Raise BlockFailed if the shell stops (a command
        failed under `set -e`) or the block outlives `timeout`."""
        self.count += 1
        path = self.workdir / f".readme-block-{self.count}.sh"
        path.write_text(script)
        marker = f"README-TEST-BLOCK-DONE-{self.count}"
        self._send(f"source {path} < /dev/null\necho {marker}\n")
        return self._read_until(marker, timeout)

    def _read_until(self, marker: str, timeout: float) -> str:
        assert self.process.stdout is not None
        stream, raw = self.process.stdout, b""
        deadline = time.monotonic() + timeout
        while marker.encode() + b"\n" not in raw:
            if time.monotonic() > deadline:
                raise BlockFailedError(f"still running after {timeout:.0f} s; output so far:\n{_text(raw)}")
            ready, _, _ = select.select([stream], [], [], 0.2)
            chunk = os.read(stream.fileno(), 65536) if ready else b""
            raw += chunk
            if not chunk and self.process.poll() is not None:
                code = self.process.returncode
                raise BlockFailedError(f"a command failed (exit {code}); output:\n{_text(raw)}")
        return _text(raw.split(marker.encode() + b"\n")[0])

    def close(self) -> None:
        """Stop the shell and everything it started (servers sent to the background included)."""
        for process in (self.process, *self.helpers):
            _stop_group(process)
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe:
                pipe.close()


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(10)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _text(raw: bytes) -> str:
    return raw.decode(errors="replace")


def reader_env(home: Path) -> dict[str, str]:
    """The environment of a reader who has not activated the venv ("The venv"), with a fresh data
    directory, nothing configured, and a proxy that refuses everything but loopback ("No internet")."""
    venv_bin = str(Path(sys.prefix) / "bin")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HALO_", "OPENAI_", "AZURE_OPENAI_"))}
    env.pop("VIRTUAL_ENV", None)
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    env.update(
        HALO_AGENT_HOME=str(home), NO_COLOR="1", PYTHONUNBUFFERED="1",
        HTTP_PROXY="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9", ALL_PROXY="http://127.0.0.1:9",
        NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost",
    )
    return env


def scratch_checkout(where: Path) -> Path:
    """A reader's clone: the checkout's files linked into a fresh directory (so what the examples write
    lands there), with `.venv` being the venv that runs the tests ("Install and test commands")."""
    where.mkdir(parents=True, exist_ok=True)
    for entry in ROOT.iterdir():
        if entry.name not in (".venv", ".git", ".pytest_cache", ".mypy_cache", ".ruff_cache", "reports"):
            (where / entry.name).symlink_to(entry)
    (where / ".venv").symlink_to(Path(sys.prefix))
    return where


def check_output(block: Block, output: str) -> None:
    """No traceback, ever; a console block's shown output appears, in order."""
    if "Traceback (most recent call last)" in output:
        raise BlockFailedError(f"a traceback:\n{output}")
    actual = " ".join(output.split())
    position = 0
    for expected in block.expected_output():
        found = actual.find(expected, position)
        if found < 0:
            raise BlockFailedError(f"the shown output line {expected!r} was not printed; output:\n{output}")
        position = found + len(expected)
