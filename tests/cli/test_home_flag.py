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


TINY_SUITE = """cases:
  - id: home-weather
    actor: {role: employee, email: emma.hart@example.com}
    turns: [{user: "What's the weather like tomorrow?"}]
    expect: {no_calls: true}
    reference: ["I can only help with service-desk tickets."]
"""


@pytest.mark.parametrize("flag", ["--home", "--config"])
def test_eval_reads_a_live_models_settings_from_the_home_or_file_it_is_given(
    flag: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HALO_AGENT_HOME", str(tmp_path / "default-home"))  # not the one read
    home = tmp_path / "elsewhere"
    home.mkdir()
    (home / "config.toml").write_text('[model]\nnmae = "gpt-4.1-mini"\n')
    (tmp_path / "tiny.yaml").write_text(TINY_SUITE)
    given = str(home) if flag == "--home" else str(home / "config.toml")
    assert main(["eval", "--suite", str(tmp_path / "tiny.yaml"), "--model", "gpt-4.1-mini", flag, given]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert f"{home / 'config.toml'}: model.nmae: unknown key (did you mean name?)" in err


@pytest.mark.parametrize("command", ["tail", "verify", "export"])
def test_audit_names_a_configured_log_whose_folder_is_a_file(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not "No records" or "OK … 0 records": the log cannot be where the settings say."""
    (tmp_path / "notes.txt").write_text("a file")
    monkeypatch.setenv("HALO_AGENT_AUDIT_LOG", str(tmp_path / "notes.txt" / "audit.jsonl"))
    assert main(["audit", command, "--home", str(tmp_path / "home")]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"halo-agent: cannot use {tmp_path / 'notes.txt' / 'audit.jsonl'}: a part of that path is a file, "
        "not a directory\n"
    )
