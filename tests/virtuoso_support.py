"""Start a real Virtuoso Open Source 7 server (Debian ``virtuoso-opensource-7``) on loopback.

The database lives in a directory of the test's own; the SQL and HTTP listeners bind to
127.0.0.1 on free ports. The anonymous ``SPARQL`` user is granted ``SPARQL_UPDATE`` (over the
SQL port, with the package's default ``dba`` password of a fresh database) so that the
unauthenticated Graph Store Protocol endpoint ``/sparql-graph-crud`` accepts ``PUT``/``DELETE``,
as ``docs/remote-store.md`` describes for a deployment kept on loopback. ``MaxQueryMem`` and
``ThreadsPerQuery = 1`` as that page recommends (exact answers of large aggregates).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
import pytest
from oxigraph_support import free_port, wait_http

from pcfgraph import iris
from pcfgraph.release import Release
from pcfgraph.store import EmbeddedStore

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

VIRTUOSO = shutil.which("virtuoso-t")
ISQL = shutil.which("isql-vt")
#: A fresh database and a loaded 2-core machine: Virtuoso took 5-30 s to listen here.
START_SECONDS = 180.0

INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = .
ServerThreads = 10
CheckpointInterval = 60
MaxQueryMem = 2G
ThreadsPerQuery = 1

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
ServerThreads = 10
EnabledDavVSP = 0

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = 0
"""


@contextmanager
def virtuoso_server(location: Path) -> Iterator[str]:
    """A Virtuoso server storing in ``location``; yields its base URL (no trailing slash)."""
    if VIRTUOSO is None or ISQL is None:
        pytest.skip(
            "Virtuoso Open Source is not installed (virtuoso-t / isql-vt of the Debian package "
            "virtuoso-opensource-7)"
        )
    location.mkdir(parents=True, exist_ok=True)
    sql_port, http_port = free_port(), free_port()
    ini = location / "virtuoso.ini"
    ini.write_text(INI.format(dir=location, sql_port=sql_port, http_port=http_port))
    proc = subprocess.Popen(
        [VIRTUOSO, "-f", "-c", str(ini)],
        cwd=location,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{http_port}"
    try:
        wait_http(f"{base}/sparql?query=ASK%7B%7D", proc, deadline_s=START_SECONDS)
        subprocess.run(
            [ISQL, f"127.0.0.1:{sql_port}", "dba", "dba", 'exec=grant SPARQL_UPDATE to "SPARQL";'],
            check=True,
            capture_output=True,
            timeout=120,
        )
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def negative_mappings(store: EmbeddedStore) -> list[ox.Quad]:
    """Curated negative mappings (predicate modifier Not) on gaps of the 8.1 tree of the test
    7.4 edition against the IT-CMF test framework: one element negated twice (once as subject,
    once as object: ``api/gaps`` counts 2), another once."""
    from pcfgraph.queries import QueryCatalog

    catalog = QueryCatalog()
    root = ox.NamedNode(iris.apqc_element("test", "7.4", 20608))
    gaps = sorted(
        row["element"].value
        for row in store.select(catalog.get("api/gaps"), {"root": root}).rows
        if row["otherFramework"].value == "itcmf-test"
    )
    others = sorted(
        row["element"].value
        for row in store.select(
            catalog.get("api/scheme-elements"), {"framework": "itcmf-test"}
        ).rows
    )
    graph = ox.NamedNode(str(iris.mapping_set_graph("test")))
    quads: list[ox.Quad] = []
    for key, subject, obj in (
        ("negative-1", gaps[0], others[0]),
        ("negative-2", others[1], gaps[0]),
        ("negative-3", gaps[1], others[0]),
    ):
        record = ox.NamedNode(str(iris.mapping_record("test", key)))
        quads += [
            ox.Quad(record, RDF_TYPE, ox.NamedNode(str(iris.PCFG.NegativeMapping)), graph),
            ox.Quad(record, ox.NamedNode(str(iris.SSSOM.subject_id)), ox.NamedNode(subject), graph),
            ox.Quad(record, ox.NamedNode(str(iris.SSSOM.object_id)), ox.NamedNode(obj), graph),
            ox.Quad(
                record, ox.NamedNode(str(iris.SSSOM.predicate_modifier)), ox.Literal("Not"), graph
            ),
        ]
    return quads


def parity_release(tmp: Path) -> Release:
    """A small release with what every surface reads: the SPARQL endpoint fixture (frameworks
    alpha and beta), the GraphQL test graph (an APQC-like 8.1 tree in editions 7.4 and 7.3, PRM,
    IT-CMF, curated and derived mappings), the identity-across-editions workbooks (Cross-
    Industry 7.4, Banking 7.2.1 and 7.2.2 with PRM-IT mappings made on 7.4, built here) and a few
    curated negative mappings on gaps."""
    import identity_support
    from gql_support import graphql_store
    from sparql_support import fixture_store

    from pcfgraph.assemble import assemble
    from pcfgraph.release import canonical_nquads, make_manifest
    from pcfgraph.sources import ExtraSources

    store = assemble(extra=ExtraSources(sources_file=identity_support.sources(tmp))).store
    for other in (graphql_store(1), fixture_store()):
        store.add_quads(other.store.quads_for_pattern(None, None, None, None))
    store.add_quads(negative_mappings(store))
    return Release(
        store=store, manifest=make_manifest(store, canonical_nquads(store), {}), path=None
    )
