"""The README runner's own rules (docs/readme-tests.md): what runs, what is substituted, what fails."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.docs.readme_runner import (
    Block,
    BlockFailedError,
    ReaderShell,
    Rules,
    blocks,
    check_output,
    reader_env,
    shell_text,
)

DOC = """Intro.

```bash
echo one
```

- a list item:

  ```console
  $ echo two
  two
  ```

```text
not run
```

```python
print("three")
```
"""


@pytest.fixture
def shell(tmp_path: Path) -> Iterator[ReaderShell]:
    reader = ReaderShell(tmp_path, reader_env(tmp_path / "home"))
    try:
        yield reader
    finally:
        reader.close()


def test_blocks_are_found_in_order_with_their_language_and_line() -> None:
    found = blocks(DOC)
    assert [(b.language, b.line, b.runs) for b in found] == [
        ("bash", 3, True), ("console", 9, True), ("text", 14, False), ("python", 18, True),
    ]
    assert found[1].commands() == "echo two\n"
    assert found[1].expected_output() == ["two"]


def test_install_and_test_commands_are_stood_in_for_and_the_rest_of_the_line_runs() -> None:
    line = "python3 -m venv .venv && .venv/bin/pip install -q -e . && .venv/bin/halo-agent demo\n"
    block = Block("bash", 1, line)
    script = shell_text(block, Rules())
    assert script.startswith(": README-test stand-in for: 'python3 -m venv .venv' && : README-test")
    assert script.rstrip().endswith("&& .venv/bin/halo-agent demo")
    assert ": README-test" in shell_text(Block("bash", 1, "pytest -q\n"), Rules())


def test_ports_are_mapped_everywhere_and_a_background_server_is_waited_for() -> None:
    text = "halo-agent serve --port 8080 --keys k.toml &   # stop: kill %1\ncurl localhost:8080/x\n"
    block = Block("bash", 1, text)
    script = shell_text(block, Rules(ports={"8080": "41234"}))
    assert script.splitlines() == [
        "halo-agent serve --port 41234 --keys k.toml &   # stop: kill %1",
        "readme_wait_port 41234 $!",
        "curl localhost:41234/x",
    ]


def test_a_background_command_without_a_port_is_refused() -> None:
    with pytest.raises(ValueError, match="must name its --port"):
        shell_text(Block("bash", 7, "halo-agent sandbox &\n"), Rules())


def test_the_declared_placeholders_are_replaced_and_nothing_else() -> None:
    rules = Rules(sandbox_url="http://127.0.0.1:5000")
    text = "export HALO_URL=https://yourcompany.haloitsm.com\nexport HALO_CLIENT_ID=...\nexport OTHER=...\n"
    assert rules.apply(text) == (
        "export HALO_URL=http://127.0.0.1:5000\nexport HALO_CLIENT_ID=halo-agent-demo\nexport OTHER=...\n"
    )


def test_the_example_database_is_a_fresh_one_per_run() -> None:
    text = "dropdb --if-exists halo_agent_readme\nexport URL=postgresql://h/halo_agent_readme\nhalo_agent_readmes\n"
    one, two = Rules().apply(text), Rules().apply(text)
    name = one.split()[2]
    assert name.startswith("halo_agent_readme_") and f"/{name}\n" in one and one != two
    assert one.endswith("halo_agent_readmes\n")  # a longer name is another name


def test_exports_carry_from_block_to_block_and_stdin_is_empty(shell: ReaderShell) -> None:
    shell.run("export GREETING=hello\ncd /\n")
    assert shell.run("echo $GREETING $PWD; cat; echo end\n").split() == ["hello", "/", "end"]


def test_a_failing_command_fails_its_block(shell: ReaderShell) -> None:
    with pytest.raises(BlockFailedError, match="exit 3"):
        shell.run("echo before\n(exit 3)\necho after\n")


def test_a_block_that_hangs_fails_after_its_timeout(shell: ReaderShell) -> None:
    with pytest.raises(BlockFailedError, match="still running"):
        shell.run("sleep 30\n", timeout=1)


def test_the_venv_is_not_on_the_readers_path(shell: ReaderShell) -> None:
    assert "not found" in shell.run("command -v halo-agent || echo not found\n")


def test_a_traceback_or_missing_shown_output_fails() -> None:
    with pytest.raises(BlockFailedError, match="traceback"):
        check_output(Block("bash", 1, "x\n"), "Traceback (most recent call last):\n  boom")
    console = Block("console", 1, "$ halo-agent ask hi\nfirst  line\n...\nlast line\n")
    check_output(console, "first line\nsomething else\nlast   line\n")
    with pytest.raises(BlockFailedError, match="'last line'"):
        check_output(console, "last line\nfirst line\n")


def test_nothing_leaves_the_machine(shell: ReaderShell) -> None:
    env = reader_env(Path("/tmp"))
    assert env["HTTPS_PROXY"] == "http://127.0.0.1:9"
    assert "127.0.0.1" in env["NO_PROXY"]
