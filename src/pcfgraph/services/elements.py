"""Framework elements: one query per framework gives the whole tree (``api/scheme-elements``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pcfgraph import iris
from pcfgraph.codes import code_key
from pcfgraph.errors import QUOTED_CHARS, AmbiguousError, InputError, NotFoundError, quoted
from pcfgraph.param_domains import DomainValues, domain_values
from pcfgraph.services.base import (
    Reader,
    element_id,
    integer,
    iri_from_element_id,
    lowest,
    text,
    value_rank,
)
from pcfgraph.store import Row


@dataclass(frozen=True)
class Element:
    """One framework element as the APIs show it."""

    iri: str
    framework_id: str
    name: str
    code: str | None = None
    definition: str | None = None
    kind: str | None = None
    level: int | None = None
    pcf_id: int | None = None
    parent_iri: str | None = None
    #: A declared top concept of its scheme (skos:hasTopConcept / skos:topConceptOf).
    top: bool = False

    @property
    def id(self) -> str:
        return element_id(self.iri)

    @property
    def sort_key(self) -> tuple[object, ...]:
        return (self.framework_id, code_key(self.code), self.iri)


@dataclass
class FrameworkIndex:
    """Every element of one framework, indexed by IRI, parent, code and PCF ID."""

    framework_id: str
    elements: dict[str, Element] = field(default_factory=dict)
    children: dict[str | None, list[Element]] = field(default_factory=dict)

    @property
    def top(self) -> list[Element]:
        """The scheme's declared top concepts; without any, the elements without a parent."""
        roots = self.children.get(None, [])
        declared = [e for e in roots if e.top]
        return declared or roots

    def ordered(self) -> list[Element]:
        """Every element in tree (pre-)order, siblings by natural code order; trees of the
        top elements first, then those of other parentless elements."""
        roots = self.children.get(None, [])
        out: list[Element] = []
        stack = list(reversed(sorted(roots, key=lambda e: not e.top)))
        while stack:
            e = stack.pop()
            out.append(e)
            stack.extend(reversed(self.children.get(e.iri, [])))
        return out

    def ancestors(self, element: Element) -> list[Element]:
        chain: list[Element] = []
        seen = {element.iri}
        current = element
        while current.parent_iri and current.parent_iri not in seen:
            parent = self.elements.get(current.parent_iri)
            if parent is None:
                break
            chain.append(parent)
            seen.add(parent.iri)
            current = parent
        chain.reverse()
        return chain

    def descendants(self, element: Element, max_depth: int | None = None) -> list[Element]:
        out: list[Element] = []
        stack: list[tuple[Element, int]] = [
            (c, 1) for c in reversed(self.children.get(element.iri, []))
        ]
        seen = {element.iri}
        while stack:
            e, depth = stack.pop()
            if e.iri in seen:
                continue
            seen.add(e.iri)
            out.append(e)
            if max_depth is None or depth < max_depth:
                stack.extend((c, depth + 1) for c in reversed(self.children.get(e.iri, [])))
        return out


