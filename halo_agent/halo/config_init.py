"""`halo-agent config init`: a guided set-up that validates live and saves only when everything passes.

Asks (or takes by flags, for automation) the Halo URL, hosted or self-hosted, the tenant, the client id
and secret (never echoed; read from an environment variable or stdin, never from the command line) and
the LLM endpoint; runs the checks of onboarding_checks.py; then writes the settings file, with the
secrets in files only the user can read (0600) or in the OS keyring. Re-running edits the existing file:
its values are the defaults, its other settings and comments are kept, and a stored secret is reused
unless a new one is given.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomlkit
from pydantic import SecretStr, ValidationError

from halo_agent.cli_args import home_env
from halo_agent.cli_common import quiet_logging
from halo_agent.config import OFFLINE_MODEL, HaloSettings, ModelSettings, default_config_file
from halo_agent.errors import ConfigError
from halo_agent.halo.client import HaloClient
from halo_agent.halo.onboarding_checks import ROLE_SCOPES, Check, halo_checks, model_check
from halo_agent.secret_store import KEYRING_SERVICE, keyring_backend, resolve_secret_refs, write_secret_file

HALO_SECRET_FILE = "halo-client-secret"
MODEL_KEY_FILE = "model-api-key"
Ask = Callable[[str, str | None, bool], str | None]  # (question, default, secret) -> answer


@dataclass
class Answers:
    halo_url: str
    kind: str  # "hosted" | "self-hosted"
    tenant: str | None
    client_id: str
    client_secret: str
    roles: list[str]
    model: str = OFFLINE_MODEL
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    extra_halo: dict[str, Any] = field(default_factory=dict)  # auth_url, scope


def run_init(args: argparse.Namespace) -> int:
    quiet_logging()
    env = home_env(args)  # --home DIR: as HALO_AGENT_HOME=DIR
    path = (args.config or default_config_file(env)).absolute()
    document = _load(path)
    interactive = not args.non_interactive and sys.stdin.isatty()
    answers = gather(args, _current(document, path), _prompt if interactive else _no_prompt)
    print(f"Checking {answers.halo_url} and the model before saving anything…")
    checks = asyncio.run(validate(answers))
    for check in checks:
        print("\n".join(check.lines()))
    failed = [check for check in checks if not check.ok]
    if failed:
        print(f"Nothing was saved: {len(failed)} check(s) failed. Fix them and run `config init` again.")
        return failed[0].exit_code or 1
    where = save(path, document, answers, args.secret_store)
    found = path.resolve() == default_config_file(env).resolve()
    use = "every command now reads it" if found else f"use it with HALO_AGENT_CONFIG={path} or --config"
    print(f"Saved {path} ({where}); {use}. `halo-agent config check` lists what the instance offers.")
    return 0


def gather(args: argparse.Namespace, current: dict[str, Any], ask: Ask) -> Answers:
    """Flags first, then the existing file's values (as defaults when asking), then questions."""
    url = _value(args.halo_url, current.get("halo_url"), "Halo URL", "--halo-url", ask)
    tenant_now = args.tenant if args.tenant is not None else current.get("tenant")
    kind = args.kind or _kind(ask, "hosted" if tenant_now else "self-hosted")
    tenant = None
    if kind == "hosted":
        tenant = _value(args.tenant, current.get("tenant"), "Tenant", "--tenant", ask)
    client_id = _value(args.client_id, current.get("client_id"), "Client ID", "--client-id", ask)
    secret = _secret(args, current.get("client_secret"), ask)
    model, base_url, key = _model_answers(args, current, ask)
    extra = {k: v for k, v in (("auth_url", args.auth_url or current.get("auth_url")),
                               ("scope", args.scope or current.get("scope"))) if v}  # fmt: skip
    roles = [r.strip() for r in (args.roles or "admin,employee").split(",") if r.strip()]
    unknown = [r for r in roles if r not in ROLE_SCOPES]
    if unknown:
        raise ConfigError("command line", "--roles", f"unknown role(s) {', '.join(unknown)}: admin, employee")
    return Answers(url, kind, tenant, client_id, secret, roles, model, base_url, key, extra)


def _model_answers(
    args: argparse.Namespace, current: dict[str, Any], ask: Ask
) -> tuple[str, str | None, str | None]:
    """(model name, base URL, API key): the offline model needs neither."""
    stored = current.get("model") or OFFLINE_MODEL
    model = _value(args.model, stored, "Model (offline or a name)", "--model", ask)
    if model == OFFLINE_MODEL:
        return model, None, None
    base_url = args.llm_base_url or ask("LLM base URL (blank: OpenAI)", current.get("llm_base_url"), False)
    key = os.environ.get(args.llm_api_key_env) or current.get("llm_api_key") or ask("LLM API key", None, True)
    return model, base_url or None, key or None


async def validate(answers: Answers) -> list[Check]:
    try:
        halo, model = settings_of(answers)
    except ConfigError as exc:
        return [Check("Settings", False, str(exc), "correct the value and run again", 2)]
    async with HaloClient(halo) as client:
        checks = await halo_checks(client, answers.kind, answers.roles)
    return [*checks, await model_check(model)]


