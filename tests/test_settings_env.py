"""Settings from the environment (pydantic-settings): one ``PCFGRAPH_<FIELD>`` variable per
setting, read only by ``Settings.from_env``; bad values are input errors naming the variable
(exit 2 in the CLI, no traceback)."""

from __future__ import annotations

import gc
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


#: Settings that take only some values of their type.
_BY_NAME: dict[str, tuple[str, object]] = {
    "cors_origins": (
        "https://a.example, http://b.example:8080,",
        ("https://a.example", "http://b.example:8080"),
    ),
    "log_level": ("debug", "debug"),
    "log_format": ("json", "json"),
    "root_path": ("/pcf/", "/pcf"),
    "forwarded_allow_ips": ("10.0.0.5, 10.1.0.0/16,", ("10.0.0.5", "10.1.0.0/16")),
}


def _sample(name: str) -> tuple[str, object]:
    if name in _BY_NAME:
        return _BY_NAME[name]
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
    # refused before serve pauses the cyclic collector for its start (pcfgraph.heap): it
    # stayed off in this process, and a later test asserting it on failed in the same worker
    assert gc.isenabled()


# Values of the right type that no server can run with: each was taken (`serve --port 70000`
# and `--log-level loud` ended in "internal error ... This is a bug", `--query-timeout -5`
# served with a deadline every query missed, `--cors-origin https://app.example/` never
# matched a browser's Origin, PCFGRAPH_LOG_FORMAT=xml wrote text).
@pytest.mark.parametrize(
    ("name", "raw", "why"),
    [
        ("port", "70000", "less than or equal to 65535"),
        ("port", "-1", "greater than or equal to 1"),
        ("http_workers", "100", "less than or equal to 64"),
        ("query_timeout", "-5", "greater than 0"),
        ("query_timeout", "nan", "finite number"),
        ("validate_timeout", "inf", "finite number"),
        ("query_workers", "0", "greater than or equal to 1"),
        ("max_result_rows", "0", "greater than or equal to 1"),
        ("max_body_bytes", "-1", "greater than or equal to 1"),
        ("sparql_cache_mb", "-1", "greater than or equal to 0"),
        ("log_level", "loud", "must be one of debug, info, warning, error, critical"),
        ("log_format", "xml", "must be one of text, json"),
        ("cors_origins", "https://app.example/", "is no origin"),
        ("cors_origins", "app.example", "is no origin"),
    ],
)
def test_a_value_out_of_range_is_refused_naming_it(name: str, raw: str, why: str) -> None:
    variable = "PCFGRAPH_" + name.upper()
    with pytest.raises(InputError, match=f"environment variable {variable}=") as caught:
        Settings.from_env({variable: raw})
    assert why in str(caught.value)


def test_values_at_the_edges_are_taken() -> None:
    settings = Settings.from_env(
        {
            "PCFGRAPH_PORT": "65535",
            "PCFGRAPH_LOG_LEVEL": "WARNING",
            "PCFGRAPH_CORS_ORIGINS": "https://app.example.org,http://localhost:3000",
            "PCFGRAPH_SPARQL_CACHE_MB": "0",
            "PCFGRAPH_HTTP_WORKERS": "64",
        }
    )
    assert (settings.port, settings.log_level, settings.http_workers) == (65535, "warning", 64)
    assert settings.cors_origins == ("https://app.example.org", "http://localhost:3000")
    assert Settings(cors_origins=("*",)).cors_origins == ("*",)


@pytest.mark.parametrize(
    ("flags", "said"),
    [
        (["--port", "70000"], "--port 70000 is not valid: Input should be less than or equal"),
        (["--log-level", "loud"], "--log-level 'loud' is not valid: must be one of debug"),
        # named by the flag typed, not the setting behind it, and what is allowed
        (["--query-workers", "0"], "--query-workers 0 is not valid: Input should be greater"),
        (["--cors-origin", "https://a.example/"], "--cors-origin 'https://a.example/' is not"),
    ],
)
def test_serve_refuses_a_flag_out_of_range_before_loading(
    capsys: pytest.CaptureFixture[str], flags: list[str], said: str
) -> None:
    # (only flags that failed after loading before: one that was taken would start a server)
    assert run_main(main, ["serve", *flags]) == 2
    err = capsys.readouterr().err
    assert said in err and "Traceback" not in err and "internal error" not in err
    assert "Value error" not in err  # pydantic's prefix: noise before what is allowed


