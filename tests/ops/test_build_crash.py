"""SIGKILL the real ``pcfgraph build`` mid-publication: the last good release stays served.

Unlike ``test_publish_crash.py`` (which runs the publication code in a scripted subprocess),
this runs the installed console script, ``pcfgraph build -o DIR`` (on a small sources file), over a
directory that already holds an older good release (the ops fixture). A watcher polls DIR's
parent and sends SIGKILL the moment the publication reaches a given phase: its temp directory
``.DIR.*`` appears (graph.nq being written), the manifest appears in it, the old release is
moved aside (``.DIR.old``), or a small random delay after the temp directory appears. The
builds run concurrently, one directory each.

After every kill: ``load_release(DIR)`` returns a verified release (sha256 and counts), and a
server started on DIR (``create_app`` with ``Settings(release=DIR)``) answers ``/ready`` with
it. Then an unkilled ``pcfgraph build`` over each directory's debris publishes the new release;
every release seen after a kill was the old or that new one, never a half-written one, and
kills before the switch (old release kept) were exercised.
"""

from __future__ import annotations

import functools
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from ops_support import publish

from pcfgraph import queries
from pcfgraph.config import Settings
from pcfgraph.release import GRAPH_FILE, MANIFEST_FILE, load_release, previous_dir
from pcfgraph.serving import create_app

TIMEOUT = 90.0  # per build, generous for a loaded CI machine (a build takes ~1.5 s)


#: What the builds assemble: the shipped 8.1 extract only (``--sources``, include_default off).
#: The test is about publication, not data; the shipped default (the whole PCF) would make each
#: of the concurrent builds forty times bigger.
SOURCES = Path(__file__).resolve().parents[1] / "fixtures" / "build-crash-sources.yaml"


def build_command(out: Path) -> list[str]:
    """The installed ``pcfgraph`` console script (``pcfgraph.cli:entry``), else the same entry."""
    args = ["build", "--sources", str(SOURCES), "-o", str(out)]
    script = Path(sys.executable).with_name("pcfgraph")
    if script.is_file():
        return [str(script), *args]
    return [sys.executable, "-c", "from pcfgraph.cli import entry; entry()", *args]


def temp_dirs(out: Path) -> list[Path]:
    """The publication's temp directories beside ``out`` (``.NAME.xxxx``, not ``.NAME.old``)."""
    old = previous_dir(out).name
    return [
        p
        for p in out.parent.iterdir()
        if p.name.startswith(f".{out.name}.") and p.name != old and p.is_dir()
    ]


def moment_temp_dir(out: Path) -> bool:
    return bool(temp_dirs(out))


def moment_graph_file(out: Path) -> bool:
    return any((t / GRAPH_FILE).exists() for t in temp_dirs(out))


def moment_manifest(out: Path) -> bool:
    return any((t / MANIFEST_FILE).exists() for t in temp_dirs(out))


def moment_old_aside(out: Path) -> bool:
    return previous_dir(out).exists() or not out.exists()


@dataclass
class Run:
    name: str
    out: Path
    moment: Callable[[Path], bool] | None  # kill when this holds (None: never)
    delay: float = 0.0  # seconds between the moment and the kill
    proc: subprocess.Popen[str] | None = None
    killed: bool = False
    mid_publication: bool = False  # a temp dir or the moved-aside release existed at the kill
    stdout: str = ""


def env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("PCFGRAPH_")}


def start(run: Run, cwd: Path) -> None:
    run.proc = subprocess.Popen(
        build_command(run.out),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=cwd,
        env=env(),
    )


def watch(run: Run) -> None:
    """Poll for the run's moment; SIGKILL the build then (no cleanup, like a power cut)."""
    assert run.proc is not None
    deadline = time.monotonic() + TIMEOUT
    while run.moment is not None and run.proc.poll() is None and time.monotonic() < deadline:
        if run.moment(run.out):
            if run.delay:
                time.sleep(run.delay)
            run.mid_publication = bool(temp_dirs(run.out)) or moment_old_aside(run.out)
            if run.proc.poll() is None:
                run.proc.send_signal(signal.SIGKILL)
                run.killed = True
            break
        time.sleep(0.0005)
    run.stdout, _ = run.proc.communicate(timeout=TIMEOUT)


