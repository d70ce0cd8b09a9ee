"""API keys for the HTTP and MCP-over-HTTP frontends.

A keys file (TOML) lists each frontend's key as a sha256 hash and the roles it may assert:

    [[keys]]
    name = "self-service-portal"
    sha256 = "9f86d081884c7d65..."     # `halo-agent keys hash` prints it; the key itself is never stored
    roles = ["employee"]               # omit for every role
    expires = 2027-06-30T00:00:00Z     # optional (a TOML date or date-time, UTC when no offset)

The file is re-read when it changes (checked at most once a second), so a removed key stops working
without a restart; an expired key is refused. For a simple setup, `HALO_AGENT_API_KEY` holds one key
(in clear, in the environment) allowed every role.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import time
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from halo_agent.errors import ConfigError
from halo_agent.logs import get_logger
from halo_agent.textfile import read_text

log = get_logger("halo_agent.keys")
RELOAD_CHECK_SECONDS = 1.0

API_KEY_ENV = "HALO_AGENT_API_KEY"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_MIN_KEY_LENGTH = 16


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def generate_key() -> str:
    """A fresh random key (43 URL-safe characters)."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class ApiKey:
    """One frontend's key: its name (for audit records), its hash, and the roles it may assert."""

    name: str
    sha256: str
    roles: frozenset[str] | None = None  # None: every role
    expires: datetime | None = None  # UTC

    def may_assert(self, role: str) -> bool:
        return self.roles is None or role in self.roles

    def expired(self, now: datetime | None = None) -> bool:
        return self.expires is not None and (now or datetime.now(UTC)) >= self.expires


class KeyRing:
    """The accepted keys. `authenticate` compares hashes in constant time and never logs the key."""

    def __init__(self, keys: Sequence[ApiKey], *, source: Path | None = None) -> None:
        if not keys:
            raise ConfigError("API keys", "keys", "no API key is configured")
        self.keys = tuple(keys)
        self.source = source  # the keys file, re-read when it changes
        self._stamp = _stamp(source) if source else None
        self._checked = time.monotonic()

    @classmethod
    def single(cls, key: str, *, name: str = "env") -> KeyRing:
        _check_strength(key, API_KEY_ENV)
        return cls([ApiKey(name=name, sha256=hash_key(key))])

    @classmethod
    def load(cls, path: Path) -> KeyRing:
        try:
            data = tomllib.loads(read_text(path))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(path, "", f"not valid TOML: {exc}") from None
        entries = data.get("keys")
        if not isinstance(entries, list) or not entries:
            raise ConfigError(path, "keys", "expected one or more [[keys]] tables")
        return cls([_entry(path, i, entry) for i, entry in enumerate(entries)], source=path)

    @classmethod
    def from_config(cls, path: Path | None, env: Mapping[str, str] | None = None) -> KeyRing:
        """The keys file when given, else `HALO_AGENT_API_KEY`; neither is a configuration error."""
        env = os.environ if env is None else env
        if path is not None:
            return cls.load(path)
        if env.get(API_KEY_ENV):
            return cls.single(env[API_KEY_ENV])
        raise ConfigError(
            "API keys", "--keys", f"give a keys file (--keys FILE) or set {API_KEY_ENV}; "
            "`halo-agent keys hash` makes a key and its hash",
        )  # fmt: skip

    def authenticate(self, presented: str | None) -> ApiKey | None:
        """The matching, unexpired key, or None."""
        if not presented:
            return None
        self.refresh()
        digest = hash_key(presented)
        found = None
        for key in self.keys:  # no early exit: the time taken does not depend on which key matched
            if hmac.compare_digest(digest, key.sha256):
                found = key
        return None if found is None or found.expired() else found

    def refresh(self, *, force: bool = False) -> None:
        """Re-read the keys file if it changed. A file that no longer loads keeps the last good keys
        (an edit in progress must not lock everyone out) and says so in the log."""
        now = time.monotonic()
        if self.source is None or (not force and now - self._checked < RELOAD_CHECK_SECONDS):
            return
        self._checked = now
        stamp = _stamp(self.source)
        if stamp == self._stamp:
            return
        try:
            fresh = KeyRing.load(self.source)
        except ConfigError as exc:
            log.warning("keys.reload_failed", problem=str(exc))
            return
        self.keys, self._stamp = fresh.keys, stamp
        log.info("keys.reloaded", keys=len(self.keys))


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size, stat.st_ino


def _entry(path: Path, index: int, entry: Any) -> ApiKey:
    where = f"keys[{index}]"
    if not isinstance(entry, dict):
        raise ConfigError(path, where, "expected a table with name, sha256 and roles")
    unknown = set(entry) - {"name", "sha256", "roles", "expires"}
    if unknown:
        raise ConfigError(path, where, f"unknown field(s): {', '.join(sorted(unknown))}")
    digest = str(entry.get("sha256", "")).lower()
    if not _HEX64.match(digest):
        raise ConfigError(path, f"{where}.sha256", "expected 64 hex digits (`halo-agent keys hash`)")
    roles = entry.get("roles")
    if roles is not None and (not isinstance(roles, list) or not all(isinstance(r, str) for r in roles)):
        raise ConfigError(path, f"{where}.roles", "expected a list of role names")
    name = str(entry.get("name") or f"key-{index + 1}")
    roleset = frozenset(roles) if roles is not None else None
    return ApiKey(name=name, sha256=digest, roles=roleset, expires=_expiry(path, where, entry.get("expires")))


def _expiry(path: Path, where: str, value: object) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    raise ConfigError(path, f"{where}.expires", "expected a TOML date or date-time, e.g. 2027-06-30")


def _check_strength(key: str, source: str) -> None:
    if len(key) < _MIN_KEY_LENGTH:
        raise ConfigError(source, "", f"an API key needs at least {_MIN_KEY_LENGTH} characters")
