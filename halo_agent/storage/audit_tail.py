"""What a writer (or `verify`) finds at the end of the audit log, and which of it is harmless.

A writer appends its line, then overwrites the head. A process killed between the two leaves one
complete, correctly chained record beyond the head; killed inside the line's write (a full disk, a power
cut) it leaves a torn last line with no newline. A machine that stopped (power cut, OS crash) may come back
with the head as it was some records earlier, when the log is forced to disk each turn and the head is not
(see `audit.py`): then the records beyond the head are whole and chained to it, and the head names the boot
it was written in, which is not this one. None of these hides or changes a record, so none is tampering:
the next writer seals the records (the head is brought up to them) and sets a torn line aside in
`<log>.torn`, and records what it did. Everything else that disagrees with the head (a cut tail, a missing
head, an edited last line, several records beyond a head written in this boot) stays a gap that `verify`
reports for good.
"""

from __future__ import annotations

import functools
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
MAX_SEALED = 100_000  # records beyond a head from an earlier boot that are read back to seal them


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
    sealed: int | None = None  # the first seq of whole records beyond the head (their head write was lost)
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
            notes.append(self.sealed_note(written=False))
        return notes

    def sealed_note(self, *, written: bool) -> str:
        """The records beyond the head: as `verify` finds them, or (`written`) as a writer sealed them."""
        if self.sealed == self.seq:
            if written:
                return f"record seq {self.seq} was written but its writer stopped before updating the head"
            return (f"record seq {self.seq} is complete and chained but beyond the head: a writer stopped "
                    "before updating the head; the next writer seals it")
        records = f"records seq {self.sealed}-{self.seq}"
        if written:
            return f"{records} were written but the machine stopped before the head reached the disk"
        return (f"{records} are complete and chained but beyond the head, which an earlier boot wrote: the "
                "machine stopped before the head reached the disk; the next writer seals them")


@dataclass(frozen=True)
class Head:
    """The head file: the last record's seq and hash, and the boot it was written in (None: unknown)."""

    seq: int
    hash: str
    boot: str | None = None

    def json(self) -> str:
        boot = f',"boot":"{self.boot}"' if self.boot else ""  # hex digits, as the hash: nothing to escape
        return f'{{"seq":{int(self.seq)},"hash":"{self.hash}"{boot}}}'


def record_hash(record: dict[str, Any]) -> str:
    return body_hash({k: v for k, v in record.items() if k != "hash"} if "hash" in record else record)


def body_hash(body: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of a record without its `hash`."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def parse_record(line: bytes | str) -> dict[str, Any] | None:
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def read_head(path: Path) -> Head | None:
    try:
        text = path.read_text(encoding="utf-8")
        if not text.strip():  # created before the first record, not yet written: the start of the chain
            return Head(0, GENESIS, None)
        data = json.loads(text)
        boot = data.get("boot")
        return Head(int(data["seq"]), str(data["hash"]), boot if isinstance(boot, str) else None)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


@functools.cache
def this_boot() -> str | None:
    """An id of the running boot of the machine (Linux), so a head can say whether it predates it."""
    try:
        boot_id = Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii")
    except OSError:
        return None
    digits = boot_id.strip().replace("-", "")[:16].lower()
    return digits if len(digits) == 16 and all(c in "0123456789abcdef" for c in digits) else None


def inspect(log: Path, head: Head | None) -> Tail:
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
        seq, digest = (head.seq, head.hash) if head else (0, GENESIS)
        return Tail(seq, digest, gap="the last line of the log is unreadable (an edited record)")
    return _against_head(log, last, head, torn)


def _without_records(log: Path, head: Head | None, torn: Torn | None, start: int) -> Tail:
    if start > 0 or (torn is not None and torn.offset > 0):  # only blank lines in the last block: odd
        seq, digest = (head.seq, head.hash) if head else (0, GENESIS)
        return Tail(seq, digest, gap="the end of the log holds no readable record")
    if head is None or head.seq == 0:
        return Tail(0, GENESIS, torn=torn)
    return Tail(0, GENESIS, gap=f"the log was emptied or removed; its head said seq {head.seq}", torn=torn)


def _against_head(log: Path, last: dict[str, Any], head: Head | None, torn: Torn | None) -> Tail:
    tip = Tail(last["seq"], last["hash"], torn=torn)
    if head is not None and (head.seq, head.hash) == (tip.seq, tip.hash):
        return tip
    if head is None:
        tip.gap = "the head file was missing, so a cut tail cannot be ruled out"
    elif _one_beyond(last, head):
        tip.sealed = tip.seq
    elif _earlier_boot(head) and _chained_beyond(log, head, tip.seq, torn):
        tip.sealed = head.seq + 1
    else:
        tip.gap = f"the log ended at seq {tip.seq} but its head said seq {head.seq} (a cut tail?)"
    return tip


def _one_beyond(last: dict[str, Any], head: Head) -> bool:
    """`last` is the record right after the head's, chained to it, with its own hash intact."""
    return (
        last["seq"] == head.seq + 1
        and hmac.compare_digest(str(last.get("prev_hash")), head.hash)
        and hmac.compare_digest(str(last["hash"]), record_hash(last))
    )


def _earlier_boot(head: Head) -> bool:
    return head.boot is not None and this_boot() is not None and head.boot != this_boot()


def _chained_beyond(log: Path, head: Head, last_seq: int, torn: Torn | None) -> bool:
    """Every record after the head's, up to `last_seq`, is whole, numbered in turn and chained to it."""
    count = last_seq - head.seq
    if not 1 < count <= MAX_SEALED:
        return False
    data, _ = tail_bytes(log, count + 1)
    if torn is not None:
        data = data[: len(data) - len(torn.data)]
    lines = [line for line in data.splitlines() if line.strip()][-count:]
    seq, prev_hash = head.seq, head.hash
    for line in lines:
        record = parse_record(line) or {}
        if record.get("seq") != seq + 1 or record.get("prev_hash") != prev_hash:
            return False
        if not hmac.compare_digest(str(record.get("hash")), record_hash(record)):
            return False
        seq, prev_hash = seq + 1, str(record["hash"])
    return seq == last_seq


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
