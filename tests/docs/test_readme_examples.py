"""Every ```bash, ```console and ```python block of the README files runs, in order, as printed
(the rules: docs/readme-tests.md). A README change that breaks an example fails here."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.docs.readme_runner import (
    AMBIGUOUS_FENCES,
    EXAMPLE_DATABASE,
    ROOT,
    SANDBOX_TENANT,
    Block,
    BlockFailedError,
    ReaderShell,
    Rules,
    blocks,
    check_output,
    free_port,
    reader_env,
    rules_for,
    scratch_checkout,
    shell_text,
)
from tests.pg_fixtures import admin_url

DOCUMENTS = ("README.md", "benchmarks/README.md", "evals/README.md")


@pytest.fixture
def reader(tmp_path: Path) -> Iterator[ReaderShell]:
    shell = ReaderShell(scratch_checkout(tmp_path / "clone"), reader_env(tmp_path / "data"))
    try:
        yield shell
    finally:
        shell.close()


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_example_runs_as_printed(document: str, reader: ReaderShell) -> None:
    markdown = (ROOT / document).read_text()
    ambiguous = [block.line for block in blocks(markdown) if block.language in AMBIGUOUS_FENCES]
    assert not ambiguous, f"{document}: say ```bash (runs) or ```text (shown only) at lines {ambiguous}"
    runnable = [block for block in blocks(markdown) if block.runs]
    assert runnable, f"{document} has no runnable example"
    rules = rules_for(runnable)
    if f"https://{SANDBOX_TENANT}.haloitsm.com" in markdown:
        rules.sandbox_url = start_placeholder_sandbox(reader, rules)
    try:
        for block in runnable:
            try:
                check_output(block, reader.run(script_for(block, rules, reader)))
            except BlockFailedError as failure:
                pytest.fail(f"{document}, the ```{block.language} block at line {block.line}:\n{failure}")
    finally:
        if EXAMPLE_DATABASE in markdown:
            reader.close()  # its servers first: they hold connections to the database
            drop_example_database(rules.database)


def drop_example_database(name: str) -> None:
    """The run's own copy of the example database ("Databases"), on the loopback server."""
    import psycopg

    with psycopg.connect(admin_url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def script_for(block: Block, rules: Rules, reader: ReaderShell) -> str:
    """Python blocks run as a file, with the venv's python ("Python blocks")."""
    if block.language != "python":
        return shell_text(block, rules)
    path = reader.workdir / f".readme-example-{block.line}.py"
    path.write_text(rules.apply(block.text))
    return f".venv/bin/python {path.name}\n"


def start_placeholder_sandbox(reader: ReaderShell, rules: Rules) -> str:
    """The loopback sandbox that stands in for `https://yourcompany.haloitsm.com` ("Placeholders"),
    outside the reader's shell so that the document's own `kill %1` stops the document's own server."""
    port = free_port()
    log = (reader.workdir / ".readme-sandbox.log").open("wb")
    reader.helpers.append(subprocess.Popen(
        [sys.executable, "-m", "halo_agent", "sandbox", "--port", str(port), "--tenant", SANDBOX_TENANT,
         "--state", str(reader.workdir / ".readme-sandbox-state.json")],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    ))  # fmt: skip
    reader.run(f"readme_wait_port {port} {reader.helpers[-1].pid}\n")
    return f"http://127.0.0.1:{port}"
