"""Which framework sources go into a release: the packaged ``data/frameworks.yaml``, plus APQC
workbooks a user adds (``--add FILE``) or lists in a sources file of the same schema
(``--sources my.yaml``).

Every entry is resolved against the directory of the file that lists it. Workbooks are imported
in parallel worker processes when there are several (each import is CPU-bound Python), and two
sources claiming the same framework (the same APQC edition and version) are refused, naming both
(a byte-identical copy of a workbook listed before it, under any name, is that source: built
once, with a note).
"""

from __future__ import annotations

import glob
import hashlib
import multiprocessing as mp
import os
import sys
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
import yaml

from pcfgraph import iris
from pcfgraph.errors import InputError, WorkbookError

if TYPE_CHECKING:
    from pcfgraph.importers.apqc import ApqcImport


@dataclass(frozen=True)
class ExtraSources:
    """What a user adds to (or, with ``include_default: false``, puts instead of) the shipped data."""

    workbooks: tuple[Path, ...] = ()
    sources_file: Path | None = None
    #: How the user gave ``workbooks``, for what is said about them: ``--add``, or the
    #: ``PCFGRAPH_ADD_WORKBOOKS`` variable (a server's; naming a flag never given sent the
    #: operator looking for it). Not part of what is built.
    workbooks_given_as: str = field(default="--add", compare=False)
    #: How the user gave ``sources_file``: ``--sources`` or ``PCFGRAPH_SOURCES_FILE``.
    sources_file_given_as: str = field(default="--sources", compare=False)

    def __bool__(self) -> bool:
        return bool(self.workbooks) or self.sources_file is not None

    def files(self) -> list[Path]:
        """Every file these sources read (so a cache key changes when any of them does).

        A missing ``--add`` workbook or sources file is refused here, as the build would refuse
        it: left out of the key, it would leave the key of the sources without it, and the
        release cached for those (the default one, for a lone ``--add``) would be served as if
        it held the file."""
        for path in self.workbooks:
            refuse_missing_workbook(Path(path), self.workbooks_given_as)
        out = [Path(p) for p in self.workbooks]
        if self.sources_file is not None:
            refuse_missing_sources_file(self.sources_file, self.sources_file_given_as)
            out.append(self.sources_file)
            base = self.sources_file.resolve().parent
            doc = read_sources_file(self.sources_file)
            for raw in doc.get("frameworks", []) or []:
                for rel in list(raw.get("files", []) or []) + list(raw.get("supplements") or []):
                    if (base / rel).is_file():
                        out.append(base / rel)
            for pattern in doc.get("mappings", []) or []:
                out.extend(Path(p) for p in sorted(glob.glob(str(base / pattern))))
        return out


@dataclass
class Entry:
    """One framework entry of a sources file, with the directory its paths are relative to."""

    raw: dict[str, Any]
    base: Path
    listed_in: str

    @property
    def kind(self) -> str | None:
        return self.raw.get("kind")

    def files(self) -> list[Path]:
        return [self.base / rel for rel in self.raw.get("files", []) or []]

    def supplements(self) -> list[Path]:
        return [self.base / rel for rel in self.raw.get("supplements", []) or []]


@dataclass
class SourceList:
    entries: list[Entry] = field(default_factory=list)
    #: (base directory, glob pattern) of SSSOM mapping sets.
    mappings: list[tuple[Path, str]] = field(default_factory=list)
    #: What the user is told on stderr about the list (a workbook that was already a source).
    notes: list[str] = field(default_factory=list)


def refuse_missing_workbook(path: Path, given_as: str = "--add") -> None:
    """An added workbook (``given_as``: ``--add``, ``PCFGRAPH_ADD_WORKBOOKS``) that is no
    file is refused naming it; a directory so (it was "no such file", which sent the user
    looking for a typo)."""
    if path.is_dir():
        raise InputError(f"{given_as} {path}: a directory, not a workbook file")
    if not path.is_file():
        raise InputError(f"{given_as} {path}: no such file")


def refuse_missing_sources_file(path: Path, given_as: str = "--sources") -> None:
    """A sources file (``given_as``: ``--sources``, ``PCFGRAPH_SOURCES_FILE``) that is no
    file is refused naming it and how it was given, as an added workbook is."""
    if path.is_dir():
        raise InputError(f"{given_as} {path}: a directory, not a sources file")
    if not path.is_file():
        raise InputError(f"{given_as} {path}: no such sources file")