def elements_from_rows(rows: Iterable[Row]) -> list[Element]:
    """Fold query rows (several per element when a property repeats) into Elements, ordered by
    IRI (an index's ``elements`` iterate in that order, not in the store's). A property
    with several values gives the same one whatever order the store returns the rows in:
    English or plain text before other languages, then the smallest (:func:`value_rank`);
    the smallest framework id, kind, level, PCF ID and parent."""
    acc: dict[str, dict[str, object]] = {}
    for row in rows:
        iri = text(row, "element")
        if iri is None:
            continue
        cur = acc.get(iri)
        framework = text(row, "framework") or ""
        if cur is None:
            cur = acc[iri] = {"framework_id": framework}
        elif framework < str(cur["framework_id"]):
            cur["framework_id"] = framework
        for key in ("name", "definition", "code"):
            rank = value_rank(row, key)
            if rank is not None and (key not in cur or rank < cur[f"_{key}"]):  # type: ignore[operator]
                cur[key], cur[f"_{key}"] = rank[1], rank
        for key, col in (("level", "level"), ("pcf_id", "pcfId")):
            cur[key] = lowest(cur.get(key), integer(row, col))
        if text(row, "top") in ("true", "1"):
            cur["top"] = True
        for key, col in (("kind", "kind"), ("parent_iri", "parent")):
            cur[key] = lowest(cur.get(key), text(row, col))
    out = []
    for iri in sorted(acc):
        cur = acc[iri]
        out.append(
            Element(
                iri=iri,
                framework_id=str(cur["framework_id"]),
                name=str(cur.get("name", "")),
                code=cur.get("code"),  # type: ignore[arg-type]
                definition=cur.get("definition"),  # type: ignore[arg-type]
                kind=cur.get("kind"),  # type: ignore[arg-type]
                level=cur.get("level"),  # type: ignore[arg-type]
                pcf_id=cur.get("pcf_id"),  # type: ignore[arg-type]
                parent_iri=cur.get("parent_iri"),  # type: ignore[arg-type]
                top=bool(cur.get("top", False)),
            )
        )
    return out


def build_index(framework_id: str, elements: Iterable[Element]) -> FrameworkIndex:
    index = FrameworkIndex(framework_id)
    for e in elements:
        index.elements[e.iri] = e
    # A parent outside the scheme, or a cycle, would hide elements: treat them as top level.
    for e in index.elements.values():
        parent = e.parent_iri if e.parent_iri in index.elements else None
        index.children.setdefault(parent, []).append(e)
    for kids in index.children.values():
        kids.sort(key=lambda e: e.sort_key)
    # Fill in missing levels from the tree (top = 1).
    missing = [e for e in index.elements.values() if e.level is None]
    if missing:
        depth: dict[str, int] = {}
        for e in index.ordered():
            depth[e.iri] = depth.get(e.parent_iri or "", 0) + 1
        for e in missing:
            fixed = Element(**{**e.__dict__, "level": depth.get(e.iri)})
            index.elements[e.iri] = fixed
        return build_index(framework_id, index.elements.values())
    return index


@dataclass
class Subtree:
    """One element and every element below it, read without the rest of their framework
    (:mod:`pcfgraph.services.subtree`): children and descendants of each of them are complete.
    Their measures and mapping records by side are filled in once read."""

    root_iri: str
    index: FrameworkIndex
    measures: dict[str, list[Any]] | None = None
    mappings: dict[str, dict[str, list[Any]]] = field(default_factory=dict)


def subtrees(reader: Reader, framework_id: str) -> list[Subtree]:
    """The subtrees of ``framework_id`` this reader has read (appended to as they are)."""
    return reader.memo(("subtrees", framework_id), list)


def covering_subtree(reader: Reader, framework_id: str, iri: str) -> Subtree | None:
    """A subtree read by this reader that holds ``iri``, if any."""
    for sub in reader.peek(("subtrees", framework_id)) or ():
        if iri in sub.index.elements:
            return sub  # type: ignore[no-any-return]
    return None


def loaded_index(reader: Reader, framework_id: str, iri: str) -> FrameworkIndex | None:
    """An index already read that knows ``iri`` and everything below it (the framework's
    whole index, else a subtree holding it), or None: answering from it costs no query."""
    full = reader.peek(("framework-index", framework_id))
    if full is not None:
        return full  # type: ignore[no-any-return]
    sub = covering_subtree(reader, framework_id, iri)
    return sub.index if sub is not None else None


def _index_of(reader: Reader, e: Element) -> FrameworkIndex:
    return loaded_index(reader, e.framework_id, e.iri) or framework_index(reader, e.framework_id)


def framework_index(reader: Reader, framework_id: str) -> FrameworkIndex:
    """Every element of one framework (one store query per reader)."""

    def load() -> FrameworkIndex:
        rows = reader.select("api/scheme-elements", {"framework": framework_id})
        return build_index(framework_id, elements_from_rows(rows))

    return reader.memo(("framework-index", framework_id), load)


