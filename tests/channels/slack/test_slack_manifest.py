"""The shipped manifest asks for what the app uses, and points both URLs at the app's one endpoint."""

from __future__ import annotations

from pathlib import Path

import yaml

from halo_agent.channels.slack.http import EVENTS_PATH

MANIFEST = Path(__file__).parents[3] / "halo_agent" / "channels" / "slack" / "manifest.yaml"


def test_the_manifest_has_the_scopes_and_events_the_app_needs() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"chat:write", "im:history", "app_mentions:read", "users:read", "users:read.email"} <= scopes
    settings = manifest["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == {"message.im", "app_mention"}
    assert settings["event_subscriptions"]["request_url"].endswith(EVENTS_PATH)
    assert settings["interactivity"]["request_url"].endswith(EVENTS_PATH)
