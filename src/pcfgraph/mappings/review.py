"""Moving reviewed suggestions into a curated mapping set (``pcfgraph mappings review``).

An accepted suggestion becomes a curated mapping, a rejected one a negative mapping
(``predicate_modifier: Not``); both get ``reviewer_label``, ``mapping_date`` and
``review_date`` (today), ``mapping_justification semapv:ManualMappingCuration`` (a person
decided) and a comment that says where the row came from and cites both definitions. The
curated file is re-read with the SSSOM reader before it replaces the old one, and the decided
rows leave the suggestions file: nothing is half-written.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from pcfgraph import iris
from pcfgraph.errors import InputError, quoted
from pcfgraph.files import write_atomic
from pcfgraph.iris import SKOS, sssom_prefix
from pcfgraph.mappings.sssom import MappingRow, read_mapping_set
from pcfgraph.mappings.sssom_cells import SEPARATOR, cell
from pcfgraph.queries import QueryCatalog
from pcfgraph.resources import resource_dir
from pcfgraph.store import GraphStore


@dataclass(frozen=True)
class Suggested:
    """One row of a suggestions file."""

    id: str  # its record_id as written (a CURIE)
    row: MappingRow
    #: Its subject and object as the file writes them (``pcf721-utilities:10003``).
    ends: tuple[str, str] = ("", "")

    @property
    def subject_label(self) -> str:
        return self.row.subject_label or str(self.row.subject)

    @property
    def object_label(self) -> str:
        return self.row.object_label or str(self.row.object)

    @property
    def confidence(self) -> Decimal | None:
        return self.row.confidence


@dataclass(frozen=True)
class Decision:
    suggestion: Suggested
    verdict: str  # "accept" | "reject"


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8-sig").splitlines()


def _columns(lines: Sequence[str], path: Path) -> tuple[int, list[str]]:
    for i, line in enumerate(lines):
        if not line.startswith("#"):
            return i, line.split("\t")
    raise InputError(f"{path}: no column header line")


def read_suggestions(path: Path) -> list[Suggested]:
    """The rows of a suggestions file (checked by the SSSOM reader), by record_id."""
    ms = read_mapping_set(path, curated=False)
    lines = _lines(path)
    first, columns = _columns(lines, path)
    if "record_id" not in columns:
        raise InputError(f"{path}: a suggestions file needs a record_id column")
    at = columns.index("record_id")
    ids = {
        i + 1: line.split("\t")[at]
        for i, line in enumerate(lines)
        if i > first and line.strip() and not line.startswith("#")
    }
    by_length = sorted(ms.curie_map.items(), key=lambda kv: -len(kv[1]))

    def curie(iri: str) -> str:
        for prefix, ns in by_length:
            if iri.startswith(ns) and len(iri) > len(ns):
                return f"{prefix}:{iri[len(ns) :]}"
        return iri

    return [
        Suggested(ids[r.line], r, (curie(str(r.subject)), curie(str(r.object)))) for r in ms.rows
    ]


def find_curated_set(subject_fw: str, object_fw: str) -> Path:
    """The shipped curated file whose set maps ``subject_fw`` to ``object_fw``."""
    found = []
    for path in sorted((resource_dir("data") / "mappings").glob("*.sssom.tsv")):
        ms = read_mapping_set(path)
        if subject_fw in map(str, ms.subject_sources) and object_fw in map(str, ms.object_sources):
            found.append(path)
    if len(found) != 1:
        # the frameworks as --source/--target name them (not their IRIs), and the sets found
        base = str(iris.framework(""))
        ids = f"{subject_fw.removeprefix(base)} to {object_fw.removeprefix(base)}"
        if not found:
            raise InputError(
                f"no curated set maps {ids}; give the file to add the decisions to with "
                "--into (a new set: an SSSOM/TSV file with its header, docs/mappings.md)"
            )
        names = ", ".join(p.name for p in found)
        raise InputError(f"{len(found)} curated sets map {ids} ({names}); choose one with --into")
    return found[0]


def _citation_rank(row: Mapping[str, object]) -> tuple[tuple[bool, str], ...]:
    out = []
    for col in ("element", "code", "definition", "name"):
        term = row.get(col)
        lang = getattr(term, "language", None)
        out.append((lang not in (None, "en"), str(getattr(term, "value", ""))))
    return tuple(out)


def _named(curie: Callable[[str], str], iri: str) -> str:
    """``iri`` as the curated file's ``curie_map`` names it, else as it is."""
    try:
        return curie(iri)
    except InputError:
        return iri


def _texts(store: GraphStore, catalog: QueryCatalog, framework_iri: str) -> dict[str, str]:
    """Element IRI -> 'code “definition or name”' for citations."""
    fw = framework_iri.rsplit("/", 1)[1]
    out: dict[str, str] = {}
    rows = store.select(catalog.get("api/scheme-elements"), {"framework": fw}).rows
    # An element with two codes, definitions or names has a row for each: the first in this
    # order (English or plain text first, then the smallest) wins, the same from any store.
    for r in sorted(rows, key=_citation_rank):
        iri = getattr(r.get("element"), "value", "")
        code = getattr(r.get("code"), "value", "") or iri
        text = getattr(r.get("definition"), "value", "") or getattr(r.get("name"), "value", "")
        first = " ".join(text.split())
        if len(first) > 200 and ". " in first[:200]:
            first = first[: first.index(". ", 0, 200) + 1]
        out.setdefault(iri, f"{code} \u201c{first.rstrip('.')}\u201d")
    return out


