"""`halo-agent config init` against the sandbox served on loopback and a fake model server."""

from __future__ import annotations

import stat
import sys
import threading
import time
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from halo_agent.cli import main
from halo_agent.config import load_settings
from halo_agent.errors import ConfigError
from halo_agent.sandbox import SandboxConfig, create_app

SECRET = "sandbox-secret"
MODEL_KEY = "model-key-0123456789"


class Served:
    def __init__(self, app: Any) -> None:
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "the server did not start"
            time.sleep(0.02)
        self.url = f"http://127.0.0.1:{self.server.servers[0].sockets[0].getsockname()[1]}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def serve() -> Iterator[Any]:
    started: list[Served] = []

    def start(app: Any) -> str:
        started.append(Served(app))
        return started[-1].url

    yield start
    for served in started:
        served.stop()


def fake_model_server() -> Starlette:
    """GET /v1/models as an OpenAI-compatible server answers it: 401 for a wrong key."""

    async def models(request: Request) -> JSONResponse:
        if request.headers.get("authorization") != f"Bearer {MODEL_KEY}":
            error = {"message": "Incorrect API key provided", "type": "invalid_request_error",
                     "code": "invalid_api_key"}  # fmt: skip
            return JSONResponse({"error": error}, status_code=401)
        return JSONResponse({"object": "list", "data": [{"id": "desk-model", "object": "model", "created": 0,
                                                         "owned_by": "test"}]})  # fmt: skip

    return Starlette(routes=[Route("/v1/models", models)])


def init(tmp_path: Path, *flags: str) -> int:
    return main(["config", "init", "--non-interactive", "--secret-store", "file",
                 "--config", str(tmp_path / "config.toml"), *flags])  # fmt: skip


def sandbox_flags(url: str) -> list[str]:
    return ["--halo-url", url, "--self-hosted", "--client-id", "halo-agent-demo"]


