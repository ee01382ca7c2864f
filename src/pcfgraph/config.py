"""Settings: one immutable object built at the edge (CLI flags, environment) and passed in.

A pydantic-settings model: the environment variable of each field is ``PCFGRAPH_`` and its name
(any case), read by pydantic-settings' environment source and validated by pydantic. Nothing
reads the environment at import time, and constructing ``Settings(...)`` never does either:
:meth:`Settings.from_env` (called by the edges) is the one place that reads it. Every field is
documented in docs/settings.md (``pcfgraph.cli.settings_doc``).
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import Field, PrivateAttr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

ENV_PREFIX = "PCFGRAPH_"
#: Settings that may be unset: an empty environment variable unsets them.
_OPTIONAL = ("release", "cache_dir", "sources_file", "store_url", "admin_token", "public_url")

#: Counts, sizes and limits: at least 1 (a limit of 0 or below would refuse everything, or
#: crash where it is used); ``Count0``: 0 has a documented meaning (off, never, none).
Count = Annotated[int, Field(ge=1)]
Count0 = Annotated[int, Field(ge=0)]
#: A duration in seconds: a finite number above 0 (NaN and infinity are refused).
Seconds = Annotated[float, Field(gt=0, allow_inf_nan=False)]
#: The most server processes ``http_workers`` may ask for.
MAX_HTTP_WORKERS = 64
LOG_LEVELS = ("debug", "info", "warning", "error", "critical")
LOG_FORMATS = ("text", "json")
#: A CORS origin as browsers send it: scheme, host, optional port; no path, no slash at the end.
_ORIGIN = re.compile(r"https?://[^\s/?#]+\Z")
#: A path prefix: segments of URL path characters (RFC 3986 pchar, percent-escapes).
_ROOT_PATH = re.compile(r"(/[A-Za-z0-9\-._~!$&'()*+,;=:@%]*)+\Z")
#: A base URL: scheme, host, optional port and path; no query, no fragment.
_BASE_URL = re.compile(r"https?://[^\s/?#]+(/[^\s?#]*)?\Z")


class Settings(BaseSettings):
    """Runtime settings with safe defaults."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="forbid")

    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 8000
    #: Where pcfgraph's pages are reached (``https://frameworks.example.org``), for the links
    #: handed out where no request names the address: ``pcfgraph mcp`` (stdio), which hands
    #: out none without it (``url`` null).
    public_url: str | None = None
    #: The path prefix pcfgraph is served under behind a reverse proxy that strips it before
    #: passing requests on (``/pcf``): uvicorn's ``root_path``; every link, asset, redirect
    #: and ``Link`` target of the answers then carries it (:mod:`pcfgraph.http.root_path`).
    root_path: str = ""
    #: The reverse proxies whose ``X-Forwarded-For``, ``-Proto`` and ``-Host`` are believed (IP
    #: addresses or networks; ``*``: any peer); anyone else's are ignored
    #: (:mod:`pcfgraph.http.forwarded`).
    forwarded_allow_ips: Annotated[tuple[str, ...], NoDecode] = ("127.0.0.1", "::1")
    #: Server processes answering HTTP, forked from one loaded app (1: this process only;
    #: 0: one per CPU available, at most ``pcfgraph.serving.MAX_AUTO_HTTP_WORKERS``).
    http_workers: Annotated[int, Field(ge=0, le=MAX_HTTP_WORKERS)] = 0
    #: A release directory (graph + manifest from ``pcfgraph build``); None builds from data/.
    release: Path | None = None
    #: Where the verified release of the shipped data is cached; None: the user cache dir.
    cache_dir: Path | None = None
    #: APQC workbooks added to the shipped data when it is assembled (``serve --add FILE``).
    add_workbooks: Annotated[tuple[str, ...], NoDecode] = ()
    #: A sources file of the schema of ``data/frameworks.yaml`` (``serve --sources FILE``).
    sources_file: Path | None = None
    #: A remote SPARQL 1.1 Protocol + Graph Store Protocol endpoint; None uses the embedded store.
    store_url: str | None = None
    #: Ad-hoc SPARQL: per-query deadline (seconds), worker processes, memory limit (MiB).
    query_timeout: Seconds = 10.0
    query_workers: Count = 2
    worker_memory_mb: Count = 1024
    #: Releases of at most this many quads are loaded into each worker's memory (0: shared).
    worker_memory_store_quads: Count0 = 250_000
    #: Tasks one sandbox worker runs before a fresh one replaces it (0: never).
    worker_max_tasks: Count0 = 50_000
    #: Growth (MiB over its size after loading) past which a worker is replaced after a task.
    worker_recycle_mb: Count0 = 256
    #: Largest number of result rows (or triples) an ad-hoc query may return.
    max_result_rows: Count = 100_000
    #: Memory (MiB) for finished /sparql answers of the served release; 0: none kept.
    sparql_cache_mb: Count0 = 64
    #: ``GET``/``POST /sparql`` answers made without waiting (in-process lookups, kept answers, 304,
    #: refusals) are written by the HTTP protocol without an ASGI request cycle (the same
    #: response, metrics and log line; pcfgraph.api.fast_path).
    http_fast_path: bool = True
    #: Largest proven work bound of an ad-hoc query run in the serving process (0: never).
    sparql_inprocess_work: Count0 = 5_000_000
    #: A release served from disk with at most this many quads gets an in-memory copy for the
    #: serving process's reads (pcfgraph.release_memory; 0: never).
    sparql_inprocess_memory_quads: Count0 = 1_000_000
    #: Deepest nesting of groups / sub-selects accepted in an ad-hoc query.
    max_query_depth: Count = 32
    #: Most tokens in an ad-hoc query, and longest operator chain in one group.
    max_query_tokens: Count = 20_000
    max_query_width: Count = 500
    #: Largest request body accepted (bytes).
    max_body_bytes: Count = 4 * 1024 * 1024
    #: Answers from this many bytes up are gzipped for clients that accept it (graphs,
    #: exports, SSSOM, GraphQL, pages; not /sparql: pcfgraph.http.compression); 0: never.
    compress_min_bytes: Count0 = 1024
    #: Largest uploaded model or workbook (bytes), the same over HTTP, MCP and in the CLI.
    max_upload_bytes: Count = 32 * 1024 * 1024
    #: Most bytes of request bodies one server process holds at once (pcfgraph.http.body_memory).
    max_body_memory_bytes: Count = 512 * 1024 * 1024
    #: Uploaded workbooks (.xlsx zip archives), checked before they are inflated.
    max_archive_members: Count = 2000
    max_archive_ratio: Count = 200
    max_archive_bytes: Count = 64 * 1024 * 1024
    max_sheet_rows: Count = 50_000
    max_sheet_columns: Count = 200
    #: Most parts (files or fields) in one multipart upload: 413 past it.
    max_upload_parts: Count = 100
    #: Longest request target (path and query string, bytes): 414 past it.
    max_url_bytes: Count = 8192
    #: Largest request header block (bytes) and most header fields: 431 past either.
    max_header_bytes: Count = 16384
    max_header_count: Count = 100
    #: Concurrent expensive requests (ad-hoc SPARQL, uploads) before 503.
    max_concurrent_expensive: Count = 8
    #: Of those, most from one client (address); past it 429.
    max_concurrent_per_client: Count = 4
    #: Audit uploads: deadline (seconds) and largest number of triples.
    validate_timeout: Seconds = 30.0
    max_upload_triples: Count = 500_000
    #: Audits run pySHACL in a forked child beside the SPARQL checks where that is safe.
    audit_fork: bool = True
    #: GraphQL limits.
    graphql_max_depth: Count = 12
    graphql_max_aliases: Count = 30
    graphql_max_tokens: Count = 2000
    graphql_max_page_size: Count = 500
    #: GraphQL variables: deepest nesting and largest size (bytes of JSON).
    graphql_max_variables_depth: Count = 16
    graphql_max_variables_bytes: Count = 65536
    #: Most objects one GraphQL response may return from list fields.
    graphql_max_nodes: Count = 50_000
    graphql_introspection: bool = True
    graphql_allow_batching: bool = False
    #: Bearer token for ``POST /admin/reload``; None disables the route.
    admin_token: str | None = None
    #: With several server processes: longest a reload waits for every process to serve the
    #: new release before it answers ``release-mismatch`` (seconds).
    reload_wait_seconds: Seconds = 60.0
    #: Stopping: how long the requests in flight are waited for (uvicorn's graceful bound);
    #: a server process still running ``STOP_MARGIN_SECONDS`` after that is killed.
    graceful_stop_seconds: Annotated[float, Field(ge=0, allow_inf_nan=False)] = 10.0
    #: Allowed CORS origins; empty means no CORS headers.
    cors_origins: Annotated[tuple[str, ...], NoDecode] = ()
    log_level: str = "info"
    #: Log lines as ``text`` or ``json`` (one JSON object per line, with the request id).
    log_format: str = "text"
    #: Access-log lines leave in batches, each line at most this long after its request
    #: (milliseconds; 0: each line written at once). Every other record is written at once,
    #: after the access lines before it.
    access_log_flush_ms: Annotated[int, Field(ge=0, le=10_000)] = 100
    #: FastAPI's native OpenTelemetry instrumentation (when the installed FastAPI has it).
    opentelemetry: bool = False

    #: The settings whose value :meth:`from_env` took from a ``PCFGRAPH_*`` variable (not
    #: from an override, a flag): a message about the value names the variable the operator
    #: set, not a flag they never used (:meth:`given_as`).
    _from_environment: frozenset[str] = PrivateAttr(default=frozenset())
    #: What :meth:`from_env` found worth a warning but not a refusal (:attr:`notes`).
    _notes: tuple[str, ...] = PrivateAttr(default=())

    @field_validator("add_workbooks", "cors_origins", "forwarded_allow_ips", mode="before")
    @classmethod
    def _comma_list(cls, value: Any) -> Any:
        """Lists in the environment are comma-separated (``a.xlsx,b.xlsx``)."""
        if isinstance(value, str):
            return tuple(x.strip() for x in value.split(",") if x.strip())
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.strip().lower()
        if level not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}, not {value!r}")
        return level

    @field_validator("log_format")
    @classmethod
    def _log_format(cls, value: str) -> str:
        """Any case, as ``log_level`` (``PCFGRAPH_LOG_FORMAT=JSON`` was refused beside a
        ``PCFGRAPH_LOG_LEVEL=WARNING`` that was taken)."""
        fmt = value.strip().lower()
        if fmt not in LOG_FORMATS:
            raise ValueError(f"must be one of {', '.join(LOG_FORMATS)}, not {value!r}")
        return fmt

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        """An origin as a browser sends it in ``Origin``, or it never matches (a path or a
        slash at the end, ``https://app.example/``, is the usual slip)."""
        for origin in value:
            if origin != "*" and not _ORIGIN.match(origin):
                raise ValueError(
                    f"{origin!r} is no origin: scheme://host[:port], with no path or "
                    "slash at the end (e.g. https://app.example.org)"
                )
        return value

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _proxies(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        """IP addresses and networks (``10.0.0.0/8``), or ``*``: a name is never a peer's
        address (uvicorn would keep it as a literal that matches nothing)."""
        out = []
        for entry in value:
            try:
                kept = entry if entry == "*" else str(_ip(entry))
            except ValueError:
                raise ValueError(
                    f"{entry!r} is no IP address or network (e.g. 10.0.0.5, 10.0.0.0/8, or * "
                    "for any peer)"
                ) from None
            out.append(kept)
        return tuple(out)

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is not None and not _BASE_URL.match(value):
            raise ValueError(
                f"{value!r} is no base URL: scheme://host[:port][/path], with no query or "
                "fragment (e.g. https://frameworks.example.org)"
            )
        return None if value is None else value.rstrip("/")

    @field_validator("store_url")
    @classmethod
    def _store_url(cls, value: str | None) -> str | None:
        """An http(s) URL with a host: anything else was taken, and refused only once the
        server tried to reach it ("remote store notaurl: not an absolute http(s) URL"),
        naming no setting."""
        if value is None:
            return None
        try:
            parts = urlsplit(value)
            ok = parts.scheme in ("http", "https") and bool(parts.hostname)
        except ValueError:
            ok = False
        if not ok:
            from pcfgraph.http_client import shown

            raise ValueError(
                f"{shown(value)!r} is no http(s) URL of a SPARQL query endpoint (e.g. "
                "http://localhost:7878/query)"
            )
        return value

    @field_validator("root_path")
    @classmethod
    def _root_path(cls, value: str) -> str:
        """``/pcf`` (a slash at the end dropped, ``/`` alone: no prefix); no query, fragment,
        space, ``//`` or dot segment, which no proxy passes on as a prefix."""
        path = value.strip()
        if path and (
            not _ROOT_PATH.match(path) or "//" in path or {".", ".."} & set(path.split("/"))
        ):
            raise ValueError(
                f"{value!r} is no path prefix: /segment[/segment...], with no query, fragment, "
                "space or empty segment (e.g. /pcf)"
            )
        return path.rstrip("/")

    def public_base_url(self) -> str | None:
        """Where users reach pcfgraph's root (:mod:`pcfgraph.http.public_url`): ``public_url``,
        followed by ``root_path`` when it names no path of its own (``https://example.org``
        with ``/pcf``: ``https://example.org/pcf``); None without ``public_url``."""
        if self.public_url is None:
            return None
        if not urlsplit(self.public_url).path:
            return self.public_url + self.root_path
        return self.public_url

    def page_base_url(self) -> str:
        """The base of the page URLs handed out where no request names the address:
        :meth:`public_base_url`, else where ``pcfgraph serve`` with these settings answers
        on this machine (a wildcard ``host`` is reached at the loopback address; an IPv6
        address is written in brackets)."""
        if (public := self.public_base_url()) is not None:
            return public
        host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(self.host, self.host)
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    @field_validator(*_OPTIONAL, mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        """An empty variable (``PCFGRAPH_STORE_URL=``) means the setting is not set."""
        return None if value == "" else value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Only the arguments: the environment is read by :meth:`from_env`, never implicitly."""
        return (init_settings,)

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        flags: Mapping[str, str] | None = None,
        **overrides: Any,
    ) -> Settings:
        """Settings from ``PCFGRAPH_*`` environment variables, then explicit overrides (None
        overrides nothing). A value that is not valid is an :class:`~pcfgraph.errors.InputError`
        naming the variable, or the override's flag (``flags``: the command-line option each
        override came from, ``{"port": "--port"}``), else its setting."""
        flags = flags or {}
        env = os.environ if environ is None else environ
        if unknown := _unknown_variables(env):
            from pcfgraph.errors import InputError

            raise InputError("; ".join(unknown))
        values = _EnvironSource(cls, env)()
        for name, variable in _UVICORN_VARIABLES.items():
            if name not in values and variable in env:  # uvicorn's own, read by it before
                values[name] = env[variable]
        given = {k: v for k, v in overrides.items() if v is not None}
        try:
            settings = cls(**{**values, **given})
        except ValidationError as exc:
            raise _invalid(exc, env, given, flags) from None
        settings._from_environment = frozenset(values) - frozenset(given)
        notes = _overridden_invalid(cls, values, env, given, flags)
        settings._notes = tuple(notes + _sources_not_used(settings, flags))
        return settings

    @property
    def notes(self) -> tuple[str, ...]:
        """Warnings about the environment :meth:`from_env` read: a ``PCFGRAPH_*`` value that
        is not valid but that an override (a flag: the flag wins) replaced. Not a refusal,
        as the value is not used; said, as the next command without the flag would refuse it
        (``pcfgraph serve`` logs them at its start)."""
        return self._notes

    def given_as(self, name: str, flag: str) -> str:
        """How the operator gave setting ``name``, for a message about its value: its
        ``PCFGRAPH_*`` variable when :meth:`from_env` read it from there, else ``flag``."""
        return ENV_PREFIX + name.upper() if name in self._from_environment else flag

    def with_(self, **changes: Any) -> Settings:
        """A copy with ``changes``, validated like any settings."""
        return type(self)(**{**self.model_dump(), **changes})


#: Settings that uvicorn read from a variable of its own before pcfgraph had them: that
#: variable is still read when the ``PCFGRAPH_`` one is not set.
_UVICORN_VARIABLES = {"forwarded_allow_ips": "FORWARDED_ALLOW_IPS"}


def _ip(text: str) -> object:
    """``text`` as an IP network (with a ``/``, host bits allowed) or address."""
    if "/" in text:
        return ipaddress.ip_network(text, strict=False)
    return ipaddress.ip_address(text)


class _EnvironSource(EnvSettingsSource):
    """pydantic-settings' environment source over a given mapping (the process environment
    unless a caller, a test or an embedding program, passes its own)."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        super().__init__(settings_cls, case_sensitive=False)
        self.env_vars = {k.lower(): v for k, v in environ.items()}


