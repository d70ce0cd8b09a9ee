"""The web page's sign-ins in PostgreSQL (see storage/web_signins.py): a person signed in on one worker
or host is signed in on all of them, and a one-time link opens one session however many open it. Commits
do not wait for the disk (db.py): a database crash in the next moment may sign someone out, nothing
worse."""

from __future__ import annotations

from halo_agent.principal import Principal
from halo_agent.storage.postgres.db import Pool, batch
from halo_agent.storage.web_signins import SignInKind, alive_principal


class PostgresWebSignIns:
    def __init__(self, pool: Pool) -> None:
        self.pool = pool

    def put(self, kind: SignInKind, digest: str, principal: Principal, *, expires_at: float, now: float
            ) -> None:  # fmt: skip
        with batch(self.pool) as conn:
            conn.execute("DELETE FROM web_signins WHERE expires_at < %s", (now,))
            conn.execute(
                "INSERT INTO web_signins (digest, kind, principal, expires_at) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (digest) DO UPDATE SET kind = EXCLUDED.kind, principal = EXCLUDED.principal, "
                "expires_at = EXCLUDED.expires_at", (digest, kind, principal.model_dump_json(), expires_at),
            )  # fmt: skip

    def take(self, kind: SignInKind, digest: str, *, now: float) -> Principal | None:
        with self.pool.connection() as conn:
            row = conn.execute("DELETE FROM web_signins WHERE digest = %s AND kind = %s "
                               "RETURNING principal, expires_at", (digest, kind)).fetchone()  # fmt: skip
        return alive_principal(row, now)

    def get(self, kind: SignInKind, digest: str, *, now: float) -> Principal | None:
        with self.pool.connection() as conn:
            row = conn.execute("SELECT principal, expires_at FROM web_signins WHERE digest = %s "
                               "AND kind = %s", (digest, kind)).fetchone()  # fmt: skip
        return alive_principal(row, now)

    def close(self) -> None:
        return None  # the pool is closed by its owner
