from __future__ import annotations

import io

import pytest
from rich.console import Console

from halo_agent.agent.events import ErrorEvent, FinalAnswer, TextDelta, ToolResultEvent, TurnUsage
from halo_agent.channels.render import (
    Renderer,
    audit_table,
    format_call,
    format_usage,
    pending_table,
    tickets_table,
)
from tests.cli.fakes import list_events, paused_events, record, refused_events
from tests.cli.proc import strip_ansi


def _console(*, terminal: bool) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    colours = "standard" if terminal else None
    return Console(file=out, force_terminal=terminal, width=120, color_system=colours), out


def _render(events: list[object], *, terminal: bool = False, steps: bool = True) -> str:
    console, out = _console(terminal=terminal)
    renderer = Renderer(console, steps=steps, usage=steps)
    renderer.begin_turn()
    for event in events:
        renderer.event(event)
    renderer.end_turn()
    return out.getvalue()


def test_list_result_is_shown_as_a_ticket_table_after_an_answer_that_does_not_list_them() -> None:
    text = _render(list_events("list"))
    assert "haloitsm_list_tickets(mine=true)" in text
    lines = text.splitlines()
    row = next(i for i, line in enumerate(lines) if "Email not syncing" in line)
    assert "789" in lines[row] and "Medium" in lines[row] and "New monitor" in lines[row + 1]
    assert row > next(i for i, line in enumerate(lines) if "You have 2 open tickets." in line)


def test_ticket_table_is_skipped_when_the_answer_lists_every_ticket() -> None:
    events = [*list_events("list")[:3], FinalAnswer(text="#789 Email not syncing\n#801 New monitor")]
    assert "In Progress" not in _render(events)


def test_lists_read_on_the_way_to_a_pause_are_not_shown() -> None:
    events = [*list_events("list")[:3], *paused_events("close")]
    assert "New monitor" not in _render(events)


def test_a_resumed_call_shows_the_go_ahead_not_a_new_request_for_confirmation() -> None:
    decision, paused = paused_events("close")[1:]
    resumed = [decision, ToolResultEvent(call_id="c3", tool=paused.tool, status="ok", summary="Resolved 789")]
    text = _render(resumed)
    assert "go-ahead given for haloitsm_resolve_ticket" in text and "Resolved 789" in text
    assert "needs your confirmation" not in text


def test_streamed_answer_is_not_printed_twice() -> None:
    text = _render(list_events("list"))
    assert text.count("You have 2 open tickets.") == 1


def test_final_answer_is_printed_when_nothing_was_streamed() -> None:
    text = _render([FinalAnswer(text="Done: ticket 812 created.")], steps=False)
    assert text.strip() == "Done: ticket 812 created."


def test_final_answer_differing_from_streamed_preamble_is_printed() -> None:
    text = _render([TextDelta(text="Let me look."), FinalAnswer(text="Ticket 789 is open.")])
    assert "Let me look." in text and "Ticket 789 is open." in text


def test_refusal_names_the_reason_and_rule_once() -> None:
    text = _render(refused_events("790"))
    assert "refused: ticket 790 is not yours (employee.own)" in text
    assert "not your ticket" not in text  # the result line would only repeat the refusal


def test_pause_shows_preview_pending_id_and_how_to_answer() -> None:
    text = _render(paused_events("close"))
    assert "Confirmation needed" in text and "p-1" in text
    assert "Close ticket 789 (Email not syncing)" in text
    assert "Answer yes" in text


def test_piped_output_has_no_control_codes_and_terminal_output_has_colours() -> None:
    events = list_events("list") + refused_events("790") + paused_events("close")
    assert "\x1b[" not in _render(events, terminal=False)
    coloured = _render(events, terminal=True)
    assert "\x1b[32m" in coloured  # green: allowed
    assert "\x1b[31m" in coloured  # red: refused
    assert "\x1b[33m" in coloured  # yellow: paused


def test_without_steps_only_the_answer_and_pauses_show() -> None:
    text = _render(list_events("list") + paused_events("close"), steps=False)
    assert "haloitsm_list_tickets" not in text and "New monitor" not in text
    assert "You have 2 open tickets." in text and "p-1" in text


def test_error_event_is_shown_with_its_kind() -> None:
    text = _render([ErrorEvent(message="stopped after 8 steps", kind="step_limit")])
    assert "error (step_limit): stopped after 8 steps" in text


def test_long_arguments_are_cut_and_unparsable_arguments_flagged() -> None:
    shown = format_call("haloitsm_add_note", {"ticket_id": 789, "note": "x" * 200})
    assert shown.startswith("haloitsm_add_note(ticket_id=789, note=\"xxx") and len(shown) < 110
    assert "unreadable" in format_call("haloitsm_add_note", "{not json")


