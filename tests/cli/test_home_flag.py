"""`--home DIR` is `HALO_AGENT_HOME=DIR` for one command: its settings file, audit log and sessions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from halo_agent.cli import main


def test_config_check_reads_the_settings_file_of_the_home_it_is_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "elsewhere"
    home.mkdir()
    (home / "config.toml").write_text('[model]\nnmae = "offline"\n')
    assert main(["config", "check", "--home", str(home)]) == 1
    assert f"{home / 'config.toml'}: model.nmae: unknown key (did you mean name?)" in capsys.readouterr().err


def test_audit_reads_the_log_of_the_home_it_is_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "elsewhere"
    assert main(["ask", "--home", str(home), "list open incidents for agent 6"]) == 0
    capsys.readouterr()
    assert main(["audit", "tail", "--json", "--home", str(home)]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["tool"] for r in records] == ["haloitsm_list_tickets"]
    assert main(["audit", "verify", "--home", str(home)]) == 0
    assert f"OK {home / 'audit.jsonl'}: 1 records" in capsys.readouterr().out
