"""Case files (validation errors name the file and field; variants expand) and the written reports."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from halo_agent.cli import main
from halo_agent.errors import ConfigError
from halo_agent.evals.loader import load_suite

GOOD = """
defaults:
  actor: {role: admin, agent_id: 1}
  tags: [lookup]
cases:
  - id: status-789
    turns: [{user: "What's the status of ticket 789?"}]
    variants: ["Where is ticket 789 at?", "Ticket 789 status?"]
    expect: {answer: {contains: [In Progress]}}
    reference:
      - calls: [{tool: haloitsm_get_ticket, args: {ticket_id: 789}}]
      - Ticket 789 is In Progress.
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_variants_expand_into_cases_with_their_own_ids_and_first_message(tmp_path: Path) -> None:
    cases = load_suite(write(tmp_path, "a.yaml", GOOD))
    assert [c.id for c in cases] == ["status-789", "status-789.v1", "status-789.v2"]
    assert cases[1].turns[0].user == "Where is ticket 789 at?"
    assert all(c.tags == ["lookup"] and c.actor.agent_id == 1 for c in cases)


def test_a_misspelt_expectation_names_the_file_case_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", GOOD.replace("answer: {contains", "answer: {contain"))
    with pytest.raises(ConfigError) as caught:
        load_suite(path)
    message = str(caught.value)
    assert "bad.yaml" in message and "status-789" in message and "expect.answer.contain" in message


def test_an_approval_of_a_later_turn_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace(
        'turns: [{user: "What\'s the status of ticket 789?"}]',
        'turns: [{user: "hi"}, {approve: 3, as: {role: admin, agent_id: 2}}]',
    )
    with pytest.raises(ConfigError, match="has not happened yet"):
        load_suite(write(tmp_path, "a.yaml", text))


def test_duplicate_ids_across_files_are_refused(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD)
    write(tmp_path, "b.yaml", GOOD)
    with pytest.raises(ConfigError, match="duplicate case id"):
        load_suite(tmp_path)


def test_cli_reference_run_writes_json_markdown_and_png_reports(tmp_path: Path) -> None:
    write(tmp_path / "cases", "a.yaml", GOOD)
    out = tmp_path / "out"
    code = main([
        "eval", "--suite", str(tmp_path / "cases"), "--reference", "--json-report", str(out / "r.json"),
        "--md-report", str(out / "r.md"), "--png-report", str(out / "r.png"),
    ])  # fmt: skip
    assert code == 0
    report = json.loads((out / "r.json").read_text())
    assert report["summary"]["pass_rate"] == 1.0 and report["summary"]["cases"] == 3
    row = report["runs"][0]
    assert row["passed"] and row["halo_calls"] > 0 and row["round_trips"] == 2 and row["checks"]
    assert "| lookup | 3 | 100.0% |" in (out / "r.md").read_text()
    assert (out / "r.png").read_bytes().startswith(b"\x89PNG")


def test_cli_reference_run_fails_when_a_reference_does_not_pass(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", GOOD.replace("Ticket 789 is In Progress.", "Ticket 789 is gone."))
    assert main(["eval", "--suite", str(tmp_path), "--reference"]) == 1


def test_cli_tag_filter_with_no_match_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "a.yaml", GOOD)
    assert main(["eval", "--suite", str(tmp_path), "--reference", "--tag", "nope"]) == 1
    assert "no case has any of the tags" in capsys.readouterr().err


def test_piped_report_lines_are_never_wrapped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "40")  # a pipe has no width; what a terminal's would be must not matter
    write(tmp_path, "a.yaml", GOOD.replace("Ticket 789 is In Progress.", "Ticket 789 is gone."))
    main(["eval", "--suite", str(tmp_path), "--reference"])
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("failed status-789 (run 1): answer: missing 'In Progress'") for line in lines)
    assert any(re.fullmatch(r"0/3 runs passed \(0\.0%\), .*; [\d.]+s", line) for line in lines), lines
