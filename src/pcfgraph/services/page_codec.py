"""A data-only JSON codec for the page reads' memo (:mod:`pcfgraph.services.page_data`).

A release directory is untrusted input, so what it carries must never run code when read
(no pickle): this codec writes plain JSON and reads back only a fixed set of the domain's
dataclasses (:data:`CLASSES`), built through their constructors from values whose types are
checked against the dataclass's annotations; anything else is refused with a
:class:`~pcfgraph.errors.ReleaseError` naming the problem.

Encoding (JSON values): ``None``, booleans, integers, finite floats and strings as they are;
``{"l": [...]}`` a list, ``{"t": [...]}`` a tuple, ``{"f": [...]}`` a frozenset, ``{"s":
[...]}`` a set, ``{"d": [[key, value], ...]}`` a dict, ``{"c": n, "v": [...]}`` an instance
of the n-th class of the header (its field values in declaration order) and ``{"r": n}`` the
n-th instance decoded before (objects shared by several reads, e.g. an element of a framework
index and of its children list, stay one object).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Iterable
from typing import Any

from pcfgraph.errors import ReleaseError
from pcfgraph.mappings.suggest import Decisions, Item
from pcfgraph.services.elements import Element, FrameworkIndex
from pcfgraph.services.frameworks import Framework
from pcfgraph.services.inherited import InheritedMapping, InheritedNoCounterpart
from pcfgraph.services.mappings import Mapping, MappingSet, NegativeMapping, NoCounterpart
from pcfgraph.services.measures import Measure
from pcfgraph.services.page_model import FrameworkInfo
from pcfgraph.services.versions import VersionStatement

#: The only classes the page data may hold, by name.
CLASSES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        Decisions,
        Element,
        Framework,
        FrameworkIndex,
        FrameworkInfo,
        InheritedMapping,
        InheritedNoCounterpart,
        Item,
        Mapping,
        MappingSet,
        Measure,
        NegativeMapping,
        NoCounterpart,
        VersionStatement,
    )
}

Check = Callable[[Any], bool]


class Encoder:
    """Turns memo values into JSON values; :attr:`classes` is the header it refers to."""

    def __init__(self, *, share: bool = True) -> None:
        #: False: an instance met twice is written twice (parts decoded one by one).
        self.share = share
        self.classes: list[list[Any]] = []  # [name, [field names]]
        self._class_index: dict[type, int] = {}
        self._seen: dict[int, int] = {}  # id(instance) -> its number (post-order)
        self._open: set[int] = set()
        self._keep: list[object] = []  # instances numbered stay alive (ids stay unique)

    def encode(self, value: Any) -> Any:
        if value is None or isinstance(value, (bool, int, str)):
            return value
        if isinstance(value, float):
            if value != value or value in (float("inf"), float("-inf")):
                raise ValueError(f"page data: a non-finite number ({value})")
            return value
        if isinstance(value, list):
            return {"l": [self.encode(x) for x in value]}
        if isinstance(value, tuple):
            return {"t": [self.encode(x) for x in value]}
        if isinstance(value, frozenset):
            return {"f": [self.encode(x) for x in _ordered(value)]}
        if isinstance(value, set):
            return {"s": [self.encode(x) for x in _ordered(value)]}
        if isinstance(value, dict):
            return {"d": [[self.encode(k), self.encode(v)] for k, v in value.items()]}
        if type(value).__name__ in CLASSES and CLASSES[type(value).__name__] is type(value):
            return self._instance(value)
        raise ValueError(f"page data: cannot write a {type(value).__qualname__}")

    def _instance(self, value: Any) -> Any:
        key = id(value)
        if key in self._seen and self.share:
            return {"r": self._seen[key]}
        if key in self._open:
            raise ValueError(f"page data: a cycle through a {type(value).__name__}")
        self._open.add(key)
        cls = type(value)
        if cls not in self._class_index:
            self._class_index[cls] = len(self.classes)
            self.classes.append([cls.__name__, [f.name for f in _fields(cls)]])
        fields = [self.encode(getattr(value, f.name)) for f in _fields(cls)]
        self._open.discard(key)
        self._seen[key] = len(self._seen)
        self._keep.append(value)
        return {"c": self._class_index[cls], "v": fields}


def _ordered(values: Iterable[Any]) -> list[Any]:
    """Set members in a stable order (the same page data gives the same bytes)."""
    return sorted(values, key=repr)


def _fields(cls: type) -> tuple[dataclasses.Field[Any], ...]:
    return tuple(f for f in dataclasses.fields(cls) if f.init)


class Decoder:
    """Reads JSON values written by :class:`Encoder` back, validating as it goes."""

    def __init__(self, classes: Any, where: str) -> None:
        self.where = where
        if not isinstance(classes, list):
            raise self.error("the class header is not a list")
        #: Per class: its field names, and per field the types a plain value may have
        #: (checked inline) or, for containers and instances, a check.
        self._classes: list[tuple[type, list[str], list[frozenset[type] | Check]]] = []
        for entry in classes:
            if (
                not isinstance(entry, list)
                or len(entry) != 2
                or not isinstance(entry[0], str)
                or not isinstance(entry[1], list)
            ):
                raise self.error(f"a bad class header entry {entry!r:.80}")
            name, names = entry
            cls = CLASSES.get(name)
            if cls is None:
                raise self.error(f"class {name!r} is not one page data may hold")
            expected = [f.name for f in _fields(cls)]
            if names != expected:
                raise self.error(f"class {name} has fields {names}, expected {expected}")
            hints = typing.get_type_hints(cls)
            self._classes.append((cls, expected, [_plain(hints[n]) for n in expected]))
        self._objects: list[object] = []

    def error(self, problem: str) -> ReleaseError:
        return ReleaseError(f"{self.where}: {problem}")

    def decode(self, value: Any) -> Any:
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, dict) and len(value) in (1, 2):
            if len(value) == 1:
                ((tag, body),) = value.items()
                if tag == "r":
                    if type(body) is not int or not 0 <= body < len(self._objects):
                        raise self.error(f"a reference to no decoded object ({body!r:.40})")
                    return self._objects[body]
                if not isinstance(body, list):
                    raise self.error(f"{tag!r} does not hold a list")
                if tag == "l":
                    return [x if type(x) is not dict else self.decode(x) for x in body]
                if tag == "t":
                    return tuple(self.decode(x) for x in body)
                if tag == "f":
                    return frozenset(self._hashable(self.decode(x)) for x in body)
                if tag == "s":
                    return {self._hashable(self.decode(x)) for x in body}
                if tag == "d":
                    return self._dict(body)
            elif "c" in value and "v" in value:
                return self._instance(value["c"], value["v"])
        raise self.error(f"an unknown value {value!r:.80}")

    def _dict(self, pairs: list[Any]) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        for pair in pairs:
            if not isinstance(pair, list) or len(pair) != 2:
                raise self.error(f"a dict entry that is not a pair ({pair!r:.80})")
            out[self._hashable(self.decode(pair[0]))] = self.decode(pair[1])
        return out

    def _hashable(self, value: Any) -> Any:
        try:
            hash(value)
        except TypeError:
            raise self.error(f"an unhashable key or member {value!r:.80}") from None
        return value

    def _instance(self, index: Any, body: Any) -> Any:
        if type(index) is not int or not 0 <= index < len(self._classes):
            raise self.error(f"an instance of no declared class ({index!r:.40})")
        cls, names, checks = self._classes[index]
        if not isinstance(body, list) or len(body) != len(checks):
            raise self.error(f"a {cls.__name__} without its {len(checks)} fields")
        values = [x if type(x) is not dict else self.decode(x) for x in body]
        for check, v in zip(checks, values, strict=True):
            if not _holds(check, v):
                name, v = next(
                    (n, x)
                    for n, c, x in zip(names, checks, values, strict=True)
                    if not _holds(c, x)
                )
                raise self.error(f"{cls.__name__}.{name} holds {v!r:.80}")
        obj = cls(*values)
        self._objects.append(obj)
        return obj


def _holds(check: frozenset[type] | Check, value: Any) -> bool:
    return type(value) in check if isinstance(check, frozenset) else check(value)


_PLAIN: dict[Any, type] = {
    str: str,
    int: int,
    float: float,
    bool: bool,
    type(None): type(None),
    None: type(None),
}


def _plain(hint: Any) -> frozenset[type] | Check:
    """The types a value of ``hint`` may have when it is a plain value or a union of them
    (``str | None``): checked without a call per value; else :func:`_checker`'s check."""
    options = (
        typing.get_args(hint)
        if typing.get_origin(hint) in (typing.Union, types.UnionType)
        else (hint,)
    )
    if all(o in _PLAIN for o in options):
        allowed: set[type] = {_PLAIN[o] for o in options}
        if float in allowed:
            allowed.add(int)
        return frozenset(allowed)
    return _checker(hint)


