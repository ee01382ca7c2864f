"""Which edition and version a workbook is: from the workbook's own statement, APQC's download
name and the caller's flags, cross-checked so that none of them can silently contradict another.

APQC states identity in three places, none of them in every workbook: the Introduction sheet
("AIRLINE PROCESS CLASSIFICATION FRAMEWORK", "VERSION NUMBER 7.2.2", "COMPARED TO ... VERSION
7.2.1"), as cells or as a text box (drawing); title rows above a header; and the download name
(``k06638-airline-v722-vs-airline-v721-2025.xlsx``, ``...-payor-721-vs-...``,
``apqc-pcf-cross-industry-7.4.xlsx``). A comparison workbook is the newer version; the one it is
compared with is kept as ``compared_to``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from pcfgraph import iris
from pcfgraph.cells import xstring
from pcfgraph.errors import WorkbookError
from pcfgraph.importers.apqc.cells import normalise_space
from pcfgraph.importers.apqc.drawing import drawing_paragraphs
from pcfgraph.importers.apqc.layout import find_sheet

_VERSION: Final = r"\d+(?:\.\d+)+"
_FRAMEWORK: Final = r"PROCESS\s+CLASSIFICATION\s+FRAMEWORK[®]?(?:\s*\(PCF\))?"
_COMPARED_RE: Final = re.compile(
    rf"COMPARED\s+(?:TO|WITH)\s+(?P<edition>.+?)\s+{_FRAMEWORK}\s+VERSION\s+v?(?P<version>{_VERSION})",
    re.IGNORECASE,
)
_EDITION_RE: Final = re.compile(
    rf"(?:APQC(?:'S)?\s+)?(?P<edition>[A-Za-z][A-Za-z&,\- ]{{0,60}}?)\s+{_FRAMEWORK}",
    re.IGNORECASE,
)
_VERSION_RE: Final = re.compile(
    rf"(?:PCF\s+)?VERSION(?:\s+NUMBER)?\s*:?\s*v?(?P<version>{_VERSION})", re.IGNORECASE
)
_TITLE_RE: Final = re.compile(
    rf"(?P<edition>[A-Za-z][A-Za-z&\- ]{{0,60}}?)\s+(?:PCF|{_FRAMEWORK})\s+"
    rf"(?:VERSION\s*|v)(?P<version>{_VERSION})",
    re.IGNORECASE,
)
#: APQC's own title style, edition between dashes: "APQC Process Classification Framework (PCF)
#: - Cross Industry - Excel Version 7.4" (its download names and PDF titles read so).
_DASHED_TITLE_RE: Final = re.compile(
    rf"(?:APQC(?:'S)?\s+)?{_FRAMEWORK}\s+[-\u2013\u2014:]\s+"
    rf"(?P<edition>[A-Za-z][A-Za-z&,\- ]{{0,60}}?)\s+[-\u2013\u2014:]\s+"
    rf"(?:(?:EXCEL|PDF)\s+)?VERSION\s*v?(?P<version>{_VERSION})(?:[\s_(,].*)?",
    re.IGNORECASE,
)
#: Words that open prose, not an edition name ("This Industry Process Classification ...").
_NOT_EDITIONS: Final = {"this", "the", "an", "a", "industry", "apqc", "our"}
_SMALL_WORDS: Final = {"and", "of", "the", "for", "&"}
#: APQC's own spelling where title case would differ.
_SPELLINGS: Final = {"cross-industry": "Cross-Industry"}
_INTRO_ROWS: Final = 60
_INTRO_COLUMNS: Final = 30


def edition_display(text: str) -> str:
    """``"PROPERTY AND CASUALTY INSURANCE"`` / ``property-and-casualty-insurance`` ->
    ``"Property and Casualty Insurance"``; ``cross-industry`` -> ``"Cross-Industry"``."""
    key = iris.slug(text)
    if key in _SPELLINGS:
        return _SPELLINGS[key]
    words = key.split("-")
    return " ".join(w if i and w in _SMALL_WORDS else w.capitalize() for i, w in enumerate(words))


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


@dataclass(frozen=True)
class Claim:
    """What one source says: edition and/or version, and where it says so."""

    where: str
    edition: str | None = None
    version: str | None = None


@dataclass
class Statement:
    """What the workbook says about itself."""

    edition: Claim | None = None
    version: Claim | None = None
    compared_to: Claim | None = None
    texts: list[str] = field(default_factory=list)

    def absorb(self, texts: Iterable[str], where: str) -> None:
        """Read edition, version and comparison from texts (first statement of each wins)."""
        for raw in texts:
            text = normalise_space(raw)
            if not text:
                continue
            self.texts.append(text)
            m = _COMPARED_RE.search(text)
            if m:
                if self.compared_to is None:
                    self.compared_to = Claim(
                        f"the workbook ({where}: {text!r})", m.group("edition"), m.group("version")
                    )
                continue
            m = _TITLE_RE.fullmatch(text) or _DASHED_TITLE_RE.fullmatch(text)
            if m and _is_edition(m.group("edition")):
                self._set_edition(m.group("edition"), where, text)
                self._set_version(m.group("version"), where, text)
                continue
            m = _EDITION_RE.fullmatch(text)
            if m and _is_edition(m.group("edition")):
                self._set_edition(m.group("edition"), where, text)
                continue
            m = _VERSION_RE.fullmatch(text)
            if m:
                self._set_version(m.group("version"), where, text)

    def _set_edition(self, edition: str, where: str, text: str) -> None:
        if self.edition is None:
            self.edition = Claim(
                f"the workbook ({where}: {text!r})", edition=edition_display(edition)
            )

    def _set_version(self, version: str, where: str, text: str) -> None:
        if self.version is None:
            self.version = Claim(f"the workbook ({where}: {text!r})", version=version)


def _is_edition(text: str) -> bool:
    words = text.split()
    return 0 < len(words) <= 8 and words[0].lower() not in _NOT_EDITIONS


# --- the download name ----------------------------------------------------------------------

_NAME_VERSION_RE: Final = re.compile(
    r"v(?P<v>\d+(?:\.\d+)+|\d{2,4})|(?P<d>[1-9]\d{2}|\d+(?:\.\d+)+)"
)


def _name_version(token: str) -> str | None:
    m = _NAME_VERSION_RE.fullmatch(token)
    if m is None:
        return None
    text = m.group("v") or m.group("d")
    return text if "." in text else ".".join(text)


def parse_file_name(file_name: str) -> tuple[Claim, Claim | None] | None:
    """Edition and version from APQC's download names, and the compared version if any.

    ``k07129-property-and-casualty-insurance-v721-vs-...-v610-0-2025.xlsx`` ->
    (Property and Casualty Insurance, 7.2.1), compared to 6.1.0;
    ``apqc-pcf-cross-industry-7.4.xlsx`` -> (Cross-Industry, 7.4). None when neither fits.
    """
    stem = file_name.rsplit("/", 1)[-1]
    # .xlsm: the same workbook saved macro-enabled (openpyxl reads both alike)
    stem = re.sub(r"\.xls[xm]$", "", stem, flags=re.IGNORECASE).lower()
    tokens = [t for t in (t.strip("()[]") for t in re.split(r"[-_\s]+", stem)) if t]
    if tokens[:2] == ["copy", "of"]:  # "Copy of ...": a copy saved by Google Drive, Excel
        tokens = tokens[2:]
    if tokens and re.fullmatch(r"k\d+", tokens[0]):
        tokens = tokens[1:]
    while tokens and tokens[0] in ("apqc", "pcf"):
        tokens = tokens[1:]
    found = _edition_version(tokens)
    if found is None:
        return None
    (edition, version), rest = found
    where = f"the file name {file_name!r}"
    claim = Claim(where, edition_display("-".join(edition)), version)
    compared: Claim | None = None
    if rest and rest[0] == "vs":
        other = _edition_version(rest[1:])
        if other is not None:
            compared = Claim(where, edition_display("-".join(other[0][0])), other[0][1])
    return claim, compared


#: Words of APQC's long download names that are not the edition's ("K014749_APQC Process
#: Classification Framework (PCF) - Cross Industry - Excel Version 7.4_January 2025.xlsx").
_NAME_FILLER: Final = frozenset({"apqc", "pcf", "excel", "version"})
_FRAMEWORK_WORDS: Final = ("process", "classification", "framework")


def _edition_words(tokens: list[str]) -> list[str]:
    words: list[str] = []
    i = 0
    while i < len(tokens):
        if tuple(tokens[i : i + 3]) == _FRAMEWORK_WORDS:
            i += 3
            continue
        if tokens[i] not in _NAME_FILLER:
            words.append(tokens[i])
        i += 1
    return words


def _edition_version(tokens: list[str]) -> tuple[tuple[list[str], str], list[str]] | None:
    for i, token in enumerate(tokens):
        version = _name_version(token)
        if version is not None:
            edition = _edition_words(tokens[:i])
            if not edition or not re.search(r"[a-z]", "".join(edition)):
                return None
            return (edition, version), tokens[i + 1 :]
    return None


# --- the workbook's own statement -------------------------------------------------------------


def read_statement(path: Path, wb: Any) -> Statement:
    """Edition, version and comparison as stated on the Introduction sheet (cells or text box)."""
    statement = Statement()
    sheet = find_sheet(wb.sheetnames, "introduction", "intro", "cover", "title")
    if sheet is None:
        return statement
    cells = (
        xstring(v)
        for row in wb[sheet].iter_rows(
            max_row=_INTRO_ROWS, max_col=_INTRO_COLUMNS, values_only=True
        )
        for v in row
        if isinstance(v, str)
    )
    statement.absorb(cells, f"sheet {sheet!r}")
    statement.absorb(drawing_paragraphs(path, sheet), f"sheet {sheet!r} (text box)")
    return statement


# --- resolution -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """The resolved edition and version of one workbook."""

    edition: str
    version: str
    #: The version APQC compared this workbook with (its change details are relative to it).
    compared_to: str | None = None
    #: Where each came from, for messages and provenance.
    edition_from: str = ""
    version_from: str = ""


def resolve(
    file_name: str,
    statement: Statement,
    *,
    edition: str | None,
    version: str | None,
    default: tuple[str, str] | None = None,
) -> Identity:
    """Cross-check flags, file name and the workbook's statement; raise on any contradiction."""
    named = parse_file_name(file_name)
    # The workbook's own statement first: it names the source of truth in every message.
    claims_e: list[Claim] = [statement.edition] if statement.edition is not None else []
    claims_v: list[Claim] = [statement.version] if statement.version is not None else []
    if edition is not None:
        edition = normalise_space(edition)
        _check_slug(edition)
        claims_e.append(Claim("--edition", edition=edition))
    if version is not None:
        version = version.strip()
        if not re.fullmatch(r"\d+(?:\.\d+)*", version):
            raise WorkbookError(f"version must look like '7.4' or '7.2.1', got {version!r}")
        claims_v.append(Claim("--version", version=version))
    if named is not None:
        claims_e.append(named[0])
        claims_v.append(named[0])
    ed = _agree(claims_e, "edition", lambda c: iris.slug(c.edition or ""))
    ver = _agree(claims_v, "version", lambda c: version_key(c.version or "0"))
    if ed is None or ver is None:
        if default is not None:
            ed = ed or Claim("default", edition=default[0])
            ver = ver or Claim("default", version=default[1])
        else:
            raise WorkbookError(_undetermined(file_name, ed, ver, statement))
    assert ed.edition is not None and ver.version is not None
    compared = statement.compared_to or (named[1] if named is not None else None)
    if (
        compared is not None
        and compared.version is not None
        and ver.where != "default"  # a caller's stand-in (diff's "0"), not a claim to check
        and version_key(ver.version) <= version_key(compared.version)
    ):
        raise WorkbookError(
            f"{ver.where} says version {ver.version}, but {compared.where} compares the "
            f"workbook with version {compared.version}, so it must be newer than that"
        )
    return Identity(
        edition=ed.edition,
        version=ver.version,
        compared_to=compared.version if compared is not None else None,
        edition_from=ed.where,
        version_from=ver.where,
    )


