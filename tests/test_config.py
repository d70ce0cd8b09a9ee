"""Settings: defaults < TOML < environment < flags, and every bad value names its source and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from halo_agent.config import DEFAULT_LLM, OFFLINE_MODEL, load_settings
from halo_agent.errors import ConfigError

HALO_ENV = {"HALO_URL": "https://acme.haloitsm.com/", "HALO_CLIENT_ID": "id", "HALO_CLIENT_SECRET": "s3cret"}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_nothing_configured_means_sandbox_and_offline_model() -> None:
    settings = load_settings(env={})
    assert settings.uses_sandbox and settings.model.name == OFFLINE_MODEL and settings.model.is_offline


def test_halo_environment_builds_instance_settings_without_trailing_slash() -> None:
    settings = load_settings(env=HALO_ENV | {"HALO_TENANT": "acme", "HALO_SCOPE": "read:tickets"})
    assert settings.halo is not None
    assert settings.halo.halo_url == "https://acme.haloitsm.com"
    assert settings.halo.tenant == "acme" and settings.halo.scope == "read:tickets"
    assert "s3cret" not in repr(settings)


def test_an_api_key_alone_selects_a_real_model_and_a_named_model_wins() -> None:
    assert load_settings(env={"OPENAI_API_KEY": "k"}).model.name == DEFAULT_LLM
    assert load_settings(env={"OPENAI_BASE_URL": "http://127.0.0.1:11434/v1"}).model.name == DEFAULT_LLM
    named = load_settings(env={"OPENAI_API_KEY": "k", "HALO_AGENT_MODEL": "qwen2.5:7b"})
    assert named.model.name == "qwen2.5:7b"


def test_environment_beats_the_file_and_flags_beat_both(tmp_path: Path) -> None:
    path = write(tmp_path, '[model]\nname = "from-file"\n[agent]\nmax_steps = 5\n')
    assert load_settings(path, env={}).model.name == "from-file"
    assert load_settings(path, env={"HALO_AGENT_MODEL": "from-env"}).model.name == "from-env"
    flagged = load_settings(path, env={"HALO_AGENT_MODEL": "from-env"}, overrides={"model.name": "offline"})
    assert flagged.model.name == "offline" and flagged.agent.max_steps == 5


def test_the_file_is_found_in_the_data_directory(tmp_path: Path) -> None:
    write(tmp_path, "[agent]\nmax_steps = 3\n")
    assert load_settings(env={"HALO_AGENT_HOME": str(tmp_path)}).agent.max_steps == 3


def test_a_partial_halo_setup_names_the_missing_field() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(env={"HALO_URL": "https://acme.haloitsm.com"})
    assert caught.value.field == "halo.client_id" and "HALO_URL" in caught.value.problem


def test_a_bad_value_in_the_file_names_file_field_and_problem(tmp_path: Path) -> None:
    path = write(tmp_path, "[agent]\nmax_steps = 0\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    assert caught.value.source == str(path) and caught.value.field == "agent.max_steps"
    assert "greater than or equal to 1" in str(caught.value)


def test_an_unknown_setting_is_refused_not_ignored(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, "[model]\nnmae = 'typo'\n"), env={})
    assert caught.value.field == "model.nmae"


def test_broken_toml_and_a_missing_file_fail_at_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(write(tmp_path, "[model\n"), env={})
    with pytest.raises(ConfigError, match="file not found"):
        load_settings(tmp_path / "absent.toml", env={})


def test_a_url_without_scheme_is_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(env=HALO_ENV | {"HALO_URL": "acme.haloitsm.com"})
    assert caught.value.field == "halo.halo_url" and "http" in caught.value.problem


def test_audit_durability_comes_from_the_environment_and_is_checked() -> None:
    assert load_settings(env={}).audit_fsync == "turn"
    assert load_settings(env={"HALO_AGENT_AUDIT_FSYNC": "record"}).audit_fsync == "record"
    with pytest.raises(ConfigError) as caught:
        load_settings(env={"HALO_AGENT_AUDIT_FSYNC": "sometimes"})
    assert caught.value.field == "audit_fsync"


def test_a_temperature_out_of_range_is_refused_naming_file_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, "[model]\ntemperature = 7\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, env={})
    assert caught.value.source == str(path) and caught.value.field == "model.temperature"
    assert "0 to 2" in caught.value.problem
    assert load_settings(write(tmp_path, "[model]\ntemperature = 1.5\n"), env={}).model.temperature == 1.5


def test_a_misspelt_key_is_reported_as_unknown_with_a_suggestion(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, "[model]\ntemprature = 0.5\n"), env={})
    assert caught.value.field == "model.temprature"
    assert caught.value.problem == "unknown key (did you mean temperature?)"
    # In [halo] a typo must not surface as the correctly spelt key "missing".
    halo = "[halo]\nhalo_url = 'https://acme.example.com'\nclient_id = 'id'\nclient_secert = 's'\n"
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, halo), env={})
    assert caught.value.field == "halo.client_secert" and "did you mean client_secret?" in str(caught.value)


def test_an_environment_error_names_the_variable_and_the_expected_type() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(env={"HALO_AGENT_MODEL_TEMPERATURE": "abc"})
    assert caught.value.source == "HALO_AGENT_MODEL_TEMPERATURE" and caught.value.field == "model.temperature"
    assert "valid number" in caught.value.problem
    assert load_settings(env={"HALO_AGENT_MODEL_TEMPERATURE": "0.3"}).model.temperature == 0.3


def test_an_environment_error_never_echoes_the_value() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(env={"HALO_AGENT_DATABASE_URL": "mysql://me:hunter2@db/x"})
    assert caught.value.source == "HALO_AGENT_DATABASE_URL" and "hunter2" not in str(caught.value)