def checked_reviewer(reviewer: str) -> str:
    """``reviewer`` as ``author_label`` and ``reviewer_label`` record it (its spacing made
    single). Both slots are multivalued: a ``|`` in the name would be read back from the cell
    as several reviewers, so it is refused naming them, as the TSV export refuses such a value
    (checked before any suggestion is asked about)."""
    name = " ".join(reviewer.split())
    if not name:
        raise InputError("--reviewer must name who decided")
    if SEPARATOR in name:
        parts = [p.strip() for p in name.split(SEPARATOR)]
        raise InputError(
            f"--reviewer {quoted(name)} holds '|', which separates the values of an SSSOM/TSV "
            f"cell: its reviewer_label and author_label would read back as {len(parts)} "
            f"reviewers ({', '.join(quoted(p) for p in parts)}); write the name without '|' "
            "(e.g. 'J. Doe, ITSM review')"
        )
    return name


def apply_decisions(
    suggestions_file: Path,
    decisions: Sequence[Decision],
    *,
    reviewer: str,
    store: GraphStore,
    catalog: QueryCatalog,
    curated: Path | None = None,
    predicate: str | None = None,
    today: dt.date | None = None,
) -> Path:
    """Append the decisions to the curated set and drop them from the suggestions file."""
    reviewer = checked_reviewer(reviewer)
    if not decisions:
        return curated or suggestions_file
    first = decisions[0].suggestion.row
    subject_fw, object_fw = str(first.subject_source), str(first.object_source)
    for d in decisions:
        if (str(d.suggestion.row.subject_source), str(d.suggestion.row.object_source)) != (
            subject_fw,
            object_fw,
        ):
            raise InputError("all decisions of one review must be between the same frameworks")
    target = curated or find_curated_set(subject_fw, object_fw)
    ms = read_mapping_set(target)
    prefixes = sorted(ms.declared_prefixes.items(), key=lambda kv: -len(kv[1]))
    builtin = {"skos": str(SKOS), "semapv": "https://w3id.org/semapv/vocab/"}

    def curie(iri: str) -> str:
        for p, ns in [*prefixes, *builtin.items()]:
            if iri.startswith(ns) and len(iri) > len(ns):
                return f"{p}:{iri[len(ns) :]}"
        minted = sssom_prefix(iri)
        add = f"; add '{minted[0]}: {minted[1]}' to it" if minted else ""
        raise InputError(f"{target}: its curie_map has no prefix for {iri}{add}")

    decided_pairs = {(r.subject, r.object): r for r in ms.rows} | {
        (r.object, r.subject): r for r in ms.rows
    }
    texts = {**_texts(store, catalog, subject_fw), **_texts(store, catalog, object_fw)}
    day = (today or dt.date.today()).isoformat()
    lines = _lines(target)
    _first, columns = _columns(lines, target)
    new_lines = []
    for d in decisions:
        row = d.suggestion.row
        if (row.subject, row.object) in decided_pairs:
            # named as the file names them, with the row that decides them
            line = decided_pairs[(row.subject, row.object)].line
            raise InputError(
                f"{d.suggestion.id}: {target.name} already decides "
                f"{_named(curie, row.subject)} and {_named(curie, row.object)} (line {line})"
            )
        relation = str(row.predicate).rsplit("#", 1)[1]
        if predicate and d.verdict == "accept":  # a rejection denies what was suggested
            relation = predicate
        score = f"{row.confidence}" if row.confidence is not None else "n/a"
        cite = "; ".join(texts.get(str(x), str(x)) for x in (row.subject, row.object))
        verb = "Accepted" if d.verdict == "accept" else "Rejected (not a mapping)"
        cells = {
            "subject_id": curie(str(row.subject)),
            "subject_label": row.subject_label or "",
            "predicate_id": f"skos:{relation}",
            "predicate_modifier": "Not" if d.verdict == "reject" else "",
            "object_id": curie(str(row.object)),
            "object_label": row.object_label or "",
            "mapping_justification": "semapv:ManualMappingCuration",
            "confidence": f"{row.confidence}"
            if d.verdict == "accept" and row.confidence is not None
            else ("0.50" if d.verdict == "accept" else ""),
            "author_label": reviewer,
            "reviewer_label": reviewer,
            "mapping_date": day,
            "review_date": day,
            "mapping_cardinality": "",
            "subject_source": curie(subject_fw),
            "comment": f"{verb} in review of suggestion {d.suggestion.id} (lexical score "
            f"{score}). Passages: {cite}.",
        }
        missing = [c for c in ("predicate_modifier", "reviewer_label", "mapping_date")
                   if c not in columns]  # fmt: skip
        if missing:
            raise InputError(f"{target}: add the column(s) {', '.join(missing)} first")
        new_lines.append("\t".join(cell(" ".join(cells.get(c, "").split())) for c in columns))
    text = "\n".join([*lines, *new_lines]) + "\n"
    with tempfile.TemporaryDirectory() as tmp:
        check = Path(tmp) / target.name
        check.write_text(text, encoding="utf-8")
        back = read_mapping_set(check)  # refuse to write what the reader would refuse
    base = str(iris.framework(""))
    for r in back.rows:  # and rows that would say their ends are of other frameworks
        said = (str(r.subject_source), str(r.object_source))
        if r.line > len(lines) and said != (subject_fw, object_fw):
            raise InputError(
                f"{target}: a decision between {subject_fw.removeprefix(base)} and "
                f"{object_fw.removeprefix(base)} would read as one between "
                f"{said[0].removeprefix(base)} and {said[1].removeprefix(base)} there (its "
                "header's subject_source and object_source, which it has no column to "
                "override): give a set of these frameworks with --into"
            )
    write_atomic(target, text.encode("utf-8"))
    gone = {d.suggestion.row.line for d in decisions}
    kept = [line for i, line in enumerate(_lines(suggestions_file), start=1) if i not in gone]
    write_atomic(suggestions_file, ("\n".join(kept) + "\n").encode("utf-8"))
    return target
