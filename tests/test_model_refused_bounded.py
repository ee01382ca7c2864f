"""A model refused whole names every problem (tests/test_model_refused_whole.py), but a
message is not the file: an Archi file of thousands of relationships to nothing, with
identifiers of a megabyte, was refused in a message naming each one whole, as was a model of
hundreds of unreadable files. A refusal names the first 20 and counts the rest, as the
exchange format's schema refusal does, and quotes each identifier cut."""

from __future__ import annotations

from pathlib import Path

import pytest
from audit_support import EXAMPLES

from pcfgraph.audit import Upload
from pcfgraph.audit.inputs.archimate import read_archimate
from pcfgraph.audit.inputs.archimate_schema import _cut
from pcfgraph.audit.parse import read_model
from pcfgraph.cli import main
from pcfgraph.cli.common import run_main
from pcfgraph.errors import InvalidModelFile, ParseError

HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<archimate:model xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xmlns:archimate="http://www.archimatetool.com/archimate" name="M" id="m">\n'
    '<element xsi:type="archimate:BusinessActor" name="IT" id="org"/>\n'
)
LONG = "x" * 50_000
EXCHANGE = EXAMPLES / "it-organisation-archimate.xml"


def _archi(relationships: int) -> bytes:
    body = "".join(
        f'<element xsi:type="archimate:CompositionRelationship" id="r{i}{LONG}" '
        f'source="org" target="gone{i}{LONG}"/>\n'
        for i in range(relationships)
    )
    return (HEAD + body + "</archimate:model>").encode()


def test_an_archi_file_of_many_broken_relationships_is_refused_in_a_bounded_message() -> None:
    with pytest.raises(InvalidModelFile) as refused:
        read_archimate(_archi(500), "m.archimate", native=True)
    message = str(refused.value)
    assert refused.value.line == 4
    assert "500 problems in all" in message and message.endswith("; and 480 more"), message[-200:]
    assert message.count("is no element or relationship of the model") == 20
    assert "(50006 characters)" in message  # an identifier is quoted cut, saying its length
    assert len(message) < 20 * 500, len(message)


def test_a_model_of_many_unreadable_files_is_refused_in_a_bounded_message() -> None:
    uploads = [Upload(f"f{i}.ttl", b"@prefix : <urn:x:> .\n:a :b ;; .\n") for i in range(300)]
    with pytest.raises(ParseError) as refused:
        read_model(uploads)
    message = str(refused.value)
    assert message.startswith("f0.ttl, line ") and message.endswith("; and 280 more (300 problems)")
    assert "f19.ttl, line" in message and "f20.ttl" not in message
    assert refused.value.detail.endswith("(300 problems)")


def test_the_cli_prints_the_bounded_refusal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "m.archimate"
    model.write_bytes(_archi(200))
    code = run_main(main, ["audit", str(model)])
    err = capsys.readouterr().err
    assert code == 2
    assert "200 problems in all" in err and "; and 180 more" in err, err[-300:]
    assert len(err) < 20_000, len(err)


def test_an_exchange_file_of_huge_bad_identifiers_is_refused_in_a_bounded_message() -> None:
    """libxml2 quotes the value each schema error is on whole: 20 errors named, on
    identifiers of 40,000 characters, were a message of 800,000."""
    data = EXCHANGE.read_bytes().replace(b'identifier="id-', b'identifier="' + b"9" * 40_000, 30)
    with pytest.raises(InvalidModelFile) as refused:
        read_archimate(data, "m.xml")
    message = str(refused.value)
    assert "not a valid ArchiMate exchange model" in message and "errors in all" in message
    assert "is not a valid value of the atomic type 'xs:ID'" in message, message[:400]
    assert "characters) is not a valid value" in message and len(message) < 20 * 600, len(message)
    for text in ("it's " * 2_000, "'" + "x" * 5_000):  # quotes in the value too
        assert len(_cut(f"Element 'a': '{text}' is not valid")) < 600
