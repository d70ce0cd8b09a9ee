"""What a writer (or `verify`) finds at the end of the audit log, and which of it is harmless.

A writer appends its line, then overwrites the head. A process killed between the two leaves one
complete, correctly chained record beyond the head; killed inside the line's write (a full disk, a power
cut) it leaves a torn last line with no newline. Neither hides or changes a record, so neither is
tampering: the next writer seals the first (the head is brought up to it) and sets the second aside in
`<log>.torn`, and records what it did. Everything else that disagrees with the head (a cut tail, a
missing head, an edited last line) stays a gap that `verify` reports for good.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GENESIS = "0" * 64
RECOVERED_EVENT = "audit.recovered"
TORN_EVENT = "audit.torn"
_BLOCK = 8192


@dataclass
class Torn:
    """A last line without its newline that is not a whole record: where it starts, and its bytes."""

    offset: int
    data: bytes


@dataclass
class Tail:
    """The chain's tip as the files show it, and what a writer must record or repair before chaining on."""

    seq: int
    hash: str
    gap: str | None = None  # a discrepancy nothing benign explains: recorded as audit.gap
    sealed: int | None = None  # the seq of a whole record beyond the head (its head write was lost)
    torn: Torn | None = None  # a torn last line, to set aside

    @property
    def notes(self) -> list[str]:
        """The harmless findings, in words (for `verify`)."""
        notes = []
        if self.torn is not None:
            notes.append(
                f"a torn last line ({len(self.torn.data)} bytes, no newline) after seq {self.seq}: a "
                "writer stopped mid-write; the next writer sets it aside"
            )
        if self.sealed is not None:
            notes.append(
                f"record seq {self.sealed} is complete and chained but beyond the head: a writer stopped "
                "before updating the head; the next writer seals it"
            )
        return notes


def record_hash(record: dict[str, Any]) -> str:
    body = {k: v for k, v in record.items() if k != "hash"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def parse_record(line: bytes | str) -> dict[str, Any] | None:
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def read_head(path: Path) -> tuple[int, str] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return int(data["seq"]), str(data["hash"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def inspect(log: Path, head: tuple[int, str] | None) -> Tail:
    """The tip of `log` checked against its `head`."""
    data, start = tail_bytes(log, 2)
    torn = None
    if data and not data.endswith(b"\n"):
        cut = data.rfind(b"\n") + 1
        torn, data = Torn(start + cut, data[cut:]), data[:cut]
    lines = [line for line in data.splitlines() if line.strip()]
    if not lines:
        return _without_records(log, head, torn, start)
    last = parse_record(lines[-1]) or {}
    if not isinstance(last.get("seq"), int) or not isinstance(last.get("hash"), str):
        seq, digest = head or (0, GENESIS)
        return Tail(seq, digest, gap="the last line of the log is unreadable (an edited record)")
    return _against_head(last, head, torn)


def _without_records(log: Path, head: tuple[int, str] | None, torn: Torn | None, start: int) -> Tail:
    if start > 0 or (torn is not None and torn.offset > 0):  # only blank lines in the last block: odd
        return Tail(*(head or (0, GENESIS)), gap="the end of the log holds no readable record")
    if head is None or head[0] == 0:
        return Tail(0, GENESIS, torn=torn)
    return Tail(0, GENESIS, gap=f"the log was emptied or removed; its head said seq {head[0]}", torn=torn)


def _against_head(last: dict[str, Any], head: tuple[int, str] | None, torn: Torn | None) -> Tail:
    tip = Tail(last["seq"], last["hash"], torn=torn)
    if head == (tip.seq, tip.hash):
        return tip
    if head is None:
        tip.gap = "the head file was missing, so a cut tail cannot be ruled out"
    elif _one_beyond(last, head):
        tip.sealed = tip.seq
    else:
        tip.gap = f"the log ended at seq {tip.seq} but its head said seq {head[0]} (a cut tail?)"
    return tip


def _one_beyond(last: dict[str, Any], head: tuple[int, str]) -> bool:
    """`last` is the record right after the head's, chained to it, with its own hash intact."""
    return (
        last["seq"] == head[0] + 1
        and hmac.compare_digest(str(last.get("prev_hash")), head[1])
        and hmac.compare_digest(str(last["hash"]), record_hash(last))
    )


def set_aside(log: Path, torn: Torn) -> Path:
    """Move a torn last line out of the log into `<log>.torn` (appended, never overwritten)."""
    keep = log.with_name(log.name + ".torn")
    header = json.dumps({"offset": torn.offset, "length": len(torn.data)}) + "\n"
    with keep.open("ab") as handle:
        handle.write(header.encode("ascii") + torn.data + b"\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.truncate(log, torn.offset)
    return keep


def tail_bytes(path: Path, n: int) -> tuple[bytes, int]:
    """The last bytes of a file holding at least `n` newline-ended lines (or all of it), and their offset."""
    if not path.exists():
        return b"", 0
    with path.open("rb") as handle:
        end = handle.seek(0, os.SEEK_END)
        data = b""
        while end > 0 and data.count(b"\n") <= n:
            start = max(0, end - _BLOCK)
            handle.seek(start)
            data = handle.read(end - start) + data
            end = start
    return data, end