def read_sources_file(path: Path) -> dict[str, Any]:
    """A ``frameworks.yaml``-shaped document; bad input names the file and the problem."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such sources file") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("frameworks", []), list):
        raise InputError(f"{path}: expected a 'frameworks' list (the schema of frameworks.yaml)")
    _known_keys(path, "", doc, SOURCES_KEYS, "a sources file")
    if not isinstance(doc.get("include_default", True), bool):
        raise InputError(f"{path}: include_default must be true or false")
    for i, entry in enumerate(doc.get("frameworks", []) or [], start=1):
        if not isinstance(entry, dict) or entry.get("kind") not in ("apqc-workbook", "turtle"):
            raise InputError(
                f"{path}: framework {i}: expected a mapping with kind 'apqc-workbook' or 'turtle'"
            )
        _known_keys(path, f"framework {i}: ", entry, FRAMEWORK_KEYS, "a framework")
        if entry["kind"] == "turtle" and not entry.get("id"):
            raise InputError(f"{path}: framework {i}: a turtle framework needs an 'id'")
        if not isinstance(entry.get("files"), list) or not entry["files"]:
            raise InputError(f"{path}: framework {i}: expected a non-empty 'files' list")
    return doc


#: The keys a sources file may have, and each of its framework entries (any other is a typo,
#: which was ignored: ``supplement:`` built without the supplement, ``versoin:`` said the
#: workbook states no version).
SOURCES_KEYS = ("frameworks", "mappings", "include_default")
FRAMEWORK_KEYS = ("id", "kind", "files", "supplements", "edition", "version")


def _known_keys(
    path: Path, where: str, mapping: dict[str, Any], known: tuple[str, ...], what: str
) -> None:
    unknown = [str(key) for key in mapping if key not in known]
    if unknown:
        raise InputError(
            f"{path}: {where}unknown key {unknown[0]!r}; {what} takes: {', '.join(known)}"
        )


def source_list(data_dir: Path, default_doc: dict[str, Any], extra: ExtraSources) -> SourceList:
    """The shipped entries (unless a sources file says ``include_default: false``), then the
    sources file's, then one entry per added workbook."""
    out = SourceList()
    include_default = True
    extra_doc: dict[str, Any] = {}
    if extra.sources_file is not None:
        refuse_missing_sources_file(extra.sources_file, extra.sources_file_given_as)
        extra_doc = read_sources_file(extra.sources_file)
        include_default = bool(extra_doc.get("include_default", True))
    if include_default:
        for raw in default_doc["frameworks"]:
            out.entries.append(Entry(raw, data_dir, "frameworks.yaml"))
        out.mappings.extend((data_dir, p) for p in default_doc.get("mappings", []) or [])
    if extra.sources_file is not None:
        base = extra.sources_file.resolve().parent
        for raw in extra_doc.get("frameworks", []) or []:
            out.entries.append(Entry(raw, base, extra.sources_file.name))
        out.mappings.extend((base, p) for p in extra_doc.get("mappings", []) or [])
    for path in extra.workbooks:
        path = Path(path)
        refuse_missing_workbook(path, extra.workbooks_given_as)
        raw = {"kind": "apqc-workbook", "files": [path.name]}
        out.entries.append(Entry(raw, path.resolve().parent, extra.workbooks_given_as))
    return _as_shipped(_without_copies(out), data_dir)


def _as_shipped(listing: SourceList, data_dir: Path) -> SourceList:
    """A plain one-workbook entry whose workbook is a byte-identical copy of a shipped one not
    in the list (``include_default: false``) is that edition and version, with a note, as in
    ``import apqc``: a renamed copy of the shipped Cross-Industry 7.4 ('my-pcf.xlsx'), whose
    version only the shipped name states, was refused ("could not determine the version").
    One whose name states another edition or version is refused naming both."""
    for entry in listing.entries:
        files = entry.files() if entry.kind == "apqc-workbook" else []
        if len(files) != 1 or not _plain(entry):
            continue
        shipped = shipped_workbook(files[0], data_dir)
        if shipped is None:
            continue
        path, edition, version = shipped
        what = (
            f"{entry.listed_in} {files[0]}: byte-identical to the shipped {path.name} "
            f"(APQC PCF {edition} {version})"
        )
        named = _named(files[0])
        if named is None:
            entry.raw = {**entry.raw, "edition": edition, "version": version}
            listing.notes.append(f"{what}; imported as that workbook")
        elif _key(named) != _key((edition, version)):
            raise InputError(
                f"{what}, but its name states {' '.join(named)}: one workbook cannot be both; "
                f"name it {path.name} or a name stating no edition"
            )
    return listing