#: ``PCFGRAPH_*`` variables that are not settings: the CLI's traceback switch and those of
#: pcfgraph's own CI and tests (``PCFGRAPH_CI_*``, ``PCFGRAPH_TEST_*``).
NOT_SETTINGS = ("PCFGRAPH_DEBUG", "PCFGRAPH_UPDATE_SNAPSHOTS")
NOT_SETTINGS_PREFIXES = ("PCFGRAPH_CI_", "PCFGRAPH_TEST_")


def _unknown_variables(env: Mapping[str, str]) -> list[str]:
    """A sentence for each ``PCFGRAPH_*`` variable of ``env`` that names no setting (a
    misspelt ``PCFGRAPH_QUERY_TIMOUT`` was ignored, the default silently kept), with the
    setting it is nearest to."""
    import difflib

    known = {ENV_PREFIX + name.upper() for name in Settings.model_fields}
    out: list[str] = []
    for key in sorted(env):
        name = key.upper()
        if (
            not name.startswith(ENV_PREFIX)
            or name in known
            or name in NOT_SETTINGS
            or name.startswith(NOT_SETTINGS_PREFIXES)
        ):
            continue
        rest = name.removeprefix(ENV_PREFIX)
        near = difflib.get_close_matches(
            rest.lower(), sorted(Settings.model_fields), n=1, cutoff=0.75
        )
        hint = f" (did you mean {ENV_PREFIX}{near[0].upper()}?)" if near else ""
        out.append(
            f"environment variable {key} is no setting of pcfgraph{hint}; docs/settings.md "
            "lists them"
        )
    return out


