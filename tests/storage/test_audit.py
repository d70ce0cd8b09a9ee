"""The audit log: chaining, tamper detection, redaction, several writers, and its CLI."""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from halo_agent import audit_cli
from halo_agent.principal import Principal
from halo_agent.storage.audit import GAP_EVENT, AuditLog, record_hash, redact

SECRET = "s3cr3t-client-value"
TOKEN = "eyJhbGciOiJSUzI1NiJ9.payload.sig"


def filled(path: Path, count: int = 5) -> AuditLog:
    log = AuditLog(path)
    for i in range(count):
        log.append({"tool": "haloitsm_get_ticket", "args": {"ticket_id": 700 + i}, "decision": "allow"})
    return log


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def rewrite(path: Path, new_lines: list[str]) -> None:
    path.write_text("".join(new_lines), encoding="utf-8")


def test_records_are_numbered_timed_and_chained(tmp_path: Path) -> None:
    log = filled(tmp_path / "audit.jsonl", 3)
    records = [json.loads(line) for line in lines(log.path)]
    assert [r["seq"] for r in records] == [1, 2, 3]
    assert records[0]["prev_hash"] == "0" * 64
    assert records[1]["prev_hash"] == records[0]["hash"] == record_hash(records[0])
    assert datetime.fromisoformat(records[0]["time"]).tzinfo == UTC
    assert log.verify().ok and log.verify().records == 3


