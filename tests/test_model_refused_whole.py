"""Input refused whole names every problem, not the first only: an auditor who fixed the one
problem named and sent the model again was refused for the next, one upload at a time."""

from __future__ import annotations

from pathlib import Path

import pytest
from audit_support import CONFORMING, EXAMPLES

from pcfgraph.audit import Upload
from pcfgraph.audit.inputs.archimate import read_archimate
from pcfgraph.audit.parse import read_model
from pcfgraph.cli import main
from pcfgraph.cli.common import run_main
from pcfgraph.errors import InvalidModelFile, ParseError

EXAMPLE = EXAMPLES / "it-organisation-archimate.xml"


def _lines_with(text: str, needle: str) -> list[int]:
    return [i for i, line in enumerate(text.splitlines(), 1) if needle in line]


def test_every_schema_error_of_an_exchange_file_is_named_with_its_line() -> None:
    """Two elements of a mistyped type: the refusal named the first one's line only."""
    bad = EXAMPLE.read_text(encoding="utf-8").replace(
        'xsi:type="BusinessService"', 'xsi:type="BusinesService"'
    )
    lines = _lines_with(bad, "BusinesService")
    assert len(lines) >= 2
    with pytest.raises(InvalidModelFile) as err:
        read_archimate(bad.encode(), "bad.xml")
    assert err.value.line == lines[0] and err.value.http_status == 422
    message = str(err.value)
    assert message.startswith(
        f"bad.xml, line {lines[0]}, column 5: not a valid ArchiMate exchange model (Open Group "
        "schema 3.x): Element 'element', attribute 'type': The QName value 'BusinesService'"
    )
    assert "errors in all" in message
    for line in lines[1:]:
        assert f"line {line}, column 5: Element 'element', attribute 'type'" in message


def test_every_file_of_a_model_that_cannot_be_read_is_named() -> None:
    """A model of three files, two of them unreadable: each is named with its problem, and
    the error is the first one's (its status, line and column)."""
    turtle = b"@prefix : <urn:x:> .\n:a :b ;; .\n"
    archimate = EXAMPLE.read_bytes().replace(b'"BusinessService"', b'"BusinesService"', 1)
    uploads = [
        Upload("people.ttl", turtle),
        Upload("org.ttl", CONFORMING.read_bytes()),
        Upload("landscape.xml", archimate),
    ]
    with pytest.raises(ParseError) as err:
        read_model(uploads)
    message = str(err.value)
    assert message.startswith("people.ttl, line ")
    assert "landscape.xml, line " in message and "not a valid ArchiMate" in message
    assert "org.ttl" not in message and message.endswith("(2 problems)")
    assert err.value.http_status == 400 and err.value.line is not None
    assert err.value.detail.endswith("(2 problems)")  # as MCP and the workbench show it


def test_the_cli_names_every_file_it_cannot_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = tmp_path / "a.ttl", tmp_path / "b.ttl"
    first.write_text("@prefix : <urn:x:> .\n:a :b ;; .\n", encoding="utf-8")
    second.write_text("@prefix : <urn:x:> .\n:a :b :c\n", encoding="utf-8")
    code = run_main(main, ["audit", str(first), str(second)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{first}, line 2" in err and f"{second}, line " in err, err


def test_every_identifier_problem_of_an_archi_file_is_named() -> None:
    """Archi's format has no schema: an identifier used twice and a relationship to nothing
    are checked here, and the refusal named the first only."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<archimate:model xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xmlns:archimate="http://www.archimatetool.com/archimate" name="M" id="m">',
        '<element xsi:type="archimate:BusinessActor" name="IT" id="org"/>',
        '<element xsi:type="archimate:BusinessActor" name="Finance" id="org"/>',
        '<element xsi:type="archimate:CompositionRelationship" id="r1" source="org" '
        'target="unti"/>',
        "</archimate:model>",
    ]
    with pytest.raises(InvalidModelFile) as refused:
        read_archimate("\n".join(lines).encode(), "m.archimate", native=True)
    assert refused.value.line == 4
    assert str(refused.value) == (
        "m.archimate, line 4, column 1: identifier 'org' is used twice (first at line 3); "
        "2 problems in all; also line 5: relationship 'r1': its target 'unti' is no element "
        "or relationship of the model"
    )
