"""Derived mappings explained in a sentence built from the chain's structured links, and
diagram labels that wrap instead of being cut."""

from __future__ import annotations

from pcfgraph.services.page_model import SKOS, ChainLink, ElementRef, MappingInfo
from pcfgraph.web.svg import derived_sentence, label_lines

A24 = ElementRef("urn:A24", "A24", "Service Level Management", "prm-it")
P6 = ElementRef("urn:p6", "8.1.5.6", "Manage service levels", "apqc")
RM = ElementRef("urn:rm", "RM-3.2", "Agree service levels", "it-cmf")


def derived(
    element: ElementRef, other: ElementRef, relation: str, *chain: ChainLink
) -> MappingInfo:
    return MappingInfo(
        record="urn:r",
        relation=SKOS + relation,
        direction="out",
        other=other,
        confidence=0.5,
        justification="MappingChaining",
        comment="machine text",
        author="",
        derived=True,
        chain=list(chain),
    )


def link(source: ElementRef, relation: str, target: ElementRef) -> ChainLink:
    return ChainLink("urn:c", SKOS + relation, source.iri, source.code, target.iri, target.code)


def test_an_inverse_reads_from_the_element_and_says_what_was_curated() -> None:
    m = derived(A24, P6, "narrowMatch", link(P6, "broadMatch", A24))
    assert derived_sentence(m, A24) == (
        "Derived: A24 is broader than 8.1.5.6 "
        "(the curated mapping states 8.1.5.6 is narrower than A24)."
    )


def test_a_chain_reads_as_one_sentence_along_the_path() -> None:
    forward = derived(
        P6, RM, "closeMatch", link(P6, "exactMatch", A24), link(A24, "closeMatch", RM)
    )
    assert derived_sentence(forward, P6) == (
        "Derived: 8.1.5.6 is the same as A24, which is close to RM-3.2."
    )
    # links stated from the other end are read inverted
    backward = derived(
        A24, RM, "relatedMatch", link(P6, "broadMatch", A24), link(P6, "relatedMatch", RM)
    )
    assert derived_sentence(backward, A24) == (
        "Derived: A24 is broader than 8.1.5.6, which is related to RM-3.2."
    )


def test_a_chain_not_starting_here_lists_what_each_record_states() -> None:
    m = derived(A24, RM, "relatedMatch", link(P6, "relatedMatch", RM))
    assert derived_sentence(m, A24) == (
        "Derived from the curated mappings: 8.1.5.6 is related to RM-3.2."
    )


def test_labels_wrap_and_keep_every_word() -> None:
    name = (
        "Develop and manage IT service level agreements with the customers of every business unit"
    )
    lines = label_lines("8.1.5.4.2", name)
    assert len(lines) > 1
    assert " ".join(lines) == f"8.1.5.4.2 {name}"
    long_word = "X" * 80
    assert "".join(label_lines("", long_word)) == long_word  # broken, not cut