def _without_copies(listing: SourceList) -> SourceList:
    """Drop an entry that is only a byte-identical copy of a workbook listed before it (one
    workbook, no supplements, no edition or version of its own), under any name: the same
    source, built once, with a note naming both. The bytes decide, not the name: a renamed
    copy ('my-pcf.xlsx', 'k06638-...-2025 (1).xlsx') was imported as a second source and
    refused ("two sources claim"), or refused for stating no version when the version was in
    the name of the workbook it copies. A copy whose name states another edition or version
    than the source is refused naming both (one workbook cannot be two editions; an entry
    stating edition and version is imported as it says). When the workbook listed before
    is itself plain and its name states nothing, a copy under APQC's download name stands in
    for it (its name states edition and version)."""
    seen: dict[str, tuple[int, Path]] = {}  # digest -> (index in kept, file)
    kept: list[Entry] = []
    for entry in listing.entries:
        files = entry.files() if entry.kind == "apqc-workbook" else []
        digests = [_sha256(p) for p in files]
        single = len(files) == 1 and digests[0] is not None and _plain(entry)
        if not single or digests[0] not in seen:
            kept.append(entry)
            for path, digest in zip(files, digests, strict=True):
                if digest is not None:
                    seen.setdefault(digest, (len(kept) - 1, path))
            continue
        index, first = seen[str(digests[0])]
        copy, before = files[0], kept[index]
        swap = _plain(before) and len(before.files()) == 1
        if swap and _named(copy) is not None and _named(first) is None:
            kept[index] = entry  # in the place of the one listed before
            seen[str(digests[0])] = (index, copy)
            listing.notes.append(
                f"{before.listed_in} {first}: byte-identical to {entry.listed_in} {copy}, "
                f"whose name states the edition and version; built once, as {copy.name}"
            )
            continue
        claimed, by_name = _claimed(before, first), _named(copy)
        if by_name is not None and claimed is not None and _key(by_name) != _key(claimed):
            raise InputError(
                f"{entry.listed_in} {copy}: byte-identical to {first}, but its name states "
                f"{' '.join(by_name)} and that source is {' '.join(claimed)}: one workbook "
                "cannot be both; keep one, or state edition: and version: for each in a "
                "sources file entry"
            )
        listing.notes.append(
            f"{entry.listed_in} {copy}: byte-identical to {first}, already a source; built once"
        )
    listing.entries = kept
    return listing


def _plain(entry: Entry) -> bool:
    """One that states nothing of its own beside its files (no supplements, edition, version)."""
    return not entry.supplements() and not ({"edition", "version"} & entry.raw.keys())


def _named(path: Path) -> tuple[str, str] | None:
    """The edition and version APQC's download name states (None for another name)."""
    from pcfgraph.importers.apqc.statement import parse_file_name

    parsed = parse_file_name(path.name)
    return None if parsed is None else (str(parsed[0].edition), str(parsed[0].version))


def _claimed(entry: Entry, path: Path) -> tuple[str, str] | None:
    """The edition and version an entry states for its workbook (its keys, else the name)."""
    edition, version = entry.raw.get("edition"), entry.raw.get("version")
    by_name = _named(path)
    if by_name is not None:
        edition, version = edition or by_name[0], version or by_name[1]
    return (str(edition), str(version)) if edition and version else None


def _key(claim: tuple[str, str]) -> tuple[str, str]:
    return iris.slug(claim[0]), claim[1].strip()


def shipped_workbook(path: Path, data_dir: Path) -> tuple[Path, str, str] | None:
    """The shipped APQC workbook (an entry of ``data_dir/frameworks.yaml`` stating edition
    and version) that ``path`` is a byte-identical copy of, with that edition and version;
    None when it copies none (or is that very file). A renamed copy of the shipped
    Cross-Industry 7.4, whose version only its name states, is that edition."""
    try:
        doc = yaml.safe_load((data_dir / "frameworks.yaml").read_text(encoding="utf-8"))
        size = path.stat().st_size
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    entries = doc.get("frameworks") if isinstance(doc, dict) else None
    digest: str | None = None
    for raw in entries if isinstance(entries, list) else []:
        if not isinstance(raw, dict) or raw.get("kind") != "apqc-workbook":
            continue
        files, edition, version = raw.get("files") or [], raw.get("edition"), raw.get("version")
        if not isinstance(files, list) or len(files) != 1 or not edition or not version:
            continue
        shipped = data_dir / str(files[0])
        try:
            if shipped.stat().st_size != size or shipped.resolve() == path.resolve():
                continue
        except OSError:
            continue
        digest = digest or _sha256(path)
        if digest is not None and digest == _sha256(shipped):
            return shipped, str(edition), str(version)
    return None


