"""The framework store kept with an audit context (pcfgraph.audit.framework_store): an audit
that reuses it reports exactly what an audit with a fresh store reports, and never sees the
model of an audit before it."""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
import pytest
from audit_support import AS_OF, CONFORMING, FINDINGS, context

from pcfgraph.audit import Upload, audit
from pcfgraph.audit.engine import AuditOptions, Limits, parse_uploads
from pcfgraph.audit.framework_store import FrameworkStore, framework_store
from pcfgraph.audit.terms import UPLOAD_GRAPH

EX = "https://example.org/leak/"


def _comparable(report: Any) -> dict[str, Any]:
    """The report as JSON, findings as a set, with the organisation it names."""
    doc = report.to_json_dict()
    doc["results"] = sorted(repr(sorted(r.items())) for r in doc["results"])
    doc["organisation"] = report.organisation
    return doc


def _parsed(path: Any) -> Any:
    return parse_uploads([Upload(path.name, path.read_bytes())], Limits())


def _audit(path: Any, parsed: Any) -> Any:
    return audit(
        [Upload(path.name, path.read_bytes())],
        context(),
        parsed=parsed,
        options=AuditOptions(AS_OF),
    )


def _fresh(path: Any, parsed: Any) -> Any:
    """The audit with a store of its own: while the context's store is lent, every audit
    gets a fresh store (the behaviour before the store was kept)."""
    with framework_store(context()).lend([]):
        return _audit(path, parsed)


@pytest.mark.parametrize(("first", "second"), [(FINDINGS, CONFORMING), (CONFORMING, FINDINGS)])
def test_an_audit_after_another_reports_what_a_fresh_store_reports(first: Any, second: Any) -> None:
    expected = _comparable(_fresh(second, model := _parsed(second)))
    _audit(first, _parsed(first))
    assert _comparable(_audit(second, model)) == expected
    assert _comparable(_audit(second, model)) == expected  # and again, after itself


def test_the_reports_differ_so_a_leak_would_show() -> None:
    findings = _comparable(_fresh(FINDINGS, _parsed(FINDINGS)))
    conforming = _comparable(_fresh(CONFORMING, _parsed(CONFORMING)))
    assert findings["results"] != conforming["results"]
    assert findings["counts"] != conforming["counts"]


def _quads(n: int) -> list[ox.Quad]:
    return [
        ox.Quad(
            ox.NamedNode(f"{EX}f{i}"),
            ox.NamedNode(EX + "p"),
            ox.Literal(str(i)),
            ox.NamedNode(EX + "g"),
        )
        for i in range(n)
    ]


def _upload(tag: str) -> list[ox.Triple]:
    return [ox.Triple(ox.NamedNode(f"{EX}{tag}"), ox.NamedNode(EX + "p"), ox.Literal(tag))]


def test_the_upload_is_gone_after_the_audit_even_when_it_fails() -> None:
    framework = _quads(3)
    store = FrameworkStore(framework)
    with store.lend(_upload("a")) as lent:
        assert len(lent) == 4
        assert {
            q.subject.value for q in lent.quads_for_pattern(None, None, None, UPLOAD_GRAPH)
        } == {EX + "a"}
    with pytest.raises(RuntimeError), store.lend(_upload("b")) as lent:
        raise RuntimeError("the audit failed half-way")
    with store.lend(_upload("c")) as lent:
        assert sorted(q.subject.value for q in lent) == sorted(
            [*(q.subject.value for q in framework), EX + "c"]
        )


def test_a_second_audit_at_once_gets_a_store_of_its_own() -> None:
    store = FrameworkStore(_quads(2))
    with store.lend(_upload("a")) as first, store.lend(_upload("b")) as second:
        assert first is not second
        assert {
            q.subject.value for q in first.quads_for_pattern(None, None, None, UPLOAD_GRAPH)
        } == {EX + "a"}
        assert {
            q.subject.value for q in second.quads_for_pattern(None, None, None, UPLOAD_GRAPH)
        } == {EX + "b"}
        assert len(first) == len(second) == 3
    with store.lend(_upload("c")) as third:
        assert third is first  # the kept store is lent again once it is back
        assert len(third) == 3


def test_the_store_is_refilled_once_uploads_outgrow_the_framework() -> None:
    """A cleared graph's terms stay in pyoxigraph's memory: after uploads as large as the
    framework the store is filled afresh (the framework, nothing else)."""
    framework = _quads(3)
    store = FrameworkStore(framework)
    with store.lend(_upload("a")) as first:
        pass
    big = [t for tag in "bcde" for t in _upload(tag)]  # more statements than the framework
    with store.lend(big) as second:
        assert second is first and len(second) == 7
    with store.lend(_upload("f")) as third:
        assert third is not first  # refilled
        assert sorted(q.subject.value for q in third) == sorted(
            [*(q.subject.value for q in framework), EX + "f"]
        )


def test_the_context_reads_the_framework_from_the_release_store_and_keeps_no_copy() -> None:
    """The framework quads are read from the release store when a store is filled; neither the
    context nor its framework store keeps a list of them (~35 MB in each audit process)."""
    ctx = context()
    framework = set(ctx.read_quads())
    graphs = {q.graph_name for q in framework}
    assert framework and all(isinstance(g, ox.NamedNode) for g in graphs)
    assert framework == {q for q in ctx.source if q.graph_name in graphs}
    kept = framework_store(ctx)
    with kept.lend([]) as store:
        assert set(store) == framework
    held = [*vars(ctx).values(), *vars(kept).values()]
    assert not any(isinstance(v, (list, tuple)) and len(v) >= len(framework) for v in held)
