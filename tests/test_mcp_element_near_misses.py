"""An element reference that names nothing says what it is close to. "no element has the IRI,
PCF ID or code 'A244'" was all an assistant heard for a typo (A244 for A24, 8.1.6.99 under
8.1.6, a truncated PCF ID) or for a name given as the element (which search finds): it
guessed again, or told its user there was no such element."""

from __future__ import annotations

from typing import Any

from mcp import Client
from mcp_support import refused
from mcp_support import session_without_pool as session

from pcfgraph.release import Release

APQC = "apqc-pcf-cross-industry-7.4"


def test_an_unknown_element_names_the_closest_ones(shipped_release: Release) -> None:
    asked: list[tuple[str, dict[str, Any]]] = [
        ("get_element", {"element": "A244"}),
        ("get_element", {"element": "8.1.6.99", "framework": APQC}),
        ("get_element", {"element": "2064"}),
        ("get_mappings", {"element": "Service Level Managment"}),
        ("element_history", {"element": "prm-it/A244"}),
        ("get_element", {"element": "zzzz"}),
    ]
    answers: list[str] = []

    async def body(client: Client) -> None:
        for tool, arguments in asked:
            answers.append(await refused(client, tool, arguments))

    session(shipped_release, body)
    typo, child, truncated, name, element_id, nothing = answers
    assert typo.startswith("argument 'element': no element has the IRI, PCF ID or code 'A244'")
    assert "; the closest identifiers are those of prm-it/A24 (A24 Service Level Management)" in (
        typo
    )
    # the code it is below, first
    assert "closest identifiers are those of apqc-pcf/cross-industry/7.4/20641 (8.1.6 " in child
    # a PCF ID it begins
    assert "closest identifiers are those of apqc-pcf/cross-industry/7.4/20640 (" in truncated
    # a name: what search finds for it (the typo corrected)
    assert "search finds elements by name or words: its best hits are prm-it/A24" in name
    assert "prm-it/A24 (A24 Service Level Management)" in element_id
    # nothing close: the error as it was
    assert nothing == "argument 'element': no element has the IRI, PCF ID or code 'zzzz'"
