"""Programmable faults: the ways real Halo (and the network in front of it) lets a client down.

Tests add faults to `app.faults`; the CLI adds them from `--fault` specs. A fault matches by method and
path prefix (case-insensitive, like Halo's routes) and is used up after `times` matches (None = forever).

Kinds: `status` (an error answer, nothing done), `latency`, `drop` (the connection dies before Halo does
anything), `timeout` (no answer in time, nothing done), `commit_then_timeout` and `commit_then_status`
(done, then the answer is lost or is an error, e.g. a gateway's 502), and `delayed_commit` (the
connection dies and Halo commits the write later: after `seconds`, or once `requests` more requests have
arrived, whichever comes first).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

FaultKind = Literal[
    "status", "latency", "drop", "timeout", "commit_then_timeout", "commit_then_status", "delayed_commit"
]
FAULT_KINDS: tuple[str, ...] = (
    "status", "latency", "drop", "timeout", "commit_then_timeout", "commit_then_status", "delayed_commit"
)
RATE_LIMIT_MESSAGE = "Rate Limit Reached - 300 Requests per rolling 5 minute window"


@dataclass
class Fault:
    """One programmed fault. `remaining` None means it never runs out."""

    kind: FaultKind
    remaining: int | None = 1
    method: str | None = None
    path: str | None = None
    status: int = 503
    retry_after: str | None = None
    seconds: float | None = None
    requests: int | None = None  # delayed_commit: commit once this many more requests have arrived
    after: int = 0  # let this many matching requests through first (chains: "the look-ups fail")
    hits: int = 0
    passed: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.method and self.method.upper() != method.upper():
            return False
        return self.path is None or _path_has_prefix(path, self.path)

    def use(self) -> None:
        self.hits += 1
        if self.remaining is not None:
            self.remaining -= 1


def _path_has_prefix(path: str, prefix: str) -> bool:
    path, prefix = path.lower().rstrip("/"), prefix.lower().rstrip("/")
    return path == prefix or path.startswith(prefix + "/")


@dataclass
class FaultInjector:
    """The faults waiting to fire, plus the token-expiry switch the auth layer reads."""

    faults: list[Fault] = field(default_factory=list)
    tokens_expired_at: float | None = None

    def add(
        self,
        kind: str,
        *,
        times: int | None = 1,
        method: str | None = None,
        path: str | None = None,
        status: int = 503,
        retry_after: float | str | None = None,
        seconds: float | None = None,
        requests: int | None = None,
        after: int = 0,
    ) -> Fault:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; choose from {', '.join(FAULT_KINDS)}")
        if kind in ("status", "commit_then_status") and not 400 <= status <= 599:
            raise ValueError("a status fault needs an HTTP error status (400-599)")
        fault = Fault(
            kind=kind,  # type: ignore[arg-type]  # checked against FAULT_KINDS above
            remaining=times,
            method=method,
            path=path,
            status=status,
            retry_after=None if retry_after is None else str(retry_after),
            seconds=seconds,
            requests=requests,
            after=after,
        )
        self.faults.append(fault)
        return fault

    def take(self, method: str, path: str, kinds: tuple[str, ...]) -> Fault | None:
        """The first live fault of one of `kinds` matching this request, used up by one."""
        for fault in self.faults:
            if fault.kind in kinds and fault.matches(method, path):
                if fault.passed < fault.after:
                    fault.passed += 1
                    continue
                fault.use()
                return fault
        return None

    def expire_tokens(self) -> None:
        """Every token issued so far is now expired (new ones are fine)."""
        self.tokens_expired_at = time.time()

    def clear(self) -> None:
        self.faults.clear()
        self.tokens_expired_at = None


def parse_fault_spec(spec: str) -> dict[str, object]:
    """`kind[,key=value...]` from the command line, e.g. `status,status=429,times=3,path=/api/Tickets`."""
    kind, *pairs = [part.strip() for part in spec.split(",") if part.strip()]
    options: dict[str, object] = {"kind": kind}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise ValueError(f"fault option {pair!r} is not key=value")
        options[key.strip()] = _fault_value(key.strip(), value.strip())
    return options


def _fault_value(key: str, value: str) -> object:
    if key in ("times", "status", "requests", "after"):
        return None if value.lower() in ("none", "forever") else int(value)
    if key == "seconds":
        return float(value)
    if key in ("method", "path", "retry_after"):
        return value
    raise ValueError(f"unknown fault option {key!r}")
