"""The SSSOM slots pcfgraph knows: name, value kind and whether a slot takes several values.

Copied from the SSSOM schema (sssom-schema 1.1, ``Mapping`` and ``MappingSet``) so the reader
needs no schema library at run time; ``tests/test_sssom_slots.py`` holds this table to the
schema that sssom-py ships. A column or header key not listed here is an error: SSSOM has no
"ignore what you do not know" rule, and silently dropping ``predicate_modifier`` once turned
negative mappings into positive ones.

Kinds: ``entity`` (a CURIE or IRI), ``uri`` (an absolute IRI), ``text``, ``date`` (ISO
``YYYY-MM-DD``), ``double`` and ``enum:<name>`` (one of :data:`ENUMS`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Slot:
    name: str
    kind: str
    multivalued: bool = False


def _slots(spec: str) -> dict[str, Slot]:
    out: dict[str, Slot] = {}
    for item in spec.split():
        name, kind = item.split("=")
        multi = kind.endswith("*")
        out[name] = Slot(name, kind.rstrip("*"), multi)
    return out


#: Slots of one mapping (a TSV column). ``*`` marks a multivalued slot (``|``-separated).
MAPPING_SLOTS: Mapping[str, Slot] = _slots(
    """
    record_id=entity subject_id=entity subject_label=text subject_category=text
    predicate_id=entity predicate_label=text predicate_modifier=enum:predicate_modifier
    object_id=entity object_label=text object_category=text mapping_justification=entity
    author_id=entity* author_label=text* reviewer_id=entity* reviewer_label=text*
    creator_id=entity* creator_label=text* license=uri subject_type=enum:entity_type
    subject_source=entity subject_source_version=text object_type=enum:entity_type
    object_source=entity object_source_version=text predicate_type=enum:entity_type
    mapping_provider=uri mapping_source=entity mapping_cardinality=enum:mapping_cardinality
    cardinality_scope=text* mapping_tool=text mapping_tool_id=entity mapping_tool_version=text
    mapping_date=date publication_date=date review_date=date confidence=double
    reviewer_agreement=double curation_rule=entity* curation_rule_text=text*
    subject_match_field=entity* object_match_field=entity* match_string=text*
    subject_preprocessing=entity* object_preprocessing=entity* similarity_score=double
    similarity_measure=text see_also=uri* issue_tracker_item=entity other=text comment=text
    """
)

#: Slots of the mapping set (the YAML header). ``curie_map`` is read on its own.
MAPPING_SET_SLOTS: Mapping[str, Slot] = _slots(
    """
    sssom_version=enum:sssom_version curie_map=text* mapping_set_id=uri mapping_set_version=text
    mapping_set_source=uri* mapping_set_title=text mapping_set_description=text
    mapping_set_confidence=double creator_id=entity* creator_label=text* license=uri
    subject_type=enum:entity_type subject_source=entity subject_source_version=text
    object_type=enum:entity_type object_source=entity object_source_version=text
    predicate_type=enum:entity_type mapping_provider=uri cardinality_scope=text*
    mapping_tool=text mapping_tool_id=entity mapping_tool_version=text mapping_date=date
    publication_date=date subject_match_field=entity* object_match_field=entity*
    subject_preprocessing=entity* object_preprocessing=entity* similarity_measure=text
    curation_rule=entity* curation_rule_text=text* see_also=uri* issue_tracker=uri other=text
    comment=text
    """
)

ENUMS: Mapping[str, frozenset[str]] = {
    "predicate_modifier": frozenset({"Not"}),
    "mapping_cardinality": frozenset({"1:1", "1:n", "n:1", "n:n", "1:0", "0:1", "0:0"}),
    "sssom_version": frozenset({"1.0", "1.1"}),
    "entity_type": frozenset(
        {
            "owl class",
            "owl object property",
            "owl data property",
            "owl annotation property",
            "owl named individual",
            "skos concept",
            "rdfs resource",
            "rdfs class",
            "rdfs literal",
            "rdfs datatype",
            "rdf property",
            "composed entity expression",
        }
    ),
}

#: The values SSSOM allows for ``mapping_justification``: these terms of the semapv
#: vocabulary (the schema's ``EntityReference`` pattern for the slot).
JUSTIFICATIONS: frozenset[str] = frozenset(
    {
        "BackgroundKnowledgeBasedMatching",
        "CompositeMatching",
        "InstanceBasedMatching",
        "LexicalMatching",
        "LexicalSimilarityThresholdMatching",
        "LogicalReasoning",
        "ManualMappingCuration",
        "MappingChaining",
        "MappingInversion",
        "MappingReview",
        "SemanticSimilarityThresholdMatching",
        "StructuralMatching",
        "UnspecifiedMatching",
    }
)

#: Mapping-set slots that SSSOM propagates to every mapping that does not set them itself.
PROPAGATABLE: frozenset[str] = frozenset(
    {
        "cardinality_scope",
        "curation_rule",
        "curation_rule_text",
        "mapping_date",
        "mapping_provider",
        "mapping_tool",
        "mapping_tool_id",
        "mapping_tool_version",
        "object_match_field",
        "object_preprocessing",
        "object_source",
        "object_source_version",
        "object_type",
        "predicate_type",
        "similarity_measure",
        "subject_match_field",
        "subject_preprocessing",
        "subject_source",
        "subject_source_version",
        "subject_type",
    }
)