def test_append_returns_the_record_as_written(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.jsonl")
    written = log.append({"tool": "x", "seq": 99, "hash": "forged"})
    assert written == json.loads(lines(log.path)[0])
    assert written["seq"] == 1 and written["hash"] != "forged"


def test_empty_log_verifies(tmp_path: Path) -> None:
    report = AuditLog(tmp_path / "none.jsonl").verify()
    assert report.ok and report.records == 0


def test_edited_record_is_found(tmp_path: Path) -> None:
    log = filled(tmp_path / "a.jsonl")
    content = lines(log.path)
    content[1] = content[1].replace('"allow"', '"deny"')
    rewrite(log.path, content)
    problems = log.verify().problems
    assert any("line 2 (seq 2): edited" in p for p in problems)


def test_edited_and_rehashed_record_breaks_the_chain(tmp_path: Path) -> None:
    log = filled(tmp_path / "a.jsonl")
    content = lines(log.path)
    record = json.loads(content[1])
    record["decision"] = "deny"
    record["hash"] = record_hash(record)
    content[1] = json.dumps(record) + "\n"
    rewrite(log.path, content)
    problems = log.verify().problems
    assert any("line 3 (seq 3): chain broken" in p for p in problems)


def test_deleted_record_is_found(tmp_path: Path) -> None:
    log = filled(tmp_path / "a.jsonl")
    content = lines(log.path)
    del content[2]
    rewrite(log.path, content)
    problems = log.verify().problems
    assert any("expected seq 3" in p for p in problems)


def test_inserted_record_is_found(tmp_path: Path) -> None:
    log = filled(tmp_path / "a.jsonl")
    content = lines(log.path)
    content.insert(2, content[1])
    rewrite(log.path, content)
    assert any("line 3 (seq 2): expected seq 3" in p for p in log.verify().problems)


def test_reordered_records_are_found(tmp_path: Path) -> None:
    log = filled(tmp_path / "a.jsonl")
    content = lines(log.path)
    content[1], content[2] = content[2], content[1]
    rewrite(log.path, content)
    problems = log.verify().problems
    assert any("expected seq 2" in p for p in problems)
    assert any("chain broken" in p for p in problems)


def test_cut_tail_is_found(tmp_path: Path) -> None:
    log = filled(tmp_path / "a.jsonl")
    rewrite(log.path, lines(log.path)[:-2])
    problems = log.verify().problems
    assert problems == ["the log ends at seq 3 but its head says seq 5: the tail was cut or edited"]


def test_emptied_log_is_found(tmp_path: Path) -> None:
    log = filled(tmp_path / "a.jsonl")
    rewrite(log.path, [])
    assert not log.verify().ok


def test_deleted_head_is_reported(tmp_path: Path) -> None:
    log = filled(tmp_path / "a.jsonl")
    log.head_path.unlink()
    assert "head file is missing" in log.verify().problems[0]


def test_writer_after_a_cut_tail_records_the_gap_instead_of_hiding_it(tmp_path: Path) -> None:
    filled(tmp_path / "a.jsonl")
    rewrite(tmp_path / "a.jsonl", lines(tmp_path / "a.jsonl")[:-2])
    fresh = AuditLog(tmp_path / "a.jsonl")  # another process, with no cached tip
    fresh.append({"tool": "after"})
    records = [json.loads(line) for line in lines(fresh.path)]
    assert [r.get("event") for r in records[-2:]] == [GAP_EVENT, None]
    assert [r["seq"] for r in records] == [1, 2, 3, 4, 5]
    report = fresh.verify()
    assert report.problems == ["line 4 (seq 4): a writer found the log tampered with: the log ended at seq 3 "
                               "but its head said seq 5 (a cut tail?)"]


def test_writer_after_a_torn_last_line_sets_it_aside_and_chains_from_the_head(tmp_path: Path) -> None:
    log = filled(tmp_path / "a.jsonl", 2)
    with log.path.open("a", encoding="utf-8") as handle:
        handle.write('{"seq": 3, "tool": "ha')  # a crashed writer: no closing quote, no newline
    AuditLog(log.path).append({"tool": "next"})
    report = AuditLog(log.path).verify()
    assert report.ok, report.problems
    assert [json.loads(line).get("event") for line in lines(log.path)][2:] == ["audit.torn", None]
    assert '{"seq": 3, "tool": "ha' in (tmp_path / "a.jsonl.torn").read_text(encoding="utf-8")


def test_secrets_never_reach_the_file(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.jsonl", secrets=[SECRET, TOKEN, ""])
    log.append({
        "tool": "haloitsm_add_note",
        "args": {"note": f"the secret is {SECRET}!", "nested": [{"deep": {"x": f"Bearer {TOKEN}"}}]},
        "headers": {"Authorization": "Bearer abcdefghijklmnop", "X-Api-Key": "k-12345678"},
        "client_secret": "whatever", "access_token": "tok-abc", "password": "hunter22",
        "error": f"401 for token {TOKEN}", "model_key": SecretStr("sk-live-123456"),
    })
    text = log.path.read_text(encoding="utf-8")
    for leaked in (SECRET, TOKEN, "abcdefghijklmnop", "k-12345678", "whatever", "tok-abc", "hunter22",
                   "sk-live-123456"):
        assert leaked not in text
    record = log.tail(1)[0]
    assert record["args"]["note"] == "the secret is [redacted]!"
    assert record["password"] == "[redacted]"
    assert log.verify().ok


@pytest.mark.parametrize(("text", "expected"), [
    ("Alex Morgan", "Alex Morgan"),  # nothing to find: kept as it is, after one search
    ("a(b)c* is not a pattern here", "a(b)c* is not a pattern here"),
    ("key a(b)c*d!", "key [redacted]!"),  # a secret with regex characters is found literally
    ("BEARER abcdefgh12345678 then bearer short", "Bearer [redacted] then bearer short"),
    ("s3cr3t-value inside s3cr3t-value-longer", "[redacted] inside [redacted]"),  # longest first
])
def test_each_string_is_redacted_as_replacing_every_secret_then_every_token_would(
    text: str, expected: str
) -> None:
    assert redact({"note": text}, ["a(b)c*d", "s3cr3t-value", "s3cr3t-value-longer"]) == {"note": expected}


def test_usage_counters_are_not_mistaken_for_tokens() -> None:
    usage = {"prompt_tokens": 120, "completion_tokens": 30, "principal_key": "admin:agent:1", "token": None}
    assert redact(usage) == usage


def test_long_text_is_cut_with_its_hash_and_length(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.jsonl", secrets=[SECRET])
    long_text = SECRET + " " + "x" * 2000
    record = log.append({"args": {"details": long_text}})
    cut = record["args"]["details"]
    assert cut["cut"] is True and cut["length"] == len(long_text.replace(SECRET, "[redacted]"))
    assert len(cut["text"]) == 500
    assert len(cut["sha256"]) == 64
    assert SECRET not in log.path.read_text(encoding="utf-8")


def test_models_dates_and_paths_are_written_as_json(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.jsonl")
    when = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    record = log.append({"principal": Principal(role="admin", halo_agent_id=1), "at": when,
                         "file": tmp_path, "ids": (1, 2)})
    assert record["principal"]["halo_agent_id"] == 1
    assert record["at"] == when.isoformat()
    assert record["ids"] == [1, 2]
    assert log.verify().ok


def test_tail_returns_the_last_records_oldest_first(tmp_path: Path) -> None:
    log = filled(tmp_path / "a.jsonl", 30)
    assert [r["seq"] for r in log.tail(3)] == [28, 29, 30]
    assert len(log.tail(100)) == 30
    assert log.tail(0) == []


def test_concurrent_threads_keep_one_unbroken_chain(tmp_path: Path) -> None:
    logs = [AuditLog(tmp_path / "a.jsonl", fsync=False) for _ in range(2)]

    def write(worker: int) -> None:
        for i in range(25):
            logs[worker % 2].append({"worker": worker, "i": i})

    threads = [threading.Thread(target=write, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report = logs[0].verify()
    assert report.ok, report.problems
    assert report.records == 200


def _write_from_process(path: str, worker: int) -> None:
    log = AuditLog(Path(path), fsync=False)
    for i in range(25):
        log.append({"worker": worker, "i": i})


def test_concurrent_processes_keep_one_unbroken_chain(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    path = str(tmp_path / "a.jsonl")
    processes = [context.Process(target=_write_from_process, args=(path, w)) for w in range(4)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=60)
    assert all(process.exitcode == 0 for process in processes)
    report = AuditLog(Path(path)).verify()
    assert report.ok, report.problems
    assert report.records == 100


# the CLI ------------------------------------------------------------------------------------------------
def run(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    audit_cli.register(parser.add_subparsers())
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


def test_audit_verify_command_passes_an_intact_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = filled(tmp_path / "a.jsonl")
    assert run("audit", "verify", "--file", str(log.path)) == 0
    assert "5 records" in capsys.readouterr().out


def test_audit_verify_command_lists_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = filled(tmp_path / "a.jsonl")
    rewrite(log.path, lines(log.path)[:-1])
    assert run("audit", "verify", "--file", str(log.path)) == 1
    out = capsys.readouterr().out
    assert out.startswith("BROKEN") and "head says seq 5" in out


def test_audit_verify_of_a_mistyped_file_is_an_error_not_ok(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    typo = tmp_path / "typo.jsonl"
    assert run("audit", "verify", "--file", str(typo)) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.strip().splitlines() == [f"halo-agent: no audit file at {typo}"]
    assert not typo.exists()


def test_audit_commands_use_the_configured_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HALO_AGENT_AUDIT_LOG", str(tmp_path / "configured.jsonl"))
    filled(tmp_path / "configured.jsonl", 4)
    assert run("audit", "tail", "-n", "2", "--json") == 0
    records: list[dict[str, Any]] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["seq"] for r in records] == [3, 4]
    assert run("audit", "verify") == 0


def test_audit_tail_prints_a_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = filled(tmp_path / "a.jsonl", 2)
    assert run("audit", "tail", "--file", str(log.path)) == 0
    out = capsys.readouterr().out
    assert "get_ticket" in out  # the table drops the shared "haloitsm_" prefix to save width
    assert out.count("allow") == 2


def test_verify_of_a_log_never_written_is_clean(tmp_path: Path) -> None:
    report = AuditLog(tmp_path / "no" / "such" / "dir" / "audit.jsonl").verify()
    assert report.ok and report.records == 0


# durability and kept-open files ---------------------------------------------------------------------------
async def test_by_turn_each_record_is_in_the_file_at_once_and_sync_clears_the_debt(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.jsonl")  # the default: fsync at sync()
    log.append({"tool": "x"})
    assert log.durability == "turn" and log.needs_sync
    assert AuditLog(tmp_path / "a.jsonl").verify().records == 1  # readable before any fsync
    await log.sync()
    assert not log.needs_sync


def test_per_record_durability_leaves_nothing_to_sync(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.jsonl", fsync="record")
    log.append({"tool": "x"})
    assert not log.needs_sync and log.verify().ok


@pytest.mark.parametrize(("given", "meant"), [(True, "record"), (False, "off"), ("off", "off")])
def test_the_old_boolean_fsync_flag_still_means_what_it_said(tmp_path: Path, given: Any, meant: str) -> None:
    assert AuditLog(tmp_path / "a.jsonl", fsync=given).durability == meant


def test_an_unknown_durability_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="fsync"):
        AuditLog(tmp_path / "a.jsonl", fsync="sometimes")  # type: ignore[arg-type]


def test_a_rotated_log_is_not_written_through_the_old_descriptor(tmp_path: Path) -> None:
    log = filled(tmp_path / "a.jsonl", 2)
    log.path.rename(tmp_path / "old.jsonl")
    log.head_path.rename(tmp_path / "old.jsonl.head")
    log.append({"tool": "after rotation"})
    assert len(lines(tmp_path / "old.jsonl")) == 2
    assert [json.loads(line)["tool"] for line in lines(log.path)] == ["after rotation"]
    assert log.verify().ok


def test_a_cut_made_by_someone_else_is_seen_by_a_writer_with_its_files_open(tmp_path: Path) -> None:
    log = filled(tmp_path / "a.jsonl", 3)
    rewrite(log.path, lines(log.path)[:2])
    log.append({"tool": "next"})
    records = [json.loads(line) for line in lines(log.path)]
    assert records[2]["event"] == GAP_EVENT and records[3]["seq"] == 4
    assert not log.verify().ok


def test_closing_syncs_and_a_closed_log_still_appends(tmp_path: Path) -> None:
    log = filled(tmp_path / "a.jsonl", 1)
    log.close()
    assert not log.needs_sync
    log.append({"tool": "again"})
    assert log.verify().records == 2


def synced_files(log: AuditLog, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files each fdatasync forces to disk, by name, as they happen."""
    names: list[str] = []
    real = os.fdatasync

    def recorded(fd: int) -> None:
        names.append(Path(f"/proc/self/fd/{fd}").readlink().name)
        real(fd)

    monkeypatch.setattr(os, "fdatasync", recorded)
    return names


async def test_a_turn_forces_the_log_to_disk_once_and_closing_forces_the_head_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = AuditLog(tmp_path / "a.jsonl")
    synced = synced_files(log, monkeypatch)
    for tool in ("x", "y", "z"):
        log.append({"tool": tool})
    assert synced == []
    await log.sync()
    assert synced == ["a.jsonl"]  # the head is written with each record; the OS writes it back
    log.close()
    assert synced == ["a.jsonl", "a.jsonl.head"]


def test_per_record_durability_forces_log_and_head_for_every_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = AuditLog(tmp_path / "a.jsonl", fsync="record")
    synced = synced_files(log, monkeypatch)
    log.append({"tool": "x"})
    log.append({"tool": "y"})
    assert synced == ["a.jsonl", "a.jsonl.head"] * 2


def test_a_lock_file_removed_between_records_is_made_again_and_locked(tmp_path: Path) -> None:
    log = filled(tmp_path / "a.jsonl", 1)
    lock = tmp_path / "a.jsonl.lock"
    lock.unlink()
    log.append({"tool": "after"})  # locks the new file at the path, not the removed one still open
    other = AuditLog(tmp_path / "a.jsonl")
    other.append({"tool": "from another writer"})
    assert lock.exists() and other.verify().ok and other.verify().records == 3
