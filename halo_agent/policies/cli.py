"""`halo-agent policy check [FILE]` and `halo-agent policy explain --role R --action A [--arg k=v ...]`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from halo_agent.cli_args import Subparsers, add_command, add_commands, add_config_arg, add_home_arg

if TYPE_CHECKING:
    from halo_agent.policies.engine import PolicyEngine
    from halo_agent.policies.schema import ActionRule
    from halo_agent.policies.types import Facts, Risk

_CALLER_USER_ID = 1_000_001  # explain's stand-in identities: only equality with the owner matters
_OTHER_USER_ID = 1_000_002
_FILE_HELP = "the policy file (default: $HALO_AGENT_POLICY, the settings' policy_file, or the packaged one)"


def register(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers, "policy", "check a policy file or explain a decision",
        examples=["halo-agent policy check my-policy.yaml", "halo-agent policy show > my-policy.yaml",
                  "halo-agent policy explain --role employee --action haloitsm_add_note --arg ticket_id=789"],
    )  # fmt: skip
    commands = add_commands(parser, "policy_command")

    check = add_command(
        commands, "check", "validate a policy file and summarise it per role",
        details="Every problem is listed, each with its field; exit 1 when there is any.",
        examples=["halo-agent policy check", "halo-agent policy check my-policy.yaml"],
    )  # fmt: skip
    check.add_argument("file", metavar="FILE", nargs="?", type=Path, help=_FILE_HELP)
    check.set_defaults(func=check_command)

    show = add_command(
        commands, "show", "print the policy in force (a start for your own file)",
        examples=["halo-agent policy show", "halo-agent policy show > my-policy.yaml"],
    )  # fmt: skip
    show.add_argument("file", metavar="FILE", nargs="?", type=Path, help=_FILE_HELP)
    show.set_defaults(func=show_command)

    explain = add_command(
        commands, "explain", "show the decision for one call, with its rule and reason",
        examples=["halo-agent policy explain --role employee --action haloitsm_add_note --arg ticket_id=789",
                  "halo-agent policy explain --role employee --action haloitsm_get_ticket "
                  "--arg ticket_id=790 --owner-match no"],
    )  # fmt: skip
    _explain_args(explain)
    explain.set_defaults(func=explain_command)
    for sub in (check, show, explain):
        add_config_arg(sub)
        add_home_arg(sub)


def _explain_args(explain: argparse.ArgumentParser) -> None:
    explain.add_argument("--role", metavar="ROLE", required=True, help="admin or employee (or your own role)")
    explain.add_argument("--action", metavar="TOOL", required=True, help="e.g. haloitsm_add_note")
    explain.add_argument(
        "--arg",
        action="append",
        default=[],
        metavar="K=V",
        type=_parse_arg,
        help="an argument (repeatable); JSON values (true, 3) or text",
    )
    explain.add_argument(
        "--owner-match",
        choices=("yes", "no"),
        help="is the target ticket the caller's own? (default yes when ticket_id is given)",
    )
    explain.add_argument("--missing-ticket", action="store_true", help="the target ticket does not exist")
    explain.add_argument("--untrusted", action="store_true", help="Halo text entered the turn first")
    explain.add_argument("--named", action="store_true", help="the person named the target ticket themself")
    explain.add_argument("--recent", type=int, default=0, metavar="N", help="calls made in the rate window")
    explain.add_argument(
        "--risk", choices=("read", "write", "destructive"), help="default: the tool's own risk annotation"
    )
    explain.add_argument("--policy", type=Path, metavar="FILE", help=_FILE_HELP)  # fmt: skip


def _policy_file(args: argparse.Namespace, path: Path | None) -> Path | None:
    from halo_agent.cli_common import settings_from_args

    return path or settings_from_args(_without_policy(args)).policy_file


def _without_policy(args: argparse.Namespace) -> argparse.Namespace:
    """The settings' own policy file: `--policy` (explain) is the file to use, not a settings override."""
    return argparse.Namespace(**{**vars(args), "policy": None})


def _engine(args: argparse.Namespace, path: Path | None) -> PolicyEngine:
    from halo_agent.policies.engine import PolicyEngine

    return PolicyEngine.load(_policy_file(args, path))


def show_command(args: argparse.Namespace) -> int:
    import importlib.resources

    from halo_agent.errors import PolicyFileError
    from halo_agent.policies.engine import DEFAULT_POLICY

    path = _policy_file(args, args.file)
    if path is None:
        text = importlib.resources.files("halo_agent.policies").joinpath(DEFAULT_POLICY).read_text("utf-8")
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise PolicyFileError(path, "", f"cannot read the file ({exc.strerror or exc})") from None
    print(text, end="")
    return 0