def test_usage_line_counts_round_trips_calls_and_time() -> None:
    usage = TurnUsage(model_round_trips=2, halo_calls=3, tool_calls=1, seconds=0.25)
    assert format_usage(usage) == "2 model round trips · 1 tool call · 3 Halo calls · 0.25 s"


def test_pending_table_lists_id_action_and_requester() -> None:
    console, out = _console(terminal=False)
    console.print(pending_table([record("p-42")], 120))
    line = next(line for line in out.getvalue().splitlines() if "p-42" in line)
    assert "haloitsm_update_ticket" in line and "Alex Morgan (admin)" in line


_ROWS = [
    {"id": 789, "summary": "Cannot access email application, connection timed out after the update",
     "status": "In Progress", "priority": "High", "type": "Incident", "agent": "Ben Carter",
     "team": "1st Line Support", "user": "Emma Hart"},
    {"id": 801, "summary": "New monitor", "status": "New", "priority": "Low", "type": "Request",
     "agent": "Chloe Evans", "team": "2nd Line Support", "user": "Tom Becker"},
]


@pytest.mark.parametrize("columns", [60, 80, 160])
def test_ticket_table_fits_the_terminal_width_it_is_printed_on(columns: int) -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=columns, color_system=None)
    console.print(tickets_table(_ROWS))  # no width given: the console's at printing time
    lines = out.getvalue().splitlines()
    assert lines and max(len(line) for line in lines) <= columns
    assert "789" in out.getvalue() and "801" in out.getvalue() and "|" not in out.getvalue()


def test_piped_tables_are_plain_tab_separated_lines() -> None:
    console, out = _console(terminal=False)
    console.print(tickets_table(_ROWS, 40))
    lines = out.getvalue().splitlines()
    assert lines[0].split("\t") == ["id", "summary", "status", "priority", "type", "agent", "team", "user"]
    assert lines[1].split("\t")[1] == _ROWS[0]["summary"]  # whole, not cut to a width
    assert not any(mark in out.getvalue() for mark in "─━│|…\x1b")


def test_audit_names_the_person_first_and_the_halo_id_after() -> None:
    console, out = _console(terminal=False)
    principal = {"role": "admin", "agent_id": 6, "name": "Ben Carter", "email": "ben@example.com"}
    nameless = {"role": "employee", "user_id": 11, "email": "emma.hart@example.com"}
    console.print(audit_table([{"seq": 1, "principal": principal}, {"seq": 2, "principal": nameless}]))
    assert "Ben Carter (agent 6)" in out.getvalue() and "emma.hart (user 11)" in out.getvalue()


_MARKDOWN_ANSWER = (
    "You have 2 open tickets:\n| # | Summary | Status | Priority | Team | Agent |\n"
    "|---|---|---|---|---|---|\n"
    "| 789 | Cannot access email application after the update | In Progress | High | 1st Line Support "
    "| Ben Carter |\n| 801 | New monitor | New | Low | 2nd Line Support | Chloe Evans |\nWhich one?"
)


@pytest.mark.parametrize("streamed", [True, False])
def test_a_markdown_table_in_the_answer_is_drawn_to_fit_the_terminal(streamed: bool) -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=60, color_system=None)
    renderer = Renderer(console, steps=False, usage=False)
    renderer.begin_turn()
    if streamed:
        for piece in (_MARKDOWN_ANSWER[:30], _MARKDOWN_ANSWER[30:95], _MARKDOWN_ANSWER[95:]):
            renderer.event(TextDelta(text=piece))
    renderer.event(FinalAnswer(text=_MARKDOWN_ANSWER))
    renderer.end_turn()
    lines = [line for line in strip_ansi(out.getvalue()).splitlines() if "thinking…" not in line]
    assert "|" not in "".join(lines) and all(len(line) <= 60 for line in lines), out.getvalue()
    assert lines[0] == "You have 2 open tickets:" and lines[-1] == "Which one?"
    assert any(line.startswith("789") and "In Progress" in line for line in lines)


def test_a_markdown_table_in_the_answer_is_tab_separated_when_piped() -> None:
    text = _render([TextDelta(text=_MARKDOWN_ANSWER), FinalAnswer(text=_MARKDOWN_ANSWER)], steps=False)
    assert text.splitlines() == [
        "You have 2 open tickets:", "#\tSummary\tStatus\tPriority\tTeam\tAgent",
        "789\tCannot access email application after the update\tIn Progress\tHigh\t1st Line Support"
        "\tBen Carter",
        "801\tNew monitor\tNew\tLow\t2nd Line Support\tChloe Evans", "Which one?",
    ]
