"""`halo-agent config check`: what it prints, and the exit code and reason when something is wrong."""

from __future__ import annotations

import argparse

import pytest

from halo_agent.halo import cli
from halo_agent.sandbox import SandboxConfig, create_app, sandbox_client
from tests.halo.fakes import FakeClock


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    return parser.parse_args(argv)


def test_without_halo_url_the_check_runs_on_the_sandbox(capsys: pytest.CaptureFixture[str]) -> None:
    args = _parse(["config", "check"])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "embedded sandbox" in out and "self-hosted" in out
    assert "Closed [9] (closed)" in out and "New [1]," in out and "New [1] (closed)" not in out
    assert "Incident [1]" in out and "1st Line Support" in out and "Private Note" in out


@pytest.mark.parametrize(
    ("overrides", "code", "reason"),
    [
        ({"client_secret": "wrong"}, cli.EXIT_AUTH, "client id or secret"),
        ({"tenant": "other"}, cli.EXIT_AUTH, "tenant"),
        ({"scope": "read:users"}, cli.EXIT_PERMISSION, "read:users"),
    ],
)
async def test_failures_exit_non_zero_with_the_reason(
    overrides: dict[str, str], code: int, reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    app = create_app(SandboxConfig(tenant="acme"))
    settings = {"tenant": "acme", **overrides}
    client = sandbox_client(app, retry=FakeClock().policy(), **settings)
    assert await cli._check(client) == code
    assert reason in capsys.readouterr().err


async def test_read_only_scope_fails_the_check_naming_the_scope(capsys: pytest.CaptureFixture[str]) -> None:
    app = create_app(SandboxConfig(granted_scopes="read:tickets"))
    client = sandbox_client(app, scope="read:tickets", retry=FakeClock().policy())
    assert await cli._check(client) == cli.EXIT_PERMISSION
    err = capsys.readouterr().err
    assert "edit:tickets" in err and "read:customers" in err


def test_missing_scopes_understands_edit_implies_read() -> None:
    assert cli.missing_scopes("all") == []
    assert cli.missing_scopes("edit:tickets read:customers read:assets edit:kb") == []
    assert cli.missing_scopes("read:tickets") == ["edit:tickets", "read:customers", "read:assets", "read:kb"]
