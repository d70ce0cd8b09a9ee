"""Reading a file the person named (settings, policy, keys, admins, eval cases) as UTF-8 text.

Every way it can fail becomes one ConfigError naming the file and the problem, never a traceback."""

from __future__ import annotations

from pathlib import Path

from halo_agent.errors import ConfigError


def read_text(path: Path, error: type[ConfigError] = ConfigError) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(path, "", "file not found") from None
    except IsADirectoryError:
        raise error(path, "", "is a directory, not a file") from None
    except OSError as exc:
        raise error(path, "", f"cannot read the file ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        byte = exc.object[exc.start]
        problem = f"not UTF-8 text (byte 0x{byte:02x} at offset {exc.start}); save it as UTF-8"
        raise error(path, "", problem) from None
