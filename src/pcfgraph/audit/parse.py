"""Reading uploaded organisational models safely.

Turtle, N-Triples, JSON-LD and RDF/XML, chosen by media type, file extension or content
(:mod:`pcfgraph.audit.upload_format` decides), parsed by pyoxigraph (Rust parsers: no
recursion limits to hit, no network):

- JSON-LD: pyoxigraph loads no remote (or ``file:``) context without a document loader, and
  none is given, so ``"@context": "http://..."`` is refused and no connection is made.
- RDF/XML: any DTD (``<!DOCTYPE``/``<!ENTITY``) is rejected before parsing, so there is no
  entity expansion ("billion laughs") and no external entity; XML in another encoding is
  re-encoded as UTF-8 first (:mod:`pcfgraph.audit.charset`), so the check cannot be bypassed.
- Text in a declared ``charset`` (the media type's parameter) is decoded by it.
- Limits: bytes, triples, and nesting depth (JSON-LD and Turtle brackets, RDF 1.2's ``<<``).
- Errors are :class:`~pcfgraph.errors.ParseError` naming file, line and column.

Beyond RDF, :func:`read_model` (the one entry point for every model format, run in the sandbox
workers for uploads) reads the spreadsheet template (``.xlsx``), the ArchiMate exchange format
(``.xml`` whose root is an ArchiMate ``model``) and Archi's ``.archimate`` files through
:mod:`pcfgraph.audit.inputs`, and refuses a model that describes no organisation.

Statements about pcfgraph's own IRIs (framework elements, the ontology, the shapes) are not the
upload's to make: they are split off (:func:`split_framework_statements`) and reported, so an
upload can neither fake a framework element nor re-type one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, Final, TypeAlias, TypeVar

import pyoxigraph as ox

from pcfgraph import iris
from pcfgraph.audit import model_date
from pcfgraph.audit.upload_format import (
    ARCHI_NS,
    ARCHIMATE_NS,
    FORMAT_NAMES,
    UTF8_BOM,
    detect_format,
    model_format,
)
from pcfgraph.errors import (
    InputError,
    ModelError,
    ParseError,
    PayloadTooLarge,
    refused_together,
)

#: A statement of a model: a triple, or a quad in the default graph as pyoxigraph's parsers
#: give them (turning 100,000 parsed quads into triples, and back into quads for the store,
#: was about a tenth of an audit's CPU time).
Statement: TypeAlias = ox.Triple | ox.Quad
_S = TypeVar("_S", ox.Triple, ox.Quad, Statement)

DEFAULT_MAX_BYTES: Final = 64 * 1024 * 1024
DEFAULT_MAX_TRIPLES: Final = 500_000
#: Deepest nesting of ``[``/``(``/``{`` accepted (JSON-LD objects and arrays, Turtle blank-node
#: property lists and collections). Real organisational models nest a handful of levels.
MAX_NESTING: Final = 64
#: Base IRI for relative IRIs in uploads (never one of pcfgraph's own namespaces).
UPLOAD_BASE: Final = "urn:pcfgraph:upload:"

_BOM_BLIND: Final = frozenset(
    (ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES, ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS)
)
#: The formats whose ``<<``/``>>`` (RDF 1.2 reified triples and triple terms) nest.
_TRIPLE_TERMS: Final = frozenset(
    (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS)
)
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_SUBCLASS = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf")
_SUBPROPERTY = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subPropertyOf")
_TYPING = frozenset((_RDF_TYPE, _SUBCLASS, _SUBPROPERTY))
_OURS = iris.BASE
_FRAMEWORK_VOCAB = str(iris.PCFG)


@dataclass(frozen=True)
class Upload:
    """One uploaded model: a name for messages, its bytes and how to read them."""

    name: str
    data: bytes
    media_type: str | None = None


def _nesting_error(data: bytes, fmt: ox.RdfFormat, limit: int, name: str) -> None:
    """Reject input nested deeper than ``limit`` (strings, IRIs and comments skipped).

    In Turtle, TriG, N-Triples and N-Quads, RDF 1.2's ``<<`` ... ``>>`` (a reified triple, and
    with ``(``/``)`` a triple term) nest too: 100,000 triple terms, one inside the next
    (2.4 MB), crashed pyoxigraph (SIGSEGV: ``pcfgraph audit`` died with no message, ``POST
    /validate`` answered 503 ``worker-crashed``); they are counted as brackets are."""
    depth = 0
    line, col = 1, 0
    in_string: int | None = None
    long_string = False
    in_iri = in_comment = False
    escaped = False
    i, n = 0, len(data)
    turtle = fmt in _TRIPLE_TERMS
    while i < n:
        c = data[i]
        col += 1
        if c == 0x0A:
            line, col = line + 1, 0
            in_comment = False
        if in_comment:
            i += 1
            continue
        if in_string is not None:
            if escaped:
                escaped = False
            elif c == 0x5C:
                escaped = True
            elif c == in_string:
                if not long_string:
                    in_string = None
                elif data[i : i + 3] == bytes([c]) * 3:
                    in_string = None
                    i += 2
            i += 1
            continue
        if in_iri:
            if c == 0x3E:
                in_iri = False
            i += 1
            continue
        if c == 0x22 or (turtle and c == 0x27):
            in_string = c
            long_string = turtle and data[i : i + 3] == bytes([c]) * 3
            if long_string:
                i += 2
        elif turtle and c == 0x3C and data[i + 1 : i + 2] != b"<":
            in_iri = True
        elif turtle and c in (0x3C, 0x3E) and data[i + 1 : i + 2] == bytes([c]):
            depth += 1 if c == 0x3C else -1  # << opens, >> closes (an IRI's > was read)
            if depth > limit:
                raise ParseError(
                    f"nested more than {limit} levels deep", line=line, column=col, source=name
                )
            i, col = i + 2, col + 1
            continue
        elif turtle and c == 0x23:
            in_comment = True
        elif c in (0x5B, 0x28, 0x7B):
            depth += 1
            if depth > limit:
                raise ParseError(
                    f"nested more than {limit} levels deep", line=line, column=col, source=name
                )
        elif c in (0x5D, 0x29, 0x7D):
            depth -= 1
        i += 1


def check_upload_size(name: str, size: int, max_bytes: int, measured: str = "") -> None:
    """The upload limit (``max_upload_bytes``): :class:`~pcfgraph.errors.PayloadTooLarge`
    (413) naming the file, its ``size`` in bytes (``measured``: how, when not as sent) and
    the limit."""
    if size > max_bytes:
        raise PayloadTooLarge(
            f"{name}: {size} bytes{measured} is over the limit of {max_bytes} bytes "
            f"(the max_upload_bytes setting)"
        )


def xml_model(data: bytes) -> str | None:
    """What an XML file given under another format's name is, by its root element's
    namespace, and how to name it; None when it is not XML. An ArchiMate exchange file named
    .ttl was 'not valid Turtle: Invalid IRI code point' at line 1, column 1; named .xlsx,
    'not a readable zip archive'."""
    from pcfgraph.audit.xml_root import root_element

    head = data[:4096].removeprefix(UTF8_BOM)
    root = root_element(head) if head.lstrip().startswith(b"<") else None
    if root is None:
        return None
    named = {
        ARCHIMATE_NS: "an ArchiMate exchange model: name it .xml",
        ARCHI_NS: "an Archi model: name it .archimate",
        _RDF_TYPE.value.removesuffix("type"): "RDF/XML: name it .rdf",
    }.get(root.namespace or "", f"with the root element <{root.local}>")
    return f"the file is XML, {named}"


def _as_utf8(upload: Upload, max_bytes: int, *, xml: bool) -> tuple[bytes, str | None]:
    """The upload's bytes as the UTF-8 text every check and parser reads, and the codec they
    were sent in (None: read as they are): its byte order mark's, its declared charset, or
    for ``xml`` its declaration's encoding (:mod:`pcfgraph.audit.charset`)."""
    from pcfgraph.audit.charset import to_utf8, upload_codec, xml_declared_codec

    data = upload.data
    codec = upload_codec(upload.name, upload.media_type, data)
    if codec is None and xml:
        codec = xml_declared_codec(data, upload.name)
    if codec is not None:  # text in a declared charset, read as the UTF-8 it is re-encoded in
        sent = len(data)
        data = to_utf8(data, codec, upload.name, xml=xml)
        # re-encoded text grows (Windows-1252 up to 3x): the limit holds for it too
        check_upload_size(
            upload.name, len(data), max_bytes, f" as UTF-8 ({sent} bytes as sent, in {codec})"
        )
    return data, codec


