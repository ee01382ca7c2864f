"""A curator's set that names APQC PCF elements keeps APQC's notice (data/README.md: every
set that quotes PCF names keeps it in its SSSOM ``comment``). A set without it was built
without a word and exported as SSSOM quoting PCF names with no notice at all (the graph alone
stated the rights); the build now names the file, and the export adds the notice."""

from __future__ import annotations

import pytest
import yaml
from identity_support import CROSS, SSSOM_HEADER, sources_file, workbook

from pcfgraph.assemble import Assembly, assemble
from pcfgraph.mappings.export import export_bytes
from pcfgraph.mappings.notice import SET_NOTICE
from pcfgraph.queries import QueryCatalog
from pcfgraph.sources import ExtraSources

ROW = "pcf74:17040\tskos:closeMatch\tprmit:A21\tsemapv:ManualMappingCuration\t0.7\ttester\n"
OWN_COMMENT = "Confidence is how well the definitions line up."
NOTED = f"©2024 APQC. ALL RIGHTS RESERVED. Used with permission. {OWN_COMMENT}"


def _set(stem: str, comment: str | None) -> str:
    head = SSSOM_HEADER.replace("mapping-set/test-identity", f"mapping-set/{stem}")
    if comment is not None:
        head = head.replace("#object_source:", f"#comment: {comment!r}\n#object_source:")
    return head + ROW


@pytest.fixture(scope="module")
def assembly(tmp_path_factory: pytest.TempPathFactory) -> Assembly:
    tmp = tmp_path_factory.mktemp("notice")
    workbook(tmp / "apqc-pcf-cross-industry-7.4.xlsx", CROSS)
    (tmp / "plain.sssom.tsv").write_text(_set("plain", OWN_COMMENT), encoding="utf-8")
    (tmp / "bare.sssom.tsv").write_text(_set("bare", None), encoding="utf-8")
    (tmp / "noted.sssom.tsv").write_text(_set("noted", NOTED), encoding="utf-8")
    return assemble(extra=ExtraSources(sources_file=sources_file(tmp, "*.sssom.tsv")))


def test_the_build_names_each_set_without_the_notice(assembly: Assembly) -> None:
    unnoticed = [w for w in assembly.warnings if "APQC's notice" in w]
    assert len(unnoticed) == 2, assembly.warnings
    assert {w.split(":")[0].rsplit("/", 1)[-1] for w in unnoticed} == {
        "plain.sssom.tsv",
        "bare.sssom.tsv",
    }
    assert all("data/README.md" in w for w in unnoticed)


def _comment(data: bytes, fmt: str) -> str:
    text = data.decode("utf-8")
    if fmt == "sssom-json":
        import json

        return str(json.loads(text)["comment"])
    header = "\n".join(line[1:] for line in text.splitlines() if line.startswith("#"))
    return str(yaml.safe_load(header)["comment"])


@pytest.mark.parametrize("fmt", ["sssom-tsv", "sssom-json"])
def test_the_export_carries_the_notice(assembly: Assembly, fmt: str) -> None:
    catalog = QueryCatalog()
    plain = _comment(export_bytes(assembly.store, catalog, "plain", fmt), fmt)
    assert plain == f"{SET_NOTICE} {OWN_COMMENT}"
    assert _comment(export_bytes(assembly.store, catalog, "bare", fmt), fmt) == SET_NOTICE
    # a set that carries it already is exported as written
    assert _comment(export_bytes(assembly.store, catalog, "noted", fmt), fmt) == NOTED