def _check_slug(edition: str) -> None:
    try:
        iris.slug(edition)
    except ValueError:
        raise WorkbookError(
            "edition must contain Latin letters or digits (its IRIs are made of them, accents "
            f"dropped), got {edition!r}"
        ) from None


def _agree(claims: list[Claim], what: str, key: Any) -> Claim | None:
    """The first claim, after checking every later claim says the same."""
    if not claims:
        return None
    first = claims[0]
    for other in claims[1:]:
        if key(other) != key(first):
            a = first.edition if what == "edition" else first.version
            b = other.edition if what == "edition" else other.version
            raise WorkbookError(
                f"{first.where} says {what} {a!r} but {other.where} says {b!r}; "
                "they contradict each other (fix the flag or the file name)"
            )
    return first


def _undetermined(file_name: str, ed: Claim | None, ver: Claim | None, stmt: Statement) -> str:
    missing = " and ".join(w for w, c in (("edition", ed), ("version", ver)) if c is None)
    known = []
    if ed is not None:
        known.append(f"the edition is {ed.edition!r} ({ed.where})")
    if ver is not None:
        known.append(f"the version is {ver.version} ({ver.where})")
    if stmt.compared_to is not None:
        known.append(f"it is compared with version {stmt.compared_to.version}")
    unknown = [w for w, c in (("edition", ed), ("version", ver)) if c is None]
    flags = " and ".join(f"--{w}" for w in unknown)
    keys = " and ".join(f"{w}:" for w in unknown)
    return (
        f"could not determine the {missing} of {file_name!r}: neither the workbook's "
        "Introduction sheet, its title rows nor the file name states it"
        + (f" ({'; '.join(known)})" if known else "")
        # build and serve --add take no such flags: a sources file entry states them there
        + f"; pass {flags} (pcfgraph import apqc), state {keys} in a sources file entry "
        "(build/serve --sources), or keep APQC's download name "
        "(e.g. 'k06638-airline-v722-vs-airline-v721-2025.xlsx', 'apqc-pcf-cross-industry-7.4.xlsx')"
    )
