"""Settings: defaults < TOML file < environment < command-line flags, validated once at start.

A bad value fails here with the file (or variable), the field and the problem, never later mid-turn.
"""

from __future__ import annotations

import difflib
import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from halo_agent.errors import ConfigError
from halo_agent.secret_store import resolve_secret_refs
from halo_agent.textfile import read_text

OFFLINE_MODEL = "offline"
DEFAULT_LLM = "gpt-4.1-mini"


class HaloSettings(BaseModel):
    """How to reach one Halo instance. Blank `tenant` means self-hosted."""

    model_config = ConfigDict(extra="forbid")

    halo_url: str
    client_id: str
    client_secret: SecretStr
    tenant: str | None = None
    auth_url: str | None = None
    scope: str = "all"
    note_outcome: str | None = None  # outcome name for notes; None = discover from /Outcome
    timeout_seconds: float = Field(default=30.0, gt=0)

    @field_validator("halo_url", "auth_url")
    @classmethod
    def _strip_slash(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("tenant", "auth_url", "note_outcome")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None


class ModelSettings(BaseModel):
    """Which chat model. `name == "offline"` is the built-in deterministic model (no network)."""

    model_config = ConfigDict(extra="forbid")

    name: str = OFFLINE_MODEL
    base_url: str | None = None
    api_key: SecretStr | None = None
    azure_endpoint: str | None = None  # set => Azure OpenAI; `name` is then the deployment
    azure_api_version: str = "2024-10-21"
    timeout_seconds: float = Field(default=60.0, gt=0)
    max_retries: int = Field(default=2, ge=0, le=10)
    temperature: float | None = 0.0
    # Extra request fields for this model (TOML `[model.options]`, or HALO_AGENT_MODEL_OPTIONS as a JSON
    # object), e.g. {"max_tokens": 2048} or {"reasoning_effort": "low"}; they override the defaults.
    options: dict[str, Any] = {}
    # Request fields never to send (HALO_AGENT_MODEL_OMIT, comma-separated), e.g. parallel_tool_calls
    # for a server that rejects it. A 400 naming one is also remembered on its own.
    omit_params: list[str] = []

    @field_validator("options", mode="before")
    @classmethod
    def _options_json(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError as exc:
                raise ValueError(f"not a JSON object ({exc})") from None
        return value

    @field_validator("temperature")
    @classmethod
    def _temperature_range(cls, value: float | None) -> float | None:
        if value is not None and not 0 <= value <= 2:
            raise ValueError(f"{value} is out of range: the valid range is 0 to 2")
        return value

    @field_validator("omit_params", mode="before")
    @classmethod
    def _omit_list(cls, value: object) -> object:
        return [v.strip() for v in value.split(",") if v.strip()] if isinstance(value, str) else value

    @property
    def is_offline(self) -> bool:
        return self.name == OFFLINE_MODEL


class AgentSettings(BaseModel):
    """The agent's own limits."""

    model_config = ConfigDict(extra="forbid")

    max_steps: int = Field(default=8, ge=1, le=50)
    max_correction_attempts: int = Field(default=3, ge=0, le=10)
    history_budget_chars: int = Field(default=24_000, ge=2_000)
    pending_ttl_seconds: int = Field(default=3600, ge=30)


class Settings(BaseModel):
    """Everything the product needs. `halo is None` means: use the embedded sandbox."""

    model_config = ConfigDict(extra="forbid")

    halo: HaloSettings | None = None
    model: ModelSettings = ModelSettings()
    agent: AgentSettings = AgentSettings()
    home: Path = Path(platformdirs.user_data_dir("halo-agent", appauthor=False))
    policy_file: Path | None = None  # None = the packaged default.yaml
    audit_path: Path | None = None  # None = <home>/audit.jsonl
    # When audit records reach the disk: every record is written before the call returns either way;
    # "turn" fsyncs once before an answer or pause is shown, "record" after each record, "off" never.
    audit_fsync: Literal["record", "turn", "off"] = "turn"
    # postgresql://user:password@host/db: every piece of shared state in PostgreSQL (many workers and
    # hosts); None: the embedded SQLite + JSONL files under `home`.
    database_url: SecretStr | None = None

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(("postgresql://", "postgres://")):
            raise ValueError("must be a postgresql://user@host:port/database URL")
        return value

    @property
    def uses_sandbox(self) -> bool:
        return self.halo is None

    @property
    def audit_file(self) -> Path:
        return self.audit_path or self.home / "audit.jsonl"

    @property
    def state_db(self) -> Path:
        return self.home / "state.db"

    @property
    def sandbox_state_file(self) -> Path:
        """The embedded sandbox's Halo data, kept between commands so a pause can be confirmed later."""
        return self.home / "sandbox-state.db"

    def ensure_home(self) -> Path:
        self.home.mkdir(parents=True, exist_ok=True)
        return self.home


_HALO_ENV = {
    "HALO_URL": "halo_url",
    "HALO_TENANT": "tenant",
    "HALO_CLIENT_ID": "client_id",
    "HALO_CLIENT_SECRET": "client_secret",
    "HALO_AUTH_URL": "auth_url",
    "HALO_SCOPE": "scope",
    "HALO_OUTCOME": "note_outcome",
}


def load_settings(
    config_file: Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Build Settings from an optional TOML file, the environment and flag overrides.

    `overrides` uses the dotted names of Settings (`{"model.name": "offline", "home": "/tmp/x"}`).
    """
    env = os.environ if env is None else env
    home = (overrides or {}).get("home")
    if home is not None:  # a data directory given by flag holds the settings file, as HALO_AGENT_HOME would
        env = {**env, "HALO_AGENT_HOME": str(home)}
    config_file = config_file or _config_file_from_env(env)
    data = _read_toml(config_file) if config_file else {}
    if config_file:
        resolve_secret_refs(data, config_file)  # `client_secret_file = ...` as `config init` writes it
    from_env = _apply_env(data, env)
    for dotted, value in (overrides or {}).items():
        if value is not None:
            _set_dotted(data, dotted, value)
            from_env.pop(dotted, None)
    return _validate(data, str(config_file) if config_file else "environment", from_env)


def default_config_file(env: Mapping[str, str]) -> Path:
    """Where the settings file is looked for (and `config init` writes it): $HALO_AGENT_CONFIG, else
    config.toml in the data directory ($HALO_AGENT_HOME, or the per-user default)."""
    if env.get("HALO_AGENT_CONFIG"):
        return Path(env["HALO_AGENT_CONFIG"])
    home = env.get("HALO_AGENT_HOME")
    return (Path(home) if home else Settings.model_fields["home"].default) / "config.toml"


def _config_file_from_env(env: Mapping[str, str]) -> Path | None:
    candidate = default_config_file(env)
    return candidate if env.get("HALO_AGENT_CONFIG") or candidate.is_file() else None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(read_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, "", f"not valid TOML: {exc}") from None


# Environment variable -> the dotted setting it sets (the HALO_* ones are in _HALO_ENV).
_ENV = {
    "AZURE_OPENAI_API_KEY": "model.api_key",
    "OPENAI_API_KEY": "model.api_key",
    "OPENAI_BASE_URL": "model.base_url",
    "AZURE_OPENAI_ENDPOINT": "model.azure_endpoint",
    "OPENAI_API_VERSION": "model.azure_api_version",
    "HALO_AGENT_MODEL_OPTIONS": "model.options",
    "HALO_AGENT_MODEL_OMIT": "model.omit_params",
    "HALO_AGENT_MODEL_TEMPERATURE": "model.temperature",
    "HALO_AGENT_MODEL": "model.name",
    "HALO_AGENT_HOME": "home",
    "HALO_AGENT_POLICY": "policy_file",
    "HALO_AGENT_AUDIT_LOG": "audit_path",
    "HALO_AGENT_AUDIT_FSYNC": "audit_fsync",
    "HALO_AGENT_DATABASE_URL": "database_url",
}


def _apply_env(data: dict[str, Any], env: Mapping[str, str]) -> dict[str, str]:
    """Set what the environment names; returns dotted setting -> the variable that set it, so an
    error can name the variable rather than the file."""
    named = {f"halo.{field}": name for name, field in _HALO_ENV.items() if env.get(name)}
    # The first of a pair wins (AZURE_OPENAI_API_KEY over OPENAI_API_KEY): set in reverse order.
    for name, dotted in reversed(_ENV.items()):
        if env.get(name):
            named[dotted] = name
    for dotted, name in named.items():
        _set_dotted(data, dotted, env[name])
    model = data.setdefault("model", {})
    if "name" not in model and (model.get("api_key") or model.get("base_url") or model.get("azure_endpoint")):
        # An endpoint is configured but no model named: use a sensible LLM, not the offline model.
        model["name"] = DEFAULT_LLM
    return named


def _set_dotted(data: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    node = data
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value


def _validate(data: dict[str, Any], source: str, from_env: Mapping[str, str]) -> Settings:
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        # An unknown key first: a misspelt one would otherwise show up as the real one missing.
        errors = sorted(exc.errors(), key=lambda error: error["type"] != "extra_forbidden")
        first = errors[0]
        field = ".".join(str(p) for p in first["loc"])
        problem = first["msg"].removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            problem = "unknown key" + _did_you_mean(first["loc"])
        elif first["type"] == "missing" and field.startswith("halo."):
            problem = "required when HALO_URL / [halo] is set (for the sandbox, leave all HALO_* unset)"
        if field in from_env:
            raise ConfigError(from_env[field], field, problem) from None  # no value echoed: may be a secret
        raise ConfigError(source, field, problem) from None


def _did_you_mean(loc: tuple[int | str, ...]) -> str:
    model: type[BaseModel] = Settings
    for part in loc[:-1]:
        annotation = model.model_fields[str(part)].annotation
        nested = [arg for arg in getattr(annotation, "__args__", (annotation,)) if isinstance(arg, type)]
        model = next(arg for arg in nested if issubclass(arg, BaseModel))
    close = difflib.get_close_matches(str(loc[-1]), list(model.model_fields), n=1)
    return f" (did you mean {close[0]}?)" if close else ""
