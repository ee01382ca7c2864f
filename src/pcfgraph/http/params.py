"""Query parameters the HTTP edges read the same way."""

from __future__ import annotations

from typing import Any

from pcfgraph.errors import InputError

#: The words a yes/no parameter may be written with (those FastAPI's ``bool`` accepts).
_YES = frozenset({"1", "on", "t", "true", "y", "yes"})
_NO = frozenset({"0", "off", "f", "false", "n", "no"})


def flag(value: str | None, name: str) -> bool:
    """A yes/no parameter read by the route itself (a page gets its HTML error page, an API
    route its problem+json naming the parameter; FastAPI's own check would answer before
    either, with its own words); absent is no."""
    if value is None or value.lower() in _NO:
        return False
    if value.lower() in _YES:
        return True
    raise InputError(f"{name} must be true or false, not {value[:40]!r}")


def flag_schema(schema: dict[str, Any]) -> None:
    """The OpenAPI schema of a yes/no parameter read by :func:`flag` (its FastAPI
    ``json_schema_extra``): a boolean, as clients generated from the schema send it, not the
    ``str | None`` the route reads; the other spellings :func:`flag` takes stay accepted."""
    schema.pop("anyOf", None)
    schema["type"] = "boolean"
    schema["default"] = False
