"""Conversions between model formats (``pcfgraph convert``): any readable model to the
workbook or to an RDF serialisation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyoxigraph as ox

from pcfgraph.audit.parse import DEFAULT_MAX_BYTES, Upload, read_upload

#: Prefixes of RDF output (the vocabularies a model uses).
PREFIXES = {
    "orgm": "https://w3id.org/pcfgraph/orgmodel#",
    "org": "http://www.w3.org/ns/org#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "apqc": "https://w3id.org/pcfgraph/id/apqc-pcf/cross-industry/7.4/",
    "prmit": "https://w3id.org/pcfgraph/id/prm-it/",
    "itcmf": "https://w3id.org/pcfgraph/id/it-cmf/",
    "role": "https://w3id.org/pcfgraph/id/trim/role/",
}


def read_any(upload: Upload, *, max_triples: int, max_bytes: int = DEFAULT_MAX_BYTES) -> Any:
    """The model in one file of any supported format (a ReadResult; no organisation needed:
    converting a part of a model is fine)."""
    return read_upload(upload, max_bytes=max_bytes, max_triples=max_triples)


def write_any(triples: Sequence[ox.Triple], fmt: ox.RdfFormat | None) -> bytes:
    """The triples as a workbook (``fmt`` None) or in an RDF format."""
    if fmt is None:
        from pcfgraph.audit.inputs.writer import workbook_bytes

        return workbook_bytes(triples)
    from pcfgraph.audit.inputs.writer import model_namespace

    prefixes = dict(PREFIXES)
    if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML):
        ns = model_namespace(triples)
        if ns not in prefixes.values():
            prefixes[""] = ns
    else:
        prefixes = {}
    out = (
        ox.serialize(triples, format=fmt, prefixes=prefixes)
        if prefixes
        else ox.serialize(triples, format=fmt)
    )
    return out or b""
