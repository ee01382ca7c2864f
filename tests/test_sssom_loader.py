"""The SSSOM/TSV reader against hostile files: unknown slots, negative rows, multivalued
slots, curie_map and mapping-set metadata."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL

from pcfgraph import iris
from pcfgraph.errors import ParseError
from pcfgraph.iris import PCFG, SKOS, SSSOM
from pcfgraph.mappings import derive_mappings, mapping_set_graph, read_mapping_set
from pcfgraph.mappings.slots import JUSTIFICATIONS, MAPPING_SET_SLOTS, MAPPING_SLOTS, PROPAGATABLE

ID = iris.ID_BASE
HEADER = f"""#curie_map:
#  a: {ID}a/
#  b: {ID}b/
#  c: {ID}c/
#  fw: {ID}framework/
#mapping_set_id: {ID}mapping-set/a-to-b
#license: https://creativecommons.org/licenses/by/4.0/
#mapping_date: 2026-11-22
#subject_source: fw:fa
#object_source: fw:fb
"""
COLUMNS = ["subject_id", "predicate_id", "object_id", "mapping_justification", "confidence"]
MJ = "semapv:ManualMappingCuration"


def write(
    tmp_path: Path,
    rows: list[list[str]],
    *,
    columns: list[str] = COLUMNS,
    header: str = HEADER,
    stem: str = "a-to-b",
) -> Path:
    path = tmp_path / f"{stem}.sssom.tsv"
    body = "\t".join(columns) + "\n" + "".join("\t".join(r) + "\n" for r in rows)
    path.write_text(header.replace("a-to-b", stem) + body, encoding="utf-8")
    return path


def error_of(path: Path) -> ParseError:
    with pytest.raises(ParseError) as info:
        read_mapping_set(path)
    return info.value


# --- unknown slots -------------------------------------------------------------------------


def test_unknown_column_is_an_error_naming_it_with_line_and_column(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [["a:1", "skos:exactMatch", "b:1", MJ, "0.9", "x"]],
        columns=[*COLUMNS, "predicate_modifer"],  # misspelt: must not be ignored
    )
    err = error_of(path)
    assert "predicate_modifer" in err.message and err.line == 11 and err.column == 6


def test_unknown_header_key_is_an_error_naming_it(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [["a:1", "skos:exactMatch", "b:1", MJ, "0.9"]],
        header=HEADER + "#reviewer: somebody\n",
    )
    err = error_of(path)
    assert "'reviewer'" in err.message and err.line == 11


def test_extension_definitions_are_refused(tmp_path: Path) -> None:
    header = HEADER + "#extension_definitions:\n#  - slot_name: ext_x\n"
    err = error_of(write(tmp_path, [["a:1", "skos:exactMatch", "b:1", MJ, "0.9"]], header=header))
    assert "extension_definitions" in err.message


# --- predicate_modifier Not ----------------------------------------------------------------


def test_not_row_is_a_negative_record_and_never_a_positive_mapping(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            ["a:1", "skos:exactMatch", "b:1", MJ, "0.9", ""],
            ["a:2", "skos:broadMatch", "b:2", MJ, "", "Not"],
        ],
        columns=[*COLUMNS, "predicate_modifier"],
    )
    ms = read_mapping_set(path)
    assert [r.negated for r in ms.rows] == [False, True]
    g = mapping_set_graph(ms)
    a2, b2 = URIRef(ID + "a/2"), URIRef(ID + "b/2")
    assert not list(g.triples((a2, None, b2)))  # no SKOS triple at all
    (neg,) = g.subjects(RDF.type, PCFG.NegativeMapping)
    assert set(g.predicate_objects(neg)) >= {
        (SSSOM.subject_id, a2),
        (SSSOM.predicate_id, SKOS.broadMatch),
        (SSSOM.object_id, b2),
        (SSSOM.predicate_modifier, Literal("Not")),
    }
    assert (neg, RDF.type, PCFG.MappingRecord) not in g
    assert (neg, RDF.type, OWL.Axiom) not in g
    assert not list(g.triples((neg, OWL.annotatedSource, None)))
    # the positive row and the negative row of the same triple are two records
    assert len({r.key for r in ms.rows}) == 2


def test_record_id_cells_do_not_change_the_graph(tmp_path: Path) -> None:
    # An export re-read gave each record a sssom:record_id triple the source file's graph
    # lacks, and a record_id copied from another row (or left stale by an edit) was kept as
    # a false statement about the new record.
    rows = [
        ["a:1", "skos:exactMatch", "b:1", MJ, "0.9"],
        ["a:2", "skos:closeMatch", "b:2", MJ, "0.7"],
    ]
    plain = mapping_set_graph(read_mapping_set(write(tmp_path, rows)))
    records = sorted(plain.subjects(RDF.type, PCFG.MappingRecord))
    assert len(records) == 2
    other = tmp_path / "ids"
    other.mkdir()
    copied = [[str(records[0]), *rows[0]], [str(records[0]), *rows[1]]]
    with_ids = write(other, copied, columns=["record_id", *COLUMNS])
    assert isomorphic(mapping_set_graph(read_mapping_set(with_ids)), plain)


def test_not_and_positive_of_the_same_triple_are_distinct_rows(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            ["a:1", "skos:exactMatch", "b:1", MJ, "0.9", ""],
            ["a:1", "skos:exactMatch", "b:1", MJ, "0.9", "Not"],
        ],
        columns=[*COLUMNS, "predicate_modifier"],
    )
    assert len(read_mapping_set(path).rows) == 2


@pytest.mark.parametrize("value", ["not", "NOT", "Yes", "Not|Not"])
def test_predicate_modifier_takes_only_not(tmp_path: Path, value: str) -> None:
    path = write(
        tmp_path,
        [["a:1", "skos:exactMatch", "b:1", MJ, "0.9", value]],
        columns=[*COLUMNS, "predicate_modifier"],
    )
    err = error_of(path)
    assert "predicate_modifier" in err.message and err.column == 6


def test_not_with_no_term_found_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [["a:1", "skos:mappingRelation", "sssom:NoTermFound", MJ, "", "Not"]],
        columns=[*COLUMNS, "predicate_modifier"],
    )
    assert "double negative" in error_of(path).message


def test_negative_blocks_derivation_of_its_pair(tmp_path: Path) -> None:
    # a:1 exact b:1, b:1 exact c:1 would chain a:1 exact c:1; a curated Not forbids it
    ab = write(tmp_path, [["a:1", "skos:exactMatch", "b:1", MJ, "0.9"]])
    bc_header = HEADER.replace("fw:fa", "fw:fb").replace("fw:fb\n", "fw:fc\n", 1)
    bc_header = f"""#curie_map:
