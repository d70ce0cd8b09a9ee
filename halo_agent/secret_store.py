"""Where `config init` keeps secrets, and how settings read them back.

A settings file never holds a secret written by `config init`; it points at one:

    [halo]
    client_secret_file = "halo-client-secret"      # relative to the settings file; mode 0600
    # or
    client_secret_keyring = "halo:<client id>"     # the OS keyring (service "halo-agent")

`[model]` takes `api_key_file` / `api_key_keyring` the same way. The OS keyring is used when the
optional `keyring` package is installed and has a real backend (`pip install 'halo-agent[keyring]'`).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from halo_agent.errors import ConfigError

KEYRING_SERVICE = "halo-agent"
_REFS = {"halo": "client_secret", "model": "api_key"}


def write_secret_file(path: Path, secret: str) -> None:
    """Write `secret` to `path`, readable and writable by its owner only (0600), replacing the file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(secret + "\n")
    temporary.chmod(0o600)  # an existing temporary file kept its old mode
    temporary.replace(path)


def read_secret_file(path: Path, source: str, field: str) -> str:
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(source, field, f"cannot read the secret file {path}: {exc.strerror}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(source, field, f"{path} can be read by other users; run: chmod 600 {path}")
    if not text:
        raise ConfigError(source, field, f"the secret file {path} is empty")
    return text


def keyring_backend() -> Any | None:
    """The `keyring` module when it is installed with a usable backend, else None."""
    try:
        import keyring  # optional dependency
    except ImportError:
        return None
    backend = keyring.get_keyring()
    if getattr(backend, "priority", 0) <= 0 or "fail" in type(backend).__module__:
        return None  # keyring's "no backend" placeholders
    return keyring


def read_keyring(name: str, source: str, field: str) -> str:
    keyring = keyring_backend()
    if keyring is None:
        raise ConfigError(source, field, "the OS keyring is not available here (pip install keyring)")
    secret = keyring.get_password(KEYRING_SERVICE, name)
    if not secret:
        raise ConfigError(source, field, f"the OS keyring holds no secret {KEYRING_SERVICE}/{name}")
    return str(secret)


def resolve_secret_refs(data: dict[str, Any], config_file: Path) -> None:
    """Replace `<field>_file` / `<field>_keyring` entries of a settings file's data with the secret."""
    for section, field in _REFS.items():
        table = data.get(section)
        if not isinstance(table, dict):
            continue
        file_ref = table.pop(f"{field}_file", None)
        keyring_ref = table.pop(f"{field}_keyring", None)
        where = f"{section}.{field}"
        if file_ref:
            secret_path = config_file.parent / str(file_ref)
            table[field] = read_secret_file(secret_path, str(config_file), f"{where}_file")
        elif keyring_ref:
            table[field] = read_keyring(str(keyring_ref), str(config_file), f"{where}_keyring")
