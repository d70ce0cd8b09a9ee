"""Tables that fit where they are printed: sized to the terminal at printing time (no column dropped
by surprise, the widest one wrapped), or tab-separated plain lines when piped."""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Console, ConsoleOptions, OverflowMethod, RenderResult
from rich.markup import escape
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from halo_agent.channels.markdown_tables import MarkdownTable

_GAP = 3  # between two columns of a borderless SIMPLE_HEAD table
_NARROW_MAX, _NARROW_MIN, _WIDE_MIN, _WIDE_READABLE = 24, 6, 20, 36


class FittedTable:
    """A table that fits where it is printed. On a terminal: borderless, sized here, not by rich (which
    drops whole columns when space runs out): every column stays on one line, cut with …, except `wide`,
    which takes the room left and wraps. The first column (an id a person may need to type) is never
    cut; `optional` columns are left out, in that order, while `wide` would get less than a readable
    width. The width is the console's at the moment of printing unless `width` is given.

    Not on a terminal (piped, redirected): plain lines, cells separated by a tab, no box drawing, no
    colour, nothing cut or wrapped, so `cut`, `awk -F'\t'` and spreadsheets read it whole."""

    def __init__(
        self,
        columns: Sequence[str],
        rows: Sequence[Sequence[str]],
        *,
        wide: str,
        width: int | None = None,
        optional: Sequence[str] = (),
    ) -> None:
        self.columns, self.rows, self.wide = list(columns), [list(row) for row in rows], wide
        self.width, self.optional = width, list(optional)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if not options.is_terminal:
            yield Segment(self.plain())  # a Segment, not Text: rich would expand the tabs to spaces
            return
        yield self.table(self.width or options.max_width)

    def plain(self) -> str:
        """Header and rows as tab-separated lines of plain text."""
        lines = [self.columns, *([_plain_cell(cell) for cell in row] for row in self.rows)]
        return "".join("\t".join(line) + "\n" for line in lines)

    def table(self, width: int) -> Table:
        columns, wide = self.columns, self.columns.index(self.wide)
        keep, widths = _layout(columns, self.rows, wide, width, list(self.optional))
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, header_style="bold")
        for position, column_width in zip(keep, widths, strict=True):
            wraps = position == wide
            overflow: OverflowMethod = "fold" if wraps else "ellipsis"
            table.add_column(columns[position], width=column_width, no_wrap=not wraps, overflow=overflow)
        for row in self.rows:
            table.add_row(*(row[i] for i in keep))
        return table


def fitted_table(
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    wide: str,
    width: int | None = None,
    optional: Sequence[str] = (),
) -> FittedTable:
    """See FittedTable: a table sized for the terminal, plain tab-separated lines when piped."""
    return FittedTable(columns, rows, wide=wide, width=width, optional=optional)


def _plain_cell(markup: str) -> str:
    return " ".join(Text.from_markup(markup).plain.split())


def _layout(
    columns: Sequence[str], rows: Sequence[Sequence[str]], wide: int, width: int, optional: list[str]
) -> tuple[list[int], list[int]]:
    """(the columns kept, their widths)."""
    keep = list(range(len(columns)))
    while True:
        natural = _natural(columns, rows, keep)
        at = keep.index(wide)
        widths = _column_widths(natural, at, width)
        if widths[at] >= min(natural[at], _WIDE_READABLE) or not optional:
            return keep, widths
        keep.remove(columns.index(optional.pop(0)))


def _natural(columns: Sequence[str], rows: Sequence[Sequence[str]], keep: list[int]) -> list[int]:
    return [max([len(columns[i]), *(_plain_len(row[i]) for row in rows)]) for i in keep]


def _column_widths(natural: list[int], wide: int, width: int) -> list[int]:
    widths = [n if i in (0, wide) else min(n, _NARROW_MAX) for i, n in enumerate(natural)]
    room = width - _GAP * (len(widths) - 1) - (sum(widths) - widths[wide])
    shrinkable = [i for i in range(1, len(widths)) if i != wide]
    while room < _WIDE_MIN and shrinkable and max(widths[i] for i in shrinkable) > _NARROW_MIN:
        widths[max(shrinkable, key=lambda i: widths[i])] -= 1
        room += 1
    widths[wide] = max(min(widths[wide], room), _NARROW_MIN)
    return widths


def _plain_len(markup: str) -> int:
    return len(Text.from_markup(markup).plain)


def markdown_table(table: MarkdownTable, width: int | None = None) -> FittedTable:
    """A table the model wrote in its answer: the summary (else the longest) column wraps, the others
    are left out from the right when the console is too narrow."""
    columns = [escape(column) for column in table.columns]
    cells = [[escape(cell) for cell in row] for row in table.rows]
    lengths = [max((len(row[i]) for row in table.rows), default=0) for i in range(len(columns))]
    named = [c for c in columns if c.lower() in ("summary", "title", "name", "description")]
    wide = named[0] if named else columns[lengths.index(max(lengths))]
    optional = [c for c in reversed(columns[1:]) if c != wide]
    return fitted_table(columns, cells, wide=wide, width=width, optional=optional)
