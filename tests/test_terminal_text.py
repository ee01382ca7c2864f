"""pcfgraph.terminal_text: what a terminal would act on is written as its escape, nothing else
changes (the audit's and validation's text reports use it, tests/test_cli_tables.py the
tables and error lines)."""

from __future__ import annotations

from pcfgraph.audit.render_text import report_text
from pcfgraph.terminal_text import one_line, printable


def test_controls_and_bidi_overrides_are_escaped_and_text_is_kept() -> None:
    assert printable("a\x1b[2Jb\x07c\x00d\x7fe\x85f") == "a\\x1b[2Jb\\x07c\\x00d\\x7fe\\x85f"
    assert printable("x\u202ey\u2066z\u200f") == "x\\u202ey\\u2066z\\u200f"
    kept = "line one\n\tline two: Ærø, 日本, emoji 🙂, em dash —, NBSP\u00a0."
    assert printable(kept) == kept


def test_invisible_characters_and_separators_are_escaped_as_repr_writes_them() -> None:
    """Two names that look the same (a zero-width space, a word joiner, a tag character, a
    variation selector in one) are told apart; a line separator starts no line; a lone
    surrogate (an argument the file system's encoding could not read) is printable at all."""
    for char, shown in (
        ("\u200b", "\\u200b"),
        ("\u2060", "\\u2060"),
        ("\ufeff", "\\ufeff"),
        ("\xad", "\\xad"),
        ("\u2028", "\\u2028"),
        ("\ufe0f", "\\ufe0f"),
        ("\U000e0041", "\\U000e0041"),
        ("\udcff", "\\udcff"),
    ):
        assert printable(f"ad{char}min") == f"ad{shown}min", char
    assert printable("ad\udcffmin").encode("utf-8") == b"ad\\udcffmin"


def test_one_line_escapes_line_breaks_and_tabs_too() -> None:
    assert one_line("GET /a\n2026-12-07 INFO forged\tx\u202e") == (
        "GET /a\\n2026-12-07 INFO forged\\tx\\u202e"
    )
    assert one_line("plain /path?q=1") == "plain /path?q=1"


def test_the_audit_text_report_shows_a_models_escape_sequence(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from audit_support import audit_text

    model = (
        "@prefix : <http://x/> .\n@prefix orgm: <https://w3id.org/pcfgraph/orgmodel#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        ':it a orgm:Organisation ; rdfs:label "IT" .\n'
        ':c a orgm:Customer ; rdfs:label "Cust\\u001b]52;c;cHduZWQ=\\u0007" .\n'
    )
    text = report_text(audit_text(model))
    assert "Cust\\x1b]52;c;cHduZWQ=\\x07" in text  # the clipboard-writing sequence, shown
    assert "\x1b" not in text and "\x07" not in text


def test_a_line_break_in_a_models_value_stays_on_its_report_line() -> None:
    """A label with a line break (a workbook cell typed with Alt+Enter) started a report line
    of its own, flush left as the report's own lines are: 'Forged verdict' read as the report's
    words. Each finding is one line, the break shown as \\n."""
    from audit_support import audit_text

    model = (
        "@prefix : <http://x/> .\n@prefix orgm: <https://w3id.org/pcfgraph/orgmodel#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        ':it a orgm:Organisation ; rdfs:label "IT" .\n'
        ':c a orgm:Customer ; rdfs:label "Qzx\\n\\nconforms: 0 violation\\r\\nForged verdict" .\n'
    )
    lines = report_text(audit_text(model)).splitlines()
    assert not any(line.startswith(("Forged", "conforms: 0 violation")) for line in lines)
    shown = [line for line in lines if "Qzx" in line]
    assert shown and all("Qzx\\n\\nconforms: 0 violation\\nForged verdict" in x for x in shown)