def _overridden_invalid(
    cls: type[Settings],
    values: Mapping[str, Any],
    env: Mapping[str, str],
    given: Mapping[str, Any],
    flags: Mapping[str, str],
) -> list[str]:
    """A sentence for each ``PCFGRAPH_*`` value that an override replaced and that is not
    valid (``PCFGRAPH_PORT=abc`` with ``serve --port 8080``): never validated, as the override
    wins, it went unseen until a command without the flag refused it."""
    out = []
    for name in sorted(set(values) & set(given)):
        try:
            cls(**{name: values[name]})
        except ValidationError as exc:
            for problem in _problems(exc, env, {}, flags):
                wins = _override(name, given[name], flags)
                out.append(f"{problem}; ignored: the command's own {wins} wins")
    return out


def _sources_not_used(settings: Settings, flags: Mapping[str, str]) -> list[str]:
    """A sentence for each source setting (``add_workbooks``, ``sources_file``) that the
    release served makes of no use: ``release`` serves a release already built, ``store_url``
    the graph pushed to the store. Documented as ignored, it was ignored without a word when
    set in the environment (``serve --release DIR --add FILE`` is refused)."""
    if settings.release is not None:
        base, why = "release", "serves a release already built (build one with it: 'pcfgraph "
        why += "build --add ... -o DIR')"
    elif settings.store_url is not None:
        base, why = "store_url", "serves the graph pushed to the store ('pcfgraph push' a "
        why += "release built with it)"
    else:
        return []
    out = []
    for name in ("add_workbooks", "sources_file"):
        if getattr(settings, name):
            out.append(
                f"{settings.given_as(name, flags.get(name, name))} is not used: "
                f"{settings.given_as(base, flags.get(base, base))} {why}"
            )
    return out


