"""pySHACL in a child process forked beside the parent's SPARQL checks
(pcfgraph.audit.shacl_process): the same report as an audit that keeps pySHACL in-process, the
child's errors and deaths reported in the parent, and no child outliving its use."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from typing import Any, ClassVar

import pytest
from audit_support import AS_OF, CONFORMING, FINDINGS, context, literal_focus_model

from pcfgraph.audit import Upload, audit, shacl_process
from pcfgraph.audit import engine as audit_engine
from pcfgraph.audit.engine import AuditOptions, Limits, parse_uploads
from pcfgraph.audit.report import AuditResult
from pcfgraph.audit.shacl_process import ShaclRun, can_fork

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the child is forked on Linux")


@pytest.fixture
def _only_main_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """:func:`can_fork` sees only the main thread, as in the CLI and a sandbox worker. A test
    process cannot promise that (earlier tests leave idle pool threads behind, xdist runs them
    in any order), so the thread count is the one thing set here; the children forked are real.
    """
    context()
    monkeypatch.setattr(shacl_process.threading, "active_count", lambda: 1)


def _all_children() -> set[int]:
    pid = os.getpid()
    with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as f:
        return {int(c) for c in f.read().split()}


_EARLIER: set[int] = set()


@pytest.fixture(autouse=True)
def _earlier_children() -> None:
    """Children this process had before the test (an earlier test's server or sandbox worker,
    when xdist runs it in the same process): not the audit's."""
    _EARLIER.clear()
    _EARLIER.update(_all_children())


def _children() -> list[int]:
    """Live child processes started since the test began."""
    return sorted(_all_children() - _EARLIER)


class _Recording(ShaclRun):
    """A ShaclRun that remembers whether it forked and how many findings it gave."""

    forks: ClassVar[list[bool]] = []
    found: ClassVar[list[int]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.forks.append(self.forked)

    def results(self) -> tuple[list[AuditResult], dict[str, float]]:
        out = super().results()
        self.found.append(len(out[0]))
        return out


def _report(name: str, data: bytes, parsed: Any, *, fork: bool) -> Any:
    """The report as JSON with its other parts (the model parsed once: blank nodes keep their
    labels between the two audits); ``fork``: the audit_fork setting."""
    options = AuditOptions(AS_OF, fork_shacl=fork)
    report = audit([Upload(name, data)], context(), parsed=parsed, options=options)
    doc = report.to_json_dict()
    doc["organisation"] = report.organisation
    doc["coverage"] = report.coverage
    doc["maturity"] = report.maturity
    return doc


@pytest.mark.parametrize(
    ("name", "data"),
    [
        (FINDINGS.name, FINDINGS.read_bytes()),
        (CONFORMING.name, CONFORMING.read_bytes()),
        ("literal-focus.ttl", literal_focus_model().encode()),
    ],
    ids=["findings", "conforming", "literal-focus"],
)
@pytest.mark.usefixtures("_only_main_thread")
def test_a_forked_audit_reports_exactly_what_an_in_process_audit_reports(
    monkeypatch: pytest.MonkeyPatch, name: str, data: bytes
) -> None:
    monkeypatch.setattr(audit_engine, "ShaclRun", _Recording)
    _Recording.forks, _Recording.found = [], []
    parsed = parse_uploads([Upload(name, data)], Limits())
    forked = _report(name, data, parsed, fork=True)
    in_process = _report(name, data, parsed, fork=False)
    assert _Recording.forks == [True, False]
    assert _Recording.found[0] == _Recording.found[1]
    assert _Recording.found[0] > 0 or name == CONFORMING.name  # pySHACL's findings came back
    assert forked == in_process  # the findings in the same order, every other part too
    assert _children() == []


def test_results_cross_the_pipe_intact() -> None:
    results = [
        AuditResult(
            focus_node='"12"^^<http://www.w3.org/2001/XMLSchema#int>',
            focus_label="12 \u00e9 \u201cquoted\u201d",
            path="^https://example.org/p",
            value=None,
            severity="Violation",
            message="line one\nline two",
            shape="https://example.org/Shape",
            source=None,
            hint="a hint",
            value_is_iri=True,
            component="http://www.w3.org/ns/shacl#DatatypeConstraintComponent",
            value_node="_:b0",
            group="https://example.org/Group",
            passage="It says \u2026",
        )
    ]
    run = ShaclRun(lambda: (results, {"shacl": 0.25}), fork=True)
    assert run.forked
    assert run.results() == (results, {"shacl": 0.25})
    assert _children() == []


def _raises_value_error() -> tuple[list[AuditResult], dict[str, float]]:
    raise ValueError("the shapes are broken")


def _runs_out_of_memory() -> tuple[list[AuditResult], dict[str, float]]:
    raise MemoryError("no room")


def _dies() -> tuple[list[AuditResult], dict[str, float]]:
    os._exit(3)  # runs in the child only


def _killed() -> tuple[list[AuditResult], dict[str, float]]:
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("unreachable")


def test_an_error_in_the_child_is_raised_in_the_parent() -> None:
    with pytest.raises(RuntimeError, match="ValueError: the shapes are broken"):
        ShaclRun(_raises_value_error, fork=True).results()
    with pytest.raises(MemoryError, match="no room"):  # the sandbox's memory-limit answer
        ShaclRun(_runs_out_of_memory, fork=True).results()
    assert _children() == []


def test_a_child_that_ends_without_an_answer_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="exit status 3"):
        ShaclRun(_dies, fork=True).results()
    with pytest.raises(RuntimeError, match=f"signal {int(signal.SIGKILL)}"):
        ShaclRun(_killed, fork=True).results()
    assert _children() == []