def all_indexes(reader: Reader) -> dict[str, FrameworkIndex]:
    """Every framework's index from one store query (used by listings and search)."""

    def load() -> dict[str, FrameworkIndex]:
        by_fw: dict[str, list[Element]] = {}
        for e in elements_from_rows(reader.select("api/scheme-elements")):
            by_fw.setdefault(e.framework_id, []).append(e)
        out = {fid: build_index(fid, els) for fid, els in sorted(by_fw.items())}
        for fid, index in out.items():  # share with the per-framework memo
            reader.memo(("framework-index", fid), lambda index=index: index)  # type: ignore[misc]
        return out

    return reader.memo(("all-indexes",), load)


# --- batch reads (one store query per framework involved) -----------------------------------


def elements_by_iris(
    reader: Reader, keys: Sequence[tuple[str, str | None]]
) -> list[Element | None]:
    """Elements by (IRI, framework id hint). With a hint the framework's index answers; without
    one, the element is looked up by IRI (one query per such key: only top-level arguments
    come without a hint)."""
    out: list[Element | None] = []
    for iri, fid in keys:
        if fid is not None:
            index = loaded_index(reader, fid, iri) or framework_index(reader, fid)
            out.append(index.elements.get(iri))
        else:
            found = _lookup(reader, "api/element-by-iri", {"element": iri})
            out.append(found[0] if found else None)
    return out


def children_of(reader: Reader, parents: Sequence[Element]) -> list[list[Element]]:
    return [_index_of(reader, p).children.get(p.iri, []) for p in parents]


def ancestors_of(reader: Reader, elements: Sequence[Element]) -> list[list[Element]]:
    return [framework_index(reader, e.framework_id).ancestors(e) for e in elements]


def descendants_of(
    reader: Reader, elements: Sequence[Element], max_depth: int | None = None
) -> list[list[Element]]:
    return [_index_of(reader, e).descendants(e, max_depth) for e in elements]


# --- lookups ---------------------------------------------------------------------------------


def _lookup(reader: Reader, query: str, params: dict[str, object]) -> list[Element]:
    return elements_from_rows(reader.select(query, params))


def known_framework_ids(reader: Reader) -> list[str]:
    from pcfgraph.services.frameworks import frameworks

    return [f.id for f in frameworks(reader)]


def element_ref(reader: Reader, ref: str) -> str:
    """``ref`` with a CURIE (``prmit:A24``, or as the SSSOM files write an APQC edition's
    elements, ``pcf74:20638``) as its IRI, with the prefixes of the loaded frameworks
    (:func:`pcfgraph.iris.element_iri`); any other reference as it is. Every edge reads an
    element a user names through this (or :class:`pcfgraph.param_domains.DomainValues`)."""
    return iris.element_iri(ref, lambda: known_framework_ids(reader))


def param_values(reader: Reader) -> DomainValues:
    """The values of a named query's parameter domain (``framework id``:
    :data:`pcfgraph.query_params.FRAMEWORK_ID`) on ``reader``'s data, read at most once: what an
    edge gives :meth:`pcfgraph.queries.NamedQuery.bind` so that a framework id the release
    does not hold is refused, not answered with nothing (:func:`pcfgraph.param_domains.domain_values`,
    which ``pcfgraph query`` uses without the services)."""
    return domain_values(reader.store, reader.catalog)


#: The family id of every APQC PCF edition (``search`` takes it as a framework).
APQC_FAMILY = "apqc-pcf"


def no_framework(framework_id: str, known: Iterable[str]) -> str:
    """The words for ``framework_id`` naming none of the ``known`` framework ids, the same on
    every edge (each puts its own argument's name before them)."""
    known = sorted(known)
    hint = ""
    editions = [k for k in known if iris.is_apqc_framework_id(k)]
    if framework_id.strip().lower() == APQC_FAMILY and editions:
        # search takes the family; a tool or field that needs one edition says which there are
        hint = (
            f" ({APQC_FAMILY} is the family of the APQC editions: give one, {', '.join(editions)})"
        )
    return (
        f"no framework {quoted(framework_id)}{hint}; known frameworks: {', '.join(known) or 'none'}"
    )


