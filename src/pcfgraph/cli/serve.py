"""``pcfgraph serve`` (the HTTP API) and ``pcfgraph push`` (a release into a remote store)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from pcfgraph.cli.common import extra_sources_options, opened_release, print_warnings
from pcfgraph.config import Settings

if TYPE_CHECKING:
    from pcfgraph.release import Release
    from pcfgraph.release_memory import MemoryCopy


@click.command()
@click.option("--host", default=None, help="Interface to listen on [default: 127.0.0.1].")
@click.option("--port", type=int, default=None, help="TCP port [default: 8000].")
@click.option(
    "--root-path",
    default=None,
    metavar="PATH",
    help="Path prefix a reverse proxy serves pcfgraph under, stripped before passing "
    "requests on (e.g. /pcf).",
)
@click.option(
    "--public-url",
    default=None,
    metavar="URL",
    help="Where users reach pcfgraph (e.g. https://kb.example.org/pcf): the base of the "
    "absolute URLs it writes.",
)
@click.option(
    "--forwarded-allow-ips",
    default=None,
    metavar="IPS",
    help="Reverse proxies whose X-Forwarded-For/-Proto/-Host are believed, comma-separated "
    "IP addresses or networks, * for any [default: 127.0.0.1,::1].",
)
@click.option(
    "--http-workers",
    type=click.IntRange(min=0),
    default=None,
    help="Server processes sharing the loaded release; 0: one per CPU available [default: 0].",
)
@click.option(
    "--release",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Serve a release directory from 'pcfgraph build' (default: assemble data/).",
)
@click.option(
    "--store",
    "store_url",
    default=None,
    metavar="URL",
    help="Use a remote SPARQL 1.1 Protocol endpoint instead of the embedded store.",
)
@extra_sources_options
@click.option("--query-timeout", type=float, default=None, help="Ad-hoc query deadline (s).")
@click.option("--query-workers", type=int, default=None, help="Sandbox worker processes.")
@click.option("--worker-memory-mb", type=int, default=None, help="Memory limit per worker.")
@click.option("--max-result-rows", type=int, default=None, help="Row cap of ad-hoc queries.")
@click.option("--max-query-depth", type=int, default=None, help="Deepest query nesting.")
@click.option("--max-body-bytes", type=int, default=None, help="Largest request body.")
@click.option(
    "--cors-origin",
    "cors_origins",
    multiple=True,
    metavar="ORIGIN",
    help="Allow this CORS origin (repeatable).",
)
@click.option("--log-level", default=None, help="debug, info, warning, error or critical.")
def serve(**options: Any) -> None:
    """Start the HTTP API: /sparql, /queries, /id/..., /graphql, the workbench."""
    overrides = {k: v for k, v in options.items() if v is not None and v != ()}
    if "cors_origins" in overrides:
        overrides["cors_origins"] = tuple(overrides["cors_origins"])
    if "add_workbooks" in overrides:
        overrides["add_workbooks"] = tuple(str(p) for p in overrides["add_workbooks"])
    if overrides.get("release") and ("add_workbooks" in overrides or "sources_file" in overrides):
        raise click.UsageError(
            "--add/--sources build the graph from sources; a --release is already built "
            "(build it with 'pcfgraph build --add ... -o DIR')"
        )
    if overrides.get("store_url") and ("add_workbooks" in overrides or "sources_file" in overrides):
        raise click.UsageError(
            "--add/--sources build the graph from sources; --store serves the graph pushed to "
            "the store ('pcfgraph push' a release built with them)"
        )
    flags = {p.name: p.opts[0] for p in serve.params if p.name and p.opts}
    settings = Settings.from_env(flags=flags, **overrides)  # a bad value names its flag
    if settings.log_format != "json":
        start(settings)
        return
    from pcfgraph.errors import PcfgraphError

    try:
        start(settings)
    except PcfgraphError as exc:  # the refusal as a record of the log, not a plain line
        import logging

        from pcfgraph.cli.common import EXIT_BAD_INPUT
        from pcfgraph.log_lines import configure_logging

        log = logging.getLogger("pcfgraph.serving")
        if not any(getattr(h, "_pcfgraph", False) for h in logging.getLogger("pcfgraph").handlers):
            configure_logging(settings)  # refused before the log was configured
        log.error("%s", exc)
        raise SystemExit(EXIT_BAD_INPUT) from None


def start(settings: Settings) -> None:
    """Load, verify and serve with ``settings`` (the body of ``pcfgraph serve``); a refusal
    raises a :class:`~pcfgraph.errors.PcfgraphError`, which ``serve`` reports."""
    from pcfgraph.http.port_check import refuse_taken_port

    refuse_taken_port(settings.host, settings.port)  # before seconds of loading, not after
    from pcfgraph import heap

    # No collections while the startup heap grows: the lifespan freezes it. Not before the
    # refusals above: a refused command run in a process that goes on (the CLI's tests call
    # it in theirs) left that process's collector off.
    heap.pause()
    from pcfgraph.server_processes import hold_reload_signals

    hold_reload_signals()  # a SIGHUP while the release loads: a reload once it serves
    from pcfgraph import startup_log

    startup_log.hold(settings.log_level)  # lines made before configure(): replayed into it
    preloaded = preload(settings)  # the release's in-memory copy loads beside what follows
    loading = ReleaseLoading(settings)  # and the verified release beside the app's imports
    with loading.stoppable():  # a stop meanwhile leaves no half-written cache entry
        configure(settings)
        announce(settings, settings.notes)  # a bad PCFGRAPH_* value a flag overrode: said
        create_app = import_create_app(loading)
        # page data built before /ready
        release = loading.result()
    announce(settings, release.warnings)  # what the importer warned about (the data it serves)
    app = create_app(settings, release, warm=True, preloaded=preloaded)
    line = (
        f"serving release {app.state.pcf.release.release_id} on "
        f"{listen_url(settings)} (SPARQL at /sparql)"
    )
    # said once it listens: a start-up that fails, or a port taken since the check above,
    # is an error the operator reads without a "serving" line before it
    run_http(app, settings, listening=lambda: announce(settings, (), line))


def listen_url(settings: Settings) -> str:
    """Where the server listens, as a URL (an IPv6 address in brackets: ``http://::1:8000``
    was no URL a browser or ``curl`` takes)."""
    host = settings.host
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{settings.port}"


def announce(settings: Settings, warnings: Sequence[str], line: str | None = None) -> None:
    """The importer's ``warnings`` and the start ``line``: printed on stderr as every command
    prints them, or with ``log_format=json`` as records of the server's log (a JSON line
    each), so a log pipeline parsing every line as JSON does not meet plain text."""
    if settings.log_format != "json":
        print_warnings(warnings)
        if line is not None:
            click.echo(f"pcfgraph: {line}", err=True)
        return
    import logging

    log = logging.getLogger("pcfgraph.serving")
    for warning in warnings:
        log.warning("%s", warning)
    if line is not None:
        log.info("%s", line)


def preload(settings: Settings) -> MemoryCopy | None:
    """The served release's in-memory copy, loading from here on when it gets one (before the
    app's imports and the release's verification: :mod:`pcfgraph.release_memory`)."""
    if settings.release is None or settings.store_url:
        return None
    from pcfgraph.release_memory import preload as start

    return start(
        Path(settings.release),
        settings.sparql_inprocess_memory_quads,
        settings.worker_memory_store_quads,
    )


#: How long a stop while the release loads waits for the loading thread to give up.
STOP_WAIT_SECONDS = 2.0


class ReleaseLoading(threading.Thread):
    """The served release, loaded and verified in a thread of its own from the start of
    ``pcfgraph serve`` (:func:`pcfgraph.release_reload.load_verified_release`: the same
    checks, sha256, counts and shapes, in the same order), while the main thread imports and
    builds the app: reading, hashing and parsing the graph run outside the GIL, the imports
    inside it, so the two take the time of the longer (0.45 s of the default graph's start
    was the release's, after 0.4 s of imports). The thread has ended when :meth:`result`
    returns (no thread may run across the fork of ``--http-workers``); a release that fails
    raises there, as it did from :func:`pcfgraph.serving.create_app`."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(name="pcfgraph-release-load", daemon=True)
        self.settings = settings
        self._release: Release | None = None
        self._error: BaseException | None = None
        # Both threads import modules as they go. A package whose __init__ imports its own
        # submodule, imported by one thread while the other imports that submodule, is a
        # deadlock on their import locks, which Python breaks by raising _DeadlockError in
        # one: `pcfgraph serve` exited 3 with "deadlock detected by
        # _ModuleLock('html.entities')" (pyparsing here, the app's imports in the main
        # thread). That pair is imported before the thread starts; any other is retried.
        import html.entities  # noqa: F401

        # So is the APQC importer package: the app's imports take it whole (services.versions
        # reads a submodule), and a first start assembling the release imports it in the
        # thread: "cannot import name 'Identity' from partially initialized module
        # ...statement", exit 3, came again on a first start though both sides retried it.
        # The main thread imports it anyway; here it only does so before the thread starts.
        import pcfgraph.importers.apqc  # noqa: F401

        self.start()

    def run(self) -> None:
        for attempt in (1, 2):
            try:
                from pcfgraph.release_reload import load_verified_release

                self._release = load_verified_release(self.settings)
                return
            except BaseException as exc:  # raised again in the caller's thread
                if attempt == 1 and _import_deadlock(exc):
                    continue  # the other thread finished its import: ours can now
                self._error = exc
                return

    @contextlib.contextmanager
    def stoppable(self) -> Iterator[None]:
        """``SIGTERM`` (and ``SIGHUP``, ``SIGINT``) meanwhile end ``serve`` as a stop
        (:func:`~pcfgraph.cli.common.interruptible`) after removing the release cache entry
        this thread was writing: it was ended by the signal on the spot, and a cold cache's
        ``.KEY.<random>`` stayed until a prune an hour later. The thread may write on for a
        moment: waited for, briefly, then removed again."""
        from pcfgraph.cli.common import interruptible

        try:
            with interruptible():
                yield
        except (SystemExit, KeyboardInterrupt):
            from pcfgraph.release_cache import remove_unpublished

            remove_unpublished()
            self.join(timeout=STOP_WAIT_SECONDS)
            remove_unpublished()
            raise

    def result(self) -> Release:
        """The verified release, once loaded; its load's error, raised again here."""
        self.join()
        if self._error is not None:
            raise self._error
        assert self._release is not None
        return self._release


def import_create_app(loading: ReleaseLoading) -> Any:
    """:func:`pcfgraph.serving.create_app`, imported while ``loading`` runs. The import-lock
    deadlock with that thread may fall on this side: the half-made module's ImportError
    (:func:`_import_deadlock`) is tried again once the thread has ended (its imports done)."""
    try:
        from pcfgraph.serving import create_app
    except ImportError as exc:
        if not _import_deadlock(exc):
            raise
        loading.join()
        from pcfgraph.serving import create_app
    return create_app


def _import_deadlock(exc: BaseException) -> bool:
    """Whether ``exc`` (or what it was raised from) is Python's import-lock deadlock: its
    ``_DeadlockError``, or the ``ImportError`` of a name from a "partially initialized
    module" that Python gives instead where ``from M import name`` met the deadlock on ``M``
    (it lets that thread take ``M`` half made: 'cannot import name 'Identity' from partially
    initialized module 'pcfgraph.importers.apqc.statement'', exit 3, was seen once)."""
    seen: BaseException | None = exc
    while seen is not None:
        if type(seen).__name__ == "_DeadlockError":
            return True
        if isinstance(seen, ImportError) and "partially initialized module" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def configure(settings: Settings) -> None:
    """The server's logging (``pcfgraph.*`` to stderr, as text or JSON lines)."""
    from pcfgraph.serving import configure_logging

    configure_logging(settings)


def run_http(app: Any, settings: Settings, listening: Callable[[], None] | None = None) -> None:
    """Serve ``app`` with the HTTP settings of ``pcfgraph serve`` (the benchmarks use this
    too, so what they measure is what is deployed); ``listening`` is called once it listens
    (:mod:`pcfgraph.http.listening`)."""
    import uvicorn

    from pcfgraph import serving
    from pcfgraph.log_lines import own_uvicorn_loggers

    own_uvicorn_loggers()  # uvicorn's lines in the server's log format (log_format)
    options = serving.uvicorn_options(settings)
    workers = serving.http_workers(app, settings)
    served = serving.served_app(app, settings)
    if workers <= 1:
        from pcfgraph.http.listening import ListeningServer
        from pcfgraph.http.startup_failure import startup_status
        from pcfgraph.http.stop_signals import stop_signals_end_cleanly

        server = ListeningServer(uvicorn.Config(served, **options), listening)
        with stop_signals_end_cleanly():
            try:
                server.run()
            except SystemExit as exc:  # uvicorn's 3 for any failed start-up: ours, reported
                status = startup_status(served, -1)
                if status < 0:
                    raise
                raise SystemExit(status) from exc
        if not server.started:  # as uvicorn.run ends a start that failed
            raise SystemExit(startup_status(served, 3))
        return
    from pcfgraph.http.prefork import serve_forked

    processes = serving.share_between_processes(app, workers)
    try:
        status = serve_forked(
            served,
            options,
            workers,
            prepare=lambda: serving.prepare_shared(app),
            worker_started=lambda number, reload_others: serving.worker_started(
                app, number, reload_others
            ),
            listening=listening,
        )
    finally:
        processes.close()
    if status:
        raise SystemExit(status)


@click.command()
@click.option(
    "--store",
    "store_url",
    required=True,
    metavar="URL",
    help="The store's SPARQL query endpoint (e.g. http://localhost:7878/query).",
)
@click.option(
    "--gsp-url",
    default=None,
    metavar="URL",
    help="Its Graph Store Protocol endpoint (derived for Oxigraph: .../store).",
)
@click.option(
    "--release",
    "release_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Push this release directory (default: assemble data/).",
)
def push(store_url: str, gsp_url: str | None, release_dir: Path | None) -> None:
    """Load a release into a remote store: one PUT per named graph, each replaced atomically."""
    from pcfgraph.http_client import shown
    from pcfgraph.release_verify import verify_release
    from pcfgraph.remote_store import gsp_url_for, push_release

    target = gsp_url or gsp_url_for(store_url)
    release = verify_release(opened_release(release_dir, shipped_warnings=True))
    sent = push_release(release.store, target, manifest=release.manifest, query_url=store_url)
    click.echo(
        f"pushed release {release.release_id}: {sum(sent.values())} triples in "
        f"{len(sent)} graphs to {shown(target)}"
    )
