"""Releases: canonical N-Quads, verified manifests, atomic publication, exports."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from pcfgraph import release as release_mod
from pcfgraph.errors import ReleaseError
from pcfgraph.export import FORMATS, export_bytes
from pcfgraph.release import Release, load_release, write_release
from pcfgraph.store import EmbeddedStore

G1 = ox.NamedNode("https://w3id.org/pcfgraph/id/graph/framework/a")
G2 = ox.NamedNode("https://w3id.org/pcfgraph/id/graph/framework/b")


def small_store() -> EmbeddedStore:
    s, p = ox.NamedNode("urn:s"), ox.NamedNode("urn:p")
    store = EmbeddedStore()
    store.add_quads(
        [
            ox.Quad(s, p, ox.Literal("one", language="en"), G1),
            ox.Quad(s, p, ox.Literal("one", language="en"), G2),  # same triple, two graphs
            ox.Quad(s, p, ox.Literal("two"), G2),
        ]
    )
    return store


def test_release_round_trip_keeps_graphs_and_counts(tmp_path: Path) -> None:
    out = tmp_path / "rel"
    manifest = write_release(small_store(), out, {"x": ["a.ttl"]})
    assert manifest["quads"] == 3
    assert manifest["graphs"] == {G1.value: 1, G2.value: 2}
    loaded = load_release(out)
    assert loaded.release_id == manifest["release_id"]
    assert loaded.store.counts_per_graph() == manifest["graphs"]


def test_same_graph_gives_same_checksum(tmp_path: Path) -> None:
    a = write_release(small_store(), tmp_path / "a", {})
    b = write_release(small_store(), tmp_path / "b", {})
    assert a["sha256"] == b["sha256"]


def test_blank_nodes_do_not_change_the_checksum(tmp_path: Path) -> None:
    """RDF lists use blank nodes whose ids differ per process: canonicalisation hides that."""

    def with_list() -> EmbeddedStore:
        store = small_store()
        head, tail = ox.BlankNode(), ox.BlankNode()
        rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
        store.add_quads(
            [
                ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:chain"), head, G1),
                ox.Quad(head, ox.NamedNode(rdf + "first"), ox.NamedNode("urn:m1"), G1),
                ox.Quad(head, ox.NamedNode(rdf + "rest"), tail, G1),
                ox.Quad(tail, ox.NamedNode(rdf + "first"), ox.NamedNode("urn:m2"), G1),
                ox.Quad(tail, ox.NamedNode(rdf + "rest"), ox.NamedNode(rdf + "nil"), G1),
            ]
        )
        return store

    a = write_release(with_list(), tmp_path / "a", {})
    b = write_release(with_list(), tmp_path / "b", {})
    assert a["sha256"] == b["sha256"]
    assert load_release(tmp_path / "a").manifest["quads"] == 8


def test_tampered_release_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "rel"
    write_release(small_store(), out, {})
    with open(out / "graph.nq", "ab") as fh:
        fh.write(b'<urn:x> <urn:y> "z" .\n')
    with pytest.raises(ReleaseError, match="sha256"):
        load_release(out)


def test_manifest_counts_must_match(tmp_path: Path) -> None:
    out = tmp_path / "rel"
    write_release(small_store(), out, {})
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["quads"] = 99
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ReleaseError, match="counts"):
        load_release(out)


def test_missing_release_is_a_release_error(tmp_path: Path) -> None:
    with pytest.raises(ReleaseError):
        load_release(tmp_path / "nothing")


def test_failed_publication_leaves_the_previous_release(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "rel"
    first = write_release(small_store(), out, {})

    def boom(*args: object, **kwargs: object) -> str:
        raise OSError("disk full")

    monkeypatch.setattr(release_mod.json, "dumps", boom)
    bigger = small_store()
    bigger.add_quads([ox.Quad(ox.NamedNode("urn:n"), ox.NamedNode("urn:p"), ox.Literal("3"), G1)])
    with pytest.raises(OSError):
        write_release(bigger, out, {})
    assert load_release(out).release_id == first["release_id"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rel"]


def test_abandoned_temporary_directories_are_swept(tmp_path: Path) -> None:
    """A publication killed with SIGKILL leaves .<name>.<random>; the next one removes it
    once it is old, and leaves fresh ones (a concurrent publication) and the fallback alone."""
    out = tmp_path / "release"
    write_release(small_store(), out, {})
    stale = tmp_path / ".release.k1ll3d"
    fresh = tmp_path / ".release.running"
    fallback = release_mod.previous_dir(out)
    for d in (stale, fresh, fallback):
        d.mkdir()
        (d / "graph.nq").write_text("", encoding="utf-8")
    long_ago = time.time() - 2 * release_mod.STALE_TEMP_SECONDS
    for d in (stale, fallback):
        os.utime(d, (long_ago, long_ago))
    assert release_mod.sweep_stale_temps(out) == [stale]  # the fallback is never swept
    assert fresh.is_dir() and fallback.is_dir()
    stale.mkdir()
    os.utime(stale, (long_ago, long_ago))
    write_release(small_store(), out, {})  # publishing sweeps too
    assert not stale.exists() and fresh.is_dir()
    assert load_release(out).manifest["quads"] == len(small_store())


def test_triple_exports_are_the_union_and_datasets_keep_graphs() -> None:
    store = small_store()
    turtle = export_bytes(store, FORMATS["turtle"])
    g = Graph().parse(data=turtle, format="turtle")
    assert len(g) == 2  # the duplicated triple appears once in the union
    nt = Graph().parse(data=export_bytes(store, FORMATS["nt"]), format="nt")
    assert isomorphic(g, nt)
    jsonld = Graph().parse(data=export_bytes(store, FORMATS["jsonld"]), format="json-ld")
    assert isomorphic(g, jsonld)
    ds = Dataset()
    ds.parse(data=export_bytes(store, FORMATS["trig"]), format="trig")
    assert {str(c.identifier) for c in ds.graphs() if len(c)} == {G1.value, G2.value}


def whole_dataset_canonical(store: EmbeddedStore) -> bytes:
    """The reference: RDFC-1.0 over every quad of the store, lines sorted."""
    dataset = ox.Dataset(store.store)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    data = ox.serialize(dataset, format=ox.RdfFormat.N_QUADS) or b""
    return b"\n".join(sorted(line for line in data.split(b"\n") if line.strip())) + b"\n"


def test_canonicalizing_only_graphs_with_blank_nodes_gives_the_whole_datasets_bytes() -> None:
    """Blank nodes in two graphs (one shared by both), a default-graph quad, a blank graph
    name and plain graphs: the same bytes as canonicalizing the whole dataset."""
    store = small_store()
    shared, own = ox.BlankNode(), ox.BlankNode()
    p, g3 = ox.NamedNode("urn:p"), ox.NamedNode("urn:g3")
    store.add_quads(
        [
            ox.Quad(ox.NamedNode("urn:a"), p, shared, G1),
            ox.Quad(shared, p, ox.Literal("x"), g3),
            ox.Quad(own, p, shared, g3),
            ox.Quad(ox.NamedNode("urn:d"), p, ox.Literal("default")),
            ox.Quad(ox.NamedNode("urn:e"), p, ox.Literal("in a blank graph"), ox.BlankNode()),
        ]
    )
    data = release_mod.canonical_nquads(store)
    assert data == whole_dataset_canonical(store)
    assert b"_:c14n" in data and b"urn:g3" in data and b'"default"' in data


def test_publish_copy_of_a_release_directory_is_the_same_release(tmp_path: Path) -> None:
    first = tmp_path / "first"
    manifest = write_release(small_store(), first, {"x": ["a.ttl"]}, verified=True)
    copied = release_mod.publish_copy(load_release(first), tmp_path / "copy")
    assert copied == manifest
    loaded = load_release(tmp_path / "copy")
    assert loaded.manifest == manifest
    assert loaded.store.counts_per_graph() == manifest["graphs"]
    assert sorted(p.name for p in (tmp_path / "copy").iterdir()) == sorted(
        p.name for p in first.iterdir()
    )


def test_publish_copy_of_an_assembled_release_writes_it(tmp_path: Path) -> None:
    store = small_store()
    data = release_mod.canonical_nquads(store)
    built = release_mod.Release(
        store=store, manifest={"sources": {"x": ["a.ttl"]}}, path=None, nquads=data
    )
    manifest = release_mod.publish_copy(built, tmp_path / "rel", verified=True)
    assert "verified" in manifest and manifest["sources"] == {"x": ["a.ttl"]}
    assert (tmp_path / "rel" / "graph.nq").read_bytes() == data
    assert load_release(tmp_path / "rel").store.counts_per_graph() == manifest["graphs"]


def test_a_store_snapshot_is_removed_by_the_process_that_made_it_only(tmp_path: Path) -> None:
    """A forked server process inherits the release and its finalizer: letting the release go
    there (a reload) must leave the snapshot the other processes' workers read."""
    write_release(small_store(), tmp_path / "rel", {})
    release = load_release(tmp_path / "rel")
    snapshot = release.store_path
    assert snapshot is not None and snapshot.is_dir()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child ends in os._exit
        del release  # the finalizer runs here, in a process that did not make the snapshot
        os._exit(0 if snapshot.is_dir() else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert snapshot.is_dir()
    del release
    assert not snapshot.exists()


def test_a_directory_that_is_not_a_release_is_never_replaced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``pcfgraph build -o mydocs`` renamed the user's existing ``mydocs`` aside, put the
    release in its place and deleted the old one, files and all. Only an empty directory or
    a release (it has a manifest) may be replaced; anything else is refused before the build
    (exit 2), and nothing in it is touched."""
    from pcfgraph.cli import main
    from pcfgraph.cli.common import run_main
    from pcfgraph.errors import InputError

    mine = tmp_path / "mydocs"
    mine.mkdir()
    (mine / "thesis.txt").write_text("important", encoding="utf-8")
    with pytest.raises(InputError, match=r"mydocs.*not a pcfgraph release"):
        write_release(small_store(), mine, {})
    assert run_main(main, ["build", "-o", str(mine)]) == 2
    assert "not a pcfgraph release" in capsys.readouterr().err
    assert [p.name for p in mine.iterdir()] == ["thesis.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mydocs"]
    empty = tmp_path / "empty"
    empty.mkdir()
    write_release(small_store(), empty, {})  # a directory made for it
    again = write_release(small_store(), empty, {})  # and a release, replaced
    assert load_release(empty).release_id == again["release_id"]


def test_build_into_a_folder_that_cannot_be_made_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``pcfgraph build -o`` under a path that cannot be a folder (here under a regular file,
    which holds for root too; a read-only mount fails the same way) was 'internal error
    (FileNotFoundError ...) This is a bug', exit 3, after the whole build: now the usage error
    every other -o gives, before the build."""
    from pcfgraph.cli import main
    from pcfgraph.cli.common import run_main

    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    out = blocker / "releases" / "r1"
    assert run_main(main, ["build", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and "internal error" not in err
    assert f"cannot write -o {out}: Not a directory" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_concurrent_publications_of_one_directory_all_succeed(tmp_path: Path) -> None:
    """Two ``pcfgraph build -o rel`` at once (a cron job and an operator): each removed the
    other's fallback or renamed its release over it, and one failed ("cannot write -o rel:
    Directory not empty (.rel.old)"), with a moment when neither name held a release. The
    renames of publications into one directory now take turns."""
    import threading

    out = tmp_path / "rel"
    write_release(small_store(), out, {})
    writers = 4
    for _ in range(5):
        ready = threading.Barrier(writers)
        failures: list[BaseException] = []

        def fill(tmp: Path, ready: threading.Barrier = ready) -> dict[str, Any]:
            manifest = release_mod.copy_release_dir(out, tmp)
            ready.wait()  # every publication renames at the same moment
            return manifest

        def publish(failures: list[BaseException] = failures, fill: Any = fill) -> None:
            try:
                release_mod.publish_release_dir(out, fill)
            except OSError as exc:  # what a failed build printed
                failures.append(exc)

        threads = [threading.Thread(target=publish) for _ in range(writers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert failures == []
        assert load_release(out).manifest["quads"] == len(small_store())
        assert sorted(p.name for p in tmp_path.iterdir()) == ["rel"]


def test_a_copy_that_finds_no_room_names_the_file_it_wrote() -> None:
    """``pcfgraph build -o rel`` on a full disk copies the cached release's files (no hard
    link across file systems); the error named the cached file it read ("No space left on
    device (~/.cache/pcfgraph/releases/KEY/graph.nq)"), not the one under ``-o``."""
    import errno

    from pcfgraph.cli.graph_commands import _cannot_write

    # as shutil.copyfile's sendfile fails on a full disk: both files named
    failed = OSError(errno.ENOSPC, "No space left on device")
    failed.filename, failed.filename2 = "/cache/releases/k/graph.nq", "/srv/.rel.x/graph.nq"
    message = str(_cannot_write(Path("/srv/rel"), failed))
    assert message == "cannot write -o /srv/rel: No space left on device (/srv/.rel.x/graph.nq)"


def test_a_build_hung_up_while_it_publishes_leaves_no_temporary_release(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``pcfgraph build -o rel`` whose terminal closed (SIGHUP) or that was stopped (SIGTERM)
    while it wrote the new release was ended by the signal on the spot: its temporary
    ``.rel.<random>`` (the whole graph, store and index) stayed beside ``rel`` until a
    publication an hour later swept it. Now the build ends as interrupted (status 129, as a
    shell shows a hangup), its temporary release removed, the previous one in place."""
    import signal

    from pcfgraph.cli import main
    from pcfgraph.cli.common import run_main

    out = tmp_path / "rel"
    before = write_release(small_store(), out, {})
    real_copy = release_mod.copy_release_dir

    def hung_up(source: Path, tmp: Path) -> dict[str, Any]:
        manifest = real_copy(source, tmp)  # half done: the files are there, not yet renamed
        os.kill(os.getpid(), signal.SIGHUP)
        return manifest

    monkeypatch.setattr(release_mod, "copy_release_dir", hung_up)
    # a terminal's session: a hangup's default action (run under nohup, as a CI job may be,
    # the build keeps ignoring it, and this test would see it finish)
    given = signal.signal(signal.SIGHUP, signal.SIG_DFL)
    try:
        assert run_main(main, ["build", "-o", str(out)]) == 128 + signal.SIGHUP
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_DFL  # as it was
    finally:
        signal.signal(signal.SIGHUP, given)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rel"]
    assert load_release(out).release_id == before["release_id"]


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="no sysfs")
def test_build_into_a_folder_it_may_not_write_in_is_refused_before_the_build(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``pcfgraph build -o`` into an existing folder it may not write in (a read-only mount;
    here sysfs, which refuses root too) was refused only by the publication, after the whole
    build (minutes with ``--add`` workbooks to import): now before it."""
    from pcfgraph.cli import graph_commands, main
    from pcfgraph.cli.common import run_main

    def no_build(*args: object, **kwargs: object) -> Release:
        raise AssertionError("built before the folder was checked")

    monkeypatch.setattr(graph_commands, "open_release", no_build)
    out = Path("/sys/kernel/pcfgraph-release")
    assert run_main(main, ["build", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"pcfgraph: error: cannot write -o {out}: ") and err.count("\n") == 1
    assert not out.exists()


def test_the_import_pool_s_resource_tracker_ignores_a_hangup() -> None:
    """A terminal's hangup reaches the whole build: multiprocessing's resource tracker (the
    parallel import's helper) died with it, the build's cleanup relaunched it, and it printed
    a KeyError traceback per semaphore of the pool. It now ignores SIGHUP, as it ignores
    SIGINT and SIGTERM (checked in a process of its own: a tracker runs once per process)."""
    import signal
    import subprocess
    import sys

    script = (
        "import signal; signal.signal(signal.SIGHUP, signal.SIG_DFL)  # a terminal's, not nohup's\n"
        "from multiprocessing import resource_tracker as rt\n"
        "from pcfgraph.sources import tracker_spared_by_hangups\n"
        "tracker_spared_by_hangups()\n"
        "import signal; assert signal.getsignal(signal.SIGHUP) is signal.SIG_DFL  # as it was\n"
        "status = open(f'/proc/{rt._resource_tracker._pid}/status').read()\n"
        "print(next(line for line in status.splitlines() if line.startswith('SigIgn:')))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    ignored = int(done.stdout.split()[1], 16)
    assert ignored & (1 << (signal.SIGHUP - 1))