def unknown_framework(reader: Reader, framework_id: str) -> str | None:
    """:func:`no_framework`'s words when no loaded framework has ``framework_id``, else None."""
    known = known_framework_ids(reader)
    return None if framework_id in known else no_framework(framework_id, known)


def check_framework(reader: Reader, framework_id: str, argument: str | None = None) -> None:
    """:class:`NotFoundError` when no loaded framework has ``framework_id``; its message starts
    with ``argument`` (the edge's name for it) when given."""
    problem = unknown_framework(reader, framework_id)
    if problem is not None:
        raise NotFoundError(f"{argument}: {problem}" if argument else problem)


#: The most elements an error names as having a code (a code can repeat in every edition).
CODE_HOMES_SHOWN = 5


def element_by(
    reader: Reader,
    *,
    id: str | None = None,
    iri: str | None = None,
    pcf_id: int | None = None,
    code: str | None = None,
    framework: str | None = None,
) -> Element:
    """One element by exactly one identifier; raise NotFoundError / AmbiguousError / InputError.

    ``code`` needs ``framework`` (codes repeat across frameworks); ``pcf_id`` without
    ``framework`` is ambiguous when several APQC editions state it.
    """
    given = [
        n for n, v in (("id", id), ("iri", iri), ("pcfId", pcf_id), ("code", code)) if v is not None
    ]
    if len(given) != 1:
        raise InputError(
            "give exactly one of id, iri, pcfId or code"
            + (f" (got {', '.join(given)})" if given else "")
        )
    if framework is not None:
        check_framework(reader, framework)
    if code is not None:
        if framework is None:
            raise InputError(
                f"code {quoted(code)} needs a framework (codes repeat across frameworks)"
                + _code_is_of(reader, code)
            )
        hits = _lookup(reader, "api/element-by-notation", {"code": code, "framework": framework})
        what = f"code {quoted(code)} in framework {quoted(framework)}"
        if not hits and code.strip().isdigit():
            # APQC writes a category's code "8.0": "8" named nothing, and said nothing more
            category = f"{code.strip()}.0"
            params: dict[str, object] = {"code": category, "framework": framework}
            if _lookup(reader, "api/element-by-notation", params):
                raise NotFoundError(
                    f"no {what}; did you mean {quoted(category)}? (APQC writes a category's "
                    "code with .0)"
                )
    elif pcf_id is not None:
        hits = _lookup(reader, "api/element-by-pcf-id", {"pcfId": pcf_id, "framework": framework})
        if not hits and framework is not None:
            _refuse_other_framework(
                reader, "api/element-by-pcf-id", {"pcfId": pcf_id}, framework, f"PCF ID {pcf_id}"
            )
        what = f"PCF ID {pcf_id}" + (f" in framework {quoted(framework)}" if framework else "")
    else:
        target = element_ref(reader, iri if iri is not None else str(id))  # pcf74:20638
        target = target if iri is not None else iri_from_element_id(target)
        try:
            hits = _lookup(
                reader, "api/element-by-iri", {"element": target, "framework": framework}
            )
        except InputError:  # the text makes no IRI: said by the argument it came in
            if iri is not None:
                raise InputError(f"iri {quoted(iri)} is not an IRI") from None
            raise NotFoundError(f"no element {quoted(id)}") from None
        what = f"element {quoted(id)}" if id is not None else f"element {_iri_shown(target)}"
        if not hits and framework is not None:
            _refuse_other_framework(
                reader, "api/element-by-iri", {"element": target}, framework, what
            )
    if not hits:
        raise NotFoundError(f"no {what}")
    if len(hits) > 1:
        fids = sorted({e.framework_id for e in hits})
        raise AmbiguousError(
            f"{what} is ambiguous: it is in {len(hits)} elements of frameworks "
            f"{', '.join(fids)}; give framework to choose"
        )
    return hits[0]