def check_command(args: argparse.Namespace) -> int:
    from halo_agent.errors import PolicyFileError
    from halo_agent.policies.engine import PolicyProblemsError, tool_arguments
    from halo_agent.tools.registry import default_registry

    try:
        engine = _engine(args, args.file)
    except PolicyProblemsError as exc:
        print(f"INVALID {exc.source}")
        for field, problem in exc.problems:
            print(f"  {field}: {problem}")
        return 1
    except PolicyFileError as exc:
        print(f"INVALID {exc}")
        return 1
    problems = engine.unknown_names(tool_arguments(default_registry()))
    print(f"{'INVALID' if problems else 'OK'} {engine.source}")
    for problem in problems:
        print(f"  {problem}")
    for role, role_policy in engine.policy.roles.items():
        untrusted = role_policy.untrusted_write or engine.policy.untrusted_write
        print(f"\n{role}: {role_policy.description} (untrusted writes: {untrusted})")
        for action, rule in role_policy.actions.items():
            print(f"  {action:<26} {_summary(rule)}")
    return 1 if problems else 0


def _summary(rule: ActionRule) -> str:
    if rule.effect == "deny":
        return f"deny [{rule.id}]"
    parts = [f"allow [{rule.id}]", f"scope={rule.scope}"]
    if rule.allowed_args is not None:
        parts.append(f"args={','.join(rule.allowed_args) or '-'}")
    parts += [f"forced {k}={json.dumps(v)}" for k, v in rule.forced_args.items()]
    parts += [f"deny when {_when(c.when)} [{c.id}]" for c in rule.deny_when]
    parts += [f"approval by {'/'.join(a.approvers)}{_when(a.when, ' when ')} [{a.id}]" for a in rule.approval]
    parts += [f"confirm when {_when(c.when)} [{c.id}]" for c in rule.confirm_when]
    if rule.confirm:
        parts.append("confirm")
    if rule.rate_limit:
        limit = rule.rate_limit
        parts.append(f"rate {limit.max_calls}/{limit.window_seconds}s [{limit.id}]")
    return "  ".join(parts)


def _when(when: dict[str, Any], prefix: str = "") -> str:
    return prefix + ",".join(f"{k}={json.dumps(v)}" for k, v in when.items()) if when else ""


def explain_command(args: argparse.Namespace) -> int:
    from halo_agent.policies.types import ProposedCall
    from halo_agent.principal import Principal

    engine = _engine(args, args.policy)
    call_args = dict(args.arg)
    principal = Principal(role=args.role, name="explain", halo_user_id=_CALLER_USER_ID)
    call = ProposedCall(action=args.action, args=call_args, risk=args.risk or _risk(args.action))
    decision = engine.decide(principal, call, _facts(args, call_args))
    print(f"decision: {decision.kind}\nrule:     {decision.rule_id}\nreason:   {decision.reason}")
    if decision.kind != "deny":
        print(f"scope:    {decision.scope}")
    if decision.forced_args:
        print(f"forced:   {json.dumps(decision.forced_args)}")
    if decision.approver_roles:
        print(f"approvers: {', '.join(decision.approver_roles)} (never the requester)")
    return 0


def _parse_arg(item: str) -> tuple[str, Any]:
    name, sep, raw = item.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected K=V, got {item!r}")
    try:
        return name, json.loads(raw)
    except ValueError:
        return name, raw


def _risk(action: str) -> Risk:
    from halo_agent.tools.registry import default_registry

    spec = default_registry().get(action)
    return spec.risk if spec else "write"  # an unknown action: show the stricter outcome


def _facts(args: argparse.Namespace, call_args: dict[str, Any]) -> Facts:
    from halo_agent.policies.types import Facts

    ticket = call_args.get("ticket_id")
    if ticket is None and (args.owner_match or args.missing_ticket):
        ticket = 1
    if ticket is None:
        return Facts(
            untrusted_text_in_turn=args.untrusted, target_named_by_user=args.named, recent_calls=args.recent
        )
    owner = _OTHER_USER_ID if args.owner_match == "no" else _CALLER_USER_ID
    return Facts(
        target_ticket_id=ticket,
        ticket_exists=not args.missing_ticket,
        ticket_owner_user_id=None if args.missing_ticket else owner,
        untrusted_text_in_turn=args.untrusted,
        target_named_by_user=args.named,
        recent_calls=args.recent,
    )
