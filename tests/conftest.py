"""Run-wide reporting, the release cache kept in pytest's temp tree (never the user's home), and
what several browser test modules share in one test process (the shipped graph's server, the
browser).

Other fixtures live in the *_support modules the tests import."""

from __future__ import annotations

import asyncio
import gc
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from network_guard import install as install_network_guard


@pytest.fixture(scope="session", autouse=True)
def no_outbound_connections() -> Iterator[None]:
    """Every connection the test process makes stays on the machine (tests/network_guard.py)."""
    undo = install_network_guard()
    yield
    undo()


@pytest.fixture(scope="session", autouse=True)
def release_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One cache for the whole run (xdist workers share it: publication is atomic)."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PCFGRAPH_CACHE_DIR", str(root / "pcfgraph-cache"))
        yield


@pytest.fixture(scope="session")
def shipped_release() -> Any:
    """The shipped data assembled in memory (``build_release()``), once per test process for
    the tests that only read it: about ten modules each paid the 1.2 s CPU of a build, and a
    module fixture is built in both xdist workers when its tests are spread over them. A test
    that changes a release builds its own; query counts are read as differences."""
    from pcfgraph.release import build_release

    return build_release()


@pytest.fixture(scope="session")
def framework_release_path(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """audit_support.framework_release_dir (the audit's framework data as a release directory),
    written once per test process for the audit and upload modules that only read it: each
    module wrote its own, 3 s CPU apiece."""
    from audit_support import framework_release_dir

    return framework_release_dir(tmp_path_factory.mktemp("framework-release"))


@pytest.fixture(scope="session")
def mini_release(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A release of the small fixture framework (``fixtures/mini-framework.ttl``), written once
    per test process for the CLI modules that export or read it (the audit's: seconds)."""
    from pcfgraph import iris
    from pcfgraph.assemble import load_turtle
    from pcfgraph.release import write_release
    from pcfgraph.store import EmbeddedStore

    store = EmbeddedStore()
    mini = Path(__file__).parent / "fixtures" / "mini-framework.ttl"
    store.add_quads(load_turtle(mini, str(iris.framework_graph("mini"))))
    out = tmp_path_factory.mktemp("mini-release") / "release"
    write_release(store, out, {})
    return out


#: Audit contexts the in-process ``pcfgraph audit`` built, by (release id, rules digest).
_CLI_AUDIT_CONTEXTS: dict[tuple[str, str], Any] = {}


@pytest.fixture
def audit_context_per_release(monkeypatch: pytest.MonkeyPatch) -> None:
    """``pcfgraph audit`` run in-process builds the framework side of the audit
    (``AuditContext.from_store``, 2-3 s CPU) once per test process and release instead of on
    every run: about 40 runs of the CLI modules over one read-only release paid it each time.
    A server builds one context per release and audits every upload with it, so the reports
    are the same; the command still opens, verifies and reads its ``--release`` on every
    run, and a release of other content (its id is its content's sha256) or other rule files
    (their digest) gets a context of its own. For modules whose subject is the report, not
    the context's build (use with ``pytest.mark.usefixtures``)."""
    import pcfgraph.cli.audit as cli_audit
    from pcfgraph.audit import AuditContext
    from pcfgraph.audit.rules import rules_digest

    open_release = cli_audit.opened_release
    build = AuditContext.from_store
    release_of: dict[int, Any] = {}  # id(store) -> the release it came from (kept alive)

    def opened_release(path: Path | None) -> Any:
        release = open_release(path)
        release_of[id(release.store)] = release
        return release

    def from_store(store: Any) -> Any:
        release = release_of.get(id(store))
        if release is None or release.store is not store:
            return build(store)
        key = (release.release_id, rules_digest())
        if key not in _CLI_AUDIT_CONTEXTS:
            _CLI_AUDIT_CONTEXTS[key] = build(store)
        return _CLI_AUDIT_CONTEXTS[key]

    monkeypatch.setattr(cli_audit, "opened_release", opened_release)
    monkeypatch.setattr(AuditContext, "from_store", from_store)


@pytest.fixture(scope="session")
def shipped_server(shipped_release: Any) -> Iterator[Any]:
    """The shipped graph served on loopback (browser_support.serve of shipped_app), once per test
    process for the browser modules that need nothing else of a server: each start loads the
    default graph and starts a sandbox pool, seconds of CPU that five modules paid in turn.
    Pages get a browser context of their own (browser_support.new_page); tests only read."""
    from browser_support import serve, shipped_app

    yield from serve(shipped_app(shipped_release))


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """The headless browser of a browser module (each test opens a context of its own).

    Per module, not per process: while Playwright's sync API is open it marks its asyncio loop
    as running in this thread between calls (``playwright._impl._greenlets.wait_for_future``),
    so every later test of the process that starts a loop (``anyio.run``, ``asyncio.run``: the
    MCP, release-memory, CLI tests) failed with "Already running asyncio in this thread"
    whenever xdist gave that worker a browser module first. A start costs about a second."""
    from browser_support import launch

    yield from launch()


def _loop_marked_running() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


_LEFT_RUNNING: list[asyncio.AbstractEventLoop] = []


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """A test (or a fixture it finished with) that leaves the cyclic garbage collector off, or
    an event loop marked running in the test process's thread, fails here, instead of the
    unrelated test that next asserts the collector on or calls ``anyio.run`` or
    ``asyncio.run`` in the same xdist worker. A loop is tolerated only while the next test
    shares this module's open browser (the ``chromium`` fixture above)."""
    yield
    if not gc.isenabled():
        gc.enable()  # the next tests run as usual; this one is named
        pytest.fail(
            f"{item.nodeid} left Python's cyclic garbage collector off in the test process "
            "(gc.disable, or pcfgraph.heap.pause without its resume): every later test of "
            "this process ran without it, and one asserting it on failed there instead",
            pytrace=False,
        )
    loop = _loop_marked_running()
    if loop is None or any(loop is seen for seen in _LEFT_RUNNING):
        return  # later tests fail on their own; the one that left it is named once
    same_browser = (
        nextitem is not None
        and "chromium" in getattr(item, "fixturenames", ())
        and "chromium" in getattr(nextitem, "fixturenames", ())
        and nextitem.getparent(pytest.Module) is item.getparent(pytest.Module)
    )
    if not same_browser:
        _LEFT_RUNNING.append(loop)
        pytest.fail(
            f"{item.nodeid} left an asyncio event loop marked running in the test process's "
            f"thread ({loop!r}): every later anyio.run/asyncio.run of this process would fail "
            "with 'Already running asyncio in this thread'",
            pytrace=False,
        )


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One clear line when the browser tests were skipped: why, and how to enable them."""
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        if "browser tests skipped" in reason:
            line = reason[reason.index("browser tests skipped") :]
            terminalreporter.write_line(line.upper()[:21] + line[21:], yellow=True, bold=True)
            return
