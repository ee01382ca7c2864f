"""Leaner field resolvers for the fields a tree fetch runs thousands of times.

strawberry wraps every field's resolver: for a field with a resolver it builds an ``Info``,
converts arguments, chains field extensions and checks exception handlers; for a plain
attribute it still goes through ``StrawberryField.get_result``. For the tree fetch (about 3,000
fields) that wrapping cost about as much as the resolvers themselves.

:func:`streamline` replaces, on the built graphql-core schema, the resolvers of fields where the
wrapping does nothing:

* plain attributes (no resolver, no field extensions) read the attribute directly;
* resolvers taking only ``self`` and ``info`` (no arguments, no field extensions, hence no
  permission classes) are called with the source and an ``Info`` directly;
* synchronous resolvers taking ``self``, ``info`` and arguments (no extensions) get their
  arguments converted by strawberry's own :func:`convert_arguments`, remembered per field for
  argument values that are plain scalars or enum members (conversion is a pure function of
  those: ``info`` only matters to input objects, which never take the remembered path). A tree
  asks ``mappings(includeDerived: true, direction: EITHER)`` once per element with the same
  values; converting them each time was a third of a whole-framework tree's execution.

Fields with extensions or exception handlers keep strawberry's resolver. The schema
(SDL, introspection) does not change; only how graphql-core calls the resolvers.

This module is the one place that reaches into strawberry's and graphql-core's internals
(:func:`streamline`, :func:`raw_info`). They were verified against the releases in
:data:`VERIFIED`; ``tests/gql/test_fast_paths.py`` fails on any other installed release, so an
upgrade re-checks them (the answers, the lean fields) before :data:`VERIFIED` is moved on.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from importlib.metadata import version
from typing import Any

import strawberry
from graphql import GraphQLObjectType, GraphQLResolveInfo
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import convert_arguments
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.types.field import StrawberryField

#: Releases (major.minor) whose internals this module was verified against.
VERIFIED = {"strawberry-graphql": "0.341", "graphql-core": "3.3"}


def unverified() -> dict[str, str]:
    """Installed releases of the libraries in :data:`VERIFIED` that differ from it."""
    out = {}
    for name, verified in VERIFIED.items():
        installed = version(name)
        if ".".join(installed.split(".")[:2]) != verified:
            out[name] = installed
    return out


def raw_info(info: Any) -> Any:
    """graphql-core's resolve info behind a strawberry ``Info`` (the operation, fragments and
    variables the prefetch scans; strawberry's subclass holds the variables as a plain dict)."""
    return info._raw_info


def _plain(name: str) -> Callable[..., Any]:
    def resolve(source: Any, info: GraphQLResolveInfo[Any]) -> Any:
        return getattr(source, name)

    resolve.plain_attribute = name  # type: ignore[attr-defined]  # read by .executor
    return resolve


def _info_only(
    fn: Callable[[Any, Any], Any], field: StrawberryField, info_class: type
) -> Callable[..., Any]:
    def resolve(source: Any, info: GraphQLResolveInfo[Any]) -> Any:
        return fn(source, info_class(_raw_info=info, _field=field))

    return resolve


#: Argument values whose conversion is remembered (exact types; enum members as well).
_PLAIN_ARGUMENTS = frozenset({type(None), str, int, float, bool})
#: Remembered conversions per field (distinct argument values in use are few).
_MAX_REMEMBERED = 128


def _plain_value(value: object) -> bool:
    return type(value) in _PLAIN_ARGUMENTS or isinstance(value, Enum)


def _with_arguments(
    fn: Callable[..., Any], field: StrawberryField, info_class: type, converter: Any
) -> Callable[..., Any]:
    arguments = field.arguments
    config = converter.config
    scalars = converter.scalar_registry
    remembered: dict[tuple[tuple[str, type, object], ...], dict[str, Any]] = {}

    def resolve(source: Any, info: GraphQLResolveInfo[Any], **raw: Any) -> Any:
        strawberry_info = info_class(_raw_info=info, _field=field)
        key = tuple((k, type(v), v) for k, v in raw.items())
        kwargs = remembered.get(key) if all(_plain_value(v) for v in raw.values()) else None
        if kwargs is None:
            kwargs = convert_arguments(raw, arguments, scalars, config, strawberry_info)
            if all(_plain_value(v) for v in raw.values()) and all(
                _plain_value(v) for v in kwargs.values()
            ):
                if len(remembered) >= _MAX_REMEMBERED:
                    remembered.clear()
                remembered[key] = kwargs
        return fn(source, strawberry_info, **kwargs)

    return resolve


def _lean(field: StrawberryField, info_class: type, converter: Any) -> Callable[..., Any] | None:
    if field.extensions:
        return None
    handlers = getattr(converter, "_get_field_exception_handlers", None)
    if handlers is not None and handlers(field):
        return None
    resolver = field.base_resolver
    if resolver is None:
        return None if field.arguments else _plain(field.python_name)
    params = list(resolver.signature.parameters)
    names = [a.python_name for a in field.arguments]
    if (
        resolver.self_parameter is None
        or resolver.info_parameter is None
        or resolver.parent_parameter is not None
        or resolver.root_parameter is not None
        or params != [resolver.self_parameter.name, resolver.info_parameter.name, *names]
        or not callable(resolver.wrapped_func)
    ):
        return None
    if not field.arguments:
        return _info_only(resolver.wrapped_func, field, info_class)
    if resolver.is_async:
        return None
    return _with_arguments(resolver.wrapped_func, field, info_class, converter)


def streamline(schema: strawberry.Schema) -> list[str]:
    """Install the lean resolvers; returns the ``Type.field`` names that got one."""
    if schema.config.default_resolver is not getattr:
        return []
    converter: GraphQLCoreConverter = schema.schema_converter
    info_class = schema.config.info_class
    done: list[str] = []
    for graphql_type in schema._schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type.name.startswith("__"):
            continue
        definition = (graphql_type.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
        if not isinstance(definition, StrawberryObjectDefinition):
            continue
        for field in definition.fields:
            name = converter.config.name_converter.get_graphql_name(field)
            graphql_field = graphql_type.fields.get(name)
            if graphql_field is None:
                continue
            lean = _lean(field, info_class, converter)
            if lean is not None:
                graphql_field.resolve = lean
                done.append(f"{graphql_type.name}.{name}")
    return done
