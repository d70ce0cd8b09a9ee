"""`halo-agent audit verify` (exit 1 and the list of problems when the chain is broken) and
`halo-agent audit tail [-n N] [--json]`. The file is the settings' `audit_file` unless `--file` is given."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console

from halo_agent.channels.render import audit_table
from halo_agent.config import load_settings
from halo_agent.storage.audit import AuditLog


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("audit", help="verify or read the audit log")
    commands = parser.add_subparsers(dest="audit_command", metavar="ACTION", required=True)

    verify = commands.add_parser("verify", help="check the hash chain and the head")
    verify.set_defaults(func=verify_command)

    tail = commands.add_parser("tail", help="the last records")
    tail.add_argument("-n", type=int, default=20, metavar="N", help="how many (default 20)")
    tail.add_argument("--json", action="store_true", help="one JSON record per line, as stored")
    tail.set_defaults(func=tail_command)

    for sub in (verify, tail):
        sub.add_argument("--file", type=Path, metavar="PATH", help="default: the configured audit log")


def _log(args: argparse.Namespace) -> AuditLog:
    return AuditLog(args.file or load_settings().audit_file)


def verify_command(args: argparse.Namespace) -> int:
    log = _log(args)
    report = log.verify()
    if report.ok:
        print(f"OK {log.path}: {report.records} records, hash chain and head intact")
    else:
        print(f"BROKEN {log.path}: {report.records} records, {len(report.problems)} problem(s)")
    for problem in report.problems:
        print(f"  {problem}")
    if report.recovered:  # not tampering: what writers that were killed mid-record left behind
        print(f"  recovered after {len(report.recovered)} interrupted write(s), not tampering:")
        for note in report.recovered:
            print(f"    {note}")
    return 0 if report.ok else 1


def tail_command(args: argparse.Namespace) -> int:
    log = _log(args)
    records = log.tail(max(args.n, 0))
    if args.json:
        for record in records:
            print(json.dumps(record, ensure_ascii=False))
    elif records:
        Console(highlight=False).print(audit_table(records))
    else:
        print(f"No records in {log.path}")
    return 0
