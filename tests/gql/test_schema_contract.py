"""The SDL is a contract: it only changes on purpose. Regenerate the snapshot with
``PCFGRAPH_UPDATE_SNAPSHOTS=1 pytest tests/gql/test_schema_contract.py``."""

from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner
from graphql import GraphQLEnumType, GraphQLObjectType

from pcfgraph.api.graphql import build_schema, schema_sdl
from pcfgraph.cli import main

SNAPSHOT = Path(__file__).resolve().parent.parent / "snapshots" / "schema.graphql"


def test_schema_matches_snapshot():
    sdl = schema_sdl()
    if os.environ.get("PCFGRAPH_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(sdl, encoding="utf-8")
    assert SNAPSHOT.read_text(encoding="utf-8") == sdl, (
        "the GraphQL schema changed; if on purpose, regenerate with PCFGRAPH_UPDATE_SNAPSHOTS=1"
    )


def test_export_schema_cli_prints_the_sdl(tmp_path):
    result = CliRunner().invoke(main, ["export-schema"])
    assert result.exit_code == 0 and result.output == schema_sdl()
    out = tmp_path / "s.graphql"
    result = CliRunner().invoke(main, ["export-schema", "-o", str(out)])
    assert result.exit_code == 0 and out.read_text(encoding="utf-8") == schema_sdl()


def test_every_type_field_argument_and_enum_value_has_a_description():
    schema = build_schema()._schema
    missing = []
    for name, t in schema.type_map.items():
        if name.startswith("__") or name in {"String", "Int", "Float", "Boolean", "ID"}:
            continue
        if not t.description:
            missing.append(name)
        if isinstance(t, GraphQLObjectType):
            for fname, f in t.fields.items():
                if not f.description:
                    missing.append(f"{name}.{fname}")
                missing.extend(
                    f"{name}.{fname}({a})" for a, arg in f.args.items() if not arg.description
                )
        if isinstance(t, GraphQLEnumType):
            missing.extend(f"{name}.{v}" for v, ev in t.values.items() if not ev.description)
    assert missing == []


def test_contract_names_exist():
    sdl = schema_sdl()
    for needle in (
        "frameworks: [Framework!]!",
        "framework(",
        "element(",
        "elements(",
        "search(",
        "mappings(",
        "topElements",
        "elementCount",
        "pageInfo",
        "totalCount",
        "EXACT_MATCH",
        "RELATED_MATCH",
        "includeDerived: Boolean! = false",
        "minConfidence",
        "maturityLevel",
        "chain",
    ):
        assert needle in sdl, needle
