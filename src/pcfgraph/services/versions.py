"""Identity across APQC editions and versions: every loaded statement of an element's PCF ID,
with the change from the version before (the data :mod:`pcfgraph.versions` states).

One store query per framework (``api/element-versions``) answers every element of it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pcfgraph.codes import code_key
from pcfgraph.importers.apqc.cells import parse_changes
from pcfgraph.iris import PCFG
from pcfgraph.services.base import Reader, boolean, integer, lowest, text
from pcfgraph.services.elements import Element, elements_by_iris, framework_index
from pcfgraph.store import Row


@dataclass(frozen=True)
class VersionStatement:
    """One edition-and-version statement of a PCF ID."""

    pcf_id: int
    iri: str
    framework_id: str
    edition: str
    version: str
    #: skos:changeNote: moved / renamed / redefined / new / removed, in words.
    changes: tuple[str, ...] = ()
    #: owl:deprecated: removed in the next loaded version of its edition.
    deprecated: bool = False
    #: prov:wasRevisionOf: the statement of the version before, when loaded.
    revision_of: str | None = None
    #: Its code (skos:notation) and English name in that edition and version.
    code: str | None = None
    name: str | None = None
    #: APQC's own "Change details" cell (pcfg:changeDetails) as published, and the version
    #: it is against (the scheme's pcfg:comparedToVersion), whether or not that is loaded.
    stated: str | None = None
    compared_to: str | None = None

    @property
    def stated_changes(self) -> tuple[str, ...]:
        """APQC's change details in words, one change a line (:func:`stated_in_words`)."""
        return stated_in_words(self.stated) if self.stated else ()

    @property
    def sort_key(self) -> tuple[object, ...]:
        return (self.edition, code_key(self.version), self.iri)


#: The words of each kind of token of APQC's "Change details" (the classes
#: :func:`pcfgraph.importers.apqc.cells.parse_changes` gives, defined in the ontology).
_CHANGE_WORDS = {
    PCFG.ElementNew: "new",
    PCFG.ChildAdded: "child added: PCF ID {id}",
    PCFG.ChildRemoved: "child removed: PCF ID {id}",
    PCFG.ChildChanged: "child changed: PCF ID {id}",
}


def stated_in_words(details: str) -> tuple[str, ...]:
    """APQC's "Change details" cell (``RENAME, WAS:<old name>``, ``NEW``, ``+ID``, ``-ID``,
    ``cID``) as one line a change, in words; a token that cannot be read is kept as written."""
    changes, unreadable = parse_changes(details)
    out = []
    for change in changes:
        if change.cls == PCFG.ElementRenamed:
            was = change.previous_name
            out.append(f"renamed (was '{was}')" if was else "renamed")
        else:
            out.append(_CHANGE_WORDS[change.cls].format(id=change.changed_pcf_id))
    out.extend(f"unreadable token '{token}'" for token in unreadable)
    return tuple(out)


#: Up to this many elements, :func:`history_of` reads per PCF ID instead of per framework.
SMALL_BATCH = 8


def fold_statements(rows: Iterable[Row]) -> dict[int, list[VersionStatement]]:
    """``api/element-versions`` rows (one per statement and change note) by PCF ID, each list
    ordered by edition then version (oldest first); a column with several values for one
    statement gives its smallest."""
    acc: dict[str, dict[str, object]] = {}
    for row in rows:
        iri, pcf_id = text(row, "element"), integer(row, "pcfId")
        if iri is None or pcf_id is None:
            continue
        cur = acc.setdefault(iri, {"changes": set(), "deprecated": False})
        # Several values of one column (two names, two codes...): the smallest, whatever
        # order the store returns the rows in.
        for key, col in (
            ("pcf_id", "pcfId"),
            ("framework_id", "elementFramework"),
            ("edition", "edition"),
            ("version", "version"),
            ("revision_of", "revisionOf"),
            ("code", "code"),
            ("name", "name"),
            ("stated", "stated"),
            ("compared_to", "comparedTo"),
        ):
            value = pcf_id if key == "pcf_id" else text(row, col)
            cur[key] = lowest(cur.get(key), value)
        note = text(row, "note")
        if note is not None:
            cur["changes"].add(note)  # type: ignore[attr-defined]
        cur["deprecated"] = cur["deprecated"] or boolean(row, "deprecated")
    out: dict[int, list[VersionStatement]] = {}
    for iri, cur in acc.items():
        statement = VersionStatement(
            pcf_id=int(cur["pcf_id"]),  # type: ignore[call-overload]
            iri=iri,
            framework_id=str(cur.get("framework_id") or ""),
            edition=str(cur.get("edition") or ""),
            version=str(cur.get("version") or ""),
            changes=tuple(sorted(cur["changes"])),  # type: ignore[call-overload]
            deprecated=bool(cur["deprecated"]),
            revision_of=cur.get("revision_of"),  # type: ignore[arg-type]
            code=cur.get("code"),  # type: ignore[arg-type]
            name=cur.get("name"),  # type: ignore[arg-type]
            stated=cur.get("stated"),  # type: ignore[arg-type]
            compared_to=cur.get("compared_to"),  # type: ignore[arg-type]
        )
        out.setdefault(statement.pcf_id, []).append(statement)
    for statements in out.values():
        statements.sort(key=lambda s: s.sort_key)
    return out


