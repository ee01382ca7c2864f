"""A workbook's framework graph with Turtle supplements (as the shipped PCF 7.4 with its
measures supplement) is checked whole in its import worker, so the build does not check it
again; a supplement that breaks a shape leaves the graph to the build's own check."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from identity_support import workbook

from pcfgraph import iris
from pcfgraph.assemble import assemble
from pcfgraph.errors import ReleaseError
from pcfgraph.release import build_release
from pcfgraph.release_verify import verify_release
from pcfgraph.sources import ExtraSources
from pcfgraph.workbook_cache import entry_key

SKOS = "http://www.w3.org/2004/02/skos/core#"
GRAPH = str(iris.framework_graph("apqc-pcf-banking-7.3.1"))


def sources(tmp: Path, supplement: str) -> ExtraSources:
    workbook(
        tmp / "k01234-banking-v731.xlsx",
        [[10002, "1.0", "Vision", "Def"], [17040, "1.1", "Concept", "D"]],
    )
    (tmp / "supplement.ttl").write_text(supplement, encoding="utf-8")
    entry = {
        "kind": "apqc-workbook",
        "files": ["k01234-banking-v731.xlsx"],
        "supplements": ["supplement.ttl"],
    }
    (tmp / "sources.yaml").write_text(
        yaml.safe_dump({"include_default": False, "frameworks": [entry]})
    )
    return ExtraSources(sources_file=tmp / "sources.yaml")


def element(pcf_id: int) -> str:
    return str(iris.apqc_element("Banking", "7.3.1", pcf_id))


@pytest.fixture(autouse=True)
def no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PCFGRAPH_CACHE_DIR", "off")


def test_a_clean_supplement_is_checked_with_its_workbook(tmp_path: Path) -> None:
    extra = sources(tmp_path, f'<{element(17040)}> <{SKOS}scopeNote> "More."@en .\n')
    assembly = assemble(extra=extra)
    assert assembly.validated_graphs == frozenset({GRAPH})
    assert verify_release(build_release(extra)).validated_graphs == frozenset({GRAPH})


def test_a_supplement_breaking_a_shape_is_found_by_the_build(tmp_path: Path) -> None:
    extra = sources(tmp_path, f'<{element(17040)}> <{SKOS}notation> "9.9" .\n')  # maxCount 1
    assert assemble(extra=extra).validated_graphs == frozenset()  # the workbook alone passed
    with pytest.raises(ReleaseError, match=element(17040)):
        verify_release(build_release(extra))


def test_the_cache_key_covers_the_supplements(tmp_path: Path) -> None:
    sources(tmp_path, "")
    book, extra = tmp_path / "k01234-banking-v731.xlsx", tmp_path / "supplement.ttl"
    alone = entry_key(book, None, None)
    with_it = entry_key(book, None, None, [extra])
    extra.write_text(f'<{element(17040)}> <{SKOS}scopeNote> "Other."@en .\n', encoding="utf-8")
    assert len({alone, with_it, entry_key(book, None, None, [extra])}) == 3
