"""Every SSSOM file pcfgraph writes names each framework edition with a CURIE whose prefix
its ``curie_map`` declares. Before, ``mappings suggest`` towards (or from) an APQC edition no
curated set declares (Banking 7.2.2 here, Utilities 7.2.1 by hand) wrote its elements as full
IRIs, and so did ``mappings export`` of a set that wrote them so: SSSOM/TSV wants CURIEs."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from identity_support import BANKING_722, CROSS, element_iri, sources_file, workbook

from pcfgraph import iris, services
from pcfgraph.assemble import assemble
from pcfgraph.diff import side_from_store, under
from pcfgraph.errors import InputError
from pcfgraph.mappings.export import export_bytes
from pcfgraph.mappings.review import read_suggestions
from pcfgraph.mappings.sssom import read_mapping_set
from pcfgraph.mappings.suggest import suggest, to_sssom_tsv
from pcfgraph.queries import QueryCatalog
from pcfgraph.release import Release, load_release, write_release
from pcfgraph.sources import ExtraSources

BANKING = "apqc-pcf-banking-7.2.2"
BANK_NS = "https://w3id.org/pcfgraph/id/apqc-pcf/banking/7.2.2/"
#: A set on Banking 7.2.2 whose author wrote the Banking elements as full IRIs.
SSSOM = f"""#curie_map:
#  prmit: https://w3id.org/pcfgraph/id/prm-it/
#  fw: https://w3id.org/pcfgraph/id/framework/
#  skos: http://www.w3.org/2004/02/skos/core#
#  semapv: https://w3id.org/semapv/vocab/
#mapping_set_id: https://w3id.org/pcfgraph/id/mapping-set/test-banking
#mapping_set_version: "1.0"
#license: https://creativecommons.org/licenses/by/4.0/
#subject_source: fw:{BANKING}
#object_source: fw:prm-it
subject_id\tpredicate_id\tobject_id\tmapping_justification\tconfidence\tauthor_label
{BANK_NS}17070\tskos:closeMatch\tprmit:A21\tsemapv:ManualMappingCuration\t0.7\ttester
"""


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Release:
    tmp = tmp_path_factory.mktemp("edition-prefixes")
    workbook(tmp / "apqc-pcf-cross-industry-7.4.xlsx", CROSS)
    workbook(tmp / "k01235-banking-v722-vs-banking-v721-2025.xlsx", BANKING_722)
    (tmp / "test-banking.sssom.tsv").write_text(SSSOM, encoding="utf-8")
    assembly = assemble(
        extra=ExtraSources(sources_file=sources_file(tmp, "test-banking.sssom.tsv"))
    )
    write_release(assembly.store, tmp / "release", assembly.sources)
    return load_release(tmp / "release")


def test_the_prefixes_are_minted_once_for_every_edition() -> None:
    """Cross-Industry keeps the prefix the curated sets write; an industry edition's names
    its industry; the other frameworks keep theirs."""
    assert iris.sssom_prefix(element_iri("Cross-Industry", "7.4", 20608)) == (
        "pcf74",
        iris.apqc_namespace("Cross-Industry", "7.4"),
    )
    assert iris.sssom_prefix(element_iri("Utilities", "7.2.1", 10002)) == (
        "pcf721-utilities",
        "https://w3id.org/pcfgraph/id/apqc-pcf/utilities/7.2.1/",
    )
    assert iris.sssom_prefix(str(iris.prm_it("A24")))[0] == "prmit"  # type: ignore[index]
    assert iris.sssom_prefix(str(iris.apqc_stable_element(20608))) is None
    # a file's own prefix for a namespace wins: none minted beside it
    own = {"bank": BANK_NS}
    assert iris.with_sssom_prefixes(own, [BANK_NS + "17070"]) == own


def _cells(text: str, *columns: str) -> list[str]:
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    head = lines[0].split("\t")
    return [line.split("\t")[head.index(c)] for line in lines[1:] for c in columns]


@pytest.mark.parametrize("towards", [True, False], ids=["from-banking", "to-banking"])
def test_suggestions_name_an_edition_with_a_declared_prefix(
    release: Release, tmp_path: Path, towards: bool
) -> None:
    source, target = (BANKING, "prm-it") if towards else ("prm-it", BANKING)
    found = suggest(release.store, QueryCatalog(), source, target, top=2)
    assert found
    data = to_sssom_tsv(found, source, target, model="lexical", prefixes={})
    text = data.decode("utf-8")
    ends = _cells(text, "subject_id", "object_id")
    assert not [c for c in ends if "://" in c]
    assert {c.partition(":")[0] for c in ends} == {"pcf722-banking", "prmit"}
    path = tmp_path / "s.sssom.tsv"
    path.write_bytes(data)
    assert read_mapping_set(path, curated=False).declared_prefixes["pcf722-banking"] == BANK_NS
    read = {(str(s.row.subject), str(s.row.object)) for s in read_suggestions(path)}
    assert read == {(x.subject.iri, x.object.iri) for x in found}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from sssom.parsers import parse_sssom_table

        msdf = parse_sssom_table(str(path))
    assert msdf.converter.expand("pcf722-banking:17070") == BANK_NS + "17070"


@pytest.mark.parametrize("fmt", ["sssom-tsv", "sssom-json"])
def test_an_export_names_an_edition_written_in_full_with_a_prefix(
    release: Release, tmp_path: Path, fmt: str
) -> None:
    """The set wrote ``<banking IRI>``: its export writes ``pcf722-banking:17070`` and
    declares the prefix, and reads back as the same row."""
    data = export_bytes(release.store, QueryCatalog(), "test-banking", fmt)
    text = data.decode("utf-8")
    assert "pcf722-banking:17070" in text
    assert f"{BANK_NS}17070" not in text
    path = tmp_path / f"test-banking.{fmt.replace('-', '.')}"
    path.write_bytes(data)
    back = read_mapping_set(path)
    assert back.declared_prefixes["pcf722-banking"] == BANK_NS
    assert [(str(r.subject), str(r.object)) for r in back.rows] == [
        (BANK_NS + "17070", str(iris.prm_it("A21")))
    ]


def test_review_into_a_set_without_the_prefix_names_the_line_to_add(
    release: Release, tmp_path: Path
) -> None:
    from pcfgraph.errors import InputError
    from pcfgraph.mappings.review import Decision, apply_decisions

    found = suggest(release.store, QueryCatalog(), BANKING, "prm-it", top=1)
    path = tmp_path / "s.sssom.tsv"
    path.write_bytes(to_sssom_tsv(found, BANKING, "prm-it", model="lexical", prefixes={}))
    curated = tmp_path / "test-banking.sssom.tsv"
    curated.write_text(SSSOM, encoding="utf-8")
    first = read_suggestions(path)[0]
    with pytest.raises(InputError, match=f"add 'pcf722-banking: {BANK_NS}' to it"):
        apply_decisions(
            path,
            [Decision(first, "accept")],
            reviewer="QA",
            store=release.store,
            catalog=QueryCatalog(),
            curated=curated,
        )
    assert curated.read_text(encoding="utf-8") == SSSOM  # nothing half-written


def test_an_editions_curie_names_its_element_where_an_element_is_asked_for(
    release: Release,
) -> None:
    """``pcf722-banking:17070``, as these files write it, is that element (``gaps --under``,
    GraphQL, MCP) and, for ``diff --under``, its PCF ID on either side; a prefix of no edition
    of either side is refused naming theirs."""
    catalog = QueryCatalog()
    reader = services.Reader(release.store, catalog)
    assert services.element_named(reader, "pcf722-banking:17070", None).iri == BANK_NS + "17070"
    cross_id = "apqc-pcf-cross-industry-7.4"
    old = side_from_store(release.store, catalog, cross_id)
    new = side_from_store(release.store, catalog, BANKING)
    assert under(old, new, "pcf722-banking:17040") == under(old, new, "17040")
    assert under(old, new, "pcf74:17042") == under(old, new, "17042")
    with pytest.raises(InputError, match=r"'prmit:A2' names no element .*pcf722-banking, pcf74"):
        under(old, new, "prmit:A2")


def test_suggestions_carry_the_notices_of_the_names_they_quote(
    release: Release, tmp_path: Path
) -> None:
    """``mappings suggest`` wrote SSSOM whose rows quote PCF names (``subject_label``) and
    PRM-IT's (``object_label``) under a CC BY licence and no notice at all, where an exported
    set's ``comment`` carries APQC's: the file's comment now carries each framework's notice,
    the edition's own (:attr:`services.Framework.attribution`)."""
    from click.testing import CliRunner

    from pcfgraph.cli import main

    assert release.path is not None
    out = tmp_path / "suggested.sssom.tsv"
    result = CliRunner().invoke(
        main,
        ["mappings", "suggest", "--source", BANKING, "--target", "prm-it", "--top", "1",
         "--release", str(release.path), "-o", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    reader = services.Reader(release.store, QueryCatalog())
    notices = {fid: services.framework(reader, fid, required=True).attribution  # type: ignore[union-attr]
               for fid in (BANKING, "prm-it")}  # fmt: skip
    assert all(notices.values())
    comment = read_mapping_set(out, curated=False).comment
    assert comment == " ".join(f"{fid} names and identifiers: {n}" for fid, n in notices.items())
    assert read_suggestions(out)  # and review still reads it
