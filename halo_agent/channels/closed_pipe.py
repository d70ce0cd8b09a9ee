"""A reader that goes away (`halo-agent ask … | head -1`) ends the output, never the turn.

The turn the person asked for still runs to its end: its calls are decided, run or paused and audited,
and the session is saved, so a pause can still be confirmed with the next `ask`. Only what would have
been printed is dropped. The command then exits 141 (128 + SIGPIPE), as a shell reports for a command
whose reader closed the pipe, and starts nothing new (a piped `chat` reads no further lines).
"""

from __future__ import annotations

import os
import sys

from rich.console import Console

EXIT_READER_GONE = 141


def drop_stdout() -> None:
    """Point stdout at devnull: later writes (and Python's own flush at exit) succeed and go nowhere.
    The recipe in the `signal` module's documentation ("Note on SIGPIPE")."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


class StdoutLines:
    """print() of whole lines to stdout that notes a closed pipe instead of raising."""

    def __init__(self) -> None:
        self.reader_gone = False

    def print(self, line: str) -> None:
        if self.reader_gone:
            return
        try:
            print(line, flush=True)
        except BrokenPipeError:
            self.reader_gone = True
            drop_stdout()


class CliConsole(Console):
    """rich's Console, except that a closed pipe makes it quiet (`reader_gone`) instead of exiting:
    rich's default raises SystemExit(1) from inside whatever printed, abandoning the turn mid-way."""

    reader_gone = False

    def on_broken_pipe(self) -> None:
        self.quiet = True
        self.reader_gone = True
        drop_stdout()


def reader_gone(console: Console) -> bool:
    return isinstance(console, CliConsole) and console.reader_gone
