"""`halo-agent audit verify` (exit 1 and the list of problems when the chain is broken),
`halo-agent audit tail [-n N] [--json]` and `halo-agent audit export [--after-seq N] [--output FILE]`
(every record as JSON lines, for a SIEM). They read the configured backend: the PostgreSQL audit table
when `HALO_AGENT_DATABASE_URL` is set, else the settings' `audit_file` (or `--file`); `--home DIR` and
`--config FILE` choose the settings as for every other command."""

from __future__ import annotations

import argparse
import errno
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from halo_agent.cli_args import Subparsers, add_command, add_commands, add_config_arg, add_home_arg

if TYPE_CHECKING:
    from halo_agent.config import Settings
    from halo_agent.storage.interface import AuditTrail


def register(subparsers: Subparsers) -> None:
    parser = add_command(
        subparsers, "audit", "verify, read or export the audit log",
        details="They read the PostgreSQL audit table when HALO_AGENT_DATABASE_URL is set, else the data "
        "directory's audit.jsonl (or --file).",
        examples=["halo-agent audit verify", "halo-agent audit tail -n 5",
                  "halo-agent audit export -o audit.jsonl"],
    )  # fmt: skip
    commands = add_commands(parser, "audit_command")

    verify = add_command(
        commands, "verify", "check the hash chain and the head",
        details="Exit 0 when intact, 1 with the list of problems when not.",
        examples=["halo-agent audit verify", "halo-agent audit verify --file copy-of-audit.jsonl"],
    )  # fmt: skip
    verify.set_defaults(func=verify_command)

    tail = add_command(
        commands, "tail", "the last records",
        examples=["halo-agent audit tail", "halo-agent audit tail -n 50 --json | jq .decision"],
    )  # fmt: skip
    tail.add_argument("-n", type=int, default=20, metavar="N", help="how many (default 20)")
    tail.add_argument("--json", action="store_true", help="one JSON record per line, as stored")
    tail.set_defaults(func=tail_command)

    export = add_command(
        commands, "export", "every record as JSON lines (for a SIEM), oldest first",
        examples=["halo-agent audit export -o audit-export.jsonl",
                  "halo-agent audit export --after-seq 1200 | your-siem-forwarder"],
    )  # fmt: skip
    export.add_argument(
        "--after-seq",
        type=int,
        default=0,
        metavar="N",
        help="only records after seq N (resume a previous export)",
    )
    export.add_argument("--output", "-o", type=Path, metavar="FILE", help="write here (default: stdout)")
    export.set_defaults(func=export_command)

    for sub in (verify, tail, export):
        sub.add_argument(
            "--file", type=Path, metavar="FILE", help="a JSONL audit file instead of the configured log"
        )
        add_config_arg(sub)
        add_home_arg(sub)


def _log(args: argparse.Namespace) -> AuditTrail:
    from halo_agent.cli_common import settings_from_args
    from halo_agent.storage.audit import AuditLog
    from halo_agent.storage.factory import open_audit

    if args.file:
        return AuditLog(args.file)
    settings = settings_from_args(args)
    if settings.database_url is None:
        _check_audit_folder(settings)
    return open_audit(settings)


def _check_audit_folder(settings: Settings) -> None:
    """A data directory that is a file (HALO_AGENT_HOME=notes.txt) is a mistake to name, as every other
    command does, not an empty log to report as "No records" or "OK"."""
    path = settings.audit_file
    existing = next(folder for folder in path.parents if folder.exists())
    if existing.is_dir():
        return
    named = path if settings.audit_path is not None else settings.home  # what the person set
    if named == existing:  # said as when a command creates the data directory (cli.os_error_line)
        raise FileExistsError(errno.EEXIST, "a file", str(named))
    raise NotADirectoryError(errno.ENOTDIR, "a part of that path is a file", str(named))


def verify_command(args: argparse.Namespace) -> int:
    if args.file and not args.file.is_file():  # an empty "OK" for a mistyped path would hide the typo
        print(f"halo-agent: no audit file at {args.file}", file=sys.stderr)
        return 1
    log = _log(args)
    try:
        report = log.verify()
    finally:
        log.close()
    if report.ok:
        print(f"OK {log.location}: {report.records} records, hash chain and head intact")
    else:
        print(f"BROKEN {log.location}: {report.records} records, {len(report.problems)} problem(s)")
    for problem in report.problems:
        print(f"  {problem}")
    if report.recovered:  # not tampering: what writers that were killed mid-record left behind
        print(f"  recovered after {len(report.recovered)} interrupted write(s), not tampering:")
        for note in report.recovered:
            print(f"    {note}")
    return 0 if report.ok else 1


def tail_command(args: argparse.Namespace) -> int:
    log = _log(args)
    try:
        records = log.tail(max(args.n, 0))
    finally:
        log.close()
    if args.json:
        for record in records:
            print(json.dumps(record, ensure_ascii=False))
    elif records:
        from halo_agent.channels.closed_pipe import CliConsole
        from halo_agent.channels.render import audit_table

        CliConsole(highlight=False).print(audit_table(records))
    else:
        print(f"No records in {log.location}")
    return 0


def export_command(args: argparse.Namespace) -> int:
    log = _log(args)
    try:
        if args.output is None:
            count = _export(log, args.after_seq, sys.stdout)
        else:
            with args.output.open("w", encoding="utf-8") as out:
                count = _export(log, args.after_seq, out)
            print(f"Exported {count} records from {log.location} to {args.output}", file=sys.stderr)
    finally:
        log.close()
    return 0


def _export(log: AuditTrail, after_seq: int, out: TextIO) -> int:
    count = 0
    for record in log.records(after_seq=after_seq):
        out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
        count += 1
    return count
