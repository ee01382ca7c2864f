"""Small APQC workbooks (Cross-Industry 7.4, Banking 7.2.1 and 7.2.2) and a curated SSSOM
mapping set on 7.4, built in a temporary directory: the identity-across-editions tests
(versions, history, industry-specific elements, inherited mappings) share them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from openpyxl import Workbook

from pcfgraph import iris
from pcfgraph.assemble import assemble
from pcfgraph.release import write_release
from pcfgraph.resources import resource_dir
from pcfgraph.sources import ExtraSources

HEADER = ["PCF ID", "Hierarchy ID", "Name", "Element Description"]
CROSS = [
    [10002, "1.0", "Vision", "A"],
    [17040, "1.1", "Concept", "B"],
    [17041, "1.2", "Gone", "C"],
    [17060, "1.3", "Plan", "F"],
    [17042, "1.3.1", "Stay", "D"],
]
BANKING_721 = [*CROSS, [17070, "1.4", "Bank only", "G"]]
BANKING_722 = [
    [10002, "1.0", "Vision", "A"],  # unchanged
    [17040, "1.1", "Concept renamed", "B"],  # renamed
    [17042, "1.1.1", "Stay", "D"],  # moved: now below 17040 (was below 17060)
    [17060, "1.2", "Plan", "F"],  # renumbered, same parent
    [17050, "1.3", "Fresh", "E"],  # new, and only in Banking
    [17070, "1.4", "Bank only", "G"],  # only in Banking
]  # 17041 removed
#: Curated mappings made on Cross-Industry 7.4: (PCF ID, predicate, PRM-IT code).
MAPPINGS = [
    (10002, "closeMatch", "A2"),
    (17040, "relatedMatch", "A21"),
    (17041, "relatedMatch", "A25"),
    (17042, "broadMatch", "A21"),
    (17060, "exactMatch", "A24"),
]
SSSOM_HEADER = """#curie_map:
#  pcf74: https://w3id.org/pcfgraph/id/apqc-pcf/cross-industry/7.4/
#  prmit: https://w3id.org/pcfgraph/id/prm-it/
#  fw: https://w3id.org/pcfgraph/id/framework/
#  skos: http://www.w3.org/2004/02/skos/core#
#  semapv: https://w3id.org/semapv/vocab/
#mapping_set_id: https://w3id.org/pcfgraph/id/mapping-set/test-identity
#mapping_set_version: "1.0"
#mapping_set_title: "Test mappings on Cross-Industry 7.4"
#license: https://creativecommons.org/licenses/by/4.0/
#subject_source: fw:apqc-pcf-cross-industry-7.4
#object_source: fw:prm-it
subject_id\tpredicate_id\tobject_id\tmapping_justification\tconfidence\tauthor_label
"""


def workbook(path: Path, rows: list[list[Any]]) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Combined"
    for row in [HEADER, *rows]:
        ws.append(row)
    wb.save(path)
    return path


def sources(tmp: Path) -> Path:
    """The workbooks, the mapping set and PRM-IT (the mappings' objects), as a sources file."""
    workbook(tmp / "apqc-pcf-cross-industry-7.4.xlsx", CROSS)
    workbook(tmp / "k01234-banking-v721-vs-banking-v611.xlsx", BANKING_721)
    workbook(tmp / "k01235-banking-v722-vs-banking-v721-2025.xlsx", BANKING_722)
    rows = "".join(
        f"pcf74:{pcf}\tskos:{pred}\tprmit:{code}\tsemapv:ManualMappingCuration\t0.5\ttester\n"
        for pcf, pred, code in MAPPINGS
    )
    (tmp / "test-identity.sssom.tsv").write_text(SSSOM_HEADER + rows, encoding="utf-8")
    return sources_file(tmp, "test-identity.sssom.tsv")


def sources_file(tmp: Path, mapping_set: str) -> Path:
    """A sources file of the workbooks in ``tmp``, PRM-IT and the mapping set ``mapping_set``
    (a file in ``tmp``), without the shipped data."""
    prm_it = resource_dir("data") / "prm-it" / "prm-it.ttl"
    src = tmp / "sources.yaml"
    src.write_text(
        yaml.safe_dump(
            {
                "include_default": False,
                "frameworks": [
                    *(
                        {"kind": "apqc-workbook", "files": [p.name]}
                        for p in sorted(tmp.glob("*.xlsx"))
                    ),
                    {"id": "prm-it", "kind": "turtle", "files": [str(prm_it)]},
                ],
                "mappings": [mapping_set],
            }
        )
    )
    return src


def build_release(tmp: Path) -> Path:
    assembly = assemble(extra=ExtraSources(sources_file=sources(tmp)))
    out = tmp / "release"
    write_release(assembly.store, out, assembly.sources)
    return out


def element_iri(edition: str, version: str, pcf_id: int) -> str:
    return str(iris.apqc_element(edition, version, pcf_id))
