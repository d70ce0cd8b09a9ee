"""The audit log: one JSON line per decision, hash-chained, secrets redacted, safe with several writers.

Each record gets `seq` (1, 2, ...), `time` (UTC ISO), `prev_hash` (the hash of the record before it, or 64
zeros) and `hash` (sha256 of the canonical JSON of the record without `hash`). A sidecar `<file>.head`
holds the last seq and hash, so a cut tail is found too. Writers serialise on a threading.Lock and an
exclusive lock on `<file>.lock` (flock on a descriptor kept open; filelock where flock does not exist),
and read the chain's tip under both: from memory when the log and head are exactly as this writer left
them (same inode, size and mtime), else from the files.

A writer killed between its line and the head update leaves one whole, chained record beyond the head; one
killed mid-write, a torn last line. The next writer seals the first and sets the second aside, recording
each (`audit.recovered`, `audit.torn`), and `verify` reports them as recovered, not as tampering (see
`audit_tail`). Any other disagreement between the file's tip and the head (a cut tail, a missing head, an
edited last line) is not hidden: the writer chains on from the file and first appends an `audit.gap`
record describing it, which `verify` reports for good. A hash chain detects edits by someone who does not
rewrite every later record and the head; it is tamper evidence, not a signature.

Durability (`fsync=`): every record is written to the file (one `write` to the kernel) before `append`
returns, so a crash of this process never loses a record. What the setting chooses is when the log is
forced to disk (fdatasync), which only matters for a power cut or an OS crash:
- "record": after every record, log and head (the strictest; two syncs per call);
- "turn" (default): at `sync()`, which the agent loop calls once per turn, before the turn's answer or
  pause is handed to the person, and the executor after any call made outside a turn (MCP, approvals).
  One sync, of the log: the head is written with every record but reaches the disk when the OS writes it
  back (and at `close`). After a power cut it may name an earlier record; it says which boot wrote it, so
  the records beyond it, whole and chained to it, are sealed as recovered (`audit_tail`), not taken for
  tampering. Where the boot cannot be told (not Linux), the head is synced with the log;
- "off": never (the OS writes back on its own schedule; for tests and benchmarks).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import threading
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, SecretStr

from halo_agent.storage.audit_files import AuditFiles, Mark, process_lock
from halo_agent.storage.audit_tail import (
    GENESIS,
    RECOVERED_EVENT,
    TORN_EVENT,
    Head,
    Tail,
    inspect,
    parse_record,
    read_head,
    record_hash,
    set_aside,
    tail_bytes,
    this_boot,
)

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
_SURROGATES = re.compile("[\ud800-\udfff]")
MAX_DEPTH = 16
TOO_DEEP = "[nested too deeply]"
_BEARER_ANYCASE = r"(?i:\bbearer\s+[A-Za-z0-9._~+/=-]{8,})"
_BEARER = re.compile(_BEARER_ANYCASE)
Durability = Literal["record", "turn", "off"]


@dataclass
class VerifyReport:
    records: int = 0
    problems: list[str] = field(default_factory=list)
    recovered: list[str] = field(default_factory=list)  # harmless findings: a writer died mid-record

    @property
    def ok(self) -> bool:
        return not self.problems


class AuditLog:
    def __init__(
        self, path: Path, *, secrets: Iterable[str] = (), fsync: bool | Durability = "turn"
    ) -> None:
        self.path = Path(path)
        self.head_path = self.path.with_name(self.path.name + ".head")
        self._secrets = usable_secrets(secrets)
        self.durability: Durability = _durability(fsync)
        self._thread_lock = threading.Lock()
        self._file_lock = process_lock(str(self.path.with_name(self.path.name + ".lock")))
        self._files = AuditFiles(self.path, self.head_path)
        weakref.finalize(self, self._files.close)  # the descriptors must not outlive the log
        self._tip_cache: tuple[Mark, int, str] | None = None  # the files as our last write left them
        self._unsynced = False  # the log has records not yet forced to disk
        self._head_unsynced = False  # and the head, a version not yet forced to disk

    @property
    def location(self) -> str:
        """Where the records are, for people (`audit verify` prints it)."""
        return str(self.path)

    def append(self, record: dict[str, Any]) -> dict[str, Any]:
        """Redact, chain and write one record; returns it as written."""
        clean = _redact(record, self._secrets)
        with self._thread_lock, self._file_lock:
            seq, prev_hash = self._repaired_tip()
            return self._write(clean, seq, prev_hash)

    def heal(self) -> list[str]:
        """Seal or set aside what a killed writer left (done by every writer anyway); what was done."""
        with self._thread_lock, self._file_lock:
            before = self._files.mark()
            self._repaired_tip()
            if self._files.mark() == before:
                return []
        return [str(record.get("note") or record.get("problem")) for record in self.tail(2)
                if record.get("event") in (RECOVERED_EVENT, TORN_EVENT, GAP_EVENT)]

    @property
    def needs_sync(self) -> bool:
        """Records were written since the last sync (and the setting syncs at all)."""
        return self._unsynced and self.durability != "off"

    async def sync(self) -> None:
        """Force the records written so far to disk (the log; the head too where the boot cannot be
        told). Cheap when there is nothing to do."""
        if self._unsynced:
            self._sync(head=this_boot() is None)

    def close(self) -> None:
        """Sync log and head (a clean stop leaves nothing to seal) and release the open descriptors
        (they are also released when the log is collected)."""
        self._sync(head=True)
        with self._thread_lock:
            self._files.close()

    def _sync(self, *, head: bool) -> None:
        with self._thread_lock:
            head = head and self._head_unsynced
            if self.durability != "off" and (self._unsynced or head):
                # on failure the flags stay set: the next sync tries again
                self._files.fsync(log=self._unsynced, head=head)
            self._unsynced = False
            self._head_unsynced = self._head_unsynced and not head

    def _write(self, body: dict[str, Any], seq: int, prev_hash: str) -> dict[str, Any]:
        full = chain_record(body, seq, prev_hash)
        line = record_line(full) + "\n"
        self._files.append(line.encode("utf-8"))
        self._files.write_head(
            Head(full["seq"], full["hash"], this_boot()).json().ljust(_HEAD_WIDTH).encode("ascii")
        )  # fixed width, overwritten in place under the lock: one small write, no rename per record
        if self.durability == "record":
            self._files.fsync()
        else:
            self._unsynced = self._head_unsynced = True
        mark = self._files.written_mark()
        self._tip_cache = (mark, full["seq"], full["hash"]) if mark else None
        return full

    def _repaired_tip(self) -> tuple[int, str]:
        """(last seq, last hash) to chain on, after recording what a killed writer or an editor left."""
        mark = self._files.mark()
        if self._tip_cache and mark is not None and self._tip_cache[0] == mark:
            return self._tip_cache[1], self._tip_cache[2]
        self._tip_cache = None
        tail = inspect(self.path, read_head(self.head_path))
        seq, prev_hash = tail.seq, tail.hash
        for note in self._repairs(tail):
            written = self._write(note, seq, prev_hash)
            seq, prev_hash = written["seq"], written["hash"]
        return seq, prev_hash

    def _repairs(self, tail: Tail) -> list[dict[str, Any]]:
        notes: list[dict[str, Any]] = []
        if tail.torn is not None:
            kept = set_aside(self.path, tail.torn)
            notes.append({"event": TORN_EVENT, "note": f"a torn last line ({len(tail.torn.data)} bytes) left "
                          f"by a writer that stopped mid-write was set aside in {kept.name}",
                          "bytes": len(tail.torn.data),
                          "sha256": hashlib.sha256(tail.torn.data).hexdigest()})
        if tail.sealed is not None:
            notes.append({"event": RECOVERED_EVENT, "recovered_seq": tail.sealed,
                          "note": f"{tail.sealed_note(written=True)}; sealed"})
        if tail.gap:
            notes.append({"event": GAP_EVENT, "problem": tail.gap})
        return notes

    def verify(self) -> VerifyReport:
        """Check the whole chain and the head. Finds edited, deleted, inserted, reordered and cut records;
        what a killed writer left (one record beyond the head, a torn last line) is reported as recovered."""
        report, prev_hash, expected = VerifyReport(), GENESIS, 1
        if not self.path.parent.is_dir():
            return report
        with self._thread_lock, self._file_lock:  # no half-written line or head mid-update
            data = self.path.read_bytes() if self.path.exists() else b""
            head = read_head(self.head_path)
            tail = inspect(self.path, head)
        if tail.torn is not None:
            data = data[: tail.torn.offset]
        for number, line in enumerate(data.decode("utf-8", errors="replace").split("\n"), start=1):
            if not line:
                continue  # the end of the file (every record ends in a newline)
            record = parse_record(line)
            if record is None:
                report.problems.append(f"line {number}: not a JSON record")
                continue
            report.records += 1
            report.problems.extend(record_problems(number, record, expected, prev_hash))
            report.recovered.extend(_recovery_notes(record))
            seq = record.get("seq")
            expected = seq + 1 if isinstance(seq, int) else expected + 1
            prev_hash = str(record.get("hash"))
        report.recovered.extend(tail.notes)
        report.problems.extend(_head_problems(head, tail, report.records))
        return report

    def tail(self, n: int = 20) -> list[dict[str, Any]]:
        """The last `n` readable records, oldest first."""
        if n <= 0:
            return []
        data, _ = tail_bytes(self.path, n)
        lines = [line for line in data.decode("utf-8", errors="replace").split("\n") if line.strip()]
        records = (parse_record(line) for line in lines[-n:])
        return [record for record in records if record is not None]


    def records(self, *, after_seq: int = 0) -> Iterator[dict[str, Any]]:
        """Every readable record with a seq above `after_seq`, oldest first, read as the file streams."""
        if not self.path.exists():
            return
        with self.path.open(encoding="utf-8", errors="replace") as handle:
            for line in handle:
                record = parse_record(line)
                seq = record.get("seq") if record else None
                if record is not None and isinstance(seq, int) and seq > after_seq:
                    yield record


# chaining ---------------------------------------------------------------------------------------------
def chain_record(body: dict[str, Any], seq: int, prev_hash: str) -> dict[str, Any]:
    """`body` as the record after `seq`: numbered, timed, chained to `prev_hash` and hashed."""
    fields = {k: v for k, v in body.items() if k not in ("seq", "time", "prev_hash", "hash")}
    full = {"seq": seq + 1, "time": _now(), **fields, "prev_hash": prev_hash}
    full["hash"] = record_hash(full)
    return full


# Characters str.splitlines() breaks on that JSON leaves raw: escaped, so a record is always one line
# (a model once put U+0085 in a tool name, and the record read back as two broken lines).
_LINE_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def record_line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).translate(_LINE_BREAKS)


def record_problems(number: int, record: dict[str, Any], expected: int, prev_hash: str) -> list[str]:
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


def _recovery_notes(record: dict[str, Any]) -> list[str]:
    if record.get("event") in (RECOVERED_EVENT, TORN_EVENT):
        return [f"seq {record.get('seq')} ({record.get('time')}): {record.get('note')}"]
    return []


def _head_problems(head: Head | None, tail: Tail, records: int) -> list[str]:
    if tail.gap is None:
        return []
    if head is None:
        return ["the head file is missing: a cut tail cannot be ruled out"] if records else []
    ends = f"seq {tail.seq}" if records else "no record"
    return [f"the log ends at {ends} but its head says seq {head.seq}: the tail was cut or edited"]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _durability(fsync: bool | Durability) -> Durability:
    if fsync is True:
        return "record"
    if fsync is False:
        return "off"
    if fsync not in ("record", "turn", "off"):
        raise ValueError(f"audit fsync must be 'record', 'turn' or 'off', not {fsync!r}")
    return fsync


# redaction --------------------------------------------------------------------------------------------
def redact_with(value: Any, secrets: Secrets) -> Any:
    """`redact` with the secrets already prepared by `usable_secrets` (once per log, not per record)."""
    return _redact(value, secrets)


def redact(value: Any, secrets: Iterable[str] = ()) -> Any:
    """A JSON-ready copy: secret values and sensitive keys redacted, long text cut with its hash."""
    return _redact(value, usable_secrets(secrets))


@dataclass(frozen=True)
class Secrets:
    """The secrets to redact, longest first (a secret containing another is replaced whole), and one
    pattern finding any of them or a bearer token: most text has none, and costs one search."""

    values: tuple[str, ...]
    screen: re.Pattern[str]


def usable_secrets(secrets: Iterable[str]) -> Secrets:
    values = tuple(sorted({s for s in secrets if s and len(s) >= _MIN_SECRET}, key=len, reverse=True))
    return Secrets(values, re.compile("|".join([_BEARER_ANYCASE, *map(re.escape, values)])))


_SAFE_SCALARS = (int, float, bool, type(None))
_SAFE_TYPES = frozenset(_SAFE_SCALARS)


def _redact(value: Any, secrets: Secrets, depth: int = 0) -> Any:
    kind = type(value)
    if kind is str:  # the common cases first, by exact type: records are mostly short strings and ids
        return _cut(_scrub(value, secrets))
    if kind in _SAFE_SCALARS:
        return value
    if depth >= MAX_DEPTH:  # records are shallow; a deep value is hostile input, never walked further
        return TOO_DEEP
    if kind is dict:
        return _redact_dict(value, secrets, depth)
    return _redact_other(value, secrets, depth)


def _redact_dict(value: dict[Any, Any], secrets: Secrets, depth: int) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for k, v in value.items():
        key = k if type(k) is str and k.isascii() else _key(k)
        if _sensitive(str(k)) and v:
            clean[key] = REDACTED
        elif type(v) in _SAFE_TYPES:  # ids and flags, the bulk of a record: no call per value
            clean[key] = v
        else:
            clean[key] = _redact(v, secrets, depth + 1)
    return clean


def _key(key: object) -> str:
    text = str(key)
    return text if text.isascii() else _SURROGATES.sub("\ufffd", text)


def _redact_other(value: Any, secrets: Secrets, depth: int) -> Any:
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    if isinstance(value, dict):
        return _redact_dict(value, secrets, depth)
    if isinstance(value, list | tuple | set | frozenset):
        if all(type(item) in _SAFE_TYPES for item in value):  # a list of ids
            return list(value)
        return [_redact(item, secrets, depth + 1) for item in value]
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


def _scrub(text: str, secrets: Secrets) -> str:
    if not text.isascii():  # a lone surrogate cannot be written as UTF-8: replaced, not a crash
        text = _SURROGATES.sub("\ufffd", text)
    if secrets.screen.search(text) is None:
        return text
    for secret in secrets.values:
        text = text.replace(secret, REDACTED)
    return _BEARER.sub(f"Bearer {REDACTED}", text)


def _cut(text: str) -> str | dict[str, Any]:
    if len(text) <= MAX_TEXT:
        return text
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return {"text": text[:MAX_TEXT], "cut": True, "sha256": digest, "length": len(text)}