def parse_upload(
    upload: Upload,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_triples: int = DEFAULT_MAX_TRIPLES,
) -> list[Statement]:
    """The statements of one upload as default-graph quads (named graphs in JSON-LD are
    flattened into the one graph)."""
    name = upload.name
    data = upload.data
    check_upload_size(name, len(data), max_bytes)
    fmt = detect_format(name, upload.media_type, data)
    from pcfgraph.audit.charset import looks_unmarked, unmarked_refusal

    data, codec = _as_utf8(upload, max_bytes, xml=fmt is ox.RdfFormat.RDF_XML)
    if fmt in _BOM_BLIND and data.startswith(UTF8_BOM):
        # Windows editors (Notepad) save UTF-8 with a byte order mark; pyoxigraph's Turtle and
        # N-Triples parsers took it for the first subject ("\ufeff is not a valid subject").
        # The JSON-LD and XML parsers skip it themselves.
        data = data[len(UTF8_BOM) :]
    from pcfgraph.audit.sniff import binary

    if what := binary(data):  # a workbook named .ttl, Notepad's "Unicode" (UTF-16)...
        what = f"not {FORMAT_NAMES[fmt]} text: the file is {what}"
        raise ParseError(what, line=1, column=1, source=name)  # its first bytes say so
    if codec is None and (unmarked := looks_unmarked(data)):  # read as UTF-8, but it is not
        what = f"not {FORMAT_NAMES[fmt]} text: {unmarked_refusal(unmarked, fmt.media_type)}"
        raise ParseError(what, line=1, column=1, source=name)
    if fmt is ox.RdfFormat.RDF_XML:  # no DTD, UTF-8, not too deep, well-formed
        from pcfgraph.audit.rdfxml_where import check_rdf_xml

        check_rdf_xml(data, name, 2 * MAX_NESTING)
    if fmt in (ox.RdfFormat.JSON_LD, ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) or (
        fmt in _TRIPLE_TERMS and b"<<" in data  # N-Triples, N-Quads: only << nests
    ):
        _nesting_error(data, fmt, MAX_NESTING, name)
    given = data
    if fmt is ox.RdfFormat.JSON_LD:
        from pcfgraph.audit.inputs.context import inline_known_contexts

        data = inline_known_contexts(data, name)
    triples: list[Statement] = []
    flatten = fmt.supports_datasets  # JSON-LD, TriG, N-Quads: named graphs become the one graph
    try:
        for t in ox.parse(data, format=fmt, base_iri=UPLOAD_BASE):
            if isinstance(t.subject, ox.Triple) or isinstance(t.object, ox.Triple):
                raise ParseError("RDF-star quoted triples are not accepted", source=name)
            if flatten and not isinstance(t.graph_name, ox.DefaultGraph):
                t = ox.Quad(t.subject, t.predicate, t.object)
            triples.append(t)
            if len(triples) > max_triples:
                raise PayloadTooLarge(f"{name}: more than {max_triples} triples (the upload limit)")
    except SyntaxError as exc:
        line = exc.lineno if isinstance(exc.lineno, int) else None
        column = exc.offset if isinstance(exc.offset, int) else None
        message = str(exc.msg or exc)
        # pyoxigraph prefixes "Parser error at line L column C:" — the position is carried
        # separately, so keep only the explanation.
        message = re.sub(r"^Parser error (at|between) [^:]*:\s*", "", message)
        if fmt is ox.RdfFormat.JSON_LD and "LoadDocumentCallback" in message:
            from pcfgraph.audit.inputs.context import remote_context_error

            raise remote_context_error(data, name) from None
        if "utf-8" in message.lower():  # Latin-1 / Windows-1252 text: say what to do
            message += (
                "; the file is read as UTF-8: save it with UTF-8 encoding (or, over HTTP, "
                "declare its encoding: Content-Type: text/turtle; charset=iso-8859-1)"
            )
        if fmt is not ox.RdfFormat.RDF_XML and (xml := xml_model(data)):
            message += f"; {xml}"
        elif fmt is ox.RdfFormat.RDF_XML and line is None:  # its parser says no position
            from pcfgraph.audit.rdfxml_where import locate

            line, column = locate(data, message, UPLOAD_BASE) or (None, None)
        elif fmt is ox.RdfFormat.JSON_LD and line is None:  # valid JSON, not valid JSON-LD
            from pcfgraph.audit.jsonld_where import locate as locate_in_json

            where = locate_in_json(given, message, UPLOAD_BASE, as_parsed=given is data)
            line, column = where or (None, None)
        raise ParseError(
            f"not valid {FORMAT_NAMES[fmt]}: {message}", line=line, column=column, source=name
        ) from None
    except (ValueError, OSError) as exc:
        raise InputError(f"{name}: cannot read {FORMAT_NAMES[fmt]}: {exc}") from None
    return triples