def test_a_valid_setup_is_saved_with_the_secret_in_a_file_only_the_user_can_read(
    tmp_path: Path, serve: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = serve(create_app())
    monkeypatch.setenv("HALO_CLIENT_SECRET", SECRET)
    assert init(tmp_path, *sandbox_flags(url)) == 0
    out = capsys.readouterr().out
    assert "[ok  ] Token" in out and "[ok  ] GET /TicketType: 4 ticket types" in out and "Scopes for" in out
    config = (tmp_path / "config.toml").read_text()
    secret_file = tmp_path / "halo-client-secret"
    assert SECRET not in config and SECRET not in out
    assert 'client_secret_file = "halo-client-secret"' in config
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    monkeypatch.delenv("HALO_CLIENT_SECRET")
    settings = load_settings(tmp_path / "config.toml")
    assert settings.halo is not None and settings.halo.client_secret.get_secret_value() == SECRET
    assert settings.halo.halo_url == url and settings.model.is_offline


def test_a_rejected_secret_saves_nothing_and_says_what_to_fix(
    tmp_path: Path, serve: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = serve(create_app())
    monkeypatch.setenv("HALO_CLIENT_SECRET", "not-the-secret")
    assert init(tmp_path, *sandbox_flags(url)) == 3
    out = capsys.readouterr().out
    assert "[FAIL] Token" in out and "fix: check the client id and secret" in out
    assert "Nothing was saved" in out
    assert not list(tmp_path.iterdir())


def test_missing_scopes_for_the_chosen_roles_are_named(
    tmp_path: Path, serve: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = serve(create_app(SandboxConfig(granted_scopes="read:tickets edit:tickets read:customers")))
    monkeypatch.setenv("HALO_CLIENT_SECRET", SECRET)
    flags = [*sandbox_flags(url), "--scope", "read:tickets edit:tickets read:customers"]
    assert init(tmp_path, *flags, "--roles", "employee") == 5
    out = capsys.readouterr().out
    assert "[FAIL] Scopes for employee: missing read:kb" in out and "grant read:kb" in out
    assert init(tmp_path, *flags, "--roles", "admin") == 5
    assert "missing all or admin, read:assets, read:kb" in capsys.readouterr().out
    assert not (tmp_path / "config.toml").exists()


def test_hosted_needs_the_right_tenant(
    tmp_path: Path, serve: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = serve(create_app(SandboxConfig(tenant="acme")))
    monkeypatch.setenv("HALO_CLIENT_SECRET", SECRET)
    base = ["--halo-url", url, "--client-id", "halo-agent-demo"]
    assert init(tmp_path, *base, "--hosted", "--tenant", "wrong") != 0
    assert "[FAIL] Token" in capsys.readouterr().out
    assert init(tmp_path, *base, "--hosted", "--tenant", "acme") == 0
    assert "[ok  ] Instance: hosted, tenant acme" in capsys.readouterr().out
    assert 'tenant = "acme"' in (tmp_path / "config.toml").read_text()


def test_the_model_endpoint_is_checked_with_its_key(
    tmp_path: Path, serve: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    halo, model = serve(create_app()), serve(fake_model_server())
    monkeypatch.setenv("HALO_CLIENT_SECRET", SECRET)
    llm = ["--model", "desk-model", "--llm-base-url", f"{model}/v1"]
    monkeypatch.setenv("OPENAI_API_KEY", "wrong-key-0000000000")
    assert init(tmp_path, *sandbox_flags(halo), *llm) == 4
    out = capsys.readouterr().out
    assert "[FAIL] Model:" in out and "API key" in out and "wrong-key" not in out
    monkeypatch.setenv("OPENAI_API_KEY", MODEL_KEY)
    assert init(tmp_path, *sandbox_flags(halo), *llm) == 0
    assert "[ok  ] Model: desk-model at" in capsys.readouterr().out
    assert stat.S_IMODE((tmp_path / "model-api-key").stat().st_mode) == 0o600
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.delenv("HALO_CLIENT_SECRET")
    settings = load_settings(tmp_path / "config.toml")
    assert settings.model.api_key is not None and settings.model.api_key.get_secret_value() == MODEL_KEY
    unreachable = ["--model", "desk-model", "--llm-base-url", "http://127.0.0.1:9/v1"]
    monkeypatch.setenv("OPENAI_API_KEY", MODEL_KEY)
    assert init(tmp_path, *sandbox_flags(halo), *unreachable) == 4


def test_re_running_edits_the_file_keeps_the_rest_and_reuses_the_stored_secret(
    tmp_path: Path, serve: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = serve(create_app())
    config = tmp_path / "config.toml"
    config.write_text('# our desk\npolicy_file = "desk.yaml"\n\n[agent]\nmax_steps = 5  # tuned\n')
    monkeypatch.setenv("HALO_CLIENT_SECRET", SECRET)
    assert init(tmp_path, *sandbox_flags(url)) == 0
    monkeypatch.delenv("HALO_CLIENT_SECRET")
    assert init(tmp_path, "--roles", "employee") == 0  # everything else from the file, the secret too
    text = config.read_text()
    assert "# our desk" in text and "max_steps = 5  # tuned" in text and 'policy_file = "desk.yaml"' in text
    assert text.count("[halo]") == 1 and f'halo_url = "{url}"' in text
    assert "Scopes for employee" in capsys.readouterr().out


def test_interactive_asks_with_the_secret_never_echoed(
    tmp_path: Path, serve: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = serve(create_app())
    answers = iter([url, "self-hosted", "halo-agent-demo", "offline"])
    asked_secretly: list[str] = []
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))
    monkeypatch.setattr("getpass.getpass", lambda prompt: asked_secretly.append(prompt) or SECRET)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    code = main(["config", "init", "--secret-store", "file", "--config", str(tmp_path / "config.toml")])
    assert code == 0 and asked_secretly == ["Client secret: "]
    assert SECRET not in capsys.readouterr().out


def test_the_os_keyring_holds_the_secret_when_chosen(
    tmp_path: Path, serve: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = serve(create_app())
    stored: dict[tuple[str, str], str] = {}
    fake = types.ModuleType("keyring")
    fake.get_keyring = lambda: types.SimpleNamespace(priority=5)  # type: ignore[attr-defined]
    fake.set_password = lambda service, name, secret: stored.__setitem__((service, name), secret)  # type: ignore[attr-defined]
    fake.get_password = lambda service, name: stored.get((service, name))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "keyring", fake)
    monkeypatch.setenv("HALO_CLIENT_SECRET", SECRET)
    config = str(tmp_path / "c.toml")
    flags = ["config", "init", "--non-interactive", "--secret-store", "keyring", "--config", config]
    assert main([*flags, *sandbox_flags(url)]) == 0
    assert stored == {("halo-agent", "halo:halo-agent-demo"): SECRET}
    assert not (tmp_path / "halo-client-secret").exists()
    monkeypatch.delenv("HALO_CLIENT_SECRET")
    settings = load_settings(tmp_path / "c.toml")
    assert settings.halo is not None and settings.halo.client_secret.get_secret_value() == SECRET


def test_a_secret_file_others_can_read_is_refused(tmp_path: Path) -> None:
    (tmp_path / "s").write_text(SECRET)
    (tmp_path / "s").chmod(0o644)
    halo = '[halo]\nhalo_url = "https://x.example.com"\nclient_id = "a"\nclient_secret_file = "s"\n'
    (tmp_path / "c.toml").write_text(halo)
    with pytest.raises(ConfigError, match="chmod 600"):
        load_settings(tmp_path / "c.toml")
