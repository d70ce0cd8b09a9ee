"""The audit log heals what a killed writer leaves, and still reports every kind of tampering."""

from __future__ import annotations

import json
from pathlib import Path

from halo_agent import audit_cli
from halo_agent.storage.audit import GAP_EVENT, AuditLog
from halo_agent.storage.audit_tail import RECOVERED_EVENT, TORN_EVENT, this_boot


def filled(path: Path, count: int = 4) -> AuditLog:
    log = AuditLog(path)
    for i in range(count):
        log.append({"tool": "haloitsm_get_ticket", "args": {"ticket_id": 700 + i}})
    return log


def killed_before_head_update(path: Path) -> None:
    """What a writer killed between its line and its head write leaves: one record beyond the head."""
    head = path.with_name(path.name + ".head").read_bytes()
    AuditLog(path).append({"tool": "haloitsm_create_ticket", "args": {"summary": "landed"}})
    path.with_name(path.name + ".head").write_bytes(head)


def events(path: Path) -> list[str | None]:
    return [json.loads(line).get("event") for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_record_beyond_the_head_is_reported_as_recoverable_not_as_tampering(tmp_path: Path) -> None:
    log = filled(tmp_path / "a.jsonl")
    killed_before_head_update(log.path)
    report = AuditLog(log.path).verify()
    assert report.ok and report.records == 5
    assert report.recovered == [
        "record seq 5 is complete and chained but beyond the head: a writer stopped before updating the "
        "head; the next writer seals it"
    ]


def test_a_writer_killed_in_the_very_first_record_leaves_a_recoverable_tail(tmp_path: Path) -> None:
    """The head is created (empty) before the log's first line, so a kill between the line and the head
    write leaves one record beyond an empty head: the start of the chain, not a missing head."""
    path = tmp_path / "a.jsonl"
    AuditLog(path).append({"tool": "haloitsm_create_ticket", "args": {"summary": "first"}})
    path.with_name(path.name + ".head").write_bytes(b"")
    report = AuditLog(path).verify()
    assert report.ok and report.records == 1 and len(report.recovered) == 1


def test_a_removed_head_is_still_reported(tmp_path: Path) -> None:
    log = filled(tmp_path / "a.jsonl")
    log.path.with_name(log.path.name + ".head").unlink()
    assert not AuditLog(log.path).verify().ok


def test_an_emptied_head_under_several_records_is_still_a_cut(tmp_path: Path) -> None:
    log = filled(tmp_path / "a.jsonl")
    log.path.with_name(log.path.name + ".head").write_bytes(b"")
    assert not AuditLog(log.path).verify().ok


def test_the_next_writer_seals_it_and_notes_the_recovery(tmp_path: Path) -> None:
    log = filled(tmp_path / "a.jsonl")
    killed_before_head_update(log.path)
    AuditLog(log.path).append({"tool": "after"})
    assert events(log.path)[4:] == [None, RECOVERED_EVENT, None]
    report = AuditLog(log.path).verify()
    assert report.ok and report.records == 7
    assert len(report.recovered) == 1 and "record seq 5 was written" in report.recovered[0]


def test_heal_on_open_does_the_same_without_a_record_to_write(tmp_path: Path) -> None:
    log = filled(tmp_path / "a.jsonl")
    killed_before_head_update(log.path)
    done = AuditLog(log.path).heal()
    assert len(done) == 1 and "sealed" in done[0]
    assert AuditLog(log.path).heal() == []  # nothing more to do
    assert AuditLog(log.path).verify().ok


def test_a_torn_last_line_is_recoverable_then_set_aside(tmp_path: Path) -> None:
    log = filled(tmp_path / "a.jsonl")
    with log.path.open("ab") as handle:
        handle.write(b'{"seq":5,"time":"2026-')
    report = AuditLog(log.path).verify()
    assert report.ok and report.records == 4 and "torn last line" in report.recovered[0]
    AuditLog(log.path).append({"tool": "after"})
    assert events(log.path)[4:] == [TORN_EVENT, None]
    assert AuditLog(log.path).verify().ok


def test_an_extra_record_that_is_not_chained_to_the_head_is_tampering(tmp_path: Path) -> None:
    log = filled(tmp_path / "a.jsonl")
    killed_before_head_update(log.path)
    text = log.path.read_text(encoding="utf-8").splitlines(keepends=True)
    forged = json.loads(text[-1]) | {"args": {"summary": "forged"}}
    log.path.write_text("".join(text[:-1]) + json.dumps(forged) + "\n", encoding="utf-8")
    report = AuditLog(log.path).verify()
    assert not report.ok and any("edited" in problem for problem in report.problems)
    AuditLog(log.path).append({"tool": "after"})
    assert GAP_EVENT in events(log.path)


def test_two_records_beyond_the_head_are_a_cut_or_edit_not_a_recovery(tmp_path: Path) -> None:
    log = filled(tmp_path / "a.jsonl")
    head = log.head_path.read_bytes()
    log.append({"tool": "x"})
    log.append({"tool": "y"})
    log.head_path.write_bytes(head)
    report = AuditLog(log.path).verify()
    assert not report.ok and not report.recovered


def test_a_cut_that_leaves_a_torn_line_is_still_a_cut(tmp_path: Path) -> None:
    log = filled(tmp_path / "a.jsonl")
    data = log.path.read_bytes()
    log.path.write_bytes(data[:-40])  # the last record cut mid-line; the head still names it
    report = AuditLog(log.path).verify()
    assert not report.ok and "the tail was cut or edited" in report.problems[-1]


def test_verify_cli_says_recovered_apart_from_broken(tmp_path: Path, capsys: object) -> None:
    import argparse

    log = filled(tmp_path / "a.jsonl")
    killed_before_head_update(log.path)
    code = audit_cli.verify_command(argparse.Namespace(file=log.path))
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert code == 0 and out.startswith("OK") and "recovered" in out and "seq 5" in out


def machine_stopped_before_the_head_reached_the_disk(log: AuditLog, beyond: int) -> None:
    """What a power cut can leave: the log forced to disk at each turn, the head as an earlier boot
    last wrote it, `beyond` records before the end."""
    stale = log.head_path.read_bytes()
    for i in range(beyond):
        log.append({"tool": "haloitsm_add_note", "args": {"ticket_id": 800 + i}})
    head = json.loads(stale)
    assert head["boot"] == this_boot()  # the writer names its boot
    log.head_path.write_bytes(json.dumps(head | {"boot": "0123456789abcdef"}).ljust(len(stale)).encode())


def test_records_beyond_a_head_from_an_earlier_boot_are_recovered_not_tampering(tmp_path: Path) -> None:
    log = filled(tmp_path / "a.jsonl")
    machine_stopped_before_the_head_reached_the_disk(log, 3)
    report = AuditLog(log.path).verify()
    assert report.ok and report.records == 7
    assert report.recovered == [
        "records seq 5-7 are complete and chained but beyond the head, which an earlier boot wrote: the "
        "machine stopped before the head reached the disk; the next writer seals them"
    ]
    AuditLog(log.path).append({"tool": "after"})
    assert events(log.path)[7:] == [RECOVERED_EVENT, None]
    sealed = json.loads(log.path.read_text(encoding="utf-8").splitlines()[7])
    assert sealed["recovered_seq"] == 5 and sealed["note"].startswith("records seq 5-7 were written")
    assert AuditLog(log.path).verify().ok


def test_an_edited_record_beyond_a_head_from_an_earlier_boot_is_still_tampering(tmp_path: Path) -> None:
    log = filled(tmp_path / "a.jsonl")
    machine_stopped_before_the_head_reached_the_disk(log, 3)
    text = log.path.read_text(encoding="utf-8").splitlines(keepends=True)
    forged = json.loads(text[5]) | {"args": {"ticket_id": 1}}
    log.path.write_text("".join(text[:5]) + json.dumps(forged) + "\n" + "".join(text[6:]), encoding="utf-8")
    assert not AuditLog(log.path).verify().ok
    AuditLog(log.path).append({"tool": "after"})
    assert GAP_EVENT in events(log.path)


def test_a_cut_below_a_head_from_an_earlier_boot_is_still_a_cut(tmp_path: Path) -> None:
    log = filled(tmp_path / "a.jsonl")
    machine_stopped_before_the_head_reached_the_disk(log, 0)
    log.path.write_text("".join(log.path.read_text(encoding="utf-8").splitlines(keepends=True)[:2]),
                        encoding="utf-8")  # fmt: skip
    report = AuditLog(log.path).verify()
    assert not report.ok and "the tail was cut or edited" in report.problems[-1]
