"""`halo-agent policy check [FILE]` and `halo-agent policy explain --role R --action A [--arg k=v ...]`."""

from __future__ import annotations

import argparse
import importlib.resources
import json
from pathlib import Path
from typing import Any

from halo_agent.config import load_settings
from halo_agent.errors import PolicyFileError
from halo_agent.policies.engine import DEFAULT_POLICY, PolicyEngine, PolicyProblemsError, tool_arguments
from halo_agent.policies.schema import ActionRule
from halo_agent.policies.types import Facts, ProposedCall, Risk
from halo_agent.principal import Principal
from halo_agent.tools.registry import default_registry

_CALLER_USER_ID = 1_000_001  # explain's stand-in identities: only equality with the owner matters
_OTHER_USER_ID = 1_000_002


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("policy", help="check a policy file or explain a decision")
    commands = parser.add_subparsers(dest="policy_command", metavar="ACTION", required=True)

    check = commands.add_parser("check", help="validate a policy file and summarise it per role")
    check.add_argument("file", nargs="?", type=Path, help="default: $HALO_AGENT_POLICY or the packaged one")
    check.set_defaults(func=check_command)

    show = commands.add_parser("show", help="print the policy in force (a start for your own file)")
    show.add_argument("file", nargs="?", type=Path, help="default: $HALO_AGENT_POLICY or the packaged one")
    show.set_defaults(func=show_command)

    explain = commands.add_parser("explain", help="show the decision for one call, with its rule and reason")
    explain.add_argument("--role", required=True)
    explain.add_argument("--action", required=True, help="e.g. haloitsm_add_note")
    explain.add_argument("--arg", action="append", default=[], metavar="K=V", type=_parse_arg,
                         help="an argument (repeatable); JSON values (true, 3) or text")
    explain.add_argument("--owner-match", choices=("yes", "no"),
                         help="is the target ticket the caller's own? (default yes when ticket_id is given)")
    explain.add_argument("--missing-ticket", action="store_true", help="the target ticket does not exist")
    explain.add_argument("--untrusted", action="store_true", help="Halo text entered the turn first")
    explain.add_argument("--named", action="store_true", help="the person named the target ticket themself")
    explain.add_argument("--recent", type=int, default=0, metavar="N", help="calls made in the rate window")
    explain.add_argument("--risk", choices=("read", "write", "destructive"),
                         help="default: the tool's own risk annotation")
    explain.add_argument("--policy", type=Path, metavar="FILE", help="default: $HALO_AGENT_POLICY/packaged")
    explain.set_defaults(func=explain_command)


def _engine(path: Path | None) -> PolicyEngine:
    return PolicyEngine.load(path or load_settings().policy_file)


def show_command(args: argparse.Namespace) -> int:
    path = args.file or load_settings().policy_file
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
    try:
        engine = _engine(args.file)
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
    engine = _engine(args.policy)
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
    spec = default_registry().get(action)
    return spec.risk if spec else "write"  # an unknown action: show the stricter outcome


def _facts(args: argparse.Namespace, call_args: dict[str, Any]) -> Facts:
    ticket = call_args.get("ticket_id")
    if ticket is None and (args.owner_match or args.missing_ticket):
        ticket = 1
    if ticket is None:
        return Facts(untrusted_text_in_turn=args.untrusted, target_named_by_user=args.named,
                     recent_calls=args.recent)
    owner = _OTHER_USER_ID if args.owner_match == "no" else _CALLER_USER_ID
    return Facts(target_ticket_id=ticket, ticket_exists=not args.missing_ticket,
                 ticket_owner_user_id=None if args.missing_ticket else owner,
                 untrusted_text_in_turn=args.untrusted, target_named_by_user=args.named,
                 recent_calls=args.recent)
