"""Unknown terms: a mistyped vocabulary term or framework code, with "did you mean ...?".

A model that says ``orgm:purchasr`` or implements ``apqc:20365`` is not wrong in RDF, but every
rule that looks for ``orgm:purchaser`` or a real PCF element silently stops seeing it, so the
report would mislead. Every IRI of the model vocabulary's namespace that the vocabulary does not
define, and every framework IRI (APQC PCF elements and measures, PRM-IT, IT-CMF, TRIM) that the
served frameworks do not hold, is a model-validity finding naming the closest defined terms
(edit distance; a PCF hierarchy number such as ``8.1.3`` is matched to the element that has it).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import unquote

import pyoxigraph as ox

from pcfgraph import iris
from pcfgraph.audit.inputs.framework_codes import code_text
from pcfgraph.audit.inputs.model import ParsedModel, finding
from pcfgraph.audit.inputs.sheets import SHEETS
from pcfgraph.audit.report import AuditReport, AuditResult, node_text

_ORGM = str(iris.ORGM)
_FRAMEWORK_PREFIXES = tuple(iris.ID_BASE + p for p in ("apqc-pcf/", "prm-it/", "it-cmf/", "trim/"))
_ITCMF = str(iris.itcmf(""))
_NOTATION = ox.NamedNode(str(iris.SKOS.notation))
_PREF_LABEL = ox.NamedNode(str(iris.SKOS.prefLabel))
_RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")


def _parent(iri: str) -> tuple[str, str]:
    head, _, local = iri.rpartition("/")
    return head + "/", local


def edit_distance(a: str, b: str, limit: int | None = None) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and swaps of
    two neighbouring characters (the commonest typo, ``20365`` for ``20635``) each cost 1.

    ``limit``: the caller only needs to know whether the distance is at most ``limit``; once
    two consecutive rows are all above it (a swap looks back two rows) the distance cannot
    come back down, and ``limit + 1`` is returned."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if limit is not None and min(cur) > limit and min(prev) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def closest(word: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """Up to ``n`` candidates close to ``word``: within an edit distance of a third of its
    length (at least 1), nearest first; ties go to the same letters in another order (a swap),
    then to similarity, then to the name."""
    limit = max(1, len(word) // 3)
    scored = []
    for c in candidates:
        if abs(len(c) - len(word)) > limit:
            continue
        d = edit_distance(word, c, limit)
        if d <= limit:
            same_letters = sorted(c) == sorted(word)  # a swap beats a different character
            scored.append((d, not same_letters, -difflib.SequenceMatcher(None, word, c).ratio(), c))
    return [c for *_, c in sorted(scored)[:n]]


def by_name(name: str, named: dict[str, str], n: int) -> list[str]:
    """The IRI of the element called ``name`` in ``named`` (case-folded label -> IRI), else of
    up to ``n`` called nearly so (:func:`closest`)."""
    wanted = name.strip().casefold()
    if wanted in named:
        return [named[wanted]]
    return [named[c] for c in closest(wanted, named, n)]


@dataclass
class Vocabulary:
    """The defined model terms and the framework IRIs that exist, with what suggestions need."""

    terms: frozenset[str] = frozenset()
    framework: frozenset[str] = frozenset()
    #: parent path -> local names of the framework IRIs under it
    siblings: dict[str, list[str]] = field(default_factory=dict)
    #: (parent path, skos:notation) -> IRI
    notations: dict[tuple[str, str], str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    _coded_names: dict[str, dict[str, str]] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_quads(cls, quads: Iterable[ox.Quad]) -> Vocabulary:
        terms: set[str] = set()
        framework: set[str] = set()
        siblings: dict[str, list[str]] = {}
        notations: dict[tuple[str, str], str] = {}
        labels: dict[str, str] = {}
        for q in quads:
            s = q.subject
            if not isinstance(s, ox.NamedNode):
                continue
            v = s.value
            if v.startswith(_ORGM):
                terms.add(v)
            elif v.startswith(_FRAMEWORK_PREFIXES):
                if v not in framework:
                    framework.add(v)
                    parent, local = _parent(v)
                    siblings.setdefault(parent, []).append(local)
                if isinstance(q.object, ox.Literal):
                    if q.predicate == _NOTATION:
                        notations.setdefault((_parent(v)[0], q.object.value), v)
                    elif q.predicate in (_PREF_LABEL, _RDFS_LABEL) and q.object.language in (
                        None,
                        "",
                        "en",
                    ):
                        labels.setdefault(v, q.object.value)
        return cls(frozenset(terms), frozenset(framework), siblings, notations, labels)

    def suggest(self, iri: str, n: int = 3, *, prefer_property: bool = False) -> list[str]:
        """The closest defined IRIs (best first); for a vocabulary term case is ignored and
        properties (lower-case initial) or classes and kinds come first as asked."""
        if iri.startswith(_ORGM):
            local = iri[len(_ORGM) :]
            names: dict[str, list[str]] = {}
            for t in sorted(self.terms):
                names.setdefault(t[len(_ORGM) :].lower(), []).append(t)
            terms = [t for c in closest(local.lower(), names, n) for t in names[c]]
            terms.sort(key=lambda t: t[len(_ORGM)].islower() != prefer_property)
            return terms[:n]
        parent, local = _parent(iri)
        out: list[str] = []
        by_notation = self.notations.get((parent, local))
        if by_notation:
            out.append(by_notation)
        for c in closest(local, self.siblings.get(parent, []), n):
            if parent + c not in out:
                out.append(parent + c)
        if not out and "%20" in local:  # a name where the code goes: the elements so called
            out = self._by_label(parent, unquote(local), n)
        if not out and iri.startswith(_ITCMF):  # a short path ('3.2'): the full ones ending in it
            out = self._by_tail(iri[len(_ITCMF) :], n)
        return out[:n]

    def _by_tail(self, short: str, n: int) -> list[str]:
        """The IT-CMF IRIs whose last steps are ``short`` ('3.2': SRP/A2/practice/3.2), else
        are nearly so (:func:`closest`): '3.10', which has no practice, had no suggestion while
        '3.1' had SRP/A2/practice/3.1, one character away."""
        steps = short.count("/") + 1
        tails: dict[str, list[str]] = {}
        for f in sorted(f for f in self.framework if f.startswith(_ITCMF)):
            tails.setdefault("/".join(f[len(_ITCMF) :].split("/")[-steps:]), []).append(f)
        if short in tails:
            return tails[short]
        return [f for c in closest(short, tails, n) for f in tails[c]]

    def _by_label(self, parent: str, name: str, n: int) -> list[str]:
        named = {
            self.labels[parent + c].casefold(): parent + c
            for c in self.siblings.get(parent, [])
            if parent + c in self.labels
        }
        return by_name(name, named, n)

    def coded_names(self, scheme: str) -> dict[str, str]:
        """Case-folded label -> IRI of the elements a code of ``scheme`` names (made once per
        scheme: every finding of a name typed where a code goes asks)."""
        named = self._coded_names.get(scheme)
        if named is None:
            named = self._coded_names[scheme] = {
                label.casefold(): iri
                for iri, label in self.labels.items()
                if code_text(iri, scheme) != iri
            }
        return named

    def describe(self, iri: str) -> str:
        """How a suggestion is shown: ``orgm:purchaser``; ``20617 (Define ...)``; ``SRP/A2/practice/3.2 (...)``."""
        if iri.startswith(_ORGM):
            return "orgm:" + iri[len(_ORGM) :]
        path = code_text(iri, "itcmf")  # an IT-CMF path as the column takes it: SRP/A2/...
        local = path if path != iri else _parent(iri)[1]
        label = self.labels.get(iri)
        return f"{local} ({label})" if label else local

    def is_unknown(self, iri: str) -> bool:
        if iri.startswith(_ORGM):
            return iri not in self.terms
        if iri.startswith(_FRAMEWORK_PREFIXES):
            return iri not in self.framework
        return False


def _short(iri: str) -> str:
    if iri.startswith(_ORGM):
        return "orgm:" + iri[len(_ORGM) :]
    return iri.removeprefix(iris.ID_BASE)


def unknown_terms(
    triples: Iterable[ox.Triple | ox.Quad], vocabulary: Vocabulary
) -> list[AuditResult]:
    """One finding per (node, unknown term) the node uses (as property, type or value)."""
    seen: set[tuple[str, str, str]] = set()
    out: list[AuditResult] = []
    # the same unknown term is usually used by many nodes (a planted code on every process):
    # its suggestions are searched once (each search compares it with thousands of codes)
    suggested: dict[tuple[str, bool], list[str]] = {}
    # a model uses few distinct IRIs many times: each is looked up once
    unknown: dict[ox.NamedNode, bool] = {}
    for t in triples:
        for term, role in ((t.predicate, "property"), (t.object, "value")):
            if not isinstance(term, ox.NamedNode):
                continue
            is_unknown = unknown.get(term)
            if is_unknown is None:
                is_unknown = unknown[term] = vocabulary.is_unknown(term.value)
            if not is_unknown:
                continue
            focus = node_text(t.subject) or ""
            key = (focus, t.predicate.value, term.value)
            if key in seen:
                continue
            seen.add(key)
            wanted = (term.value, role == "property")
            suggestions = suggested.get(wanted)
            if suggestions is None:
                suggestions = suggested[wanted] = vocabulary.suggest(
                    term.value, prefer_property=wanted[1]
                )
            kind = "framework element" if term.value.startswith(_FRAMEWORK_PREFIXES) else "term"
            detail = f"{_short(term.value)} is not a defined {kind}"
            if role == "value" and t.predicate.value.endswith("#type"):
                detail = f"{_short(term.value)} is not a defined class"
            if suggestions:
                detail += "; did you mean " + " or ".join(
                    vocabulary.describe(s) for s in suggestions
                )
                detail += "?"
            else:
                detail += "."
            out.append(
                finding(
                    "unknown-term",
                    focus,
                    detail,
                    path=t.predicate.value,
                    value=term.value,
                )
            )
    return out


_CACHE_ATTR = "_pcfgraph_inputs_vocabulary"


def vocabulary_for(context: Any) -> Vocabulary:
    """The context's :class:`Vocabulary`, built on first use and kept with the context (one per
    served release or worker)."""
    cached = getattr(context, _CACHE_ATTR, None)
    if isinstance(cached, Vocabulary):
        return cached
    vocabulary = Vocabulary.from_quads(context.read_quads())
    setattr(context, _CACHE_ATTR, vocabulary)
    return vocabulary


def own_findings(model: ParsedModel, context: Any) -> list[AuditResult]:
    """The model's own findings (bad cells, unknown terms), labelled: they need the model and
    the context only, so an audit finds them while pySHACL runs."""
    vocabulary = vocabulary_for(context)
    extra = [_code_by_name(r, vocabulary) for r in model.findings]
    extra.extend(unknown_terms(model.triples, vocabulary))
    if extra:
        labels = _labels(model.triples)
        extra = [
            # a node the model does not name is left to the report's labeller, which names a blank
            # node by what refers to it ("Evidence of <claim>"), as the other findings do
            replace(r, focus_label=labels.get(r.focus_node, r.focus_label))
            if not r.focus_label
            else r
            for r in extra
        ]
    return extra


def located_findings(report: AuditReport, model: ParsedModel) -> list[AuditResult]:
    """The report's results (the model's own findings, :func:`own_findings`, among them),
    each with its location in the user's file where it is known; sets the report's
    not-used-by-the-audit list for ArchiMate models."""
    if model.unused is not None:
        report.unused = list(model.unused)
    return [model.sources.locate(r) for r in report.results]


_NAME_PROPS = (
    "http://www.w3.org/2000/01/rdf-schema#label",
    str(iris.FOAF.name),
    str(iris.SKOS.prefLabel),
)


def _labels(triples: Iterable[ox.Triple | ox.Quad]) -> dict[str, str]:
    out: dict[str, str] = {}
    for t in triples:
        if t.predicate.value in _NAME_PROPS and isinstance(t.object, ox.Literal):
            out.setdefault(node_text(t.subject) or "", t.object.value)
    return out


#: The framework-code columns of the workbook: predicate -> scheme (see ``framework_codes.code_iri``).
_CODE_SCHEMES: dict[str, str] = {
    c.predicate: c.scheme
    for sheet in SHEETS
    for c in sheet.columns
    if c.kind in ("code", "codes") and c.predicate and c.scheme
}


def _code_by_name(r: AuditResult, vocabulary: Vocabulary) -> AuditResult:
    """A framework element typed by its name where its code goes ('Relationship Management' for
    a building block, 'Maintain IT services catalog' for a PCF ID) was "not a code" and no
    more: the finding now names the codes of the elements so called, or so nearly."""
    scheme = _CODE_SCHEMES.get(r.path or "")
    if not scheme or not r.value or not r.message.endswith(" is not a code."):
        return r
    found = by_name(r.value, vocabulary.coded_names(scheme), 2)
    if not found:
        return r
    codes = " or ".join(f"{code_text(i, scheme)} ({vocabulary.labels[i]})" for i in found)
    return replace(r, message=f"{r.message[:-1]}; did you mean {codes}?")
