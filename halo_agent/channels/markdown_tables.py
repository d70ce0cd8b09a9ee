"""Markdown tables inside an answer's text, for the channels that draw tables themselves.

A model (the offline one always, an LLM often) answers with rows as a simple Markdown table:

    | # | Summary | Status |
    |---|---|---|
    | 789 | Cannot access email | In Progress |

The terminal draws it fitted to its width (or as tab-separated lines when piped), chat platforms without
tables get one line per row, and Markdown frontends show it as it is. A cell's `\\|` is a literal bar.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SEPARATOR_CELL = re.compile(r"^\s*:?-{3,}:?\s*$")
_ESCAPED = re.compile(r"\\(.)")


@dataclass(frozen=True)
class MarkdownTable:
    columns: list[str]
    rows: list[list[str]]


Block = str | MarkdownTable  # prose (printed as it is) or a table


def is_table_row(line: str) -> bool:
    stripped = line.strip()
    return stripped.startswith("|") and _bars(stripped) >= 2


def _bars(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line))


def cells(line: str) -> list[str]:
    """The cells of one row, unescaped: `| a \\| b | c |` -> ["a | b", "c"]."""
    inner = line.strip().removeprefix("|")
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return [_ESCAPED.sub(r"\1", cell).strip() for cell in re.split(r"(?<!\\)\|", inner)]


def parse_table(lines: list[str]) -> MarkdownTable | None:
    """A header, a separator row and body rows; None when the lines are not such a table."""
    if len(lines) < 2 or not all(_SEPARATOR_CELL.match(cell) for cell in cells(lines[1])):
        return None
    columns = cells(lines[0])
    rows = [(cells(line) + [""] * len(columns))[: len(columns)] for line in lines[2:]]
    return MarkdownTable(columns, rows)


def _table_or_text(lines: list[str]) -> list[Block]:
    if not lines:
        return []
    table = parse_table(lines)
    return [table] if table else ["".join(line + "\n" for line in lines)]


class StreamSplitter:
    """Streamed text in, blocks out: prose passes through at once (streaming stays live), the lines of
    a table are held until the table ends, then come out as one MarkdownTable."""

    def __init__(self) -> None:
        self._held = ""  # the start of a line that may be a table row
        self._table: list[str] = []
        self._mid_line = False  # inside a line of prose already passed on

    def feed(self, text: str) -> list[Block]:
        out: list[Block] = []
        data, self._held = self._held + text, ""
        while data:
            line, newline, rest = data.partition("\n")
            if self._mid_line:
                out.append(line + newline)
                self._mid_line = not newline
            elif not newline and (not line.strip() or line.lstrip().startswith("|")):
                self._held = line  # wait for the rest of the line
            elif newline and is_table_row(line):
                self._table.append(line)
            else:
                out += self._flush()
                out.append(line + newline)
                self._mid_line = not newline
            data = rest
        return out

    def close(self) -> list[Block]:
        """What is still held, at the end of the text."""
        held, self._held, self._mid_line = self._held, "", False
        if held and is_table_row(held):
            self._table.append(held)
            held = ""
        return self._flush() + ([held] if held else [])

    def _flush(self) -> list[Block]:
        lines, self._table = self._table, []
        return _table_or_text(lines)


def split_blocks(text: str) -> list[Block]:
    """A whole text as prose and tables."""
    splitter = StreamSplitter()
    return splitter.feed(text) + splitter.close()


def tables_as_lines(text: str) -> str:
    """The text with each table written as one line per row ("#789 Cannot access email · In Progress"),
    for chat platforms that show Markdown without tables."""
    joined = "".join(_as_lines(block) for block in split_blocks(text))
    return joined if text.endswith("\n") else joined.removesuffix("\n")


def _as_lines(block: Block) -> str:
    if isinstance(block, str):
        return block
    return "".join(f"{row_line(block.columns, row)}\n" for row in block.rows)


def row_line(columns: list[str], row: list[str]) -> str:
    """ "#789 Cannot access email · In Progress · High": the first cell as a number when the column is
    "#", the other non-empty cells after it."""
    head, *rest = row
    first = f"#{head}" if columns and columns[0] == "#" and head else head
    others = [cell for cell in rest if cell]
    if not others:
        return first
    return f"{first} {others[0]}" + "".join(f" · {cell}" for cell in others[1:])
