"""API keys (hashed, role-limited) and the per-user token bucket."""

from __future__ import annotations

from pathlib import Path

import pytest

from halo_agent.channels.keys import API_KEY_ENV, KeyRing, hash_key
from halo_agent.channels.ratelimit import RateLimiter
from halo_agent.cli import main
from halo_agent.errors import ConfigError


def test_a_keys_file_holds_hashes_and_the_roles_each_key_may_assert(tmp_path: Path) -> None:
    path = tmp_path / "keys.toml"
    path.write_text(
        f'[[keys]]\nname = "portal"\nsha256 = "{hash_key("portal-secret-key-123")}"\nroles = ["employee"]\n'
        f'[[keys]]\nname = "console"\nsha256 = "{hash_key("console-secret-key-123")}"\n'
    )
    ring = KeyRing.load(path)
    portal = ring.authenticate("portal-secret-key-123")
    console = ring.authenticate("console-secret-key-123")
    assert portal is not None and portal.may_assert("employee") and not portal.may_assert("admin")
    assert console is not None and console.may_assert("admin")
    assert ring.authenticate("portal-secret-key-124") is None and ring.authenticate(None) is None
    assert "portal-secret-key-123" not in path.read_text()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('[[keys]]\nname = "x"\nsha256 = "abc"\n', "64 hex digits"),
        ('[[keys]]\nname = "x"\nsha256 = "' + "a" * 64 + '"\nkey = "plain"\n', "unknown field"),
        ('[[keys]]\nname = "x"\nsha256 = "' + "a" * 64 + '"\nroles = "admin"\n', "list of role names"),
        ("keys = []\n", "one or more"),
        ("not toml [", "not valid TOML"),
    ],
)
def test_a_bad_keys_file_names_the_problem(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "keys.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=problem):
        KeyRing.load(path)


def test_the_environment_key_allows_every_role_and_must_be_long_enough() -> None:
    ring = KeyRing.from_config(None, env={API_KEY_ENV: "a-long-enough-key-1234"})
    key = ring.authenticate("a-long-enough-key-1234")
    assert key is not None and key.may_assert("admin") and key.may_assert("employee")
    with pytest.raises(ConfigError, match="at least"):
        KeyRing.from_config(None, env={API_KEY_ENV: "short"})
    with pytest.raises(ConfigError, match="--keys"):
        KeyRing.from_config(None, env={})


def test_keys_hash_prints_a_toml_entry_that_authenticates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["keys", "hash", "my-frontend-key-0001", "--name", "bot", "--roles", "employee"]) == 0
    entry = capsys.readouterr().out
    assert "my-frontend-key-0001" not in entry
    (tmp_path / "keys.toml").write_text(entry)
    key = KeyRing.load(tmp_path / "keys.toml").authenticate("my-frontend-key-0001")
    assert key is not None and key.name == "bot" and key.roles == frozenset({"employee"})


def test_keys_hash_without_a_key_makes_a_new_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys", "hash"]) == 0
    captured = capsys.readouterr()
    new_key = captured.err.splitlines()[0].rsplit(" ", 1)[-1]  # on stderr: `> keys.toml` never stores it
    assert len(new_key) >= 40 and hash_key(new_key) in captured.out and new_key not in captured.out


def test_the_bucket_allows_a_burst_then_refills_at_the_rate() -> None:
    now = [100.0]
    limiter = RateLimiter(per_minute=60, capacity=3, clock=lambda: now[0])
    assert [limiter.acquire("emma") for _ in range(3)] == [None, None, None]
    wait = limiter.acquire("emma")
    assert wait is not None and wait == pytest.approx(1.0)
    assert limiter.acquire("liam") is None  # buckets are per user
    now[0] += 1.0
    assert limiter.acquire("emma") is None and limiter.acquire("emma") is not None