def _code_is_of(reader: Reader, code: str) -> str:
    """Where ``code`` names an element (ignoring case, as identifiers are matched), for the
    error refusing a code without its framework: it said "needs a framework" and left the
    caller to search for the one ("A25" is PRM-IT's alone), where the element ids it names
    can be given as they are."""
    wanted = code.strip().casefold()
    ids = [
        e.id
        for index in all_indexes(reader).values()
        for e in index.elements.values()
        if e.code is not None and e.code.casefold() == wanted
    ]
    if not ids:
        return ""
    shown = ", ".join(ids[:CODE_HOMES_SHOWN])
    more = f" and {len(ids) - CODE_HOMES_SHOWN} more" if len(ids) > CODE_HOMES_SHOWN else ""
    return f"; it is the code of {shown}{more}: give the element id as id, or its framework"


def element_named(
    reader: Reader, ref: str, framework: str | None, *, code_needs: str = ""
) -> Element:
    """The element ``ref`` names, as a user writes it where an element is asked for (``gaps
    --under``, GraphQL ``gaps(under:)``): an IRI, an element id (``prm-it/A24``, ``/id/...``),
    a CURIE (``prmit:A24``, ``pcf74:20638``), a PCF ID, or a code of ``framework``. A code
    with no framework is an :class:`InputError` (``code_needs``, or a plain message): codes
    repeat across frameworks."""
    ref = element_ref(reader, ref.strip())
    if ref.startswith(("http://", "https://")):
        return element_by(reader, iri=ref, framework=framework)
    if "/" in ref:
        return element_by(reader, id=ref.lstrip("/").removeprefix("id/"), framework=framework)
    if ref.isdigit():
        return element_by(reader, pcf_id=int(ref), framework=framework)
    if framework is None:
        raise InputError(
            code_needs
            or f"{quoted(ref)}: a code needs a framework (codes repeat across frameworks), "
            "or give the element's id or IRI"
        )
    return element_by(reader, code=ref, framework=framework)


def _refuse_other_framework(
    reader: Reader, query: str, params: dict[str, object], framework: str, what: str
) -> None:
    """:class:`NotFoundError` naming where ``what`` is when the lookup ``params`` finds it in
    frameworks other than ``framework``: a bare "no element 'prm-it/A24'" told a caller who
    gave the wrong framework that the element did not exist (and ``pcfgraph gaps --under
    prm-it/A24 --framework it-cmf`` answered "no gaps")."""
    elsewhere = sorted({e.framework_id for e in _lookup(reader, query, params)})
    if elsewhere:
        raise NotFoundError(
            f"{what} {NOT_IN_FRAMEWORK} {quoted(framework)}: it is in {', '.join(elsewhere)}"
        )


#: The words of an element found, but in another framework than the one given (a message
#: that has them needs no "in other frameworks it names ..." after it: identifier_case).
NOT_IN_FRAMEWORK = "is not in framework"


def list_elements(
    reader: Reader,
    *,
    framework: str | None = None,
    kind: str | None = None,
    level: int | None = None,
) -> list[Element]:
    """Elements in a stable order (framework id, then tree order), filtered. A level below 1
    (the top) is an error naming it: no element could answer it."""
    if level is not None and level < 1:
        raise InputError(f"level must be at least 1 (the top), not {level}")
    if framework is not None:
        check_framework(reader, framework)
        indexes = [framework_index(reader, framework)]
    else:
        indexes = list(all_indexes(reader).values())
    out: list[Element] = []
    for index in indexes:
        for e in index.ordered():
            if kind is not None and e.kind != kind:
                continue
            if level is not None and e.level != level:
                continue
            out.append(e)
    return out


def _iri_shown(iri: str) -> str:
    """``<iri>`` for a message, cut as :func:`pcfgraph.errors.quoted` cuts a value."""
    if len(iri) <= QUOTED_CHARS:
        return f"<{iri}>"
    return f"<{iri[:QUOTED_CHARS]}...> ({len(iri)} characters)"
