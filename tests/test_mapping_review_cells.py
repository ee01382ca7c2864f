"""What ``mappings review`` and ``mappings suggest`` write into an SSSOM/TSV cell reads back
as it was meant, as the TSV export's cells do (``mappings/sssom_cells.py``): a reviewer whose
name holds ``|`` (which separates a multivalued cell's values) is refused naming it, before
any suggestion is asked about, and a cell starting with ``"`` is quoted."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner
from gql_support import shared_catalog

from pcfgraph.cli import main
from pcfgraph.cli.common import run_main
from pcfgraph.errors import InputError
from pcfgraph.mappings import read_mapping_set
from pcfgraph.mappings.review import Decision, apply_decisions, read_suggestions
from pcfgraph.mappings.suggest import Item, Suggestion, suggest, to_sssom_tsv
from pcfgraph.release import Release
from pcfgraph.resources import resource_dir

APQC, ITCMF = "apqc-pcf-cross-industry-7.4", "it-cmf"
CURATED = "pcf-8.1-to-it-cmf-rm.sssom.tsv"
TWO = "A. Doe | ITSM review board"


def files(release: Release, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of a shipped curated set and a suggestions file towards it."""
    curated = tmp_path / CURATED
    shutil.copy(resource_dir("data") / "mappings" / CURATED, curated)
    found = suggest(release.store, shared_catalog(), APQC, ITCMF, top=1)
    sfile = tmp_path / "suggested.sssom.tsv"
    prefixes = dict(read_mapping_set(curated).declared_prefixes)
    sfile.write_bytes(to_sssom_tsv(found, APQC, ITCMF, model="lexical", prefixes=prefixes))
    return curated, sfile


def test_a_reviewer_holding_a_pipe_is_refused_naming_it_and_nothing_is_written(
    shipped_release: Release, tmp_path: Path
) -> None:
    """``--reviewer "A. Doe | ITSM review board"`` was written into reviewer_label and
    author_label, which SSSOM/TSV (and sssom-py) read back as two reviewers."""
    curated, sfile = files(shipped_release, tmp_path)
    before = curated.read_bytes(), sfile.read_bytes()
    pending = read_suggestions(sfile)
    with pytest.raises(InputError) as caught:
        apply_decisions(
            sfile, [Decision(pending[0], "accept")], reviewer=TWO, store=shipped_release.store,
            catalog=shared_catalog(), curated=curated,
        )  # fmt: skip
    assert str(caught.value) == (
        "--reviewer 'A. Doe | ITSM review board' holds '|', which separates the values of an "
        "SSSOM/TSV cell: its reviewer_label and author_label would read back as 2 reviewers "
        "('A. Doe', 'ITSM review board'); write the name without '|' (e.g. 'J. Doe, ITSM "
        "review')"
    )
    assert (curated.read_bytes(), sfile.read_bytes()) == before


def test_the_cli_refuses_such_a_reviewer_before_asking_about_any_suggestion(
    shipped_release: Release, tmp_path: Path
) -> None:
    """Asked one suggestion after the other, the steward learnt of it (if at all) only after
    deciding them all."""
    curated, sfile = files(shipped_release, tmp_path)
    before = curated.read_bytes(), sfile.read_bytes()
    args = ["mappings", "review", str(sfile), "--reviewer", TWO, "--into", str(curated)]
    res = CliRunner().invoke(main, args, input="a\nq\n")
    assert isinstance(res.exception, InputError), res.output
    assert "holds '|', which separates the values of an SSSOM/TSV cell" in str(res.exception)
    assert "[a]ccept" not in res.output  # nothing was asked
    assert run_main(main, [*args, "--accept", read_suggestions(sfile)[0].id]) == 2
    assert (curated.read_bytes(), sfile.read_bytes()) == before


def test_a_reviewer_starting_with_a_quote_reads_back_as_written(
    shipped_release: Release, tmp_path: Path
) -> None:
    """A cell starting with '"' is a quoted one to SSSOM/TSV readers: '"Ops" team' was written
    as it is and read back as 'Ops team' (by pcfgraph and sssom-py alike)."""
    curated, sfile = files(shipped_release, tmp_path)
    pending = read_suggestions(sfile)
    reviewer = '"Ops" team, ITSM review'
    apply_decisions(
        sfile, [Decision(pending[0], "reject")], reviewer=reviewer, store=shipped_release.store,
        catalog=shared_catalog(), curated=curated,
    )  # fmt: skip
    row = read_mapping_set(curated).rows[-1]
    assert row.values("reviewer_label") == (reviewer,)
    assert row.author_labels == (reviewer,)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from sssom.parsers import parse_sssom_table

        table = parse_sssom_table(str(curated)).df
    labels = {str(v) for v in table["reviewer_label"]}
    assert reviewer in labels or str([reviewer]) in labels
    assert not any("Ops team" in label for label in labels)


def test_suggest_quotes_a_name_starting_with_a_quote(tmp_path: Path) -> None:
    """An element named '"Run" the business' was written into subject_label as it is, and
    read back as 'Run the business'."""
    subject = Item("https://example.org/a/1", APQC, '"Run" the business')
    target = Item("https://example.org/b/2", ITCMF, "Business planning")
    found = [Suggestion(subject, target, 0.5, 0.5, 0.5)]
    path = tmp_path / "s.sssom.tsv"
    path.write_bytes(to_sssom_tsv(found, APQC, ITCMF, model="lexical", prefixes={}))
    row = read_mapping_set(path, curated=False).rows[0]
    assert (row.subject_label, row.object_label) == ('"Run" the business', "Business planning")
