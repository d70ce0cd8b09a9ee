"""`halo-agent sandbox` parses its flags and prints the settings a client needs, loopback by default."""

from __future__ import annotations

import argparse

from halo_agent.sandbox import SandboxConfig
from halo_agent.sandbox.cli import register, settings_text


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    return parser.parse_args(["sandbox", *argv])


def test_defaults_bind_to_loopback() -> None:
    args = _parse()
    assert args.host == "127.0.0.1" and args.tenant is None and args.fault == []


def test_flags_are_read() -> None:
    args = _parse("--port", "9000", "--tenant", "acme", "--token-ttl", "60", "--fault", "drop,times=2")
    assert (args.port, args.tenant, args.token_ttl, args.fault) == (9000, "acme", 60, ["drop,times=2"])


def test_settings_text_for_hosted_and_hidden_custom_secret() -> None:
    text = settings_text(SandboxConfig(tenant="acme", client_secret="s3cret-value"), "http://127.0.0.1:9000")
    assert "export HALO_URL=http://127.0.0.1:9000" in text and "export HALO_TENANT=acme" in text
    assert "s3cret-value" not in text
    assert "HALO_CLIENT_SECRET=sandbox-secret" in settings_text(SandboxConfig(), "http://127.0.0.1:1")
