"""Candidate mappings for what the curated sets do not decide yet (``pcfgraph mappings suggest``).

The default model is lexical and needs nothing beyond the standard library: BM25 over each
target element's name (counted twice), definition and parent name, queried with the source
element's name and definition, blended with a fuzzy name similarity (difflib's ratio). Scores
are in [0, 1] and become the suggestion's ``confidence``. ``chain`` evidence (the curated
mappings of *other* sets that lead from S to T through a third framework) can be added: the
``hybrid`` model. Pairs already decided (a curated mapping or negative in either direction,
or a NoTermFound for the source towards the target framework, made on the element or, one
that holds, inherited from another APQC edition of its PCF ID) are never suggested, nor is a
target element decided so towards the source's framework.

Suggestions are written as SSSOM/TSV with ``mapping_justification semapv:LexicalMatching``,
``predicate_id skos:relatedMatch`` (a candidate, not a claimed strength), the score as
``confidence`` and ``similarity_score``, and a ``record_id`` that ``pcfgraph mappings review``
accepts or rejects by.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from pcfgraph import iris
from pcfgraph.errors import InputError
from pcfgraph.mappings.similarity import BM25, Fuzzy, stems, tokens
from pcfgraph.mappings.sssom_cells import cell
from pcfgraph.queries import QueryCatalog
from pcfgraph.store import GraphStore

MODELS = ("lexical", "fuzzy", "hybrid", "semantic")
SUGGESTED_SET = "suggested"


@dataclass(frozen=True)
class Item:
    """An element as the suggester sees it."""

    iri: str
    framework: str
    name: str
    definition: str = ""
    parent_name: str = ""
    #: Names of the element's children, outcomes and metrics (what it is made of).
    context: str = ""
    parent: str = ""


@dataclass(frozen=True)
class Suggestion:
    subject: Item
    object: Item
    score: float
    lexical: float
    fuzzy: float
    chain: float = 0.0

    @property
    def key(self) -> str:
        text = f"{self.subject.iri}|{self.object.iri}"
        return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def _target_doc(t: Item) -> list[str]:
    return tokens(t.name) * 2 + tokens(t.definition) + tokens(t.parent_name) + tokens(t.context)


def _sentence(item: Item) -> str:
    return f"{item.name}. {item.definition}".strip()


def _query(s: Item) -> list[str]:
    return tokens(s.name) * 2 + tokens(s.definition) + tokens(s.context)


def rank(
    sources: Sequence[Item],
    targets: Sequence[Item],
    *,
    model: str = "lexical",
    chain: dict[tuple[str, str], float] | None = None,
    weight: float = 0.7,
    encoder: Any = None,
    best: int | None = None,
    skip: Callable[[Item, Item], bool] | None = None,
) -> dict[str, list[Suggestion]]:
    """For each source element, every target element ranked best first. ``semantic`` is
    ``hybrid`` blended half and half with the cosine of MiniLM sentence embeddings
    (``encoder``: a :class:`pcfgraph.mappings.embeddings.MiniLM`, loaded when not given).

    With ``best``, only the first ``best`` of that ranking, targets ``skip(source, target)``
    leaves out set aside: the same suggestions, but difflib's ratio (most of the work) is
    computed only for targets whose score bounded by ``Fuzzy.bound`` could still reach them
    (the score grows with the ratio)."""
    if model not in MODELS:
        raise InputError(f"model must be one of {', '.join(MODELS)}, not {model!r}")
    cosine: dict[tuple[str, str], float] = {}
    if model == "semantic":
        if encoder is None:
            from pcfgraph.mappings.embeddings import MiniLM

            encoder = MiniLM()
        sv = encoder.encode([_sentence(s) for s in sources])
        tv = encoder.encode([_sentence(t) for t in targets])
        sims = sv @ tv.T
        for i, s in enumerate(sources):
            for j, t in enumerate(targets):
                cosine[(s.iri, t.iri)] = max(0.0, float(sims[i, j]))
    bm25 = BM25([_target_doc(t) for t in targets])
    chain = chain or {}
    by_iri = {s.iri: s for s in sources}
    lexical: dict[str, list[float]] = {}

    def lex_of(s: Item) -> list[float]:
        if s.iri not in lexical:
            raw = bm25.scores(_query(s))
            top = max(raw, default=0.0) or 1.0
            lexical[s.iri] = [r / top for r in raw]
        return lexical[s.iri]

    out: dict[str, list[Suggestion]] = {}
    fuzzies = [Fuzzy(t.name) for t in targets]
    for s in sources:
        parent = by_iri.get(s.parent) if model in ("hybrid", "semantic") else None
        one = _OneSource(
            s,
            targets,
            fuzzies,
            stems(s.name),
            lex_of(s),
            lex_of(parent) if parent is not None else None,
            chain,
            cosine,
            model,
            weight,
        )
        out[s.iri] = one.ranked(best, skip)
    return out


@dataclass(frozen=True)
class _OneSource:
    """One source element scored against every target (``up``: its parent's lexical scores,
    for the hierarchy of the hybrid and semantic models)."""

    s: Item
    targets: Sequence[Item]
    fuzzies: Sequence[Fuzzy]
    stems: str
    lexs: Sequence[float]
    up: Sequence[float] | None
    chain: dict[tuple[str, str], float]
    cosine: dict[tuple[str, str], float]
    model: str
    weight: float

    def score(self, i: int, fz: float) -> float:
        """The score of target ``i`` given its name ratio ``fz`` (never less for a larger
        ``fz``: every model adds it with a positive weight)."""
        s, t, model = self.s, self.targets[i], self.model
        ch = self.chain.get((s.iri, t.iri), 0.0)
        if model == "fuzzy":
            score = fz
        else:
            score = self.weight * self.lexs[i] + (1 - self.weight) * fz
            if model in ("hybrid", "semantic"):
                if self.up is not None:  # hierarchy: what the parent's text points at
                    score = 0.8 * score + 0.2 * self.up[i]
                if ch:
                    score = min(1.0, 0.6 * score + 0.4 * ch + 0.2)
            if model == "semantic":
                score = 0.5 * score + 0.5 * self.cosine[(s.iri, t.iri)]
        return round(score, 4)

    def suggestion(self, i: int) -> Suggestion:
        s, t, fz = self.s, self.targets[i], self.fuzzies[i].ratio(self.stems)
        ch = self.chain.get((s.iri, t.iri), 0.0)
        return Suggestion(s, t, self.score(i, fz), round(self.lexs[i], 4), round(fz, 4), ch)

    def ranked(
        self, best: int | None, skip: Callable[[Item, Item], bool] | None
    ) -> list[Suggestion]:
        def order(x: Suggestion) -> tuple[float, str]:
            return (-x.score, x.object.iri)

        if best is None:
            return sorted((self.suggestion(i) for i in range(len(self.targets))), key=order)
        # The targets by their score bounded (an upper bound), best first: once the best-th
        # suggestion scored exactly ranks before a target's bound, it ranks before every
        # later target's score too.
        bounds = sorted(
            ((-self.score(i, self.fuzzies[i].bound(self.stems)), t.iri), i)
            for i, t in enumerate(self.targets)
            if skip is None or not skip(self.s, t)
        )
        ranked: list[Suggestion] = []
        for bound, i in bounds:
            if len(ranked) >= best and order(ranked[best - 1]) < bound:
                break
            ranked.append(self.suggestion(i))
            ranked.sort(key=order)
        return ranked[:best]


# --- reading the graph -----------------------------------------------------------------------


def items(store: GraphStore, catalog: QueryCatalog, framework: str) -> list[Item]:
    """Every element of a framework in its hierarchy (detached outcome/metric nodes are folded
    into the practices that state them), with name, definition, parent name and context."""
    rows = store.select(catalog.get("api/suggest-items"), {"framework": framework}).rows
    found: dict[str, Item] = {}
    # An element with two names, definitions or parents has a row for each: the first in this
    # order wins, the same from any store.
    for r in sorted(rows, key=lambda r: tuple(_v(r.get(k)) for k in ITEM_COLUMNS)):
        iri = _v(r.get("element"))
        if iri in found or _v(r.get("inTree")) not in ("true", "1"):
            continue
        found[iri] = Item(
            iri,
            framework,
            _v(r.get("name")),
            _v(r.get("definition")),
            _v(r.get("parentName")),
            _context(_v(r.get("context"))),
            _v(r.get("parent")),
        )
    if not found:
        raise InputError(f"no framework {framework!r} (or it has no elements)")
    return [found[k] for k in sorted(found)]


#: ``api/suggest-items`` columns in the order they rank an element's rows.
ITEM_COLUMNS = ("element", "name", "definition", "parent", "parentName")
#: What ``api/suggest-items`` joins the context names with (GROUP_CONCAT).
CONTEXT_SEPARATOR = " | "


def _context(joined: str) -> str:
    """The context names sorted: GROUP_CONCAT joins them in the store's order, and the text
    feeds the scores (summed token by token)."""
    return CONTEXT_SEPARATOR.join(sorted(joined.split(CONTEXT_SEPARATOR))) if joined else ""


def _v(term: object) -> str:
    return str(getattr(term, "value", "")) if term is not None else ""


@dataclass(frozen=True)
class Decisions:
    """What the curated sets already decide, so suggestions skip it."""

    pairs: frozenset[tuple[str, str]]
    no_counterpart: frozenset[tuple[str, str]]  # (element, framework id)

    def decided(self, s: Item, t: Item) -> bool:
        return (
            (s.iri, t.iri) in self.pairs
            or (t.iri, s.iri) in self.pairs
            or (s.iri, t.framework) in self.no_counterpart
            or (t.iri, s.framework) in self.no_counterpart  # the target's NoTermFound too
        )


def decisions(store: GraphStore, catalog: QueryCatalog) -> Decisions:
    """The curated decisions, and those an element of an APQC edition inherits from another
    edition of its PCF ID where they hold (it is unchanged; one needing review is still
    undecided, as ``pcfgraph gaps --undecided`` says). Utilities 7.2.1's 8.1.2 was offered
    A26, the mapping it inherits, at 0.91, and 8.1.2.2 PRM-IT candidates it has an inherited
    NoTermFound for: a rejection would have contradicted the inherited mapping."""
    pairs: set[tuple[str, str]] = set()
    ends: dict[str, tuple[str, str]] = {}
    for r in store.select(catalog.get("api/mapping-records")):
        pairs.add((_v(r.get("subject")), _v(r.get("object"))))
        ends[_v(r.get("record"))] = (_v(r.get("subject")), _v(r.get("object")))
    for r in store.select(catalog.get("api/negative-mappings")):
        pairs.add((_v(r.get("subject")), _v(r.get("object"))))
    none: set[tuple[str, str]] = set()
    for fw in {_v(r.get("id")) for r in store.select(catalog.get("api/frameworks"))}:
        if not fw:
            continue
        for r in store.select(catalog.get("api/no-counterparts"), {"framework": fw}):
            none.add((_v(r.get("element")), _v(r.get("otherFramework"))))
    for r in store.select(catalog.get("api/inherited-mappings")):
        subject, obj = ends.get(_v(r.get("record")), ("", ""))
        far = obj if _v(r.get("side")) == "subject" else subject
        if _v(r.get("status")) == "inherited" and far:
            pairs.add((_v(r.get("element")), far))
    for r in store.select(catalog.get("api/inherited-no-counterparts")):
        if _v(r.get("status")) == "inherited":
            none.add((_v(r.get("element")), _v(r.get("otherFramework"))))
    return Decisions(frozenset(pairs), frozenset(none))


def chain_scores(
    store: GraphStore, catalog: QueryCatalog, source: str, target: str
) -> dict[tuple[str, str], float]:
    """max over M of conf(S, M) * conf(M, T), M in a third framework, from the curated
    mappings read either way: what the curated sets say about S and T through M."""
    edges: dict[str, dict[str, float]] = {}
    fws: dict[str, str] = {}
    for r in store.select(catalog.get("api/mapping-records")):
        s, o = _v(r.get("subject")), _v(r.get("object"))
        c = float(_v(r.get("confidence")) or 0)
        fws[s], fws[o] = _v(r.get("subjectFramework")), _v(r.get("objectFramework"))
        edges.setdefault(s, {})[o] = max(edges.get(s, {}).get(o, 0.0), c)
        edges.setdefault(o, {})[s] = max(edges.get(o, {}).get(s, 0.0), c)
    out: dict[tuple[str, str], float] = {}
    for s, mids in edges.items():
        if fws.get(s) != source:
            continue
        for m, c1 in mids.items():
            if fws.get(m) in (source, target):
                continue
            for t, c2 in edges.get(m, {}).items():
                if fws.get(t) == target:
                    out[(s, t)] = max(out.get((s, t), 0.0), c1 * c2)
    return out


def suggest(
    store: GraphStore,
    catalog: QueryCatalog,
    source: str,
    target: str,
    *,
    top: int = 3,
    model: str = "lexical",
    min_score: float = 0.0,
    under: str | None = None,
) -> list[Suggestion]:
    """The ``top`` best undecided candidates per source element scoring ``min_score`` or
    more (never those scoring 0: no evidence at all); with ``under`` (an element IRI of
    ``source``), for that element and those below it only. A source element's candidates do
    not depend on the other source elements: a subtree's are the whole run's for it."""
    if top < 1:
        raise InputError("--top must be at least 1")
    if not 0.0 <= min_score <= 1.0:  # scores are in [0, 1]; NaN fails this too
        raise InputError(f"--min-score must be a number from 0 to 1, not {min_score}")
    if source == target:
        raise InputError("source and target must be different frameworks")
    if iris.is_apqc_framework_id(source) and iris.is_apqc_framework_id(target):
        raise InputError(  # 2,073 "candidates" from Utilities 7.2.1 to 7.4: each element itself
            f"--target {target} is another edition of the same framework (APQC PCF like "
            f"{source}): its elements are these by PCF ID (pcfgraph history, pcfgraph diff), "
            "not counterparts; suggest towards another framework"
        )
    src, tgt = items(store, catalog, source), items(store, catalog, target)
    if under is not None:
        src = subtree(src, under)
    known = decisions(store, catalog)
    chain = chain_scores(store, catalog, source, target) if model in ("hybrid", "semantic") else {}
    ranked = rank(src, tgt, model=model, chain=chain, best=top, skip=known.decided)
    out: list[Suggestion] = []
    for s in src:
        out.extend(x for x in ranked[s.iri] if x.score > 0.0 and x.score >= min_score)
    return out


def subtree(elements: Sequence[Item], root: str) -> list[Item]:
    """``root`` and the elements below it (by ``parent``), in the order given."""
    below: dict[str, list[str]] = {}
    for e in elements:
        below.setdefault(e.parent, []).append(e.iri)
    keep, todo = set(), [root]
    while todo:
        iri = todo.pop()
        if iri not in keep:
            keep.add(iri)
            todo.extend(below.get(iri, ()))
    return [e for e in elements if e.iri in keep]


# --- SSSOM -----------------------------------------------------------------------------------


def to_sssom_tsv(
    suggestions: Sequence[Suggestion],
    source: str,
    target: str,
    *,
    model: str,
    prefixes: dict[str, str],
    today: dt.date | None = None,
    notices: Mapping[str, str] | None = None,
) -> bytes:
    """The suggestions as an SSSOM/TSV mapping set (readable by pcfgraph's reader). Its rows
    quote both frameworks' names, so its ``comment`` carries their notices (``notices``: by
    framework id, APQC's for an APQC edition not given), as an exported set's does."""
    from pcfgraph.mappings.notice import quoted_notices

    day = (today or dt.date.today()).isoformat()
    ends = (x.iri for s in suggestions for x in (s.subject, s.object))
    declared = {
        **prefixes,
        "fw": iris.ID_BASE + "framework/",
        "mapping": iris.mapping_record_namespace(),
        "skos": str(iris.SKOS),
        "semapv": str(iris.SEMAPV),
        "sssom": str(iris.SSSOM),
    }
    cmap = iris.with_sssom_prefixes(declared, ends)  # an edition no curated set names too
    by_length = sorted(cmap.items(), key=lambda kv: -len(kv[1]))

    def curie(iri: str) -> str:
        for p, ns in by_length:
            if iri.startswith(ns) and len(iri) > len(ns):
                return f"{p}:{iri[len(ns) :]}"
        return iri

    header = {
        "curie_map": dict(sorted(cmap.items())),
        "mapping_set_id": str(iris.mapping_set(SUGGESTED_SET)),
        "mapping_set_title": f"Suggested mappings {source} to {target} (not reviewed)",
        "mapping_set_description": (
            f"Candidates from pcfgraph mappings suggest (model {model}); review them with "
            "pcfgraph mappings review before they count."
        ),
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "subject_source": curie(str(iris.framework(source))),
        "object_source": curie(str(iris.framework(target))),
        "mapping_tool": "pcfgraph mappings suggest",
        "mapping_date": day,
    }
    if comment := quoted_notices(notices or {}, (source, target)):
        header["comment"] = comment
    text = yaml.safe_dump(header, sort_keys=False, allow_unicode=True, width=1 << 20)
    lines = [f"#{line}" for line in text.splitlines()]
    columns = ["record_id", "subject_id", "subject_label", "predicate_id", "object_id",
               "object_label", "mapping_justification", "confidence", "similarity_score",
               "similarity_measure", "comment"]  # fmt: skip
    lines.append("\t".join(columns))
    measure = {"lexical": "BM25 + difflib name ratio", "fuzzy": "difflib name ratio",
               "hybrid": "BM25 + difflib name ratio + curated chains",
               "semantic": "BM25 + difflib name ratio + curated chains + MiniLM cosine"}[model]  # fmt: skip
    justification = (
        "semapv:SemanticSimilarityThresholdMatching" if model == "semantic"
        else "semapv:LexicalMatching"
    )  # fmt: skip
    for x in suggestions:
        cells = [
            curie(str(iris.mapping_record(SUGGESTED_SET, x.key))),
            curie(x.subject.iri),
            _cell(x.subject.name),
            "skos:relatedMatch",
            curie(x.object.iri),
            _cell(x.object.name),
            justification,
            f"{x.score:.4f}",
            f"{x.score:.4f}",
            measure,
            _cell(
                f"Suggested, not reviewed: text score {x.lexical:.2f}, name similarity "
                f"{x.fuzzy:.2f}" + (f", chain {x.chain:.2f}" if x.chain else "") + "."
            ),
        ]
        lines.append("\t".join(cells))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _cell(text: str) -> str:
    """``text`` on one line as an SSSOM/TSV cell (a name starting with '"' quoted, so that it
    reads back as it is: :mod:`.sssom_cells`)."""
    return cell(" ".join(text.split()))


def framework_pairs(store: GraphStore, catalog: QueryCatalog) -> list[tuple[str, str]]:
    """(source, target) framework ids where suggestions are looked for: those of the curated
    mapping sets and, for a set on an APQC edition, the same from every loaded APQC edition.
    The curated sets are on Cross-Industry 7.4, so an industry edition's elements (those only
    it has too, which inherit nothing) were offered nothing on their pages, while
    ``mappings suggest --source`` the edition ranks them as any other."""
    base = iris.ID_BASE + "framework/"
    pairs = set()
    for r in store.select(catalog.get("api/mapping-set-ids")):
        s, t = _v(r.get("sourceFramework")), _v(r.get("targetFramework"))
        if s and t and not _v(r.get("mappingSet")).endswith("/" + "derived"):
            pairs.add((s.removeprefix(base), t.removeprefix(base)))
    editions = {
        fw
        for r in store.select(catalog.get("api/frameworks"))
        if iris.is_apqc_framework_id(fw := _v(r.get("id")))
    }
    for s, t in list(pairs):
        if iris.is_apqc_framework_id(t):
            continue  # APQC to APQC is no pair (suggest refuses it); from APQC only
        if iris.is_apqc_framework_id(s):
            pairs.update((edition, t) for edition in editions)
    return sorted(pairs)


def pending(
    element: Item, targets: Sequence[Item], known: Decisions, *, top: int = 3
) -> list[Suggestion]:
    """The best ``top`` undecided candidates for one element (the workbench shows them)."""
    if (element.iri, targets[0].framework if targets else "") in known.no_counterpart:
        return []
    ranked = rank([element], targets)[element.iri]
    return [x for x in ranked if not known.decided(element, x.object)][:top]