def settings_of(answers: Answers) -> tuple[HaloSettings, ModelSettings]:
    try:
        halo = HaloSettings(
            halo_url=answers.halo_url, client_id=answers.client_id,
            client_secret=SecretStr(answers.client_secret), tenant=answers.tenant, **answers.extra_halo,
        )  # fmt: skip
        model = ModelSettings(
            name=answers.model, base_url=answers.llm_base_url,
            api_key=SecretStr(answers.llm_api_key) if answers.llm_api_key else None,
        )  # fmt: skip
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ConfigError("config init", ".".join(str(p) for p in first["loc"]), first["msg"]) from None
    return halo, model


def save(path: Path, document: tomlkit.TOMLDocument, answers: Answers, store: str) -> str:
    """Write the settings (keeping the rest of the file) and the secrets; says where the secrets went."""
    keyring = keyring_backend() if store in ("auto", "keyring") else None
    if store == "keyring" and keyring is None:
        raise ConfigError("command line", "--secret-store", "the OS keyring is not available here")
    halo = _table(document, "halo")
    for key in ("halo_url", "tenant", "client_id", "auth_url", "scope"):
        halo.pop(key, None)
    halo.update({"halo_url": answers.halo_url, "client_id": answers.client_id, **answers.extra_halo})
    if answers.tenant:
        halo["tenant"] = answers.tenant
    where = _store(halo, "client_secret", answers.client_secret, path.parent / HALO_SECRET_FILE, keyring,
                   f"halo:{answers.client_id}")  # fmt: skip
    model = _table(document, "model")
    for key in ("name", "base_url", "api_key", "api_key_file", "api_key_keyring"):
        model.pop(key, None)
    model["name"] = answers.model
    if answers.llm_base_url:
        model["base_url"] = answers.llm_base_url
    if answers.llm_api_key:
        _store(model, "api_key", answers.llm_api_key, path.parent / MODEL_KEY_FILE, keyring, "model")
    _write(path, tomlkit.dumps(document))
    return where


def _store(table: Any, field_name: str, secret: str, file: Path, keyring: Any, name: str) -> str:
    for suffix in ("", "_file", "_keyring"):
        table.pop(field_name + suffix, None)
    if keyring is not None:
        keyring.set_password(KEYRING_SERVICE, name, secret)
        table[f"{field_name}_keyring"] = name
        return f"secrets in the OS keyring, service {KEYRING_SERVICE}"
    write_secret_file(file, secret)
    table[f"{field_name}_file"] = file.name
    return f"secrets in {file.parent}/ with mode 0600"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.chmod(0o600)
    temporary.replace(path)


def _load(path: Path) -> tomlkit.TOMLDocument:
    if not path.is_file():
        return tomlkit.document()
    try:
        return tomlkit.parse(path.read_text(encoding="utf-8"))
    except tomlkit.exceptions.ParseError as exc:
        raise ConfigError(path, "", f"not valid TOML: {exc}") from None


def _current(document: tomlkit.TOMLDocument, path: Path) -> dict[str, Any]:
    """The existing file's values, secrets read back from where they are stored."""
    data = document.unwrap()
    try:
        resolve_secret_refs(data, path)
    except ConfigError as exc:
        print(f"note: the stored secret cannot be reused ({exc}); give it again.", file=sys.stderr)
        for table in (data.get("halo", {}), data.get("model", {})):
            for key in [k for k in table if k.endswith(("_file", "_keyring"))]:
                table.pop(key)
    halo, model = data.get("halo", {}), data.get("model", {})
    return {**halo, "model": model.get("name"), "llm_base_url": model.get("base_url"),
            "llm_api_key": model.get("api_key")}  # fmt: skip


def _table(document: tomlkit.TOMLDocument, name: str) -> Any:
    if name not in document:
        document[name] = tomlkit.table()
    return document[name]


def _value(flag: str | None, current: str | None, question: str, flag_name: str, ask: Ask) -> str:
    if flag:
        return flag
    answer = ask(question, current, False)
    if not answer:
        raise ConfigError("command line", flag_name, f"{question} is needed (give {flag_name})")
    return answer


def _kind(ask: Ask, default: str) -> str:
    answer = (ask("Hosted or self-hosted Halo (hosted/self-hosted)", default, False) or default).lower()
    if answer not in ("hosted", "self-hosted"):
        raise ConfigError("answer", "kind", "answer hosted or self-hosted")
    return answer


def _secret(args: argparse.Namespace, stored: str | None, ask: Ask) -> str:
    if args.client_secret_stdin:
        secret = sys.stdin.readline().strip()
    else:
        secret = os.environ.get(args.client_secret_env, "") or ""
    keep = " (Enter keeps the stored one)" if stored else ""
    secret = secret or ask(f"Client secret{keep}", None, True) or ""
    secret = secret or stored or ""
    if not secret:
        raise ConfigError(
            "command line", "--client-secret-env",
            f"the client secret is needed: set {args.client_secret_env} or use --client-secret-stdin",
        )  # fmt: skip
    return secret


def _prompt(question: str, default: str | None, secret: bool) -> str | None:
    if secret:
        return getpass.getpass(f"{question}: ").strip() or None  # never echoed
    shown = f" [{default}]" if default else ""
    return input(f"{question}{shown}: ").strip() or default


def _no_prompt(_question: str, default: str | None, _secret: bool) -> str | None:
    return default