def _invalid(
    exc: ValidationError, env: Mapping[str, str], given: Mapping[str, Any], flags: Mapping[str, str]
) -> Exception:
    from pcfgraph.errors import InputError

    return InputError("; ".join(_problems(exc, env, given, flags)))


def _override(name: str, value: Any, flags: Mapping[str, str]) -> str:
    """An override as the operator gave it: ``--port 0`` (its flag), else ``port=0``."""
    if name not in flags:
        return f"{name}={value!r}"
    values = value if isinstance(value, tuple) else (value,)
    return " ".join(
        f"{flags[name]} {v!r}" if isinstance(v, str) else f"{flags[name]} {v}" for v in values
    )


def _secret_kept(name: str, value: Any) -> Any:
    """``value`` as a message may show it: a store URL without its password."""
    if name == "store_url" and isinstance(value, str):
        from pcfgraph.http_client import shown

        return shown(value)
    return value


def _problems(
    exc: ValidationError, env: Mapping[str, str], given: Mapping[str, Any], flags: Mapping[str, str]
) -> list[str]:
    """A sentence for each error of ``exc``, naming the variable (or override) it came from
    and what is allowed (pydantic's words, without its "Value error, " in front)."""
    problems = []
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else ""
        variable = ENV_PREFIX + name.upper()
        if name in _UVICORN_VARIABLES and not any(k.upper() == variable for k in env):
            variable = _UVICORN_VARIABLES[name]
        why = str(error["msg"]).removeprefix("Value error, ")
        if name in given:
            label = "" if name in flags else "setting "
            value = _secret_kept(name, given[name])
            problems.append(f"{label}{_override(name, value, flags)} is not valid: {why}")
        elif error["type"] == "extra_forbidden":
            problems.append(f"there is no setting {name!r}")
        else:
            raw = next((v for k, v in env.items() if k.upper() == variable), error["input"])
            raw = _secret_kept(name, raw)
            problems.append(f"environment variable {variable}={raw!r} is not valid: {why}")
    return problems
