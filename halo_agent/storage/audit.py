"""The audit log: one JSON line per decision, hash-chained, secrets redacted, safe with several writers.

Each record gets `seq` (1, 2, ...), `time` (UTC ISO), `prev_hash` (the hash of the record before it, or 64
zeros) and `hash` (sha256 of the canonical JSON of the record without `hash`). A sidecar `<file>.head`
holds the last seq and hash, so a cut tail is found too. Writers serialise on a threading.Lock and an
exclusive lock on `<file>.lock` (flock on a descriptor kept open; filelock where flock does not exist),
and read the chain's tip under both: from memory when the log and head are exactly as this writer left
them (same inode, size and mtime), else from the files.

If a writer finds the file's tip disagreeing with the head (a cut tail, a missing head, a torn last line),
it does not hide that: it chains on from the file and first appends an `audit.gap` record describing the
discrepancy, which `verify` reports for good. A hash chain detects edits by someone who does not rewrite
every later record and the head; it is tamper evidence, not a signature.

Durability (`fsync=`): every record is written to the file (one `write` to the kernel) before `append`
returns, so a crash of this process never loses a record. What the setting chooses is when the log and
head are forced to disk (fsync), which only matters for a power cut or an OS crash:
- "record": after every record (the strictest; one fsync per call);
- "turn" (default): at `sync()`, which the agent loop calls once per turn, before the turn's answer or
  pause is handed to the person, and the executor after any call made outside a turn (MCP, approvals);
- "off": never (the OS writes back on its own schedule; for tests and benchmarks).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import threading
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, SecretStr

from halo_agent.storage.audit_files import AuditFiles, Mark, process_lock

GENESIS = "0" * 64
GAP_EVENT = "audit.gap"
MAX_TEXT = 500
REDACTED = "[redacted]"
_HEAD_WIDTH = 128
_MIN_SECRET = 4  # shorter "secrets" would redact ordinary words
_SENSITIVE_KEYS = frozenset({
    "password", "passwd", "pwd", "secret", "token", "api_key", "apikey", "authorization", "cookie",
    "set_cookie", "private_key", "bearer", "credentials",
})
_SENSITIVE_SUFFIXES = ("_password", "_secret", "_token", "_api_key", "_apikey", "_private_key")
_BEARER = re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{8,}")
Durability = Literal["record", "turn", "off"]


@dataclass
class VerifyReport:
    records: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class AuditLog:
    def __init__(
        self, path: Path, *, secrets: Iterable[str] = (), fsync: bool | Durability = "turn"
    ) -> None:
        self.path = Path(path)
        self.head_path = self.path.with_name(self.path.name + ".head")
        self._secrets = _usable(secrets)
        self.durability: Durability = _durability(fsync)
        self._thread_lock = threading.Lock()
        self._file_lock = process_lock(str(self.path.with_name(self.path.name + ".lock")))
        self._files = AuditFiles(self.path, self.head_path)
        weakref.finalize(self, self._files.close)  # the descriptors must not outlive the log
        self._tip_cache: tuple[Mark, int, str] | None = None  # the files as our last write left them
        self._unsynced = False

    def append(self, record: dict[str, Any]) -> dict[str, Any]:
        """Redact, chain and write one record; returns it as written."""
        clean = _redact(record, self._secrets)
        with self._thread_lock, self._file_lock:
            seq, prev_hash, gap = self._tip()
            if gap:
                written = self._write({"event": GAP_EVENT, "problem": gap}, seq, prev_hash)
                seq, prev_hash = written["seq"], written["hash"]
            return self._write(clean, seq, prev_hash)

    @property
    def needs_sync(self) -> bool:
        """Records were written since the last sync (and the setting syncs at all)."""
        return self._unsynced and self.durability != "off"

    def sync(self) -> None:
        """Force the records written so far to disk (log and head). Cheap when there is nothing to do."""
        if not self._unsynced:
            return
        with self._thread_lock:
            if self._unsynced and self.durability != "off":
                self._files.fsync()  # on failure the records stay unsynced: the next sync tries again
            self._unsynced = False

    def close(self) -> None:
        """Sync and release the open descriptors (they are also released when the log is collected)."""
        self.sync()
        with self._thread_lock:
            self._files.close()

    def _write(self, body: dict[str, Any], seq: int, prev_hash: str) -> dict[str, Any]:
        fields = {k: v for k, v in body.items() if k not in ("seq", "time", "prev_hash", "hash")}
        full = {"seq": seq + 1, "time": _now(), **fields, "prev_hash": prev_hash}
        full["hash"] = record_hash(full)
        line = json.dumps(full, ensure_ascii=False, separators=(",", ":")) + "\n"
        self._files.append(line.encode("utf-8"))
        self._files.write_head(
            json.dumps({"seq": full["seq"], "hash": full["hash"]}).ljust(_HEAD_WIDTH).encode("ascii")
        )  # fixed width, overwritten in place under the lock: one small write, no rename per record
        if self.durability == "record":
            self._files.fsync()
        else:
            self._unsynced = True
        mark = self._files.mark()
        self._tip_cache = (mark, full["seq"], full["hash"]) if mark else None
        return full

    def _tip(self) -> tuple[int, str, str | None]:
        """(last seq, last hash, a gap to report or None), read under the locks."""
        mark = self._files.mark()
        if self._tip_cache and mark is not None and self._tip_cache[0] == mark:
            return self._tip_cache[1], self._tip_cache[2], None
        self._tip_cache = None
        head = _read_head(self.head_path)
        lines = _last_lines(self.path, 1)
        if not lines:
            gap = f"the log was emptied or removed; its head said seq {head[0]}" if head else None
            return 0, GENESIS, gap
        last = _parse(lines[-1]) or {}
        if not isinstance(last.get("seq"), int) or not isinstance(last.get("hash"), str):
            _end_line(self.path)  # a torn write has no newline: do not glue our record onto it
            seq, digest = head or (0, GENESIS)
            return seq, digest, "the last line of the log is unreadable (a torn or edited write)"
        tip = (last["seq"], last["hash"])
        if head is None:
            return *tip, "the head file was missing, so a cut tail cannot be ruled out"
        if head != tip:
            return *tip, f"the log ended at seq {tip[0]} but its head said seq {head[0]} (a cut tail?)"
        return *tip, None

    def verify(self) -> VerifyReport:
        """Check the whole chain and the head. Finds edited, deleted, inserted, reordered and cut records."""
        report, prev_hash, expected, last = VerifyReport(), GENESIS, 1, None
        if not self.path.parent.is_dir():
            return report
        with self._thread_lock, self._file_lock:  # no half-written line or head mid-update
            lines = self.path.read_text(encoding="utf-8").splitlines() if self.path.exists() else []
            head = _read_head(self.head_path)
        for number, line in enumerate(lines, start=1):
            record = _parse(line)
            if record is None:
                report.problems.append(f"line {number}: not a JSON record")
                continue
            report.records += 1
            report.problems.extend(_record_problems(number, record, expected, prev_hash))
            seq = record.get("seq")
            expected = seq + 1 if isinstance(seq, int) else expected + 1
            prev_hash, last = str(record.get("hash")), (seq, record.get("hash"))
        report.problems.extend(_head_problems(head, last))
        return report

    def tail(self, n: int = 20) -> list[dict[str, Any]]:
        """The last `n` readable records, oldest first."""
        records = (_parse(line) for line in _last_lines(self.path, n))
        return [record for record in records if record is not None]


def _head_problems(head: tuple[int, str] | None, last: tuple[Any, Any] | None) -> list[str]:
    if head is None:
        return ["the head file is missing: a cut tail cannot be ruled out"] if last else []
    if last is None or tuple(last) != head:
        ends = f"seq {last[0]}" if last else "no record"
        return [f"the log ends at {ends} but its head says seq {head[0]}: the tail was cut or edited"]
    return []


# chaining ---------------------------------------------------------------------------------------------
def record_hash(record: dict[str, Any]) -> str:
    body = {k: v for k, v in record.items() if k != "hash"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _record_problems(number: int, record: dict[str, Any], expected: int, prev_hash: str) -> list[str]:
    seq = record.get("seq")
    where = f"line {number} (seq {seq})"
    problems = []
    if record.get("hash") != record_hash(record):
        problems.append(f"{where}: edited (its hash does not match its content)")
    if seq != expected:
        problems.append(f"{where}: expected seq {expected} (a record was deleted, inserted or moved)")
    if record.get("prev_hash") != prev_hash:
        problems.append(f"{where}: chain broken (prev_hash is not the hash of the record before it)")
    if record.get("event") == GAP_EVENT:
        problems.append(f"{where}: a writer found the log tampered with: {record.get('problem')}")
    return problems


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse(line: str) -> dict[str, Any] | None:
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _read_head(path: Path) -> tuple[int, str] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return int(data["seq"]), str(data["hash"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _durability(fsync: bool | Durability) -> Durability:
    if fsync is True:
        return "record"
    if fsync is False:
        return "off"
    if fsync not in ("record", "turn", "off"):
        raise ValueError(f"audit fsync must be 'record', 'turn' or 'off', not {fsync!r}")
    return fsync


def _end_line(path: Path) -> None:
    with path.open("rb+") as handle:
        handle.seek(-1, os.SEEK_END)
        if handle.read(1) != b"\n":
            handle.write(b"\n")


def _last_lines(path: Path, n: int, block: int = 8192) -> list[str]:
    """The last `n` non-empty lines of a file, read backwards in blocks (logs grow large)."""
    if n <= 0 or not path.exists():
        return []
    with path.open("rb") as handle:
        end = handle.seek(0, os.SEEK_END)
        data = b""
        while end > 0 and data.count(b"\n") <= n:
            start = max(0, end - block)
            handle.seek(start)
            data = handle.read(end - start) + data
            end = start
    lines = [line for line in data.decode("utf-8", errors="replace").splitlines() if line.strip()]
    return lines[-n:]


# redaction --------------------------------------------------------------------------------------------
def redact(value: Any, secrets: Iterable[str] = ()) -> Any:
    """A JSON-ready copy: secret values and sensitive keys redacted, long text cut with its hash."""
    return _redact(value, _usable(secrets))


def _usable(secrets: Iterable[str]) -> tuple[str, ...]:
    # Longest first, so a secret containing another is replaced whole.
    return tuple(sorted({s for s in secrets if s and len(s) >= _MIN_SECRET}, key=len, reverse=True))


_SAFE_SCALARS = (int, float, bool, type(None))


def _redact(value: Any, secrets: tuple[str, ...]) -> Any:
    kind = type(value)
    if kind is str:  # the common cases first, by exact type: records are mostly short strings and ids
        return _cut(_scrub(value, secrets))
    if kind in _SAFE_SCALARS:
        return value
    if kind is dict:
        return _redact_dict(value, secrets)
    return _redact_other(value, secrets)


def _redact_dict(value: dict[Any, Any], secrets: tuple[str, ...]) -> dict[str, Any]:
    return {str(k): REDACTED if _sensitive(str(k)) and v else _redact(v, secrets) for k, v in value.items()}


def _redact_other(value: Any, secrets: tuple[str, ...]) -> Any:
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    if isinstance(value, dict):
        return _redact_dict(value, secrets)
    if isinstance(value, list | tuple | set | frozenset):
        return [_redact(item, secrets) for item in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, SecretStr):
        return REDACTED
    text = value.isoformat() if isinstance(value, datetime | date) else str(value)
    return _cut(_scrub(text, secrets))


@functools.lru_cache(maxsize=1024)
def _sensitive(key: str) -> bool:  # records repeat the same few keys
    normal = key.lower().replace("-", "_")
    return normal in _SENSITIVE_KEYS or normal.endswith(_SENSITIVE_SUFFIXES)


def _scrub(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return _BEARER.sub(f"Bearer {REDACTED}", text)


def _cut(text: str) -> str | dict[str, Any]:
    if len(text) <= MAX_TEXT:
        return text
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return {"text": text[:MAX_TEXT], "cut": True, "sha256": digest, "length": len(text)}
