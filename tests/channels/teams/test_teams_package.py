"""The app package a desk uploads to Teams: a filled-in manifest and the two icons Teams requires."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

import pytest

from halo_agent.channels.teams.package import write_package
from halo_agent.cli import main
from halo_agent.errors import ConfigError

APP_ID = "00000000-0000-4000-8000-00000000a11d"


def test_the_package_holds_a_complete_manifest_and_icons_of_the_right_size(tmp_path: Path) -> None:
    out = main(["teams", "package", "--app-id", APP_ID, "--domain", "bot.example.com",
                "--out", str(tmp_path / "app.zip")])  # fmt: skip
    assert out == 0
    with zipfile.ZipFile(tmp_path / "app.zip") as package:
        manifest = json.loads(package.read("manifest.json"))
        sizes = {
            name: struct.unpack(">II", package.read(name)[16:24]) for name in ("color.png", "outline.png")
        }
    assert "${{" not in json.dumps(manifest)
    assert manifest["id"] == APP_ID and manifest["bots"][0]["botId"] == APP_ID
    assert manifest["validDomains"] == ["bot.example.com"]
    assert sizes == {"color.png": (192, 192), "outline.png": (32, 32)}


def test_an_app_id_that_is_not_an_entra_id_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--app-id"):
        write_package(tmp_path / "x.zip", app_id="my-bot", domain="d", developer="d", website="https://e")


def test_the_bot_without_credentials_says_which_variable_is_missing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TEAMS_APP_ID", raising=False)
    assert main(["teams"]) == 1
    assert "TEAMS_APP_ID" in capsys.readouterr().err
