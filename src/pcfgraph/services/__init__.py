"""Domain reads shared by every edge (GraphQL, web pages, CLI): plain dataclasses out, named
queries in.

Each function takes a :class:`Reader` (a store implementing
:class:`pcfgraph.store.GraphStore` plus the :class:`pcfgraph.queries.QueryCatalog`) and runs
named queries from ``queries/api/`` only. Reads are *per framework*: one query returns every
element (measure, mapping record ...) of a framework, and the :class:`Reader` memoises it for
its lifetime, so a whole tree costs a fixed number of store queries however large it is. A
Reader lives for one request (or one page render); it never outlives a release.

Batch functions (``elements_by_iris``, ``children_of``, ``mappings_of``, ``measures_of``)
answer many keys with one store query per framework the keys belong to, which is what
DataLoaders need. A tree that starts from one element reads just that element's subtree
instead (:mod:`pcfgraph.services.subtree`: one query each for its elements, measures and
mapping records); the batch functions answer from it for the elements it holds.
"""

from pcfgraph.services.base import Reader, element_id, iri_from_element_id
from pcfgraph.services.elements import (
    Element,
    FrameworkIndex,
    Subtree,
    ancestors_of,
    check_framework,
    children_of,
    descendants_of,
    element_by,
    element_named,
    element_ref,
    elements_by_iris,
    framework_index,
    known_framework_ids,
    list_elements,
    loaded_index,
    no_framework,
    param_values,
    unknown_framework,
)
from pcfgraph.services.frameworks import Framework, element_counts, framework, frameworks
from pcfgraph.services.gaps import (
    InheritedCover,
    InheritedDecision,
    gap_covers,
    gap_decisions,
    inherited_cover,
    inherited_decision,
    is_undecided,
    target_is_itself,
)
from pcfgraph.services.inherited import (
    InheritedMapping,
    InheritedNoCounterpart,
    inherited_mappings,
    inherited_mappings_of,
    inherited_no_counterparts,
)
from pcfgraph.services.itcmf import (
    MaturityStructure,
    PracticeLink,
    itcmf_structure_of,
    practices_at,
    practices_linking,
)
from pcfgraph.services.mappings import (
    RELATIONS,
    Mapping,
    MappingSet,
    NegativeMapping,
    NoCounterpart,
    chains_of,
    mapping_sets,
    mappings,
    mappings_loaded,
    mappings_of,
    negative_mappings,
    no_counterparts,
)
from pcfgraph.services.measures import Measure, loaded_measures, measures_of
from pcfgraph.services.search import SearchHit, SearchIndex, normalise
from pcfgraph.services.subtree import (
    read_subtree,
    read_subtree_mappings,
    read_subtree_measures,
)
from pcfgraph.services.versions import (
    HistoryStep,
    VersionStatement,
    history_of,
    industry_specific_iris,
    stated_by_iri,
    statements_by_pcf_id,
    statements_of,
    versions_of,
)

__all__ = [
    "RELATIONS",
    "Element",
    "Framework",
    "FrameworkIndex",
    "HistoryStep",
    "InheritedCover",
    "InheritedDecision",
    "InheritedMapping",
    "InheritedNoCounterpart",
    "Mapping",
    "MappingSet",
    "MaturityStructure",
    "Measure",
    "NegativeMapping",
    "NoCounterpart",
    "PracticeLink",
    "Reader",
    "SearchHit",
    "SearchIndex",
    "Subtree",
    "VersionStatement",
    "ancestors_of",
    "chains_of",
    "check_framework",
    "children_of",
    "descendants_of",
    "element_by",
    "element_counts",
    "element_id",
    "element_named",
    "element_ref",
    "elements_by_iris",
    "framework",
    "framework_index",
    "frameworks",
    "gap_covers",
    "gap_decisions",
    "history_of",
    "industry_specific_iris",
    "inherited_cover",
    "inherited_decision",
    "inherited_mappings",
    "inherited_mappings_of",
    "inherited_no_counterparts",
    "iri_from_element_id",
    "is_undecided",
    "itcmf_structure_of",
    "known_framework_ids",
    "list_elements",
    "loaded_index",
    "loaded_measures",
    "mapping_sets",
    "mappings",
    "mappings_loaded",
    "mappings_of",
    "measures_of",
    "negative_mappings",
    "no_counterparts",
    "no_framework",
    "normalise",
    "param_values",
    "practices_at",
    "practices_linking",
    "read_subtree",
    "read_subtree_mappings",
    "read_subtree_measures",
    "stated_by_iri",
    "statements_by_pcf_id",
    "statements_of",
    "target_is_itself",
    "unknown_framework",
    "versions_of",
]
