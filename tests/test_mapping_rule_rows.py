"""A shape or check failing on a curated mapping record names the SSSOM file and row the
steward edits (as the reader does for the mistakes it finds itself), not only the record's IRI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from pcfgraph.cli import main
from pcfgraph.errors import ReleaseError
from pcfgraph.release import build_release
from pcfgraph.release_verify import verify_release
from pcfgraph.resources import resource_dir
from pcfgraph.sources import ExtraSources
from pcfgraph.validation import validate_store

ID = "https://w3id.org/pcfgraph/id/"
HEADER = f"""#curie_map:
#  prmit: {ID}prm-it/
#  trim: {ID}trim/
#  fw: {ID}framework/
#mapping_set_id: {ID}mapping-set/prm-it-to-trim
#license: https://creativecommons.org/licenses/by/4.0/
#subject_source: fw:prm-it
#object_source: fw:trim
subject_id\tpredicate_id\tpredicate_modifier\tobject_id\tmapping_justification\tconfidence\tcomment
"""
MJ = "semapv:ManualMappingCuration"
ROWS = [
    # line 10: a NoTermFound row without its reason (shapes/NoCounterpartReasonShape)
    ["prmit:A22", "skos:mappingRelation", "", "sssom:NoTermFound", MJ, "", ""],
    # line 11: the reviewers said A24 is not even related to SLM ...
    ["prmit:A24", "skos:relatedMatch", "Not", "trim:process/service-level-management", MJ, "",
     "rejected"],
    ["prmit:A21", "skos:relatedMatch", "", "trim:function/customer-management", MJ, "0.5", "ok"],
    # line 13: ... and this row maps them (checks/negative-contradiction-violation)
    ["prmit:A24", "skos:closeMatch", "", "trim:process/service-level-management", MJ, "0.8",
     "contradicts line 11"],
]  # fmt: skip


@pytest.fixture
def sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ExtraSources:
    monkeypatch.setenv("PCFGRAPH_CACHE_DIR", "off")
    data = resource_dir("data")
    (tmp_path / "prm-it-to-trim.sssom.tsv").write_text(
        HEADER + "".join("\t".join(r) + "\n" for r in ROWS), encoding="utf-8"
    )
    doc = {
        "include_default": False,
        "frameworks": [
            {"id": "prm-it", "kind": "turtle", "files": [str(data / "prm-it/prm-it.ttl")]},
            {"id": "trim", "kind": "turtle", "files": [str(data / "trim/trim-customer-management.ttl")]},
        ],
        "mappings": ["prm-it-to-trim.sssom.tsv"],
    }  # fmt: skip
    (tmp_path / "sources.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    return ExtraSources(sources_file=tmp_path / "sources.yaml")


def test_a_refused_release_names_the_rows_of_the_mapping_file(
    sources: ExtraSources, tmp_path: Path
) -> None:
    path = tmp_path / "prm-it-to-trim.sssom.tsv"
    with pytest.raises(ReleaseError) as info:
        verify_release(build_release(sources))
    message = str(info.value)
    assert f"{path}, line 10: shapes/NoCounterpartReasonShape at <" in message
    assert f"{path}, line 11: checks/negative-contradiction-violation at <" in message
    # the record the check names in its message is the row that contradicts it
    assert "(prm-it-to-trim.sssom.tsv line 13)" in message


def test_validate_gives_each_finding_on_a_mapping_record_its_file_and_line(
    sources: ExtraSources, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "prm-it-to-trim.sssom.tsv"
    release = build_release(sources)
    report = validate_store(release.store, record_lines=release.record_lines)
    found = {(f.rule, f.where) for f in report.findings if f.severity == "Violation"}
    assert found == {
        ("shapes/NoCounterpartReasonShape", f"{path}, line 10"),
        ("checks/negative-contradiction-violation", f"{path}, line 11"),
    }
    # and so does the command, in text and JSON
    monkeypatch.setenv("PCFGRAPH_SOURCES_FILE", str(tmp_path / "sources.yaml"))
    text = CliRunner().invoke(main, ["validate"])
    assert text.exit_code == 1 and f"({path}, line 10)" in text.output
    doc = CliRunner().invoke(main, ["validate", "--format", "json"])
    wheres = {r["rule"]: r["where"] for r in json.loads(doc.output)["results"]}
    assert wheres["checks/negative-contradiction-violation"] == f"{path}, line 11"