def statements_by_pcf_id(reader: Reader, framework_id: str) -> dict[int, list[VersionStatement]]:
    """For every PCF ID of one framework, its statements in every loaded edition and version
    (one query for the whole framework: what a tree of elements needs)."""

    def load() -> dict[int, list[VersionStatement]]:
        return fold_statements(reader.select("api/element-versions", {"framework": framework_id}))

    return reader.memo(("versions", framework_id), load)


def statements_of(reader: Reader, pcf_id: int) -> list[VersionStatement]:
    """One PCF ID's statements (one small query: what one element's page needs; the whole
    framework's read costs ten times more on a cold page)."""

    def load() -> list[VersionStatement]:
        rows = reader.select("api/element-versions-of", {"pcfId": pcf_id})
        return fold_statements(rows).get(pcf_id, [])

    return reader.memo(("versions-of", pcf_id), load)


def stated_by_iri(reader: Reader, pcf_id: int | None) -> dict[str, dict[str, object]]:
    """For each statement of a PCF ID whose workbook states its changes: those in words and
    the version they are against (``statedChanges``, ``statedAgainstVersion``, as MCP's
    ``element_history`` gives them)."""
    if pcf_id is None:
        return {}
    return {
        s.iri: {"statedChanges": list(s.stated_changes), "statedAgainstVersion": s.compared_to}
        for s in statements_of(reader, pcf_id)
        if s.stated
    }


def versions_of(reader: Reader, elements: Sequence[Element]) -> list[list[VersionStatement]]:
    """Every loaded statement of each element's PCF ID (itself included); empty for elements
    without a PCF ID."""
    return [
        statements_by_pcf_id(reader, e.framework_id).get(e.pcf_id, [])
        if e.pcf_id is not None
        else []
        for e in elements
    ]


@dataclass(frozen=True)
class HistoryStep:
    """A statement of a PCF ID with the elements it and its predecessor are."""

    statement: VersionStatement
    element: Element
    revision_of: Element | None = None


def _steps(
    reader: Reader, statements: Sequence[VersionStatement], *, by_iri: bool = False
) -> list[HistoryStep]:
    """The statements with their elements: from each framework's index (``by_iri``: from an
    index already read, else one small ``api/element-by-iri`` query per statement)."""

    def at(iri: str | None, framework_id: str | None) -> Element | None:
        if iri is None or framework_id is None:
            return None
        index = reader.peek(("framework-index", framework_id))
        if index is None and by_iri:
            return elements_by_iris(reader, [(iri, None)])[0]
        return (index or framework_index(reader, framework_id)).elements.get(iri)

    frameworks = {s.iri: s.framework_id for s in statements}
    steps = []
    for s in statements:
        element = at(s.iri, s.framework_id)
        if element is None:  # a statement without a scheme's element row: not shown
            continue
        before = at(s.revision_of, frameworks.get(s.revision_of or ""))
        steps.append(HistoryStep(s, element, before))
    return steps


def history_of(reader: Reader, elements: Sequence[Element]) -> list[list[HistoryStep]]:
    """:func:`versions_of` with each statement's element (and the one it revises).

    A batch of up to :data:`SMALL_BATCH` elements (one element asked for by id) reads each
    PCF ID on its own (:func:`statements_of`, elements by IRI): a whole framework's read costs
    seconds on a cold request. Larger batches (trees, lists) read per framework: one query for
    the statements and one index per framework involved, however many elements."""
    if len(elements) <= SMALL_BATCH:
        return [
            _steps(reader, statements_of(reader, e.pcf_id), by_iri=True)
            if e.pcf_id is not None
            else []
            for e in elements
        ]
    return [_steps(reader, statements) for statements in versions_of(reader, elements)]


def industry_specific_iris(reader: Reader, framework_id: str) -> frozenset[str]:
    """Elements of one APQC edition whose PCF ID no loaded Cross-Industry edition states
    (``api/industry-specific-elements``); empty for Cross-Industry and other frameworks."""

    def load() -> frozenset[str]:
        rows = reader.select("api/industry-specific-elements", {"framework": framework_id})
        return frozenset(iri for row in rows if (iri := text(row, "element")) is not None)

    return reader.memo(("industry-specific", framework_id), load)