def test_a_misspelt_variable_is_refused_naming_it_and_the_setting_it_is_near(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``PCFGRAPH_QUERY_TIMOUT=60`` was ignored: the server ran with the 10 s default and
    nothing said so. A ``PCFGRAPH_*`` variable that names no setting stops the command (exit 2,
    one line), with the nearest setting when there is one."""
    with pytest.raises(InputError) as caught:
        Settings.from_env({"PCFGRAPH_QUERY_TIMOUT": "60", "pcfgraph_xyzzy": "1"})
    message = str(caught.value)
    assert "PCFGRAPH_QUERY_TIMOUT is no setting" in message
    assert "did you mean PCFGRAPH_QUERY_TIMEOUT?" in message
    assert "pcfgraph_xyzzy is no setting of pcfgraph; docs/settings.md" in message
    # the variables of the CLI itself and of pcfgraph's CI and tests are not settings
    others = {"PCFGRAPH_DEBUG": "1", "PCFGRAPH_CI_LATEST": "1", "PCFGRAPH_TEST_CHROMIUM": "x"}
    assert Settings.from_env({**others, "PCFGRAPH_PORT": "9"}).port == 9
    monkeypatch.setenv("PCFGRAPH_PROT", "9000")
    assert run_main(main, ["serve"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "PCFGRAPH_PROT" in err and "PCFGRAPH_PORT?" in err
    assert "Traceback" not in err


def test_a_bad_variable_a_flag_overrides_is_warned_of_not_used() -> None:
    """``PCFGRAPH_PORT=abc`` with ``serve --port 8080``: the flag wins, and the variable was
    never checked; the next start without the flag (a unit file, a shell with the variable
    exported) refused it. It is not used and is said, naming the variable and what wins;
    tests/ops/test_serve_exit.py sees ``pcfgraph serve`` log it."""
    env = {"PCFGRAPH_PORT": "abc", "PCFGRAPH_LOG_LEVEL": "loud", "PCFGRAPH_QUERY_TIMEOUT": "5"}
    settings = Settings.from_env(env, port=8080, log_level="info")
    assert (settings.port, settings.log_level, settings.query_timeout) == (8080, "info", 5.0)
    notes = sorted(settings.notes)
    assert len(notes) == 2
    assert notes[0].startswith("environment variable PCFGRAPH_LOG_LEVEL='loud' is not valid")
    assert notes[0].endswith("ignored: the command's own log_level='info' wins")
    assert notes[1].startswith("environment variable PCFGRAPH_PORT='abc' is not valid")
    assert notes[1].endswith("ignored: the command's own port=8080 wins")
    # valid values overridden, or nothing overridden: nothing to say
    assert Settings.from_env({"PCFGRAPH_PORT": "9000"}, port=8080).notes == ()
    assert Settings.from_env({"PCFGRAPH_PORT": "9000"}).notes == ()
    with pytest.raises(InputError, match="PCFGRAPH_PORT='abc' is not valid"):
        Settings.from_env({"PCFGRAPH_PORT": "abc"}, port=None)  # a flag not given


def test_a_missing_workbook_is_named_by_the_setting_it_came_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A workbook of ``PCFGRAPH_ADD_WORKBOOKS`` that is no file was refused as ``--add
    PATH``: the operator looked for a flag they never gave. The message names what they
    set: the variable, or ``--add`` when the flag gave it."""
    from pcfgraph.release_reload import extra_sources

    missing = tmp_path / "typo.xlsx"
    from_env = Settings.from_env({"PCFGRAPH_ADD_WORKBOOKS": str(missing)})
    with pytest.raises(InputError, match=r"^PCFGRAPH_ADD_WORKBOOKS \S*typo\.xlsx: no such file"):
        extra_sources(from_env).files()
    with pytest.raises(InputError, match=r"^PCFGRAPH_ADD_WORKBOOKS \S+: a directory, not a"):
        extra_sources(Settings.from_env({"PCFGRAPH_ADD_WORKBOOKS": str(tmp_path)})).files()
    flagged = Settings.from_env(
        {"PCFGRAPH_ADD_WORKBOOKS": "other.xlsx"}, add_workbooks=(str(missing),)
    )
    with pytest.raises(InputError, match=r"^--add \S*typo\.xlsx: no such file"):
        extra_sources(flagged).files()
    missing_yaml = tmp_path / "none.yaml"
    env_file = Settings.from_env({"PCFGRAPH_SOURCES_FILE": str(missing_yaml)})
    with pytest.raises(InputError, match=r"^PCFGRAPH_SOURCES_FILE \S*none\.yaml: no such sources"):
        extra_sources(env_file).files()
    with pytest.raises(InputError, match=r"^--sources \S*none\.yaml: no such sources"):
        extra_sources(Settings.from_env({}, sources_file=missing_yaml)).files()
    with pytest.raises(InputError, match=r"^--sources \S+: a directory, not a sources file"):
        extra_sources(Settings.from_env({}, sources_file=tmp_path)).files()
    # a command reading the graph the server serves names it too (exit 2)
    monkeypatch.setenv("PCFGRAPH_ADD_WORKBOOKS", str(missing))
    assert run_main(main, ["stats"]) == 2
    err = capsys.readouterr().err
    assert "PCFGRAPH_ADD_WORKBOOKS" in err and "--add" not in err


def test_with_json_logs_a_refused_start_is_a_json_record(tmp_path: Path) -> None:
    """``log_format=json``: an error that stops ``pcfgraph serve`` once its settings are read
    (a missing workbook, a release that fails) was the plain line ``pcfgraph: error: ...``
    in a log every other line of which is JSON. It is one JSON record (exit 2 as before)."""
    import json
    import os
    import socket
    import subprocess
    import sys

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PCFGRAPH_")}
    env |= {
        "PCFGRAPH_LOG_FORMAT": "json",
        "PCFGRAPH_ADD_WORKBOOKS": str(tmp_path / "typo.xlsx"),
        "PCFGRAPH_CACHE_DIR": str(tmp_path / "cache"),
    }
    code = "from pcfgraph.cli import entry; entry()"
    done = subprocess.run(
        [sys.executable, "-c", code, "serve", "--port", str(port), "--http-workers", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    (record,) = [json.loads(line) for line in done.stderr.splitlines()]  # every line
    assert record["level"] == "error" and record["logger"] == "pcfgraph.serving"
    assert record["message"].startswith("PCFGRAPH_ADD_WORKBOOKS ")
    assert record["message"].endswith("typo.xlsx: no such file")


def test_sources_a_release_makes_of_no_use_are_warned_of() -> None:
    """``add_workbooks`` and ``sources_file`` build the graph from sources: with ``release``
    (a release already built) or ``store_url`` (the graph pushed to the store) they are not
    used. ``serve --release DIR --add FILE`` is refused; set in the environment they were
    ignored without a word, and the operator looked for their workbook in a graph that never
    held it. Each is warned of, naming both settings as they were given."""
    env = {"PCFGRAPH_RELEASE": "/srv/rel", "PCFGRAPH_SOURCES_FILE": "more.yaml"}
    (note,) = Settings.from_env(env).notes
    assert note.startswith("PCFGRAPH_SOURCES_FILE is not used: PCFGRAPH_RELEASE serves a release")
    flags = {"add_workbooks": "--add", "store_url": "--store"}
    store = {"PCFGRAPH_STORE_URL": "http://store.example/query"}
    (note,) = Settings.from_env(store, flags=flags, add_workbooks=("a.xlsx",)).notes
    assert note.startswith("--add is not used: PCFGRAPH_STORE_URL serves the graph pushed")
    assert Settings.from_env({"PCFGRAPH_ADD_WORKBOOKS": "a.xlsx"}).notes == ()  # used


def test_serve_refuses_sources_with_a_store(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_main(main, ["serve", "--store", "http://s.example/q", "--add", "a.xlsx"]) == 2
    assert "--store serves the graph pushed to the store" in capsys.readouterr().err


def test_uvicorn_factory_logs_the_notes_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """``uvicorn --factory pcfgraph.serving:app_from_env`` reads the same environment: what
    ``pcfgraph serve`` warns of at its start, it warns of too (it said nothing)."""
    from ops_support import ops_release

    from pcfgraph import serving

    monkeypatch.setattr(serving, "configure_logging", lambda settings: None)
    made = serving.create_app
    monkeypatch.setattr(serving, "create_app", lambda s, **kw: made(s, ops_release()))
    for key in [k for k in __import__("os").environ if k.startswith("PCFGRAPH_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("PCFGRAPH_RELEASE", "/srv/rel")
    monkeypatch.setenv("PCFGRAPH_ADD_WORKBOOKS", "a.xlsx")
    import logging

    kept: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = kept.append  # type: ignore[method-assign]
    logger = logging.getLogger("pcfgraph.serving")
    logger.addHandler(handler)  # whatever the test run made of the loggers above it
    monkeypatch.setattr(logger, "level", logging.WARNING)
    try:
        serving.app_from_env()
    finally:
        logger.removeHandler(handler)
    said = [r.getMessage() for r in kept]
    assert any(m.startswith("PCFGRAPH_ADD_WORKBOOKS is not used: PCFGRAPH_RELEASE") for m in said)


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("127.0.0.1", "http://127.0.0.1:8080"),
        ("::1", "http://[::1]:8080"),  # was http://::1:8080, no URL
        ("::", "http://[::]:8080"),
        ("kb.internal", "http://kb.internal:8080"),
    ],
)
def test_the_start_line_names_a_url(host: str, url: str) -> None:
    from pcfgraph.cli.serve import listen_url

    assert listen_url(Settings(host=host, port=8080)) == url


def test_the_log_format_takes_any_case_as_the_log_level_does() -> None:
    settings = Settings.from_env({"PCFGRAPH_LOG_FORMAT": "JSON", "PCFGRAPH_LOG_LEVEL": "WARNING"})
    assert (settings.log_format, settings.log_level) == ("json", "warning")
    assert Settings.from_env({"PCFGRAPH_LOG_FORMAT": " Text "}).log_format == "text"


@pytest.mark.parametrize("raw", ["notaurl", "ftp://store.example/q", "http:///query"])
def test_a_store_url_that_is_no_http_url_is_refused_at_once(raw: str) -> None:
    """It was taken, and refused only once the server tried to reach the store, naming no
    setting; now at once, naming the variable (or flag) and what is allowed."""
    with pytest.raises(InputError, match=r"PCFGRAPH_STORE_URL=.* is no http\(s\) URL"):
        Settings.from_env({"PCFGRAPH_STORE_URL": raw})
    with pytest.raises(InputError, match=r"^--store .* is not valid: .* is no http"):
        Settings.from_env({}, flags={"store_url": "--store"}, store_url=raw)
    url = "https://reader:pw@store.example/sparql?timeout=5"  # user, query: taken
    assert Settings.from_env({"PCFGRAPH_STORE_URL": url}).store_url == url


def test_a_refused_store_url_shows_no_password() -> None:
    with pytest.raises(InputError) as caught:
        Settings.from_env({"PCFGRAPH_STORE_URL": "htp://reader:s3cret@store.example/q"})
    assert "s3cret" not in str(caught.value) and "reader:***@" in str(caught.value)
