"""``pcfgraph serve`` loads and verifies its release in a thread while the app's imports run
(:class:`pcfgraph.cli.serve.ReleaseLoading`): the same release, the same checks, and a
release that fails them raises in the caller, with the thread ended (none may run across the
fork of ``--http-workers``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest

from pcfgraph.cli.serve import ReleaseLoading
from pcfgraph.config import Settings
from pcfgraph.errors import ReleaseError
from pcfgraph.release import write_release
from pcfgraph.release_reload import load_verified_release
from pcfgraph.store import EmbeddedStore

G = ox.NamedNode("https://w3id.org/pcfgraph/id/graph/framework/a")


@pytest.fixture
def release_dir(tmp_path: Path) -> Path:
    store = EmbeddedStore()
    s, p = ox.NamedNode("urn:s"), ox.NamedNode("urn:p")
    store.add_quads([ox.Quad(s, p, ox.Literal("one"), G), ox.Quad(s, p, ox.Literal("two"), G)])
    out = tmp_path / "rel"
    write_release(store, out, {}, verified=True)
    return out


@pytest.mark.parametrize("memory_quads", [10, 0])  # in memory, on disk
def test_the_release_loaded_beside_the_imports_is_the_verified_one(
    release_dir: Path, memory_quads: int
) -> None:
    settings = Settings(release=release_dir, worker_memory_store_quads=memory_quads)
    loading = ReleaseLoading(settings)
    release = loading.result()
    assert not loading.is_alive()
    expected = load_verified_release(settings)
    assert release.release_id == expected.release_id
    assert set(release.store.store) == set(expected.store.store)
    assert (release.store_path is None) == (expected.store_path is None)


def test_a_release_that_fails_its_checks_raises_in_the_caller(release_dir: Path) -> None:
    with open(release_dir / "graph.nq", "ab") as fh:
        fh.write(b'<urn:x> <urn:y> "z" <urn:g> .\n')
    loading = ReleaseLoading(Settings(release=release_dir, worker_memory_store_quads=10))
    with pytest.raises(ReleaseError, match="sha256 mismatch"):
        loading.result()
    assert not loading.is_alive()


def _deadlock() -> BaseException:
    import importlib._bootstrap as bootstrap

    return bootstrap._DeadlockError("deadlock detected by _ModuleLock('html.entities')")


def _half_made() -> BaseException:
    return ImportError(
        "cannot import name 'Identity' from partially initialized module "
        "'pcfgraph.importers.apqc.statement' (most likely due to a circular import)"
    )


@pytest.mark.parametrize(
    ("first_try", "other", "other_type"),
    [
        # Python breaks an import-lock deadlock between the two threads by raising
        # _DeadlockError in one of them
        (_deadlock, ReleaseError("not a release"), ReleaseError),
        # where 'from M import name' meets the deadlock on M, Python gives the thread M half
        # made instead, and the import fails with "partially initialized module"
        (_half_made, ImportError("No module named 'nowhere'"), ImportError),
    ],
)
def test_an_import_deadlock_with_the_main_thread_is_retried_not_fatal(
    release_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    first_try: Callable[[], BaseException],
    other: BaseException,
    other_type: type[BaseException],
) -> None:
    """The import deadlock, in either form (``pcfgraph serve`` exited 3 with each, on first
    starts building the release), is tried again, the other thread's import being done by
    then; any other error, another ImportError too, is not retried."""
    import pcfgraph.release_reload as reload

    calls: list[int] = []
    real = reload.load_verified_release

    def fails_once(settings: Settings) -> object:
        calls.append(1)
        if len(calls) == 1:
            raise first_try()
        return real(settings)

    monkeypatch.setattr(reload, "load_verified_release", fails_once)
    release = ReleaseLoading(Settings(release=release_dir)).result()
    assert len(calls) == 2 and len(release.store) == 2

    def broken(settings: Settings) -> object:
        calls.append(1)
        raise other

    calls.clear()
    monkeypatch.setattr(reload, "load_verified_release", broken)
    with pytest.raises(other_type, match=str(other).split("'")[0]):
        ReleaseLoading(Settings(release=release_dir)).result()
    assert len(calls) == 1


def test_the_apps_import_meeting_the_deadlock_is_tried_again_after_the_load(
    release_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The deadlock may fall on the main thread's side: its ``from pcfgraph.serving import
    create_app`` finds a module half made by the loading thread. It is tried again once that
    thread has ended (here the half-made module, put in ``sys.modules`` as Python leaves it,
    is the real one again when the thread is joined, as the other thread's import ends)."""
    import importlib.machinery
    import sys
    import types

    import pcfgraph.serving as serving
    from pcfgraph.cli.serve import import_create_app

    half = types.ModuleType("pcfgraph.serving")
    half.__spec__ = importlib.machinery.ModuleSpec("pcfgraph.serving", None)
    half.__spec__._initializing = True  # type: ignore[attr-defined]
    half.__file__ = serving.__file__
    monkeypatch.setitem(sys.modules, "pcfgraph.serving", half)
    with pytest.raises(ImportError, match="partially initialized module"):
        from pcfgraph.serving import create_app  # noqa: F401 (what the race gives)

    class Loading:
        joined = 0

        def join(self) -> None:
            self.joined += 1
            sys.modules["pcfgraph.serving"] = serving  # the other thread's import ended

    loading = Loading()
    assert import_create_app(loading) is serving.create_app  # type: ignore[arg-type]
    assert loading.joined == 1


def test_the_importer_package_is_imported_before_the_thread_starts(tmp_path: Path) -> None:
    """A first start assembles the release in the thread, importing the APQC importer package
    the app's own imports take too: the two threads met on its import locks and one got a
    half-made module ("cannot import name 'Identity' from partially initialized module"),
    exit 3, though both sides retried it. The package is imported before the thread starts,
    in a fresh interpreter (this one has it already)."""
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(
        """
        import sys
        import pcfgraph.release_reload as reload
        seen = []
        reload.load_verified_release = lambda s: seen.append(
            "pcfgraph.importers.apqc" in sys.modules
        )
        from pcfgraph.cli.serve import ReleaseLoading
        from pcfgraph.config import Settings
        loading = ReleaseLoading(Settings())
        loading.join()
        print(seen)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[True]"


def test_a_stop_while_the_cache_entry_is_written_removes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``pcfgraph serve`` stopped (``SIGTERM``) while its thread wrote the release into a cold
    cache was ended by the signal on the spot: the thread's ``.KEY.<random>`` stayed in the
    cache until a prune an hour later. Now the stop ends ``serve`` with 143 (as a shell shows
    a process ``SIGTERM`` ended) once that entry is removed."""
    import os
    import signal
    import time

    from ops_support import ops_release

    from pcfgraph import release as release_mod
    from pcfgraph import release_cache

    real_fill = release_cache.fill_release_dir

    def stopped(tmp: Path, *args: object, **kwargs: object) -> None:
        real_fill(tmp, *args, **kwargs)  # type: ignore[arg-type]
        os.kill(os.getpid(), signal.SIGTERM)  # half done: written, not yet published
        time.sleep(0.5)  # the writer goes on a moment

    monkeypatch.setattr(release_mod, "build_release", lambda **_: ops_release())
    monkeypatch.setattr(release_cache, "fill_release_dir", stopped)
    cache = tmp_path / "cache"
    loading = ReleaseLoading(Settings(cache_dir=cache))
    with pytest.raises(SystemExit) as ended, loading.stoppable():
        loading.result()
    assert ended.value.code == 128 + signal.SIGTERM
    assert list((cache / "releases").iterdir()) == []
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # as it was