#  a: {ID}a/
#  b: {ID}b/
#  c: {ID}c/
#  fw: {ID}framework/
#mapping_set_id: {ID}mapping-set/b-to-c
#license: https://creativecommons.org/licenses/by/4.0/
#subject_source: fw:fb
#object_source: fw:fc
"""
    bc = write(
        tmp_path,
        [
            ["b:1", "skos:exactMatch", "c:1", MJ, "0.9", ""],
        ],
        columns=[*COLUMNS, "predicate_modifier"],
        header=bc_header,
        stem="b-to-c",
    )
    neg_header = bc_header.replace("b-to-c", "a-to-c").replace("fw:fb", "fw:fa")
    ac = write(
        tmp_path,
        [["a:1", "skos:exactMatch", "c:1", MJ, "", "Not"]],
        columns=[*COLUMNS, "predicate_modifier"],
        header=neg_header,
        stem="a-to-c",
    )
    graphs = [mapping_set_graph(read_mapping_set(p)) for p in (ab, bc)]
    a1, c1 = URIRef(ID + "a/1"), URIRef(ID + "c/1")
    assert (a1, SKOS.exactMatch, c1) in derive_mappings(graphs)  # the chain alone
    derived = derive_mappings([*graphs, mapping_set_graph(read_mapping_set(ac))])
    assert not list(derived.triples((a1, None, c1)))
    assert not list(derived.triples((c1, None, a1)))


# --- multivalued slots and values ----------------------------------------------------------


def test_multivalued_cells_split_on_pipe(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [["a:1", "skos:exactMatch", "b:1", MJ, "0.9", "Ann | Bob", "orcid:1|orcid:2"]],
        columns=[*COLUMNS, "reviewer_label", "reviewer_id"],
        header=HEADER.replace("#curie_map:\n", "#curie_map:\n#  orcid: https://orcid.org/\n"),
    )
    (row,) = read_mapping_set(path).rows
    assert row.values("reviewer_label") == ("Ann", "Bob")
    assert row.values("reviewer_id") == ("https://orcid.org/1", "https://orcid.org/2")


@pytest.mark.parametrize(
    ("given", "values"),
    [
        ("Mapping team | ITSM board", ("Mapping team", "ITSM board")),  # a scalar: split
        ("[Mapping team | ITSM board]", ("Mapping team | ITSM board",)),  # a list: its items
        ("[Mapping team, ITSM board]", ("Mapping team", "ITSM board")),
    ],
)
def test_a_multivalued_header_slot_has_the_values_sssom_py_reads(
    tmp_path: Path, given: str, values: tuple[str, ...]
) -> None:
    """SSSOM lets the header give a multivalued slot one value as a YAML scalar; sssom-py,
    the reference reader, splits a scalar string on '|' as it splits a cell
    (``parsers._address_multivalued_slot``) and keeps a YAML list's items as they are. The
    reader gives the same values in both forms (the export writes a list: no scalar to split)."""
    import warnings

    path = write(
        tmp_path,
        [["a:1", "skos:exactMatch", "b:1", MJ, "0.9"]],
        header=HEADER + f"#creator_label: {given}\n",
    )
    assert read_mapping_set(path).creator_labels == values
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from sssom.parsers import parse_sssom_table

        assert tuple(parse_sssom_table(str(path)).metadata["creator_label"]) == values


@pytest.mark.parametrize(
    ("column", "value", "needle"),
    [
        ("object_source", "fw:fb|fw:fc", "takes one value"),
        ("mapping_date", "22.11.2026", "not an ISO date"),
        ("mapping_date", "2026-02-30", "not an ISO date"),
        ("review_date", "2026-11", "not an ISO date"),
        ("mapping_cardinality", "many", "mapping_cardinality"),
        ("subject_type", "concept", "subject_type"),
        ("similarity_score", "high", "not a number"),
        ("reviewer_agreement", "1.5", "not in [0, 1]"),
        ("reviewer_id", "nobody:x", "unknown prefix 'nobody'"),
        ("reviewer_id", "a:1||a:2", "empty value"),
        ("see_also", "not a uri", "neither a CURIE"),
    ],
)
def test_bad_slot_values_name_slot_line_and_column(
    tmp_path: Path, column: str, value: str, needle: str
) -> None:
    path = write(
        tmp_path,
        [["a:1", "skos:exactMatch", "b:1", MJ, "0.9", value]],
        columns=[*COLUMNS, column],
    )
    err = error_of(path)
    assert needle in err.message and err.line == 12 and err.column == 6


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ("#mapping_set_title:\n#  - one\n#  - two\n", "mapping_set_title takes one value"),
        ("#mapping_set_version: {a: 1}\n", "not a mapping"),
        ("#publication_date: yesterday\n", "not an ISO date"),
        ("#sssom_version: '2.0'\n", "sssom_version"),
        ("#mapping_set_confidence: 7\n", "not in [0, 1]"),
        ("#comment:\n", "has no value"),
    ],
)
def test_bad_mapping_set_metadata(tmp_path: Path, extra: str, needle: str) -> None:
    err = error_of(
        write(tmp_path, [["a:1", "skos:exactMatch", "b:1", MJ, "0.9"]], header=HEADER + extra)
    )
    assert needle in err.message


@pytest.mark.parametrize(
    ("curie_map", "needle"),
    [
        ("#curie_map: [a, b]\n", "curie_map must be a mapping"),
        (f"#curie_map:\n#  skos: {ID}skos/\n", "built-in prefix 'skos'"),
        ("#curie_map:\n#  a: not-an-iri\n", "maps to 'not-an-iri'"),
        ("#curie_map:\n#  '1x': http://x.org/\n", "not a valid prefix"),
        (f"#curie_map:\n#  a: {ID}a/\n#  aa: {ID}a/\n", "expand to the same IRI"),
    ],
)
def test_bad_curie_map(tmp_path: Path, curie_map: str, needle: str) -> None:
    header = HEADER.split("#mapping_set_id")[0]
    rest = "#mapping_set_id" + HEADER.split("#mapping_set_id")[1]
    header = curie_map + rest.replace("fw:fa", f"{ID}framework/fa").replace(
        "fw:fb", f"{ID}framework/fb"
    )
    err = error_of(
        write(tmp_path, [[f"{ID}a/1", "skos:exactMatch", f"{ID}b/1", MJ, "0.9"]], header=header)
    )
    assert needle in err.message


def test_a_built_in_prefix_redefined_names_both_iris_and_the_file(tmp_path: Path) -> None:
    """SSSOM: a built-in prefix, if declared, must point to its own IRI. The refusal named
    only the IRI it must have, not the one the file gives."""
    header = HEADER.replace("#curie_map:\n", f"#curie_map:\n#  skos: {ID}skos/\n")
    err = error_of(write(tmp_path, [["a:1", "skos:exactMatch", "b:1", MJ, "0.9"]], header=header))
    assert "built-in prefix 'skos'" in err.message and str(tmp_path) in err.message
    assert str(SKOS) in err.message and f"{ID}skos/" in err.message and err.line == 1


@pytest.mark.parametrize(
    ("extra", "needle", "line"),
    [
        # a prefix given twice: YAML kept the last, and a:1 was read in the other namespace
        (
            f"#  a: {ID}other/\n",
            f"curie_map declares prefix 'a' twice: '{ID}a/' on line 2 and '{ID}other/' on line 6",
            6,
        ),
        (
            "#license: https://example.org/licence\n",
            "metadata key 'license' is given twice: 'https://creativecommons.org/licenses/by/4.0/' "
            "on line 7 and 'https://example.org/licence' on line 11",
            11,
        ),
    ],
)
def test_a_prefix_or_key_given_twice_in_the_header_is_refused_naming_both_lines(
    tmp_path: Path, extra: str, needle: str, line: int
) -> None:
    if extra.startswith("#  "):  # inside curie_map, after its last prefix
        header = HEADER.replace("#mapping_set_id", extra + "#mapping_set_id")
    else:
        header = HEADER + extra
    err = error_of(write(tmp_path, [["a:1", "skos:exactMatch", "b:1", MJ, "0.9"]], header=header))
    assert needle in err.message and "keep one" in err.message
    assert err.line == line and str(tmp_path) in err.message


@pytest.mark.parametrize(
    ("cell", "cardinality"),
    [
        ("01:01:00", "1:1"),  # LibreOffice's time format
        ("1:01", "1:1"),  # Excel's h:mm
        ("00:01", "0:1"),
        ("01:00:00", "1:0"),
        ("0:00", "0:0"),
        ("1:01:00 AM", "1:1"),  # a 12-hour clock
        ("12:01 AM", "0:1"),
    ],
)
def test_a_cardinality_a_spreadsheet_made_a_time_is_refused_saying_so_and_how_to_fix_it(
    tmp_path: Path, cell: str, cardinality: str
) -> None:
    """1:1 typed into a spreadsheet column not formatted as text is saved as a time of day;
    the refusal said only that '01:01:00' is not one of the cardinalities."""
    path = write(
        tmp_path,
        [["a:1", "skos:exactMatch", "b:1", MJ, "0.9", cell]],
        columns=[*COLUMNS, "mapping_cardinality"],
    )
    err = error_of(path)
    assert (err.line, err.column) == (12, 6) and str(path) in str(err)
    assert (
        f"mapping_cardinality {cell!r} is the time of day a spreadsheet made of {cardinality}"
        in (err.message)
    )
    assert f"write {cardinality} in this cell" in err.message
    assert "format the mapping_cardinality column as text" in err.message


@pytest.mark.parametrize("cell", ["02:30", "1:30:00", "1:01:30", "many"])
def test_a_value_that_is_no_cardinality_made_a_time_is_refused_as_not_one(
    tmp_path: Path, cell: str
) -> None:
    path = write(
        tmp_path,
        [["a:1", "skos:exactMatch", "b:1", MJ, "0.9", cell]],
        columns=[*COLUMNS, "mapping_cardinality"],
    )
    err = error_of(path)
    assert "is not one of 0:0, 0:1, 1:0, 1:1, 1:n, n:1, n:n" in err.message
    assert "spreadsheet" not in err.message


def test_header_slot_propagates_only_when_no_row_sets_it(tmp_path: Path) -> None:
    # SSSOM: one row with its own value makes the slot non-propagatable; the reader gave the
    # header's date to the other rows, which sssom-py leaves without one.
    path = write(
        tmp_path,
        [
            ["a:1", "skos:exactMatch", "b:1", MJ, "0.9", ""],
            ["a:2", "skos:exactMatch", "b:2", MJ, "0.9", "2026-12-01"],
        ],
        columns=[*COLUMNS, "mapping_date"],
    )
    rows = read_mapping_set(path).rows
    assert [r.values("mapping_date") for r in rows] == [(), ("2026-12-01",)]
    empty = tmp_path / "empty"
    empty.mkdir()
    path = write(
        empty,
        [
            ["a:1", "skos:exactMatch", "b:1", MJ, "0.9", ""],
            ["a:2", "skos:exactMatch", "b:2", MJ, "0.9", ""],
        ],
        columns=[*COLUMNS, "mapping_date"],
    )
    rows = read_mapping_set(path).rows
    assert [r.values("mapping_date") for r in rows] == [("2026-11-22",), ("2026-11-22",)]


def test_row_without_source_when_other_rows_set_it_names_the_cell(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            ["a:1", "skos:exactMatch", "b:1", MJ, "0.9", "fw:fc"],
            ["a:2", "skos:exactMatch", "b:2", MJ, "0.9", ""],
        ],
        columns=[*COLUMNS, "subject_source"],
    )
    err = error_of(path)
    assert "no subject_source" in err.message and "propagation" in err.message
    assert (err.line, err.column) == (13, 6)


@pytest.mark.parametrize(
    "value",
    ["semapv:ManualCuration", "semapv:manualMappingCuration", "skos:exactMatch", "a:curated"],
)
def test_justification_must_be_a_semapv_term_sssom_allows(tmp_path: Path, value: str) -> None:
    # A justification outside semapv's list was read and exported: sssom-py refuses the file.
    path = write(
        tmp_path,
        [
            ["a:1", "skos:exactMatch", "b:1", MJ, "0.9"],
            ["a:2", "skos:exactMatch", "b:2", value, "0.8"],
        ],
    )
    err = error_of(path)
    assert "mapping_justification" in err.message and repr(value) in err.message
    assert (err.source, err.line, err.column) == (str(path), 13, 4)


def test_a_file_saved_with_bom_and_crlf_reads_as_the_plain_file(tmp_path: Path) -> None:
    rows = [
        ["a:1", "skos:exactMatch", "b:1", MJ, "0.9"],
        ["a:2", "skos:closeMatch", "b:2", MJ, "0.7"],
    ]
    plain = read_mapping_set(write(tmp_path, rows))
    text = (tmp_path / "a-to-b.sssom.tsv").read_text(encoding="utf-8")
    other = tmp_path / "win"
    other.mkdir()
    path = other / "a-to-b.sssom.tsv"
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    spreadsheet = read_mapping_set(path)
    assert iris.mapping_set("a-to-b") == spreadsheet.iri
    assert [(r.line, r.key, r.confidence) for r in spreadsheet.rows] == [
        (r.line, r.key, r.confidence) for r in plain.rows
    ]
    assert spreadsheet.declared_prefixes == plain.declared_prefixes


# --- the slot table is the SSSOM schema's ----------------------------------------------------


def test_slot_table_matches_the_sssom_schema() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sssom-py and pandas deprecation noise
        from sssom.constants import SSSOMSchemaView

        view = SSSOMSchemaView()
    schema = view.view
    for cls, table in (("mapping", MAPPING_SLOTS), ("mapping set", MAPPING_SET_SLOTS)):
        induced = {
            s.name: bool(s.multivalued)
            for s in schema.class_induced_slots(cls)
            if s.name not in ("mappings", "extension_definitions")
        }
        assert {k: v.multivalued for k, v in table.items()} == induced, cls
    assert set(view.propagatable_slots) == PROPAGATABLE


def test_justification_list_is_the_sssom_schemas() -> None:
    import re
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from sssom.constants import SSSOMSchemaView

        view = SSSOMSchemaView()
    slot = view.view.get_slot("mapping_justification")
    allowed = {c.equals_string.removeprefix("semapv:") for c in slot.any_of}
    assert allowed == JUSTIFICATIONS
    assert all(re.fullmatch(slot.pattern, f"semapv:{t}") for t in JUSTIFICATIONS)


def test_an_empty_source_is_the_one_the_file_names_for_the_prefix(tmp_path: Path) -> None:
    # A row added to an export (every row states its sources) without them was refused.
    columns = [*COLUMNS, "subject_source", "object_source"]
    path = write(
        tmp_path,
        [
            ["a:1", "skos:exactMatch", "b:1", MJ, "0.9", "fw:fa", "fw:fb"],
            ["a:2", "skos:closeMatch", "b:2", MJ, "0.8", "", ""],
            ["a:3", "skos:mappingRelation", "sssom:NoTermFound", MJ, "", "", ""],
        ],
        columns=columns,
    )
    fa, fb = URIRef(f"{ID}framework/fa"), URIRef(f"{ID}framework/fb")
    assert [(r.subject_source, r.object_source) for r in read_mapping_set(path).rows] == [
        (fa, fb)
    ] * 3


def test_an_empty_source_the_file_does_not_settle_is_refused_naming_what_it_names(
    tmp_path: Path,
) -> None:
    columns = [*COLUMNS, "subject_source", "object_source"]
    rows = [
        ["a:1", "skos:exactMatch", "b:1", MJ, "0.9", "fw:fa", "fw:fb"],
        ["a:2", "skos:exactMatch", "c:1", MJ, "0.9", "fw:fa", "fw:fc"],
    ]
    # a NoTermFound row of a subject prefix mapped into two frameworks: which one?
    path = write(
        tmp_path, [*rows, ["a:3", "skos:mappingRelation", "sssom:NoTermFound", MJ, "", "", ""]],
        columns=columns,
    )  # fmt: skip
    err = error_of(path)
    assert (err.line, err.column) == (14, 7)
    assert "names fw:fb (line 12) and fw:fc (line 13) for subjects with prefix a:;" in err.message
    assert "put in this cell the framework a:3 has no counterpart in" in err.message
    # an id in a prefix no row and no header names a framework for
    (tmp_path / "none").mkdir()
    header = HEADER.replace("#subject_source: fw:fa\n", "")
    path = write(
        tmp_path / "none", [rows[0], ["c:1", "skos:exactMatch", "b:3", MJ, "0.5", "", "fw:fb"]],
        columns=columns, header=header,
    )  # fmt: skip
    err = error_of(path)
    assert (err.line, err.column) == (12, 6)
    assert (
        "no other row states one for ids with prefix c: and the header states none" in err.message
    )
    assert "put in this cell the framework of c:1" in err.message


def test_a_quoted_cell_is_unquoted_and_an_unclosed_one_is_named(tmp_path: Path) -> None:
    # A spreadsheet quotes a cell holding a '"'; the reader kept the quotes (sssom-py did not).
    columns = [*COLUMNS, "comment"]
    path = write(tmp_path, [["a:1", "skos:exactMatch", "b:1", MJ, "0.9", '"the ""b"" one"']],
                 columns=columns)  # fmt: skip
    assert read_mapping_set(path).rows[0].comment == 'the "b" one'
    (tmp_path / "open").mkdir()
    path = write(tmp_path / "open", [["a:1", "skos:exactMatch", "b:1", MJ, '"0.9', "x"]],
                 columns=columns)  # fmt: skip
    err = error_of(path)
    assert err.line == 12 and "must end with '\"' on its line" in err.message
