"""Curated cross-framework mappings (SSSOM/TSV, SSSOM/JSON) and the mappings derived from
them."""

from pcfgraph.mappings import sssom_json  # noqa: F401  (registers the SSSOM/JSON reader)
from pcfgraph.mappings.derive import (
    MappingRecordData,
    derive_mappings,
    no_counterparts_from_graph,
    records_from_graph,
)
from pcfgraph.mappings.sssom import MappingRow, MappingSet, read_mapping_set
from pcfgraph.mappings.sssom_rdf import mapping_set_graph

__all__ = [
    "MappingRecordData",
    "MappingRow",
    "MappingSet",
    "derive_mappings",
    "mapping_set_graph",
    "no_counterparts_from_graph",
    "read_mapping_set",
    "records_from_graph",
]
