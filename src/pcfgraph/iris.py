"""The only place pcfgraph mints IRIs.

Every resource the project creates lives under :data:`ID_BASE` and can be dereferenced
from a running server at ``/id/<rest>`` (see ``ontology/README.md``). Identity comes from
stable identifiers only: the APQC PCF ID, the PRM-IT code, the IT-CMF code, a TRIM slug.
Hierarchy numbers ("8.1.5.3") are *labels* (``skos:notation``), never identity.

Data files in ``data/`` use relative IRIs (``<prm-it/A24>``) and are parsed with
``base_iri=ID_BASE``, so the base is written down here and nowhere else.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Final
from urllib.parse import quote

if TYPE_CHECKING:
    from rdflib import Namespace, URIRef


#: The documented base of every minted IRI. Served at ``/id/...`` by ``pcfgraph serve``.
BASE: Final = "https://w3id.org/pcfgraph/"
ID_BASE: Final = BASE + "id/"
#: The pcfgraph framework ontology (classes and properties for the framework graph).
ONTOLOGY_IRI: Final = BASE + "ontology"
#: The organisational-model vocabulary auditors describe their organisation with.
ORG_ONTOLOGY_IRI: Final = BASE + "orgmodel"
SHAPES_BASE: Final = BASE + "shapes/"

#: The namespaces as rdflib terms (``PCFG.Element``, ``SKOS.broader``): this module's
#: attributes, made on first use (:func:`__getattr__`), so what needs only the IRIs' text
#: (:func:`curie`, :data:`PREFIXES`: the CLI's tables) does not import rdflib (0.1 s).
NAMESPACES: Final[dict[str, str]] = {
    "PCFG": ONTOLOGY_IRI + "#",
    "ORGM": ORG_ONTOLOGY_IRI + "#",
    "SH_PCF": SHAPES_BASE,
    # Well-known vocabularies (bound once so no module spells them again).
    "SKOS": "http://www.w3.org/2004/02/skos/core#",
    "DCTERMS": "http://purl.org/dc/terms/",
    "PROV": "http://www.w3.org/ns/prov#",
    "ORG": "http://www.w3.org/ns/org#",
    "FOAF": "http://xmlns.com/foaf/0.1/",
    "SEMAPV": "https://w3id.org/semapv/vocab/",
    "SSSOM": "https://w3id.org/sssom/",
    "SH": "http://www.w3.org/ns/shacl#",
    "VOID": "http://rdfs.org/ns/void#",
    "SD": "http://www.w3.org/ns/sparql-service-description#",
}
if TYPE_CHECKING:
    PCFG: Namespace
    ORGM: Namespace
    SH_PCF: Namespace
    SKOS: Namespace
    DCTERMS: Namespace
    PROV: Namespace
    ORG: Namespace
    FOAF: Namespace
    SEMAPV: Namespace
    SSSOM: Namespace
    SH: Namespace
    VOID: Namespace
    SD: Namespace


def __getattr__(name: str) -> Namespace:
    """``PCFG``, ``SKOS``, ...: the namespace of :data:`NAMESPACES`, made once."""
    iri = NAMESPACES.get(name)
    if iri is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from rdflib import Namespace

    namespace = globals()[name] = Namespace(iri)
    return namespace


@cache
def _uriref() -> type[URIRef]:
    from rdflib import URIRef

    return URIRef


def _iri(value: str) -> URIRef:
    """``value`` as an rdflib IRI (rdflib imported on the first one)."""
    return _uriref()(value)


#: Prefixes used in exports, CURIEs and documentation.
PREFIXES: Final[dict[str, str]] = {
    "pcfg": NAMESPACES["PCFG"],
    "orgm": NAMESPACES["ORGM"],
    "skos": NAMESPACES["SKOS"],
    "dcterms": NAMESPACES["DCTERMS"],
    "prov": NAMESPACES["PROV"],
    "org": NAMESPACES["ORG"],
    "foaf": NAMESPACES["FOAF"],
    "semapv": NAMESPACES["SEMAPV"],
    "sssom": NAMESPACES["SSSOM"],
    "sh": NAMESPACES["SH"],
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "apqc": ID_BASE + "apqc-pcf/",
    "prmit": ID_BASE + "prm-it/",
    "itcmf": ID_BASE + "it-cmf/",
    "trim": ID_BASE + "trim/",
    "fw": ID_BASE + "framework/",
}


def curie(iri: str) -> str:
    """``https://w3id.org/pcfgraph/id/prm-it/A24`` -> ``prmit:A24`` (the longest namespace of
    :data:`PREFIXES` that fits); the IRI itself when none does."""
    best = ""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns) and len(ns) > len(PREFIXES.get(best, "")):
            best = prefix
    return f"{best}:{iri[len(PREFIXES[best]) :]}" if best else iri


def uncurie(ref: str) -> str:
    """:func:`curie` undone: ``prmit:A24`` or ``skos:closeMatch`` (a prefix of
    :data:`PREFIXES`, as the CLI's tables and SPARQL write IRIs) as its IRI, and an IRI in
    the angle brackets SPARQL writes it in without them; any other text as it is."""
    ref = ref.strip()
    if ref.startswith("<") and ref.endswith(">"):
        return ref[1:-1].strip()
    prefix, colon, local = ref.partition(":")
    if colon and prefix in PREFIXES and local and not local.startswith("/"):
        return PREFIXES[prefix] + local
    return ref


_SLUG_RE = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """A lower-case ASCII slug: stable, readable path segments from names."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    s = _SLUG_RE.sub("-", ascii_text.lower()).strip("-")
    if not s:
        raise ValueError(f"cannot make a slug from {text!r}")
    return s


def _id(path: str) -> URIRef:
    return _iri(ID_BASE + path)


# --- frameworks -----------------------------------------------------------------------------


def framework(framework_id: str) -> URIRef:
    """A framework edition/version as a ``skos:ConceptScheme`` (e.g. ``prm-it``)."""
    return _id(f"framework/{framework_id}")


def framework_graph(framework_id: str) -> URIRef:
    """The named graph holding one framework edition's statements."""
    return _id(f"graph/framework/{framework_id}")


def ontology_graph() -> URIRef:
    return _id("graph/ontology")


def release_graph() -> URIRef:
    """The named graph a remote store keeps the pushed release's manifest in (not data)."""
    return _id("graph/release")


def is_pcfgraph_graph(iri: str) -> bool:
    """Whether a graph name is one pcfgraph mints (a store's own graphs, e.g. Virtuoso's
    system graphs, are never touched by ``pcfgraph push``)."""
    return iri.startswith(str(_id("graph/")))


def release_iri(release_id: str) -> URIRef:
    """One published release (its manifest is this resource's ``dcterms:description``)."""
    return _id(f"release/{release_id}")


# --- search vocabulary (abbreviations, synonyms, spelling variants; data/vocabulary/) -------


def vocabulary(vocabulary_slug: str) -> URIRef:
    """A search vocabulary: a ``skos:Collection`` of terms (e.g. ``search-terms``)."""
    return _id(f"vocabulary/{vocabulary_slug}")


def vocabulary_term(vocabulary_slug: str, term_slug: str) -> URIRef:
    """One term of a search vocabulary (a ``skos:Concept`` outside every framework)."""
    return _id(f"vocabulary/{vocabulary_slug}/{term_slug}")


def vocabulary_graph(vocabulary_slug: str) -> URIRef:
    """The named graph holding one search vocabulary (``data/vocabulary/<slug>.ttl``)."""
    return _id(f"graph/vocabulary/{vocabulary_slug}")


# --- APQC PCF -------------------------------------------------------------------------------


APQC_FRAMEWORK_PREFIX = "apqc-pcf-"


def apqc_framework_id(edition: str, version: str) -> str:
    """``apqc-pcf-cross-industry-7.4``: one framework id per industry edition and version."""
    return f"{APQC_FRAMEWORK_PREFIX}{slug(edition)}-{version}"


def is_apqc_framework_id(framework_id: str) -> bool:
    """Whether ``framework_id`` is an APQC PCF edition's (:func:`apqc_framework_id`)."""
    return framework_id.startswith(APQC_FRAMEWORK_PREFIX)


def is_apqc_framework(framework: str) -> bool:
    """Whether ``framework`` (an IRI of :func:`framework`) is an APQC PCF edition's, or the
    family's (:func:`apqc_family`)."""
    return framework.startswith(str(_id("framework/apqc-pcf")))


def apqc_family() -> URIRef:
    """APQC PCF as a whole: every edition scheme is ``dcterms:isVersionOf`` this."""
    return _id("framework/apqc-pcf")


def apqc_namespace(edition: str, version: str) -> str:
    """Where the IRIs of one edition and version's elements start (:func:`apqc_element`)."""
    return f"{ID_BASE}apqc-pcf/{slug(edition)}/{version}/"


def apqc_element(edition: str, version: str, pcf_id: int) -> URIRef:
    """One element as stated in one edition and version (names differ between editions)."""
    return _iri(f"{apqc_namespace(edition, version)}{int(pcf_id)}")


def apqc_stable_element(pcf_id: int) -> URIRef:
    """The edition-independent identity of a PCF ID, shared by all its edition statements."""
    return _id(f"apqc-pcf/element/{int(pcf_id)}")


def apqc_versions_graph() -> URIRef:
    """The named graph linking consecutive versions of each APQC edition (change notes)."""
    return _id("graph/apqc-versions")


def apqc_change(edition: str, version: str, pcf_id: int, index: int) -> URIRef:
    """One parsed token of an element's "Change details" column."""
    return _id(f"apqc-pcf/{slug(edition)}/{version}/{int(pcf_id)}/change/{index}")


def apqc_code(edition: str, version: str, code: str) -> URIRef:
    """The IRI a model names with a code that is not a PCF ID (a hierarchy number such as
    ``8.1.3`` typed where a PCF ID belongs): it names no element, and the audit reports it as
    unknown with the closest real elements."""
    return _id(f"apqc-pcf/{slug(edition)}/{version}/{quote(code, safe='-._~/')}")


def apqc_measure(edition: str, version: str, metric_id: int) -> URIRef:
    return _id(f"apqc-pcf/{slug(edition)}/{version}/measure/{int(metric_id)}")


def apqc_measure_category(name: str) -> URIRef:
    return _id(f"apqc-pcf/measure-category/{slug(name)}")


def apqc_notice() -> URIRef:
    """APQC's attribution notice, the ``dcterms:rights`` of everything derived from the PCF."""
    return _id("apqc-pcf/notice")


def framework_source_notice(framework_id: str) -> URIRef:
    """The copyright and licence notice a framework edition's source file states itself
    (the ``dcterms:rights`` of its ``prov:wasDerivedFrom`` source)."""
    return _iri(framework_source_notice_text(framework_id))


def framework_source_notice_text(framework_id: str) -> str:
    """:func:`framework_source_notice` as text (for readers that do not load rdflib)."""
    return f"{ID_BASE}framework/{framework_id}/source-notice"


def framework_source(framework_id: str, file_name: str) -> URIRef:
    """A source file a framework edition was derived from (``prov:wasDerivedFrom``)."""
    return _id(f"framework/{framework_id}/source/{quote(file_name, safe='-._~')}")


# --- IBM PRM-IT -----------------------------------------------------------------------------


def prm_it(code: str) -> URIRef:
    """A PRM-IT element by its code (``A0``, ``A2``, ``A24``)."""
    if not re.fullmatch(r"A[0-9]+", code):
        raise ValueError(f"not a PRM-IT code: {code!r}")
    return _id(f"prm-it/{code}")


# --- IT-CMF ---------------------------------------------------------------------------------


def itcmf(path: str) -> URIRef:
    """An IT-CMF resource by its code path (``SRP``, ``SRP/A2``, ``SRP/A2/practice/3.1``)."""
    return _id(f"it-cmf/{path}")


#: The IT-CMF maturity levels, 1 (initial) to 5 (optimising).
ITCMF_MATURITY_LEVELS = range(1, 6)


def itcmf_maturity_level(level: int) -> URIRef:
    if level not in ITCMF_MATURITY_LEVELS:
        raise ValueError(f"IT-CMF maturity levels are 1-5, not {level}")
    return _id(f"it-cmf/maturity-level/{level}")


def itcmf_metric(building_block: str, name: str) -> URIRef:
    """One node per distinct metric text, so a metric recurring at several levels is shared."""
    return _id(f"it-cmf/{building_block}/metric/{slug(name)}")


# --- TRIM -----------------------------------------------------------------------------------


def trim(kind: str, name: str) -> URIRef:
    """A TRIM resource: ``trim("role", "Business Relationship Manager")``."""
    return _id(f"trim/{slug(kind)}/{slug(name)}")


# --- mappings -------------------------------------------------------------------------------


def mapping_set(set_slug: str) -> URIRef:
    return _id(f"mapping-set/{set_slug}")


def mapping_set_source(set_slug: str, file_name: str) -> URIRef:
    """The curated SSSOM file a mapping set was read from (``prov:wasDerivedFrom``)."""
    return _id(f"mapping-set/{set_slug}/source/{quote(file_name, safe='-._~')}")


def mapping_set_graph(set_slug: str) -> URIRef:
    return _id(f"graph/mappings/{set_slug}")


def derived_mappings_graph() -> URIRef:
    return _id("graph/mappings/derived")


def mapping_record_namespace() -> str:
    """Where mapping records live (the ``mapping:`` prefix of SSSOM exports' record_id)."""
    return ID_BASE + "mapping/"


def mapping_record(set_slug: str, key: str) -> URIRef:
    """A mapping record (justification, confidence, author, comment) within a set."""
    return _id(f"mapping/{set_slug}/{key}")


_APQC_EDITION_NS = re.compile(re.escape(ID_BASE) + r"apqc-pcf/([a-z0-9-]+)/([^/]+)/")
#: The prefixes of :data:`PREFIXES` SSSOM files name the other frameworks' IRIs with.
_SSSOM_FRAMEWORK_PREFIXES: Final = ("prmit", "itcmf", "trim", "fw")


def apqc_prefix(edition_slug: str, version: str) -> str:
    """The SSSOM prefix of one APQC edition and version's elements: ``pcf74`` for
    Cross-Industry 7.4 (as the curated sets write it), ``pcf721-utilities`` for Utilities
    7.2.1: the version's digits, then the industry; a valid prefix for SSSOM and Turtle."""
    digits = re.sub(r"[^a-z0-9]", "", version.lower())
    return f"pcf{digits}" if edition_slug == "cross-industry" else f"pcf{digits}-{edition_slug}"


def sssom_prefix(iri: str) -> tuple[str, str] | None:
    """The prefix and namespace an SSSOM file pcfgraph writes names ``iri`` with: an APQC
    edition's (:func:`apqc_prefix`), PRM-IT's, IT-CMF's, TRIM's, the frameworks' (``fw``) or
    the mapping records' (``mapping``); None for any other IRI."""
    found = _APQC_EDITION_NS.match(iri)
    if found and len(iri) > found.end():
        return apqc_prefix(found[1], found[2]), found[0]
    named = [(p, PREFIXES[p]) for p in _SSSOM_FRAMEWORK_PREFIXES]
    for prefix, ns in [*named, ("mapping", mapping_record_namespace())]:
        if iri.startswith(ns) and len(iri) > len(ns):
            return prefix, ns
    return None


def apqc_edition_of(framework_id: str) -> tuple[str, str] | None:
    """The edition slug and version of an APQC framework id (:func:`apqc_framework_id`:
    ``apqc-pcf-utilities-7.2.1`` -> ``("utilities", "7.2.1")``); None for any other id."""
    if not is_apqc_framework_id(framework_id):
        return None
    edition, dash, version = framework_id[len(APQC_FRAMEWORK_PREFIX) :].rpartition("-")
    return (edition, version) if dash and edition and version else None


def element_prefixes(framework_ids: Iterable[str]) -> dict[str, str]:
    """The CURIE prefixes that name elements, with their namespaces: those of :data:`PREFIXES`
    under :data:`ID_BASE` (``prmit``, ``apqc``, ...) and the SSSOM prefix of each APQC
    edition of ``framework_ids`` (:func:`apqc_prefix`: ``pcf74``, ``pcf721-utilities``)."""
    out = {p: ns for p, ns in PREFIXES.items() if ns.startswith(ID_BASE)}
    for framework_id in sorted(framework_ids):
        edition = apqc_edition_of(framework_id)
        if edition is not None:
            out.setdefault(apqc_prefix(*edition), apqc_namespace(*edition))
    return out


#: A CURIE as SSSOM and Turtle write one: a prefix, a colon, a local part (never ``//...``).
_CURIE_RE = re.compile(r"([A-Za-z][A-Za-z0-9_.-]*):([^/\s][^\s]*)")


def element_iri(ref: str, framework_ids: Callable[[], Iterable[str]]) -> str:
    """``ref`` as :func:`uncurie` reads it, and a CURIE of an APQC edition as the SSSOM files
    write it (``pcf74:20638``, ``pcf721-utilities:17040``) as its IRI, the editions being
    those of ``framework_ids()`` (called only for such a CURIE): the one reading of a user's
    CURIE wherever an element is asked for. A prefix matches ignoring case, as identifiers
    do; any other text is returned as it is. :class:`~pcfgraph.errors.InputError` for a
    CURIE whose prefix names nothing, naming the prefixes that name elements."""
    ref = uncurie(ref)
    found = _CURIE_RE.fullmatch(ref)
    if found is None or found[1].lower() == "urn":  # no CURIE (an IRI, a code), a URN
        return ref
    known = element_prefixes(framework_ids())
    prefix = found[1] if found[1] in known else found[1].lower()
    if prefix in known:
        return known[prefix] + found[2]
    if prefix in PREFIXES:  # SKOS:closeMatch
        return PREFIXES[prefix] + found[2]
    from pcfgraph.errors import InputError, quoted

    raise InputError(
        f"{quoted(ref)}: no prefix {quoted(found[1])} names elements here; "
        f"the prefixes that do: {', '.join(sorted(known))}"
    )


def with_sssom_prefixes(declared: Mapping[str, str], used: Iterable[str]) -> dict[str, str]:
    """``declared`` (a ``curie_map``) and, for each IRI of ``used`` that none of its
    namespaces fits, the prefix :func:`sssom_prefix` mints for it, so that an SSSOM file
    names every framework edition with a CURIE (the same prefix every time). A prefix or
    namespace ``declared`` already has is never minted again: the file's own choice wins."""
    out = dict(declared)
    for iri in sorted(set(used)):
        if any(iri.startswith(ns) and len(iri) > len(ns) for ns in out.values()):
            continue
        minted = sssom_prefix(iri)
        if minted is not None and minted[0] not in out and minted[1] not in out.values():
            out[minted[0]] = minted[1]
    return out


# --- audit (organisational models) ----------------------------------------------------------


def orgmodel_check(name: str) -> URIRef:
    """A SPARQL check of organisational models (``queries/checks/orgmodel/<name>-violation.rq``),
    named like a shape so audit results can cite it as ``sh:sourceShape``."""
    return _iri(f"{SHAPES_BASE}checks/orgmodel/{slug(name)}")


def audit_rule(name: str) -> URIRef:
    """An audit rule implemented in code (e.g. framework statements ignored in an upload)."""
    return _iri(f"{SHAPES_BASE}audit/{slug(name)}")


#: Characters a key keeps as they are in an IRI (RFC 3987 ``ipchar``, ``/``, ``?``, ``#``:
#: ASCII letters, digits, ``-._~``, sub-delims, ``:@``, and the ``ucschar`` ranges); every
#: other one, ``%`` included, is percent-encoded as UTF-8.
_KEPT_IN_KEYS = (
    r"A-Za-z0-9\-._~!$&'()*+,;=:@/?#"
    "\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef"
    + "".join(f"{chr(plane << 16)}-{chr((plane << 16) | 0xFFFD)}" for plane in range(1, 14))
    + "\U000e1000-\U000efffd"
)
_ENCODED_IN_KEYS = re.compile(f"[^{_KEPT_IN_KEYS}]")


def key_in_iri(key: str) -> str:
    """``key`` as a part of an IRI, one to one: two keys never give one IRI (``a b`` and
    ``a%20b`` are ``a%20b`` and ``a%2520b``), and a key IRIs cannot hold as it is
    (``50%``, ``[1]``, a control character) is still one."""
    return _ENCODED_IN_KEYS.sub(lambda m: quote(m.group(), safe=""), key)


def model_node(namespace: str, key: str) -> URIRef:
    """A node of an organisational model named by the key its author gave it (a spreadsheet
    row's key) in the model's namespace (:func:`key_in_iri`)."""
    return _iri(namespace + key_in_iri(key))


def archimate_node(model_id: str, identifier: str) -> URIRef:
    """A node of an ArchiMate model: the model's and the element's identifiers (the same in
    the exchange format and in Archi's own files, see :mod:`pcfgraph.audit.inputs.archimate_read`),
    each :func:`key_in_iri` (``:`` too, which separates them)."""
    return _iri(
        "urn:archimate:" + key_in_iri(model_id).replace(":", "%3A") + ":" + key_in_iri(identifier)
    )


def id_path(iri: str) -> str | None:
    """The server path (``/id/...``) of a minted IRI, or None when it is not ours."""
    if iri.startswith(ID_BASE):
        return "/id/" + iri[len(ID_BASE) :]
    return None


#: pcfgraph's own vocabularies (the framework ontology, the organisational-model vocabulary):
#: their IRIs are not under :data:`ID_BASE`, but their terms are served here, in the
#: ontology graph.
_VOCABULARIES: Final = (ONTOLOGY_IRI, ORG_ONTOLOGY_IRI)
_VOCABULARY_TERMS: Final = tuple(v + "#" for v in _VOCABULARIES)


def page_path(iri: str) -> str | None:
    """The server path of the page of ``iri``: its own (:func:`id_path`), a rule's
    (``/shapes/...``) or, for one of pcfgraph's own vocabularies, the page of the ontology
    graph that defines it, and for a term of one (``pcfg:Measure``, ``orgm:Customer``) its
    row there (``/id/graph/ontology#Measure``, the fragment of its IRI); None for anything
    not served here."""
    if iri in _VOCABULARIES:
        return id_path(str(ontology_graph()))
    if iri.startswith(_VOCABULARY_TERMS) and not iri.endswith("#"):
        return f"{id_path(str(ontology_graph()))}#{iri.partition('#')[2]}"
    if iri.startswith(SHAPES_BASE):  # a rule: its page (pcfgraph.api.rule_pages)
        return "/shapes/" + iri[len(SHAPES_BASE) :] if iri != SHAPES_BASE else "/shapes"
    return id_path(iri)


def download_stem(iri: str) -> str:
    """The file name (without suffix) a named graph's downloads are saved under: its IRI's
    last segment, in characters safe in any file system and header
    (``graph/framework/apqc-pcf-cross-industry-7.4`` -> ``apqc-pcf-cross-industry-7.4``)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", iri.rstrip("/").rsplit("/", 1)[-1])


def iri_from_path(path: str) -> URIRef:
    """Inverse of :func:`id_path` for the dereferencing route."""
    return _iri(ID_BASE + path.removeprefix("/").removeprefix("id/"))