def split_framework_statements(triples: Iterable[_S]) -> tuple[list[_S], list[_S]]:
    """Split off statements an upload may not make: (kept, ignored).

    Ignored: anything said ABOUT a pcfgraph IRI (framework elements, ontology and vocabulary
    terms, shapes), and typing or sub-classing INTO the framework ontology (``ex:x a
    pcfg:Measure``, ``ex:C rdfs:subClassOf pcfg:Practice``), which would make a made-up node
    pass as an existing framework element.
    """
    kept: list[_S] = []
    ignored: list[_S] = []
    for t in triples:
        s = t.subject
        bad = (isinstance(s, ox.NamedNode) and s.value.startswith(_OURS)) or (
            t.predicate in _TYPING
            and isinstance(o := t.object, ox.NamedNode)
            and o.value.startswith(_FRAMEWORK_VOCAB)
        )
        (ignored if bad else kept).append(t)
    return kept, ignored


_ORGANISATION = ox.NamedNode(str(iris.ORGM.Organisation))


def read_upload(upload: Upload, *, max_bytes: int, max_triples: int) -> Any:
    """One file of a model in any format, as a :class:`~pcfgraph.audit.inputs.model.ReadResult`."""
    from pcfgraph.audit.inputs.model import ReadResult

    check_upload_size(upload.name, len(upload.data), max_bytes)
    kind = model_format(upload.name, upload.media_type, upload.data)
    if kind == "xlsx" and (xml := xml_model(upload.data)):
        raise ModelError(f"{upload.name}: not an .xlsx workbook ({xml})")
    if kind == "xlsx":
        from pcfgraph.audit.inputs.workbook import read_workbook

        result = read_workbook(upload.data, upload.name)
    elif kind in ("archimate", "archi"):
        from pcfgraph.audit.inputs.archimate import read_archimate

        if kind == "archi":  # Archi's archive format (a model with images): its model.xml
            from pcfgraph.audit.inputs.archi_archive import model_xml

            upload = replace(upload, data=model_xml(upload.data, upload.name, max_bytes))
        # UTF-16 or a declared charset read as RDF/XML is: the DTD check reads UTF-8
        data, _ = _as_utf8(upload, max_bytes, xml=True)
        result = read_archimate(data, upload.name, native=kind == "archi")
    else:  # RDF, in the serialisation upload_format chose (parse_upload asks it again)
        return ReadResult(
            triples=parse_upload(upload, max_bytes=max_bytes, max_triples=max_triples)
        )
    if len(result.triples) > max_triples:
        raise PayloadTooLarge(f"{upload.name}: more than {max_triples} triples (the upload limit)")
    return result


