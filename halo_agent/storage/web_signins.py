"""The web page's sign-ins, shared by every worker: one-time sign-in tokens and the cookie sessions they
open (see `channels/web/signin.py`), stored by the sha256 of the secret (never the secret) with expiry.

`WebSignIns` is the interface; `SqliteWebSignIns` keeps them in the state file (the embedded backend),
`postgres/web_signins.py` in PostgreSQL. A token is spent by the one DELETE that finds it, so a link
opened twice at once, on two workers, opens one session. Expired entries are removed as new ones come.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

from halo_agent.principal import Principal
from halo_agent.storage.sqlite_files import StateFile

SignInKind = Literal["token", "session"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS web_signins (
    digest TEXT PRIMARY KEY, kind TEXT NOT NULL, principal TEXT NOT NULL, expires_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS web_signins_by_expiry ON web_signins (expires_at);
"""


class WebSignIns(Protocol):
    def put(self, kind: SignInKind, digest: str, principal: Principal, *, expires_at: float, now: float
            ) -> None:
        """Keep a token or session until `expires_at`; entries expired by `now` go."""
        ...

    def take(self, kind: SignInKind, digest: str, *, now: float) -> Principal | None:
        """Remove the entry; its principal if it was there and alive. Once, across every worker."""
        ...

    def get(self, kind: SignInKind, digest: str, *, now: float) -> Principal | None: ...
    def close(self) -> None: ...


class SqliteWebSignIns(StateFile):
    def __init__(self, path: Path) -> None:
        super().__init__(path, _SCHEMA)

    def put(self, kind: SignInKind, digest: str, principal: Principal, *, expires_at: float, now: float
            ) -> None:  # fmt: skip
        with self._transaction() as conn:
            conn.execute("DELETE FROM web_signins WHERE expires_at < ?", (now,))
            conn.execute("INSERT OR REPLACE INTO web_signins (digest, kind, principal, expires_at) "
                         "VALUES (?, ?, ?, ?)", (digest, kind, principal.model_dump_json(), expires_at))

    def take(self, kind: SignInKind, digest: str, *, now: float) -> Principal | None:
        with self._connect() as conn:
            row = conn.execute("DELETE FROM web_signins WHERE digest = ? AND kind = ? "
                               "RETURNING principal, expires_at", (digest, kind)).fetchone()  # fmt: skip
        return alive_principal(row, now)

    def get(self, kind: SignInKind, digest: str, *, now: float) -> Principal | None:
        with self._connect() as conn:
            row = conn.execute("SELECT principal, expires_at FROM web_signins WHERE digest = ? AND kind = ?",
                               (digest, kind)).fetchone()  # fmt: skip
        return alive_principal(row, now)


def alive_principal(row: Sequence[Any] | None, now: float) -> Principal | None:
    """The principal of a (principal, expires_at) row, unless missing or expired."""
    if row is None or float(row[1]) < now:
        return None
    return Principal.model_validate_json(str(row[0]))
