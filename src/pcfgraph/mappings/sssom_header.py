"""The metadata block of an SSSOM file: its YAML and its ``curie_map``, as :mod:`.sssom` reads them.

YAML keeps the last of two equal keys without a word, so a prefix or a slot given twice would
lose one of its values silently: the reader refuses it naming both lines. A ``curie_map`` must
map valid prefixes to absolute IRIs; SSSOM's built-in prefixes may be declared only with their
own IRIs (SSSOM/TSV spec, "Identifiers"), and two prefixes of one IRI would make a CURIE of it
ambiguous.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from pcfgraph.mappings.sssom_types import BUILTIN_PREFIXES

ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://\S+$")
PREFIX = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


class HeaderProblem(ValueError):
    """What is wrong with the metadata, and the line (of the file) where, when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def load_header(text: str) -> Any:
    """The YAML of the metadata block (its line N is the file's line N), refusing a key given
    twice in one mapping; a syntax error is :class:`yaml.YAMLError`."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if root is not None:
        _refuse_repeated_keys(root, "")
    return yaml.safe_load(text)


def _refuse_repeated_keys(node: yaml.Node, where: str) -> None:
    if isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _refuse_repeated_keys(item, where)
    if not isinstance(node, yaml.MappingNode):
        return
    seen: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key, value in node.value:
        name = key.value if isinstance(key, yaml.ScalarNode) else None
        if name is not None and name in seen:
            first_key, first_value = seen[name]
            lines = (first_key.start_mark.line + 1, key.start_mark.line + 1)
            raise HeaderProblem(_repeated(where, name, lines, (first_value, value)), lines[1])
        if name is not None:
            seen[name] = (key, value)
        _refuse_repeated_keys(value, name or where)


def _repeated(
    where: str, name: str, lines: tuple[int, int], values: tuple[yaml.Node, yaml.Node]
) -> str:
    shown = [
        repr(v.value) if isinstance(v, yaml.ScalarNode) else "a list or mapping" for v in values
    ]
    both = f"{shown[0]} on line {lines[0]} and {shown[1]} on line {lines[1]}"
    kept = "YAML keeps only the last one, so the other would be dropped without a word; keep one"
    if where == "curie_map":
        return f"curie_map declares prefix {name!r} twice: {both}; {kept}"
    if not where:
        return f"metadata key {name!r} is given twice: {both}; {kept}"
    return f"{where}: key {name!r} is given twice: {both}; {kept}"


def checked_prefixes(cmap: object, key: str = "curie_map") -> dict[str, str]:
    """The prefixes ``cmap`` (a file's ``curie_map``, or what ``key`` names) declares, each
    checked; a problem raises :class:`HeaderProblem` naming ``key``."""
    if not isinstance(cmap, dict):
        raise HeaderProblem(f"{key} must be a mapping of prefix to IRI")
    out: dict[str, str] = {}
    for prefix, expansion in cmap.items():
        if not isinstance(prefix, str) or not PREFIX.match(prefix):
            raise HeaderProblem(f"{key}: {prefix!r} is not a valid prefix")
        if not isinstance(expansion, str) or not ABSOLUTE_IRI.match(expansion):
            raise HeaderProblem(f"{key}: prefix {prefix!r} maps to {expansion!r}")
        builtin = BUILTIN_PREFIXES.get(prefix)
        if builtin is not None and builtin != expansion:
            raise HeaderProblem(
                f"{key}: built-in prefix {prefix!r} must expand to {builtin}, not {expansion} "
                "(SSSOM: a built-in prefix may be declared only with its own IRI)"
            )
        out[prefix] = expansion
    known = {**BUILTIN_PREFIXES, **out}
    for prefix, expansion in out.items():
        clash = [p for p, e in known.items() if e == expansion and p != prefix]
        if clash and prefix not in BUILTIN_PREFIXES:
            raise HeaderProblem(
                f"{key}: prefixes {prefix!r} and {clash[0]!r} expand to the same IRI"
            )
    return out


__all__ = ["ABSOLUTE_IRI", "PREFIX", "HeaderProblem", "checked_prefixes", "load_header"]