def _sha256(path: Path) -> str | None:
    try:
        with path.open("rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except OSError:
        return None  # unreadable: the import names the problem


# --- APQC workbooks, in parallel ------------------------------------------------------------


@dataclass
class ImportedWorkbook:
    path: Path
    framework_id: str
    edition: str
    version: str
    nt: bytes
    element_rows: list[tuple[int, str, str, str | None]] = field(default_factory=list)
    #: Its graph passed the framework shapes (with the ontology) in the import worker.
    validated: bool = False
    #: The Turtle supplements of its framework graph that passed with it (``validated``).
    checked_with: tuple[Path, ...] = ()
    #: The importer's warnings, each naming the workbook, sheet and row (kept in the cache).
    warnings: tuple[str, ...] = ()


def _import_one(
    path: str, edition: str | None, version: str | None, supplements: tuple[str, ...] = ()
) -> ImportedWorkbook:
    """Import one workbook and check its graph against the framework shapes, in the worker
    (:mod:`pcfgraph.release_shapes`): a violation names the workbook's sheet and row. With
    the Turtle ``supplements`` of its framework graph when they read and pass (then the
    whole graph is checked here, not again in the build); else the workbook alone."""
    from pcfgraph.importers.apqc import import_workbook

    r = import_workbook(Path(path), edition=edition, version=version, progress=False)
    extra = _supplement_triples(supplements)
    checked_with: tuple[Path, ...] = ()
    if extra and shape_error(r, Path(path), extra) is None:
        checked_with = tuple(Path(p) for p in supplements)
    else:  # the build loads (and names any problem of) the supplements itself
        error = shape_error(r, Path(path))
        if error is not None:
            raise error
    nt = ox.serialize(r.triples, format=ox.RdfFormat.N_TRIPLES) or b""
    return ImportedWorkbook(
        Path(path),
        r.framework_id,
        r.edition,
        r.version,
        nt,
        r.element_rows,
        validated=True,
        checked_with=checked_with,
        warnings=tuple(r.named_warnings(Path(path).name)),
    )


def _supplement_triples(paths: Sequence[str]) -> list[ox.Triple] | None:
    """The triples of Turtle supplements (relative IRIs against ``iris.ID_BASE``); None when
    there are none or one does not read (the build names that when it loads them)."""
    if not paths:
        return None
    try:
        return [
            t
            for p in paths
            for t in ox.parse(path=p, format=ox.RdfFormat.TURTLE, base_iri=iris.ID_BASE)
        ]
    except (SyntaxError, OSError):
        return None


def shape_error(
    imported: ApqcImport, path: Path, extra: Sequence[ox.Triple] = ()
) -> WorkbookError | None:
    """The framework shapes over an imported workbook's graph (with the ontology, and the
    ``extra`` statements of its graph): the first violation as an error naming the file, and
    the sheet and row its node was read from."""
    from pcfgraph.release_shapes import validate_framework_triples

    found = validate_framework_triples([*imported.triples, *extra])
    violations = sorted(
        (f for f in found if f.severity == "Violation"), key=lambda f: (f.focus, f.rule)
    )
    if not violations:
        return None
    first = violations[0]
    sheet, row = imported.origins.get(first.focus, (None, None))
    more = f" (and {len(violations) - 1} more violations)" if len(violations) > 1 else ""
    return WorkbookError(
        f"fails the framework shapes: {first.rule} at <{first.focus}>: {first.message}{more}",
        file=path.name,
        sheet=sheet,
        row=row,
    )


def _from_cache(
    cache: Path, key: str, path: Path, checked_with: tuple[Path, ...]
) -> ImportedWorkbook | None:
    from pcfgraph.workbook_cache import load

    hit = load(cache, key)
    if hit is None:
        return None
    return ImportedWorkbook(
        path,
        hit.framework_id,
        hit.edition,
        hit.version,
        hit.nt,
        hit.element_rows,
        validated=True,
        checked_with=checked_with,  # part of the key: saved only when it passed with them
        warnings=hit.warnings,  # named as this path is: the name is part of the key
    )


def _cache_key(
    path: Path, edition: str | None, version: str | None, supplements: tuple[Path, ...]
) -> str | None:
    from pcfgraph.workbook_cache import entry_key

    try:
        return entry_key(Path(path), edition, version, supplements)
    except OSError:
        return None  # unreadable: the import names the problem


def import_workbooks(
    jobs: Sequence[tuple[Path, str | None, str | None]],
    *,
    progress: bool | None = None,
    supplements: Mapping[Path, Sequence[Path]] | None = None,
) -> list[ImportedWorkbook]:
    """Import workbooks (path, edition, version), in parallel processes when there are several;
    refuse two that claim the same edition and version. ``progress``: a bar of workbooks done
    on stderr (None: only when stderr is a terminal, as the importer's own bar).
    ``supplements``: by workbook path, the Turtle files that go into its graph with it
    (checked with it in its worker: :attr:`ImportedWorkbook.checked_with`)."""
    from tqdm import tqdm

    bar = tqdm(
        total=len(jobs),
        desc="importing workbooks",
        unit=" workbooks",
        delay=1.0 if progress is None else 0.0,  # asked for: shown at once
        file=sys.stderr,
        disable=(None if progress is None else not progress) if len(jobs) > 1 else True,
        leave=False,
        mininterval=0,  # one redraw per workbook done: few, and the last one is never skipped
    )
    from pcfgraph import workbook_cache

    cache = workbook_cache.cache_dir()
    extras = [tuple((supplements or {}).get(Path(p), ())) for p, _e, _v in jobs]
    keys = [
        _cache_key(p, e, v, x) if cache else None for (p, e, v), x in zip(jobs, extras, strict=True)
    ]
    found: list[ImportedWorkbook | None] = [
        _from_cache(cache, k, Path(p), x) if cache and k else None
        for k, (p, _e, _v), x in zip(keys, jobs, extras, strict=True)
    ]
    todo = [i for i, w in enumerate(found) if w is None]
    try:
        bar.update(len(jobs) - len(todo))  # unchanged since an earlier build: from the cache
        if len(todo) > 1 and (os.cpu_count() or 1) > 1:
            workers = min(len(todo), os.cpu_count() or 1)
            tracker_spared_by_hangups()
            with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
                futures = {
                    pool.submit(_import_one, str(jobs[i][0]), *jobs[i][1:], _paths(extras[i])): i
                    for i in todo
                }
                for done in as_completed(futures):
                    found[futures[done]] = done.result()  # the first failure ends the build
                    bar.update(1)
        else:
            for i in todo:
                p, e, v = jobs[i]
                found[i] = _import_one(str(p), e, v, _paths(extras[i]))
                bar.update(1)
    finally:
        bar.close()
    results = [w for w in found if w is not None]  # in the order listed
    for i in todo:
        key, w = keys[i], results[i]
        if cache and key and w.validated and w.checked_with == extras[i]:
            entry = workbook_cache.CachedImport(
                w.framework_id, w.edition, w.version, w.nt, w.element_rows, w.warnings
            )
            workbook_cache.save(cache, key, entry)
    seen: dict[str, ImportedWorkbook] = {}
    for r in results:
        other = seen.get(r.framework_id)
        if other is not None:
            raise WorkbookError(
                f"two sources claim APQC PCF {r.edition} {r.version} ({r.framework_id}): "
                f"{other.path} and {r.path}; keep one",
                file=r.path.name,
            )
        seen[r.framework_id] = r
    return results


def tracker_spared_by_hangups() -> None:
    """Start multiprocessing's resource tracker (the import pool's helper process) ignoring
    ``SIGHUP``, as it ignores ``SIGINT`` and ``SIGTERM``: a terminal's hangup killed it with
    the build, whose cleanup (:func:`pcfgraph.cli.common.interruptible`) relaunched it, and
    it printed a KeyError traceback per semaphore of the pool. It ends with its last user."""
    import signal
    import threading
    from multiprocessing import resource_tracker

    if threading.current_thread() is not threading.main_thread():
        return  # no signal disposition to set: the tracker starts as it would have
    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)  # inherited by what it starts
    try:
        resource_tracker.ensure_running()
    finally:
        signal.signal(signal.SIGHUP, previous)


def _paths(paths: tuple[Path, ...]) -> tuple[str, ...]:
    return tuple(str(p) for p in paths)


def framework_graph_name(framework_id: str) -> str:
    return str(iris.framework_graph(framework_id))