def run_all(runs: list[Run], cwd: Path) -> None:
    for run in runs:
        start(run, cwd)
    watchers = [threading.Thread(target=watch, args=(run,)) for run in runs]
    for w in watchers:
        w.start()
    for w in watchers:
        w.join(TIMEOUT + 10)
    for run in runs:
        if run.proc is not None and run.proc.poll() is None:  # pragma: no cover - hung build
            run.proc.kill()
            run.proc.wait()


def released_id(stdout: str) -> str:
    match = re.search(r"^release ([0-9a-f]{16}):", stdout, re.MULTILINE)
    assert match, stdout
    return match.group(1)


def ready_release(out: Path) -> str:
    """Start a server on ``out`` as a restart would and ask it whether it is ready."""
    client = TestClient(create_app(Settings(release=out)))
    r = client.get("/ready")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "ready"
    return str(r.json()["release_id"])


def test_sigkill_of_pcfgraph_build_mid_publication_keeps_the_last_good_release(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every create_app syntax-checks the same named queries with rdflib's slow parser (~1 s);
    # the result cannot differ between the servers started here, so check each text once.
    monkeypatch.setattr(queries, "check_syntax", functools.cache(queries.check_syntax))
    rng = random.Random(5)
    moments: list[tuple[str, Callable[[Path], bool], float]] = [
        ("temp dir appears", moment_temp_dir, 0.0),  # graph.nq being written
        ("manifest appears", moment_manifest, 0.0),  # before the fsyncs and renames
        ("old release moved aside", moment_old_aside, 0.0),  # between or after the renames
        ("random delay after temp dir", moment_temp_dir, rng.uniform(0.0005, 0.01)),
    ]
    runs = []
    old = ""
    for i, (name, moment, delay) in enumerate(moments):
        out = tmp_path / f"d{i}" / "rel"
        rid = publish(out)  # the last good release: the ops fixture
        old = old or rid
        assert rid == old
        runs.append(Run(name, out, moment, delay))
    run_all(runs, tmp_path)

    after_kill: dict[str, str] = {}
    for run in runs:
        assert run.proc is not None
        # (a build that finished before its moment was seen exits 0; it does not count below)
        expected = -signal.SIGKILL if run.killed else 0
        assert run.proc.returncode == expected, (run.name, run.stdout)
        rid = load_release(run.out).release_id  # verifies sha256 and counts, or raises
        assert ready_release(run.out) == rid, run.name  # a restart serves that release
        after_kill[run.name] = rid

    # The next build over whatever each kill left behind publishes the new release.
    again = [Run(f"rebuild after {r.name}", r.out, None) for r in runs]
    run_all(again, tmp_path)
    new = released_id(again[0].stdout)
    assert new != old
    for run in again:
        assert run.proc is not None and run.proc.returncode == 0, (run.name, run.stdout)
        assert released_id(run.stdout) == new
        assert load_release(run.out).release_id == new
        assert (run.out / MANIFEST_FILE).is_file()
        # A kill between the two renames leaves `.DIR.old` as the only release; the build that
        # follows keeps it until the next publication (release.write_release). It is intact.
        if previous_dir(run.out).exists():
            assert load_release(previous_dir(run.out)).release_id in {old, new}

    outcomes = {
        r.name: f"{'mid-publication' if r.mid_publication else 'after publication'} -> "
        f"{'old' if after_kill[r.name] == old else 'new' if after_kill[r.name] == new else '?'}"
        for r in runs
    }
    assert set(after_kill.values()) <= {old, new}, outcomes  # never a half-written release
    # How many kills land inside publication is a race (a build hard-links its files from the
    # release cache, so publication is short); the invariant above holds for every kill, and at
    # least one kill must have landed mid-publication for the test to have exercised it.
    assert sum(r.mid_publication for r in runs) >= 1, outcomes
    assert old in after_kill.values(), outcomes  # kills before the switch were exercised
