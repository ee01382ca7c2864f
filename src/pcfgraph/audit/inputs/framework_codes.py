"""Framework codes in a model's cells and properties: the IRI a PCF ID (``20635``), PRM-IT code
(``A24``), APQC measure ID or IT-CMF path (``SRP/A2``) names in a ``code`` column of the
spreadsheet template (:mod:`pcfgraph.audit.inputs.sheets`) or an ArchiMate property, and the
code an IRI is written back as.
"""

from __future__ import annotations

from typing import Final

from pcfgraph import iris

APQC_EDITION: Final = ("Cross-Industry", "7.4")
_APQC_ELEMENT_BASE: Final = str(iris.apqc_element(*APQC_EDITION, 1))[:-1]
_APQC_MEASURE_BASE: Final = str(iris.apqc_measure(*APQC_EDITION, 1))[:-1]
_PRM_BASE: Final = str(iris.prm_it("A0"))[:-2]
_ITCMF_BASE: Final = str(iris.itcmf(""))


def code_iri(text: str, scheme: str | None) -> str:
    """The IRI a framework code names in a ``code`` column: a PCF ID (``20635``) or PRM-IT code
    (``A24``) for elements, an APQC measure ID, an IT-CMF path (``SRP/A2``); a full IRI as is.
    Anything else is kept as a code under the scheme's namespace, so the audit reports it as an
    unknown framework element with the closest real ones (``8.1.3`` -> did you mean 20617?)."""
    text = text.strip()
    if text.startswith(("http://", "https://", "urn:")):
        return text
    if scheme == "measure":
        if text.isdigit():
            return str(iris.apqc_measure(*APQC_EDITION, int(text)))
        return str(iris.apqc_code(*APQC_EDITION, "measure/" + text))
    if scheme == "itcmf":
        return str(iris.itcmf(text.strip("/")))
    if text.isdigit():
        return str(iris.apqc_element(*APQC_EDITION, int(text)))
    upper = text.upper()
    if upper[:1] == "A" and upper[1:].isdigit():
        return str(iris.prm_it(upper))
    return str(iris.apqc_code(*APQC_EDITION, text))


def code_text(iri: str, scheme: str | None) -> str:
    """The inverse of :func:`code_iri` (the full IRI when no shorter code names it)."""
    if scheme == "measure":
        local = iri.removeprefix(_APQC_MEASURE_BASE)
        return local if local != iri and local.isdigit() else iri
    if scheme == "itcmf":
        local = iri.removeprefix(_ITCMF_BASE)
        return local if local != iri and local and code_iri(local, scheme) == iri else iri
    local = iri.removeprefix(_APQC_ELEMENT_BASE)
    if local != iri and local.isdigit() and str(int(local)) == local:
        return local
    local = iri.removeprefix(_PRM_BASE)
    if local != iri and local[:1] == "A" and local[1:].isdigit():
        return local
    return iri
