"""Markdown tables in an answer's text: found whole (also when streamed a character at a time), cells
unescaped, and written one line per row for chat platforms without tables."""

from __future__ import annotations

from typing import cast

from halo_agent.agent.events import FinalAnswer
from halo_agent.channels.bots.replies import reply_from
from halo_agent.channels.markdown_tables import MarkdownTable, StreamSplitter, split_blocks, tables_as_lines
from halo_agent.storage.interface import PendingCalls

ANSWER = """You have 2 open tickets:
| # | Summary | Status |
|---|---|---|
| 789 | Printer \\| scanner \\[floor 2\\] | In Progress |
| 897 | Docking station |  |
Which one should the note go on (its number)?"""


def test_a_table_in_the_answer_is_parsed_into_columns_and_unescaped_cells() -> None:
    prose, table, question = split_blocks(ANSWER)
    assert prose == "You have 2 open tickets:\n" and question == ANSWER.splitlines()[-1]
    assert table == MarkdownTable(["#", "Summary", "Status"],
                                  [["789", "Printer | scanner [floor 2]", "In Progress"],
                                   ["897", "Docking station", ""]])


def test_a_streamed_answer_gives_the_same_table_as_the_whole_text() -> None:
    splitter = StreamSplitter()
    blocks = [block for char in ANSWER for block in splitter.feed(char)] + splitter.close()
    tables = [block for block in blocks if isinstance(block, MarkdownTable)]
    assert tables == [block for block in split_blocks(ANSWER) if isinstance(block, MarkdownTable)]
    prose = "".join(block for block in blocks if isinstance(block, str))
    assert prose == "You have 2 open tickets:\n" + ANSWER.splitlines()[-1]


def test_bars_in_prose_that_is_no_table_stay_prose() -> None:
    text = "a | b | c\n| not | a table |\nend"
    assert "".join(str(block) for block in split_blocks(text)) == text


def test_chat_platforms_get_one_line_per_row() -> None:
    assert tables_as_lines(ANSWER).splitlines()[1:3] == [
        "#789 Printer | scanner [floor 2] · In Progress", "#897 Docking station"]


def test_slack_and_teams_replies_carry_no_markdown_table() -> None:
    reply = reply_from([FinalAnswer(text=ANSWER)], cast(PendingCalls, object()))  # nothing paused
    assert "|---|" not in reply.text and "#789 Printer | scanner [floor 2] · In Progress" in reply.text
    assert reply.table_rows() == []