def read_model(
    uploads: Iterable[Upload],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_triples: int = DEFAULT_MAX_TRIPLES,
) -> Any:
    """Read a model given as one or more files of any supported format into a
    :class:`~pcfgraph.audit.inputs.model.ParsedModel`. Each file that cannot be read is named
    with its problem (:func:`~pcfgraph.errors.refused_together`), not the first one only.
    Refused (:class:`~pcfgraph.errors.ModelError`, HTTP 422 / exit 2): a model with no
    statements, or one in which nothing is an ``orgm:Organisation`` ("the model describes no
    organisation"): auditing it would report "conforms" about nothing."""
    from pcfgraph.audit.inputs.model import ParsedModel, not_on_organisation

    model = ParsedModel()
    names: list[str] = []
    refused: list[InputError] = []  # each file's problem, named together
    dated: list[tuple[str, list[Any]]] = []  # each file's orgm:describedAsOf statements
    for upload in uploads:
        names.append(upload.name)
        try:
            result = read_upload(
                upload, max_bytes=max_bytes, max_triples=max_triples - len(model.triples)
            )
        except InputError as exc:
            refused.append(exc)
            continue
        model.kinds.add(result.kind)
        kept, ignored = split_framework_statements(result.triples)
        dated.append((upload.name, model_date.statements(kept)))
        model.triples.extend(kept)
        model.ignored.extend(ignored)
        model.findings.extend(result.findings)
        model.sources.update(result.sources)
        if result.unused is not None:
            model.unused = [*(model.unused or []), *result.unused]
    if refused:
        raise refused_together(refused)
    audited = model_date.organisations(model.triples)  # only their day is the model's
    try:
        model.described_as_of = model_date.model_day(
            [(name, model_date.stated_days(said, audited)) for name, said in dated]
        )
    except InputError as exc:  # refused unless the audit is given its date (days_refused)
        model.days_refusal = exc
    model.findings.extend(not_on_organisation(dated, audited))
    if len(model.triples) > max_triples:
        raise PayloadTooLarge(f"more than {max_triples} triples in total")
    what = ", ".join(names) or "the upload"
    if not model.triples and not model.ignored:
        raise ModelError(f"{what}: the model is empty: the model describes no organisation")
    if not any(t.predicate == _RDF_TYPE and t.object == _ORGANISATION for t in model.triples):
        from pcfgraph.audit.inputs.model import no_organisation

        raise ModelError(no_organisation(what, model))  # what to add, as the files say it
    return model
