"""`policy check` lists every problem; a policy it rejects never loads: `ask`/`chat` refuse it at start."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from halo_agent.policies import cli
from halo_agent.policies.engine import PolicyEngine, PolicyProblemsError
from tests.cli.proc import halo

TWO_FIELD_PROBLEMS = """\
version: 1
roles:
  employee:
    actions:
      haloitsm_add_note:
        id: employee-note
        scope: mine
        confrim: true
      haloitsm_update_ticket:
        id: employee-note
"""  # the repeated id is reported once the fields are right (references need a valid file)

MISSPELT_ARGUMENT = """\
version: 1
roles:
  admin:
    actions:
      haloitsm_update_ticket:
        id: admin-update
        deny_when: [{id: no-closing, when: {statuss: closed}}]
"""


def _check(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = cli.check_command(argparse.Namespace(file=path))
    return code, capsys.readouterr().out.splitlines()


def test_policy_check_lists_every_schema_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(TWO_FIELD_PROBLEMS)
    code, lines = _check(path, capsys)
    assert code == 1
    assert lines[0] == f"INVALID {path}"
    fields = [line.strip().split(": ", 1)[0] for line in lines[1:]]
    assert fields == ["roles.employee.actions.haloitsm_add_note.scope",
                      "roles.employee.actions.haloitsm_add_note.confrim"]


def test_every_reference_problem_is_found(tmp_path: Path) -> None:
    fields = "scope: mine\n        confrim: true\n"
    text = TWO_FIELD_PROBLEMS.replace(fields, "approval: [{id: a, approvers: [boss]}]\n")
    with pytest.raises(PolicyProblemsError) as caught:
        PolicyEngine.from_yaml(text, "p.yaml")
    problems = dict(caught.value.problems)
    assert "unknown role 'boss'" in problems["roles.employee.actions.haloitsm_add_note.approval.0.approvers"]
    assert "duplicate rule id" in problems["roles.employee.actions.haloitsm_update_ticket.id"]


def test_the_first_problem_is_named_and_the_rest_counted(tmp_path: Path) -> None:
    with pytest.raises(PolicyProblemsError) as caught:
        PolicyEngine.from_yaml(TWO_FIELD_PROBLEMS, "p.yaml")
    assert str(caught.value).startswith("p.yaml: roles.employee.actions.haloitsm_add_note.scope: ")
    assert "(and 1 more problem(s): halo-agent policy check lists them)" in str(caught.value)


@pytest.mark.parametrize("command", ["ask", "chat"])
def test_a_policy_check_rejects_never_loads(tmp_path: Path, command: str) -> None:
    """A misspelt `when` key passes the schema but would never match: refused at start, not loaded."""
    path = tmp_path / "policy.yaml"
    path.write_text(MISSPELT_ARGUMENT)
    assert cli.check_command(argparse.Namespace(file=path)) == 1
    args = [command, "list my tickets"] if command == "ask" else [command]
    result = halo(*args, "--policy", str(path), stdin="list my tickets\n")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"halo-agent: {path}: roles.admin.actions.haloitsm_update_ticket: "
        "haloitsm_update_ticket has no argument 'statuss'"
    ]
    assert result.stdout == ""
