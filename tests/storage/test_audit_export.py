"""`audit export` writes every record as one JSON line, oldest first, resumable after a seq."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from halo_agent.audit_cli import export_command
from halo_agent.storage.audit import AuditLog


def _export(path: Path, out: Path, after_seq: int = 0) -> list[dict[str, object]]:
    args = argparse.Namespace(file=path, after_seq=after_seq, output=out)
    assert export_command(args) == 0
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def test_export_writes_every_record_as_stored_and_resumes_after_a_seq(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl", secrets=["s3cr3t-value"])
    written = [log.append({"event": "tool_call", "n": n, "note": "key s3cr3t-value"}) for n in range(5)]
    log.close()

    everything = _export(tmp_path / "audit.jsonl", tmp_path / "all.jsonl")
    assert everything == written
    assert "s3cr3t-value" not in (tmp_path / "all.jsonl").read_text(encoding="utf-8")

    rest = _export(tmp_path / "audit.jsonl", tmp_path / "rest.jsonl", after_seq=3)
    assert [r["seq"] for r in rest] == [4, 5]


def test_export_of_a_missing_log_is_empty(tmp_path: Path) -> None:
    assert _export(tmp_path / "none.jsonl", tmp_path / "out.jsonl") == []
