"""ArchiMate files -> :class:`ArchiModel`: the Open Group exchange format 3.x and Archi's
``.archimate`` read into one neutral form (elements, relationships, properties), which
:func:`pcfgraph.audit.inputs.archimate.map_model` maps to triples, so the same model in either
format gives the same triples.

Safety: any DTD is refused (no entity expansion) and the parser never touches the network.
Identifiers: the exchange format needs XML names, so Archi writes ``id-`` before its own ids
when it exports; ``id-`` is dropped from both so the nodes are the same
(``urn:archimate:<model>:<element>``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Final

from pcfgraph.audit.inputs.archimate_ids import ARCHIMATE2_NAMES, Concepts
from pcfgraph.audit.inputs.archimate_ids import canonical as _canonical
from pcfgraph.audit.inputs.archimate_kinds import property_key as _key
from pcfgraph.audit.inputs.archimate_model import archi_properties, exchange_properties
from pcfgraph.audit.inputs.archimate_schema import NS
from pcfgraph.errors import InvalidModelFile, ParseError

ARCHI_NS: Final = "http://www.archimatetool.com/archimate"
XSI: Final = "http://www.w3.org/2001/XMLSchema-instance"
_DTD_RE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_DTD_REFUSED: Final = "XML with a DTD (<!DOCTYPE> or <!ENTITY>) is not accepted"

#: Property names (case-insensitive) the mapping reads, and what they give.
PROPERTY_NAMES: Final[dict[str, tuple[str, ...]]] = {
    "pcf": ("pcf id", "pcf ids", "pcf", "apqc pcf id", "apqc"),
    "prm": ("prm-it", "prm-it code", "prm it", "prmit"),
    "kind": ("kind", "pcfgraph kind"),
    "price": ("price",),
    "deliverable": ("deliverable", "deliverables"),
    "valid from": ("valid from",),
    "valid until": ("valid until",),
    "date": ("date", "meeting date"),
    "review period": ("review period",),
    "measure": ("measure", "apqc measure"),
}


@dataclass
class Element:
    identifier: str
    type: str
    name: str
    properties: dict[str, list[str]] = field(default_factory=dict)
    line: int | None = None
    #: The identifier as written in the file (``id-...`` in the exchange format).
    written: str = ""

    def prop(self, key: str) -> list[str]:
        out: list[str] = []
        for name in PROPERTY_NAMES[key]:
            out.extend(self.properties.get(_key(name), []))
        return out


@dataclass
class Relationship:
    identifier: str
    type: str
    source: str
    target: str
    name: str = ""
    #: The identifier as written in the file, as :attr:`Element.written`.
    written: str = ""


@dataclass
class ArchiModel:
    identifier: str
    name: str
    elements: dict[str, Element] = field(default_factory=dict)
    relationships: list[Relationship] = field(default_factory=list)
    #: The model's own properties (``Described as of``), by :func:`_key`.
    properties: dict[str, list[str]] = field(default_factory=dict)


# --- parsing ---------------------------------------------------------------------------------


def _refuse_dtd(data: bytes, name: str) -> None:
    m = _DTD_RE.search(data)
    if m:
        before = data[: m.start()]
        raise ParseError(
            _DTD_REFUSED,
            line=before.count(b"\n") + 1,
            column=m.start() - (before.rfind(b"\n") + 1) + 1,
            source=name,
        )


def parse_xml(data: bytes, name: str) -> Any:
    from lxml import etree

    _refuse_dtd(data, name)
    parser = etree.XMLParser(
        no_network=True, resolve_entities=False, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (None, None)
        raise ParseError(
            f"not well-formed XML: {exc.msg}", line=line, column=column, source=name
        ) from None
    info = root.getroottree().docinfo
    if info.internalDTD is not None or info.doctype:  # in an encoding the search cannot read
        _refuse_dtd(data.decode(info.encoding or "utf-8", "replace").encode(), name)
        raise ParseError(_DTD_REFUSED, source=name)
    return root


def _lang_text(parent: Any, tag: str) -> str:
    """The first (English where there is a choice) text of a language-tagged child."""
    best = ""
    for child in parent.findall(f"{{{NS}}}{tag}"):
        lang = child.get("{http://www.w3.org/XML/1998/namespace}lang")
        if lang in (None, "", "en") or lang.startswith("en"):
            return (child.text or "").strip()
        best = best or (child.text or "").strip()
    return best


def read_exchange(root: Any, name: str = "") -> ArchiModel:
    concepts = Concepts(name)  # the schema checked them as written, not without "id-"
    defs: dict[str, str] = {}
    for d in root.iter(f"{{{NS}}}propertyDefinition"):
        defs[d.get("identifier")] = _key(_lang_text(d, "name"))
    model = ArchiModel(_canonical(root.get("identifier", "")), _lang_text(root, "name"))
    model.properties = exchange_properties(root, NS, defs, _lang_text)
    elements = root.find(f"{{{NS}}}elements")
    for e in elements if elements is not None else ():
        if not isinstance(e.tag, str):
            continue
        el = Element(
            concepts.claim(e.get("identifier"), e.sourceline),
            e.get(f"{{{XSI}}}type", ""),
            _lang_text(e, "name"),
            line=e.sourceline,
            written=e.get("identifier"),
        )
        for p in e.iter(f"{{{NS}}}property"):
            key = defs.get(p.get("propertyDefinitionRef", ""), "")
            el.properties.setdefault(key, []).append(_lang_text(p, "value"))
        model.elements[el.identifier] = el
    rels = root.find(f"{{{NS}}}relationships")
    for r in rels if rels is not None else ():
        if not isinstance(r.tag, str):
            continue
        model.relationships.append(
            Relationship(
                concepts.claim(r.get("identifier"), r.sourceline),
                r.get(f"{{{XSI}}}type", ""),
                _canonical(r.get("source")),
                _canonical(r.get("target")),
                _lang_text(r, "name"),
                written=r.get("identifier"),
            )
        )
    return model


_ARCHI_SKIP = ("DiagramModel", "SketchModel", "CanvasModel")


def read_archi(root: Any, name: str) -> ArchiModel:
    if root.tag != f"{{{ARCHI_NS}}}model":
        raise InvalidModelFile(
            "not an Archi model (the root element is not archimate:model)",
            line=root.sourceline,
            column=1,
            source=name,
        )
    model = ArchiModel(_canonical(root.get("id", "")), root.get("name", "").strip())
    model.properties = archi_properties(root)
    concepts = Concepts(name)  # no schema checks Archi's files
    for e in root.iter("element"):
        kind = e.get(f"{{{XSI}}}type", "").removeprefix("archimate:")
        kind = ARCHIMATE2_NAMES.get(kind, kind)  # a model saved by Archi 3
        if not kind or kind.endswith(_ARCHI_SKIP):
            continue
        identifier = e.get("id")
        if not identifier:
            raise InvalidModelFile("an element has no id", line=e.sourceline, column=1, source=name)
        if kind.endswith("Relationship"):
            source, target = e.get("source"), e.get("target")
            if not source or not target:
                raise InvalidModelFile(
                    f"relationship {identifier} has no source or target",
                    line=e.sourceline,
                    column=1,
                    source=name,
                )
            concepts.relationship(identifier, e.sourceline, source, target)
            model.relationships.append(
                Relationship(
                    concepts.claim(identifier, e.sourceline),
                    kind.removesuffix("Relationship"),
                    _canonical(source),
                    _canonical(target),
                    e.get("name", "").strip(),
                    written=identifier,
                )
            )
            continue
        key = concepts.claim(identifier, e.sourceline)
        # trimmed as the exchange format's names are: one model, one graph in either format
        name = e.get("name", "").strip()
        el = Element(key, kind, name, line=e.sourceline, written=identifier)
        for p in e.findall("property"):
            el.properties.setdefault(_key(p.get("key") or ""), []).append(p.get("value") or "")
        model.elements[el.identifier] = el
    concepts.check()
    return model