def _checker(hint: Any) -> Check:
    """A predicate for values of the annotation ``hint`` (the subset the classes use)."""
    if hint is Any or hint is object:
        return lambda v: True
    if hint is type(None) or hint is None:
        return lambda v: v is None
    if hint is bool:
        return lambda v: type(v) is bool
    if hint is int:
        return lambda v: type(v) is int
    if hint is float:
        return lambda v: type(v) in (int, float)
    if hint is str:
        return lambda v: type(v) is str
    if isinstance(hint, type) and hint in CLASSES.values():
        return lambda v: type(v) is hint
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        options = [_checker(a) for a in args]
        return lambda v: any(c(v) for c in options)
    if origin in (list, frozenset, set):
        item = _checker(args[0]) if args else _checker(Any)
        return lambda v: type(v) is origin and all(item(x) for x in v)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            item = _checker(args[0])
            return lambda v: type(v) is tuple and all(item(x) for x in v)
        items = [_checker(a) for a in args]
        return lambda v: (
            type(v) is tuple
            and len(v) == len(items)
            and all(c(x) for c, x in zip(items, v, strict=True))
        )
    if origin is dict:
        key, val = (_checker(a) for a in args) if args else (_checker(Any), _checker(Any))
        return lambda v: type(v) is dict and all(key(k) and val(x) for k, x in v.items())
    raise TypeError(f"page data: no check for the annotation {hint!r}")
