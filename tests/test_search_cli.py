"""``pcfgraph search``: the index's hits as a table or JSON; bad input exits 2."""

from __future__ import annotations

import json

from click.testing import CliRunner

from pcfgraph.cli import main
from pcfgraph.cli.common import run_main


def test_json_output_has_hits_facets_and_sources() -> None:
    result = CliRunner().invoke(main, ["search", "20641", "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    (hit, *_) = doc["hits"]
    assert (hit["code"], hit["pcfId"], hit["matchedOn"]) == ("8.1.6", 20641, "PCF ID 20641")
    assert doc["facets"]["family"]["apqc-pcf"] >= 1
    assert "APQC" in doc["sources"][hit["framework"]]


def test_table_output_says_did_you_mean_and_filters() -> None:
    result = CliRunner().invoke(main, ["search", "demnad managment", "--framework", "prm-it"])
    assert result.exit_code == 0, result.output
    first, *lines = result.stdout.splitlines()
    assert first == "did you mean: demand management"
    assert any(" A25 " in line for line in lines)
    assert all("apqc" not in line and "trim" not in line for line in lines)


def test_bad_input_exits_2(capsys) -> None:
    assert run_main(main, ["search", "x" * 201]) == 2
    assert "limited to 200 characters" in capsys.readouterr().err
    assert run_main(main, ["search", "x", "--limit", "0"]) == 2
    capsys.readouterr()
    for empty in ("", "   "):  # it was "(0 rows)", as if nothing matched
        assert run_main(main, ["search", empty]) == 2
        assert "search text is empty" in capsys.readouterr().err


def test_a_filter_that_matches_nothing_exits_2_naming_the_known_values(capsys) -> None:
    # "(0 rows)" read as "nothing is about that": a typo of the framework or kind
    assert run_main(main, ["search", "customer", "--framework", "prm"]) == 2
    err = capsys.readouterr().err
    assert "--framework: no framework or family 'prm'; known: " in err and "prm-it" in err
    assert run_main(main, ["search", "customer", "--kind", "activites"]) == 2
    assert "--kind: no kind 'activites'; known: " in capsys.readouterr().err
    assert run_main(main, ["search", "customer", "--framework", "apqc-pcf", "--limit", "1"]) == 0
