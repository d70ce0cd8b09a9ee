"""`halo-agent teams package`: the app package Teams installs (manifest.json and two icons, zipped),
filled in from the manifest template shipped beside this module."""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from importlib import resources
from pathlib import Path

from halo_agent.errors import ConfigError

_PLACEHOLDER = re.compile(r"\$\{\{([A-Z_]+)\}\}")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
ACCENT = (0x1D, 0x35, 0x57)


def manifest_text(values: dict[str, str]) -> str:
    template = (
        resources.files("halo_agent.channels.teams").joinpath("manifest.json").read_text(encoding="utf-8")
    )
    missing = sorted(set(_PLACEHOLDER.findall(template)) - set(values))
    if missing:
        raise ConfigError("manifest template", ", ".join(missing), "no value given")
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def write_package(out: Path, *, app_id: str, domain: str, developer: str, website: str) -> Path:
    if not _UUID.match(app_id):
        raise ConfigError("command line", "--app-id", f"{app_id!r} is not an Entra application (client) id")
    values = {"TEAMS_APP_ID": app_id, "BOT_DOMAIN": domain, "DEVELOPER_NAME": developer,
              "WEBSITE_URL": website.rstrip("/")}  # fmt: skip
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", manifest_text(values))
        package.writestr("color.png", solid_png(192, ACCENT))
        package.writestr("outline.png", solid_png(32, (255, 255, 255)))
    return out


def solid_png(size: int, rgb: tuple[int, int, int]) -> bytes:
    """A square PNG of one colour (Teams wants 192x192 colour and 32x32 outline icons)."""
    row = b"\x00" + bytes(rgb) * size
    raw = zlib.compress(row * size)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")