def _sleeps() -> tuple[list[AuditResult], dict[str, float]]:
    time.sleep(120)
    return [], {}


def test_cancel_stops_the_child_and_reaps_it() -> None:
    run = ShaclRun(_sleeps, fork=True)
    assert _children() != []
    run.cancel()
    assert _children() == []


@pytest.mark.usefixtures("_only_main_thread")
def test_an_audit_failing_in_the_parent_leaves_no_child(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a check failed")

    monkeypatch.setattr(audit_engine, "run_check", broken)
    monkeypatch.setattr(audit_engine, "ShaclRun", _Recording)
    _Recording.forks = []
    with pytest.raises(RuntimeError, match="a check failed"):
        audit(
            [Upload(FINDINGS.name, FINDINGS.read_bytes())], context(), options=AuditOptions(AS_OF)
        )
    assert _Recording.forks == [True]
    assert _children() == []


def test_no_fork_beside_another_python_thread() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert threading.active_count() > 1
        assert not can_fork()
        assert not ShaclRun(lambda: ([], {}), fork=None).forked
    finally:
        stop.set()
        thread.join()


@pytest.mark.usefixtures("_only_main_thread")
def test_the_audit_fork_setting_switches_the_child_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """``PCFGRAPH_AUDIT_FORK=0`` reaches the audit through Settings, and only there."""
    from pcfgraph.config import Settings

    monkeypatch.setattr(audit_engine, "ShaclRun", _Recording)
    _Recording.forks = []
    assert can_fork()
    for env, expected in (({}, True), ({"PCFGRAPH_AUDIT_FORK": "0"}, False)):
        fork = Settings.from_env(env).audit_fork
        assert fork is expected
        audit(
            [Upload(CONFORMING.name, CONFORMING.read_bytes())],
            context(),
            options=AuditOptions(AS_OF, fork_shacl=fork),
        )
    assert _Recording.forks == [True, False]
    assert _children() == []


_ORPHAN = textwrap.dedent(
    """
    import os, time
    from pcfgraph.audit.shacl_process import ShaclRun

    def sleeps():
        print(os.getpid(), flush=True)  # the child, past its start-up
        time.sleep(120)
        return [], {}

    run = ShaclRun(sleeps, fork=True)
    time.sleep(120)
    """
)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_the_child_dies_with_its_parent() -> None:
    """A sandbox worker killed at its deadline takes its SHACL child along."""
    with subprocess.Popen(
        [sys.executable, "-c", _ORPHAN], stdout=subprocess.PIPE, text=True
    ) as parent:
        try:
            assert parent.stdout is not None
            child = int(parent.stdout.readline())
            assert _alive(child)
        finally:
            parent.kill()
    deadline = time.monotonic() + 60  # a loaded machine may be slow to deliver the signal
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)


def test_the_child_drops_its_copy_of_the_statements_and_the_parent_keeps_its_own() -> None:
    """drop_in_child empties the list in the forked child (where pySHACL's data graph is built
    and the statements are no longer needed) and nowhere else: the parent's list, and the list
    of an audit that keeps pySHACL in-process, stay whole."""
    statements = [object() for _ in range(1000)]

    def work() -> tuple[list[AuditResult], dict[str, float]]:
        before = len(statements)
        shacl_process.drop_in_child(statements)
        return [], {"before": before, "after": len(statements)}

    run = ShaclRun(work, fork=True)
    assert run.forked
    assert run.results() == ([], {"before": 1000, "after": 0})
    assert len(statements) == 1000  # the parent's own list
    assert ShaclRun(work, fork=False).results() == ([], {"before": 1000, "after": 1000})
    assert len(statements) == 1000
