"""The rules an audit applies, loaded once (:class:`RuleSet`: a rule set of the one rule engine,
:mod:`pcfgraph.rules`, from the organisational-model shapes and checks) and the framework
triples pySHACL can observe with them (:class:`AuditContext`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib.term import Node

from pcfgraph import iris
from pcfgraph.audit.coverage import (
    checked_frameworks,
    curated_equivalences,
    default_coverage_roots,
)
from pcfgraph.audit.rules import load_checks, rules_digest, shape_files
from pcfgraph.audit.terms import Triple, _has_quoted, _triple
from pcfgraph.rules.engine import load_shacl_engine
from pcfgraph.rules.ruleset import RuleSet as CoreRuleSet
from pcfgraph.rules.ruleset import observed_predicates
from pcfgraph.store import EmbeddedStore

__all__ = ["AuditContext", "RuleSet", "observed_predicates", "shacl_framework_subset"]


class RuleSet(CoreRuleSet):
    """The audit's rule set: the organisational-model shapes and checks by default."""

    @classmethod
    def load(
        cls, shapes: Sequence[Path] | None = None, checks: Sequence[Path] | None = None
    ) -> RuleSet:
        return cls.build(shape_files() if shapes is None else shapes, load_checks(checks))


@dataclass
class AuditContext:
    """The framework side of every audit, built once per served release (or worker)."""

    #: The release store the ontology and framework quads are read from when needed (a list of
    #: them, ~70,000 quad objects at the whole PCF, cost ~35 MB in each audit process).
    source: ox.Store
    #: The framework triples pySHACL needs (see :func:`shacl_framework_subset`).
    shacl_triples: tuple[Triple, ...]
    rules: RuleSet
    #: Elements the coverage section reports on: (key, title, root IRI, deepest level).
    coverage_roots: list[tuple[str, str, str, int]] = field(default_factory=list)
    #: Curated positive exact/close mappings, both ways: element -> mapped elements
    #: (coverage "via mapping").
    equivalences: dict[str, set[str]] = field(default_factory=dict)
    #: The framework editions of the release ({"id", "title", "version"}): the report's
    #: ``checkedAgainst``.
    frameworks: list[dict[str, str | None]] = field(default_factory=list)
    #: The sha256 of the rule files the context's rules were loaded from (:func:`rules_digest`).
    rules_sha256: str | None = None

    @classmethod
    def from_store(cls, store: EmbeddedStore | ox.Store) -> AuditContext:
        ox_store = store.store if isinstance(store, EmbeddedStore) else store
        rules = RuleSet.load()
        load_shacl_engine()  # once per context (worker), not inside the first audit
        context = cls(
            source=ox_store,
            shacl_triples=shacl_framework_subset(_framework_quads(ox_store), rules),
            rules=rules,
            coverage_roots=default_coverage_roots(),
            equivalences=curated_equivalences(EmbeddedStore(ox_store)),
            frameworks=checked_frameworks(EmbeddedStore(ox_store)),
            rules_sha256=rules_digest(),
        )
        _prepare(context)
        return context

    def checked_against(self, release_id: str | None) -> dict[str, Any]:
        """What a report says it was checked against (JSON ``checkedAgainst``): the pcfgraph
        version, the release's id, its framework editions and the sha256 of the rules."""
        from importlib.metadata import PackageNotFoundError, version

        try:
            pcfgraph: str | None = version("pcfgraph")
        except PackageNotFoundError:  # a checkout run without installing it
            pcfgraph = None
        frameworks = [dict(f) for f in self.frameworks]
        return {
            "pcfgraph": pcfgraph,
            "release": release_id,
            "frameworks": frameworks,
            "rules": self.rules_sha256,
        }

    def read_quads(self) -> Iterator[ox.Quad]:
        """The ontology and framework quads, read from the release store as they are used."""
        return _framework_quads(self.source)


def _framework_quads(store: ox.Store) -> Iterator[ox.Quad]:
    """The ontology and framework quads in the store's order, one at a time: the audit
    context reads them three times (pySHACL's subset, the framework store, the vocabulary)
    and a list of them, ~70,000 quad objects at the whole PCF, took ~40 MB while it lived and
    left ~20 MB of the context's heap behind it after it was freed (in every audit process)."""
    keep = str(iris.ontology_graph())
    prefix = str(iris.framework_graph("x"))[:-1]
    for q in store:
        graph = q.graph_name
        if isinstance(graph, ox.NamedNode) and (
            graph.value == keep or graph.value.startswith(prefix)
        ):
            yield q


def _prepare(context: AuditContext) -> None:
    """What every audit with the context reads, built with it rather than in the first audit:
    the framework's pyoxigraph store and the vocabulary unknown terms are looked up in."""
    from pcfgraph.audit.framework_store import framework_store
    from pcfgraph.audit.inputs.terms import vocabulary_for

    framework_store(context)
    vocabulary_for(context)


def shacl_framework_subset(
    quads: Iterable[ox.Quad], rules: RuleSet, *, every_shape: bool = False
) -> tuple[Triple, ...]:
    """The framework and ontology triples core SHACL can observe with the shapes pySHACL
    validates with (``every_shape``: with every core-SHACL shape, as a core SHACL engine would), so
    the findings are the same as with the whole framework graph (see
    :func:`observed_predicates`)."""
    keep = (
        observed_predicates(rules.core_shape_triples) if every_shape else rules.observed_predicates
    )
    cache: dict[Any, Node] = {}
    out: list[Triple] = []
    for q in quads:
        if _has_quoted(q):
            continue
        if keep is None or q.predicate.value in keep:
            out.append(_triple(q, cache))
    return tuple(out)
