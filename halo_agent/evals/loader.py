"""Read a suite of case files: validate each case, fill defaults, expand paraphrase variants.

Errors name the file, the case and the field (`evals/cases/admin.yaml: case 3 (admin-close): expect.
writes.created: Input should be a valid integer`), and duplicate ids across files are refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from halo_agent.errors import ConfigError
from halo_agent.evals.case import Case, Turn
from halo_agent.textfile import read_text

SUITE_DIR = Path("evals") / "cases"


def default_suite_path(cwd: Path | None = None) -> Path:
    """`evals/cases` under the current directory, else the checkout next to the installed package."""
    here = (cwd or Path.cwd()) / SUITE_DIR
    if here.is_dir():
        return here
    checkout = Path(__file__).resolve().parents[2] / SUITE_DIR
    return checkout if checkout.is_dir() else here


def load_suite(path: Path, tags: Iterable[str] = ()) -> list[Case]:
    """Every case under `path` (a file or a folder of *.yaml), optionally only those with one of `tags`."""
    files = sorted(path.rglob("*.yaml")) + sorted(path.rglob("*.yml")) if path.is_dir() else [path]
    if not files or not all(f.is_file() for f in files):
        raise ConfigError(path, "", "no case files found (expected *.yaml)")
    cases: list[Case] = []
    seen: dict[str, str] = {}
    for file in files:
        for case in load_file(file):
            if case.id in seen:
                raise ConfigError(file, case.id, f"duplicate case id (also in {seen[case.id]})")
            seen[case.id] = str(file)
            cases.append(case)
    wanted = set(tags)
    return [c for c in cases if not wanted or wanted & set(c.tags)]


def load_file(file: Path) -> list[Case]:
    try:
        data = yaml.safe_load(read_text(file))
    except yaml.YAMLError as exc:
        raise ConfigError(file, "", f"not valid YAML: {exc}") from None
    defaults, raw_cases = _split(file, data)
    cases: list[Case] = []
    for index, raw in enumerate(raw_cases, 1):
        cases.extend(expand(_validate(file, index, _merged(defaults, raw))))
    return cases


def _split(file: Path, data: Any) -> tuple[dict[str, Any], list[Any]]:
    if isinstance(data, list):
        return {}, data
    if isinstance(data, dict) and isinstance(data.get("cases"), list):
        unknown = set(data) - {"defaults", "cases"}
        if unknown:
            raise ConfigError(file, ", ".join(sorted(unknown)), "unknown top-level key")
        defaults = data.get("defaults") or {}
        if not isinstance(defaults, dict):
            raise ConfigError(file, "defaults", "must be a mapping")
        return defaults, data["cases"]
    raise ConfigError(file, "", "expected a list of cases or {defaults: ..., cases: [...]}")


def _merged(defaults: dict[str, Any], raw: Any) -> Any:
    if not isinstance(raw, dict):
        return raw
    merged = {**defaults, **raw}
    if "tags" in defaults and "tags" in raw:
        merged["tags"] = list(dict.fromkeys([*defaults["tags"], *raw["tags"]]))
    return merged


def _validate(file: Path, index: int, raw: Any) -> Case:
    name = raw.get("id", "?") if isinstance(raw, dict) else "?"
    try:
        return Case.model_validate({**raw, "source": str(file)} if isinstance(raw, dict) else raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "(case)"
        raise ConfigError(file, f"case {index} ({name}): {field}", first["msg"]) from None


def expand(case: Case) -> list[Case]:
    """The case itself, then one case per variant of its first message: `<id>.v1`, `<id>.v2`, ..."""
    out = [case.model_copy(update={"variants": []})]
    for number, text in enumerate(case.variants, 1):
        turns = [Turn(user=text), *case.turns[1:]]
        out.append(case.model_copy(update={"id": f"{case.id}.v{number}", "turns": turns, "variants": []}))
    return out
