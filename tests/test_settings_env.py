"""Settings from the environment (pydantic-settings): one ``PCFGRAPH_<FIELD>`` variable per
setting, read only by ``Settings.from_env``; bad values are input errors naming the variable
(exit 2 in the CLI, no traceback)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from pcfgraph.cli import main
from pcfgraph.cli.common import run_main
from pcfgraph.config import Settings
from pcfgraph.errors import InputError

#: A valid environment value per type, and what it reads as.
_SAMPLES: dict[str, tuple[str, object]] = {
    "str": ("example", "example"),
    "int": ("7", 7),
    "float": ("2.5", 2.5),
    "bool": ("off", False),
}


def _sample(name: str) -> tuple[str, object]:
    annotation = Settings.model_fields[name].annotation
    if annotation in (Path | None,):
        return "/srv/pcfgraph", Path("/srv/pcfgraph")
    if annotation == tuple[str, ...]:
        return "a.xlsx, b.xlsx,", ("a.xlsx", "b.xlsx")
    if annotation == str | None:
        return "http://example.org/x", "http://example.org/x"
    assert isinstance(annotation, type), (name, annotation)
    raw, value = _SAMPLES[annotation.__name__]
    if value == Settings.model_fields[name].default:  # make the change visible
        raw, value = ("on", True) if value is False else (raw + "1", type(value)(raw + "1"))
    return raw, value


@pytest.mark.parametrize("name", list(Settings.model_fields))
def test_every_setting_has_its_environment_variable(name: str) -> None:
    raw, value = _sample(name)
    settings = Settings.from_env({f"PCFGRAPH_{name.upper()}": raw})
    assert getattr(settings, name) == value
    assert getattr(settings, name) != getattr(Settings(), name)


def test_only_from_env_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PCFGRAPH_PORT", "9123")
    assert Settings().port == 8000  # explicit construction: defaults and arguments only
    assert Settings.from_env().port == 9123
    assert Settings.from_env({}).port == 8000  # a given mapping replaces os.environ
    # explicit overrides win; None overrides nothing (a CLI flag that was not given)
    assert Settings.from_env(port=9000).port == 9000
    assert Settings.from_env(port=None).port == 9123


@pytest.mark.parametrize(
    ("raw", "value"),
    [("1", True), ("yes", True), ("ON", True), ("true", True), ("0", False), ("No", False)],
)
def test_boolean_words(raw: str, value: bool) -> None:
    assert Settings.from_env({"PCFGRAPH_GRAPHQL_ALLOW_BATCHING": raw}).graphql_allow_batching is (
        value
    )


def test_an_empty_variable_unsets_an_optional_setting() -> None:
    settings = Settings.from_env({"PCFGRAPH_STORE_URL": "", "PCFGRAPH_RELEASE": ""})
    assert settings.store_url is None and settings.release is None
    assert Settings.from_env({"PCFGRAPH_CORS_ORIGINS": ""}).cors_origins == ()


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"PCFGRAPH_PORT": "eighty"}, "PCFGRAPH_PORT='eighty'"),
        ({"PCFGRAPH_QUERY_TIMEOUT": "soon"}, "PCFGRAPH_QUERY_TIMEOUT='soon'"),
        ({"PCFGRAPH_OPENTELEMETRY": "maybe"}, "PCFGRAPH_OPENTELEMETRY='maybe'"),
        ({"PCFGRAPH_GRACEFUL_STOP_SECONDS": "-1"}, "PCFGRAPH_GRACEFUL_STOP_SECONDS='-1'"),
    ],
)
def test_a_bad_value_names_the_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(InputError, match="environment variable " + named + " is not valid"):
        Settings.from_env(env)


def test_the_graceful_stop_bound_is_uvicorns() -> None:
    """``graceful_stop_seconds`` is what uvicorn waits for the requests in flight (the
    supervisor of several processes kills past it: tests/ops/test_http_workers.py)."""
    from pcfgraph.serving import uvicorn_options

    settings = Settings.from_env({"PCFGRAPH_GRACEFUL_STOP_SECONDS": "2.5"})
    assert uvicorn_options(settings)["timeout_graceful_shutdown"] == 2.5
    assert uvicorn_options(Settings())["timeout_graceful_shutdown"] == 10.0


def test_every_bad_variable_is_named_at_once() -> None:
    with pytest.raises(InputError) as caught:
        Settings.from_env({"PCFGRAPH_PORT": "x", "PCFGRAPH_MAX_BODY_BYTES": "y"})
    assert "PCFGRAPH_PORT='x'" in str(caught.value)
    assert "PCFGRAPH_MAX_BODY_BYTES='y'" in str(caught.value)


def test_settings_are_frozen_and_strict() -> None:
    settings = Settings()
    with pytest.raises(ValidationError):
        settings.port = 1  # type: ignore[misc]
    with pytest.raises(ValidationError):
        Settings(prot=1)  # a misspelt setting is an error, not ignored
    assert settings.with_(port=1).port == 1 and settings.port == 8000
    with pytest.raises(ValidationError):
        settings.with_(port="x")
    assert hash(settings) == hash(Settings()) and settings == Settings()


def test_the_cli_exits_2_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PCFGRAPH_PORT", "x")
    assert run_main(main, ["serve"]) == 2
    err = capsys.readouterr().err
    assert "PCFGRAPH_PORT='x' is not valid" in err
    assert "Traceback" not in err
