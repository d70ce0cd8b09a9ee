"""An invalid policy file fails at load, naming the file, the path inside it and the problem; and the CLI."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from halo_agent.errors import PolicyFileError
from halo_agent.policies import cli
from halo_agent.policies.engine import PolicyEngine

VALID = """\
version: 1
roles:
  employee:
    actions:
      haloitsm_add_note:
        id: employee-add-note
        scope: own
        forced_args: {hidden_from_user: false}
      haloitsm_update_ticket:
        id: employee-update
        approval: [{id: needs-admin, approvers: [employee]}]
"""


@pytest.mark.parametrize(
    ("old", "new", "path", "problem"),
    [
        ("forced_args: {hidden_from_user: false}", "forced_args: [hidden_from_user]",
         "roles.employee.actions.haloitsm_add_note.forced_args", "dictionary"),
        ("forced_args: {hidden_from_user: false}", "forced_args: {hidden_from_user: [1]}",
         "roles.employee.actions.haloitsm_add_note.forced_args", "forced value"),
        ("scope: own", "scope: mine", "roles.employee.actions.haloitsm_add_note.scope", "'any' or 'own'"),
        ("scope: own", "confrim: true", "roles.employee.actions.haloitsm_add_note.confrim", "unknown field"),
        ("id: employee-add-note", "id: Employee Add Note", "roles.employee.actions.haloitsm_add_note.id",
         "rule ids"),
        ("id: employee-update", "id: employee-add-note", "roles.employee.actions.haloitsm_update_ticket.id",
         "duplicate rule id"),
        ("approvers: [employee]", "approvers: [boss]",
         "roles.employee.actions.haloitsm_update_ticket.approval.0.approvers", "unknown role 'boss'"),
        ("approvers: [employee]", "approvers: []",
         "roles.employee.actions.haloitsm_update_ticket.approval.0.approvers", "at least 1"),
        ("version: 1", "version: 2", "version", "1"),
        ("version: 1", "", "version", "required"),
    ],
)
def test_invalid_file_names_file_path_and_problem(
    tmp_path: Path, old: str, new: str, path: str, problem: str
) -> None:
    file = tmp_path / "broken.yaml"
    file.write_text(VALID.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(PolicyFileError) as caught:
        PolicyEngine.load(file)
    assert (caught.value.source, caught.value.field) == (str(file), path)
    assert problem in caught.value.problem
    assert str(caught.value).startswith(f"{file}: {path}: ")


@pytest.mark.parametrize(
    ("text", "problem"),
    [("roles: [", "not valid YAML"), ("- a\n- b\n", "YAML mapping"), ("", "YAML mapping")],
)
def test_unreadable_file_is_refused(tmp_path: Path, text: str, problem: str) -> None:
    file = tmp_path / "p.yaml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyFileError, match=problem):
        PolicyEngine.load(file)


def test_missing_file_is_refused_with_its_name(tmp_path: Path) -> None:
    with pytest.raises(PolicyFileError, match=r"nope\.yaml"):
        PolicyEngine.load(tmp_path / "nope.yaml")


def test_valid_file_loads() -> None:
    engine = PolicyEngine.from_yaml(VALID)
    assert engine.actions_for("employee") == {"haloitsm_add_note", "haloitsm_update_ticket"}


# the CLI ------------------------------------------------------------------------------------------------
def run(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


def test_policy_check_summarises_the_default_policy(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("policy", "check") == 0
    out = capsys.readouterr().out
    assert out.startswith("OK default.yaml (packaged)")
    assert "employee-no-critical" in out and "admin-critical-update-approval" in out


def test_policy_check_reports_the_precise_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "bad.yaml"
    file.write_text(VALID.replace("scope: own", "scope: mine"), encoding="utf-8")
    assert run("policy", "check", str(file)) == 1
    assert "roles.employee.actions.haloitsm_add_note.scope" in capsys.readouterr().out


def test_policy_check_refuses_names_no_tool_has(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "typo.yaml"
    file.write_text(VALID.replace("hidden_from_user: false", "hiden: false"), encoding="utf-8")
    assert run("policy", "check", str(file)) == 1
    assert "has no argument 'hiden'" in capsys.readouterr().out


def test_policy_check_uses_the_configured_policy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "site.yaml"
    file.write_text(VALID, encoding="utf-8")
    monkeypatch.setenv("HALO_AGENT_POLICY", str(file))
    assert run("policy", "check") == 0
    assert f"OK {file}" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--role", "employee", "--action", "haloitsm_add_note", "--arg", "ticket_id=789", "--arg",
          "note=hi", "--arg", "hidden_from_user=true"], ["decision: deny", "rule:     employee-add-note"]),
        (["--role", "employee", "--action", "haloitsm_get_ticket", "--arg", "ticket_id=790",
          "--owner-match", "no"], ["decision: deny", "not one of your tickets"]),
        (["--role", "employee", "--action", "haloitsm_get_ticket", "--arg", "ticket_id=789"],
         ["decision: allow", "scope:    own"]),
        (["--role", "employee", "--action", "haloitsm_get_ticket", "--arg", "ticket_id=5",
          "--missing-ticket"], ["decision: deny", "does not exist"]),
        (["--role", "admin", "--action", "haloitsm_update_ticket", "--arg", "ticket_id=1", "--arg",
          "priority=Critical"], ["decision: approval", "approvers: admin"]),
        (["--role", "admin", "--action", "haloitsm_add_note", "--arg", "ticket_id=1", "--arg", "note=x",
          "--untrusted"], ["decision: confirm", "rule:     untrusted-write"]),
        (["--role", "admin", "--action", "haloitsm_add_note", "--arg", "ticket_id=1", "--arg", "note=x",
          "--untrusted", "--named"], ["decision: allow"]),
        (["--role", "employee", "--action", "haloitsm_create_ticket", "--arg", "summary=s", "--recent", "20"],
         ["rule:     employee-create-ticket-rate"]),
        (["--role", "employee", "--action", "haloitsm_add_note", "--arg", "ticket_id=789"],
         ["forced:   {\"hidden_from_user\": false}"]),
    ],
)
def test_policy_explain_prints_decision_rule_and_reason(
    argv: list[str], expected: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("policy", "explain", *argv) == 0
    out = capsys.readouterr().out
    for text in expected:
        assert text in out
    assert "reason:" in out


def test_policy_explain_rejects_a_malformed_argument(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        run("policy", "explain", "--role", "admin", "--action", "haloitsm_get_ticket", "--arg", "ticket_id")
    assert "expected K=V" in capsys.readouterr().err
