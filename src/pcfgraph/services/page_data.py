"""The page data as a release artefact: what the first element page of every framework reads
(framework indexes, measures, mappings, inherited mappings, lexical suggestions, and the
version timeline of every PCF ID), computed once when the release is built and loaded when a
server starts, instead of computed at every start (21 s with every APQC workbook at load 7).

The file is JSON (:mod:`pcfgraph.services.page_codec`: data only, validated while read) and
names what it was built for: the release id, this format's version and a digest of the code
and queries that compute it. A file for another release or other code is not used (the
server computes the page data as before); a damaged or tampered one is refused with a
:class:`~pcfgraph.errors.ReleaseError` naming the problem.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pcfgraph import __version__
from pcfgraph.errors import ReleaseError
from pcfgraph.queries import QueryCatalog
from pcfgraph.services.base import Reader
from pcfgraph.services.page_codec import Decoder, Encoder
from pcfgraph.services.versions import VersionStatement

if TYPE_CHECKING:
    from pcfgraph.services.search.release import Release


class Reads(Protocol):
    """What loading needs of :class:`pcfgraph.services.page_reads.Reads` (not imported: it
    imports this module to load the page data)."""

    @property
    def reader(self) -> Reader: ...

    @property
    def catalog(self) -> QueryCatalog: ...


log = logging.getLogger("pcfgraph.serving")

PAGE_DATA_FILE = "page-data.json"
#: Bumped when the file's layout changes.
FORMAT = "pcfgraph-page-data/1"


def code_digest(catalog: QueryCatalog) -> str:
    """What the page data depends on besides the release: the queries and the code that
    reads them (a file built by other code is not trusted to mean the same)."""
    digest = hashlib.sha256(f"{FORMAT}\0{__version__}\0".encode())
    for query in catalog:
        digest.update(f"{query.name}\0{query.text}\0".encode())
    digest.update(_code_digest().encode())
    return digest.hexdigest()


@cache
def _code_digest() -> str:
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted([*(package / "services").rglob("*.py"), package / "mappings/suggest.py"]):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def encode(
    memo: dict[Any, Any],
    release_id: str,
    catalog: QueryCatalog,
    timelines: dict[int, list[VersionStatement]] | None = None,
) -> bytes:
    """The artefact's bytes for a reader's memo and every PCF ID's timeline (decoded one by
    one when a page first asks for it: the start does not build 28k statements)."""
    encoder, apart = Encoder(), Encoder(share=False)
    entries = [[encoder.encode(k), encoder.encode(v)] for k, v in memo.items()]
    lines = {str(pcf_id): apart.encode(s) for pcf_id, s in sorted((timelines or {}).items())}
    document = {
        "format": FORMAT,
        "release_id": release_id,
        "code": code_digest(catalog),
        "classes": encoder.classes,
        "memo": entries,
        "timelines": {"classes": apart.classes, "entries": lines},
    }
    return json.dumps(document, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


@dataclass
class PageData:
    """A release's page data: the memo, and the timelines still as JSON values."""

    memo: dict[Any, Any]
    timelines: dict[int, Any]
    decoder: Decoder

    def timeline(self, pcf_id: int) -> list[VersionStatement]:
        """One PCF ID's statements, decoded and checked (:class:`ReleaseError` if unsound)."""
        value = self.decoder.decode(self.timelines[pcf_id])
        if not isinstance(value, list) or not all(
            type(s) is VersionStatement and s.pcf_id == pcf_id for s in value
        ):
            raise self.decoder.error(f"the timeline of PCF ID {pcf_id} is not its statements")
        return value


class Stale(Exception):
    """The page data is sound but made for another release or other code: not used."""


def decode(data: bytes, release_id: str, catalog: QueryCatalog, where: str) -> PageData:
    """The page data held by ``data``; :class:`ReleaseError` when it is not page data, or
    not well formed, :class:`Stale` when made for another release or code."""
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ReleaseError(f"{where}: not JSON ({exc})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        found = document.get("format") if isinstance(document, dict) else None
        raise ReleaseError(f"{where}: not page data of format {FORMAT} (found {found!r:.60})")
    if document.get("release_id") != release_id:
        raise Stale(f"{where}: made for release {document.get('release_id')!r:.40}")
    if document.get("code") != code_digest(catalog):
        raise Stale(f"{where}: made by other code or queries")
    entries = document.get("memo")
    if not isinstance(entries, list):
        raise ReleaseError(f"{where}: 'memo' is not a list")
    decoder = Decoder(document.get("classes"), where)
    memo: dict[Any, Any] = {}
    for entry in entries:
        if not isinstance(entry, list) or len(entry) != 2:
            raise ReleaseError(f"{where}: a memo entry that is not a [key, value] pair")
        key = decoder.decode(entry[0])
        if not isinstance(key, tuple):
            raise ReleaseError(f"{where}: a memo key that is not a tuple ({key!r:.60})")
        memo[key] = decoder.decode(entry[1])
    lines = document.get("timelines")
    if not isinstance(lines, dict) or not isinstance(lines.get("entries"), dict):
        raise ReleaseError(f"{where}: 'timelines' is not an object of entries")
    timelines: dict[int, Any] = {}
    for pcf_id, value in lines["entries"].items():
        if not pcf_id.isdigit() or not isinstance(value, dict):
            raise ReleaseError(f"{where}: a timeline entry {pcf_id!r:.40} is not a PCF ID's")
        timelines[int(pcf_id)] = value
    return PageData(memo, timelines, Decoder(lines.get("classes"), f"{where} (timelines)"))


def shipped_page_data(release: Release, catalog: QueryCatalog) -> PageData | None:
    """The release's page data: None when it has none or one made for another release or
    code (logged); :class:`ReleaseError` when the file is not the one its manifest lists
    (checksum) or not sound page data."""
    if release.path is None:
        return None
    path = release.path / PAGE_DATA_FILE
    listed = (release.manifest.get("artefacts") or {}).get(PAGE_DATA_FILE)
    where = f"release {release.path}: {PAGE_DATA_FILE}"
    if listed is None:
        if path.exists():
            raise ReleaseError(f"{where}: present but not listed in the manifest")
        return None
    if not isinstance(listed, dict) or not isinstance(listed.get("sha256"), str):
        raise ReleaseError(f"{where}: the manifest lists it without a sha256")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReleaseError(f"{where}: cannot be read ({exc.strerror or exc})") from None
    if hashlib.sha256(data).hexdigest() != listed["sha256"]:
        raise ReleaseError(f"{where}: sha256 differs from the manifest")
    try:
        return decode(data, release.release_id, catalog, where)
    except Stale as exc:
        log.warning("%s: not used, the page data is computed", exc)
        return None


def load_page_data(reads: Reads, release: Release) -> bool:
    """Fill ``reads`` with the release's page data; whether there was any to use. A refused
    file is logged with its reason and the page data is computed as without one (the
    release itself was verified apart; the page data is a cache of its reads); so is a
    timeline found unsound when first used."""
    try:
        found = shipped_page_data(release, reads.catalog)
    except ReleaseError as exc:
        log.error("%s; the page data is computed instead", exc)
        return False
    if found is None:
        return False
    reads.reader.preload(found.memo)

    def timeline(pcf_id: int) -> Callable[[Callable[[], Any]], Any]:
        def make(compute: Callable[[], Any]) -> Any:
            try:
                return found.timeline(pcf_id)
            except ReleaseError as exc:
                log.error("%s; computed instead", exc)
                return compute()

        return make

    reads.reader.preload_lazy({("versions-of", p): timeline(p) for p in found.timelines})
    return True
