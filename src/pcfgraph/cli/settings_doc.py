"""The settings table (``docs/settings.md``), generated from :class:`pcfgraph.config.Settings`.

``python -m pcfgraph.cli.settings_doc > docs/settings.md`` regenerates it. Names, environment
variables, types and defaults come from the settings model, CLI flags from the ``pcfgraph serve``
command's options (when that command exists), and meanings from :data:`MEANINGS`, which must
name every field: a test compares the file with :func:`render` and the keys with the fields,
so neither can drift from the code.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pcfgraph.config import ENV_PREFIX, Settings

MEANINGS: dict[str, str] = {
    "host": "Interface to listen on. Keep the loopback default behind a reverse proxy.",
    "port": "TCP port to listen on.",
    "public_url": "Where users reach pcfgraph (`scheme://host[:port][/path]`, e.g. "
    "`https://kb.example.org/pcf` behind a reverse proxy): the base of every absolute URL it "
    "writes. `pcfgraph serve`: the VoID description's and the SPARQL service description's "
    "URLs, the base IRI of SPARQL queries (`/sparql` and the query page), the OpenAPI "
    "`servers` and the `/mcp` tools' page URLs are under it, whatever address, scheme or "
    "`Host` header a request came with (a forged `Host` names nothing); `/mcp` of a server "
    "bound to this machine also takes its host and origin in `Host` and `Origin`. Without "
    "a path of its own (`https://kb.example.org`) it is followed by `root_path`; a path that "
    "is not `root_path` is warned of at the start (the pages' links carry `root_path`). "
    "`pcfgraph mcp` (stdio): the base of the page URLs (`url`) it hands out "
    "(`http://127.0.0.1:8000` for a `pcfgraph serve` of your own). Unset: `pcfgraph serve` "
    "writes the address each request came to (its scheme, `Host` and root path: behind a "
    "proxy, what the proxy passes on, and from a proxy of `forwarded_allow_ips` the scheme "
    "and host its `X-Forwarded-Proto` and `X-Forwarded-Host` name); `pcfgraph mcp` hands out no page URLs (`url` null; "
    "the element's IRI is what to cite), as it serves no pages itself.",
    "root_path": "The path prefix a reverse proxy serves pcfgraph under (`/pcf` for "
    "`https://example.org/pcf/`), the proxy stripping it before passing a request on (nginx: "
    "`location /pcf/ { proxy_pass http://127.0.0.1:8000/; }`, the slash after the port "
    "strips it; a proxy that keeps it is answered 404 saying so). Every link, asset, form, "
    "redirect (`Location`), `Link` target, JSON path (`/queries`, `/mappings`, `/licences`, "
    "`/shapes`), the "
    "SPARQL service description, the OpenAPI `servers` and `/mcp` page URLs then carry it; "
    "the routes answer as without it. uvicorn's `root_path` (`pcfgraph serve` hands it to "
    "uvicorn; under `uvicorn --factory pcfgraph.serving:app_from_env` the app applies it "
    "itself, or uvicorn's `--root-path`, when given, is kept). Empty "
    "(or `/`): served at the root. The client's address, scheme and host behind the proxy: "
    "`forwarded_allow_ips`.",
    "forwarded_allow_ips": "The reverse proxies (comma-separated IP addresses or networks, "
    "`10.0.0.5,10.1.0.0/16`; `*`: any peer; empty: none) whose `X-Forwarded-For`, "
    "`X-Forwarded-Proto` and `X-Forwarded-Host` `pcfgraph serve` believes: from such a peer "
    "the request's client address (fairness between clients, and the address the access log "
    "names: `from ADDRESS`, the `client` of a JSON line) is the one `X-Forwarded-For` "
    "names (its last address that is not a trusted proxy), its scheme `X-Forwarded-Proto`'s "
    "(`http` or `https`) and its `Host` `X-Forwarded-Host`'s (its last value, the one the "
    "proxy next to pcfgraph set; a value that is no host is ignored), so that without "
    "`public_url` the absolute URLs it writes name the public address (a proxy passing its "
    "upstream's address in `Host`: Apache's `ProxyPass`, nginx's default). From any other "
    "peer they are ignored: a client naming a host of its choice in an answer a cache keeps "
    "would hand it to everyone. uvicorn's layer with uvicorn's rules and `X-Forwarded-Host` "
    "besides (`http/forwarded.py`); unset, uvicorn's own `FORWARDED_ALLOW_IPS` is read. "
    "A listed proxy must set `X-Forwarded-Host` itself (nginx: `proxy_set_header "
    "X-Forwarded-Host $host;`; nginx passes a client's own on otherwise, and it is then "
    "believed). `public_url` is still the surer way: with it no header of the request names "
    "the address. `uvicorn --factory pcfgraph.serving:app_from_env` reads `X-Forwarded-For` "
    "and `-Proto` with uvicorn's `--forwarded-allow-ips`, not `X-Forwarded-Host`: set "
    "`public_url` there (see Behind a reverse proxy, below).",
    "http_workers": "Server processes answering HTTP (one Python process uses one core). "
    "0: one per CPU this process may run on (`os.sched_getaffinity`, so a container's or "
    "`taskset`'s limit), at most 8; `--http-workers 1`: this process alone. "
    "More than 1: `pcfgraph serve` loads the release and builds the page data and the "
    "in-process SPARQL statistics once, then "
    "forks the workers, which share that memory and the port (`SO_REUSEPORT`). A port another "
    "server already listens on (another program, or another `pcfgraph serve`, which "
    "`SO_REUSEPORT` would otherwise let the workers join) is refused before anything loads: "
    "`cannot listen on HOST:PORT: another server is listening there`, exit 2 "
    "(`http/port_check.py`). A worker that accepts a connection while it holds more than "
    "another hands it to the one holding the fewest before reading it, so a few long-lived "
    "keep-alive connections (a proxy's upstream pool) are spread evenly, not as the "
    "kernel's hash falls (`http/balance.py`). They are one "
    "server: the `query_workers` sandbox workers are split between them (at least one each, "
    "never multiplied), the admission limits (`max_concurrent_expensive`, "
    "`max_concurrent_per_client`, the queries waiting for an in-process thread) count in memory "
    "they share, and a `/metrics` scrape sums every process's counters, histograms and pool "
    "gauges (`pcfgraph_http_processes`: how many it holds). Each starts listening once it is "
    "ready. SIGHUP to the main process, or `POST "
    "/admin/reload` to any worker, reloads every worker: the worker that gets it verifies and switches "
    "first, then passes the reload on to the others (a candidate it refuses goes to nobody) "
    "and answers for the server once they all serve it (`reload_wait_seconds`); "
    "`pcfgraph_reloads_total` counts that one outcome, not one per process. Each writes the release it "
    "serves into a table the processes share (`served_releases.py`), so a reload that failed "
    "in some processes only (memory, I/O, the files changed between two loads) does not go "
    "unseen: `/ready` answers 503 `release-mismatch` from every process, naming each release "
    "and how many processes serve it, and `pcfgraph_release_processes{release_id}` counts "
    "them, until a reload succeeds everywhere (SIGHUP, `POST /admin/reload`) or the server "
    "restarts. A worker whose passed-on reload failed while another process serves "
    "another release tries once more 2 s later, then logs an error naming both releases (it "
    "keeps serving its own). A candidate that fails everywhere leaves them agreeing on the old "
    "release (no retry, no mismatch). Only for a release whose store is in memory: one "
    "served from memory (`worker_memory_store_quads`), or one served from its on-disk store "
    "with its in-memory copy (`sparql_inprocess_memory_quads`: the processes fork once the "
    "copy is in and share it; the on-disk store is closed before the fork and each "
    "process's sandbox workers open it themselves). A release on disk without a copy, or a "
    "remote store, keeps one process.",
    "release": "Release directory written by `pcfgraph build` (`graph.nq` + `manifest.json`). "
    "Verified (sha256, counts, SHACL) before it is served and re-read on reload. Unset: the "
    "shipped data's release from the cache (`cache_dir`), built and verified there first "
    "when its sources changed.",
    "cache_dir": "Where the verified release of the shipped data is kept (`releases/KEY/`, "
    "KEY hashing the sources, pcfgraph's code and version), so it is assembled and verified once "
    "and every later command and server start opens it read-only. Unset: "
    "`$XDG_CACHE_HOME/pcfgraph` or `~/.cache/pcfgraph` (no home directory, `HOME` unset for "
    "a user in no passwd file: off); `off`: assemble in memory every time. "
    "Safe for concurrent builders (atomic rename); entries unused for a day are pruned. A "
    "cache that cannot take the release (read-only, missing, a full disk) is warned about and "
    "the release served from memory.",
    "add_workbooks": "APQC workbooks (any edition and version, comma-separated in the "
    "variable) added to the shipped data when it is assembled; each is imported in parallel, "
    "its edition and version read from the workbook and its name (one that is no file stops "
    "the start naming it and the setting it came from: `--add` or the variable). Not used "
    "with `release` or `store_url` (a warning at the start names both; `--add` with "
    "`--release` or `--store` is refused).",
    "sources_file": "A YAML file of the schema of `data/frameworks.yaml` whose frameworks and "
    "mapping sets are added to the shipped ones (`include_default: false` serves only its "
    "own); paths are relative to the file. Not used with `release` or `store_url`, as "
    "`add_workbooks`.",
    "store_url": "SPARQL 1.1 Protocol + Graph Store Protocol endpoint used instead of the "
    "embedded store: its query endpoint's http(s) URL (another is refused at the start), "
    "with `user:password@` before the host for HTTP Basic authentication (never shown: "
    "`user:***@`; docs/remote-store.md). Unset: embedded in-memory store.",
    "query_timeout": "Deadline in seconds of one ad-hoc SPARQL query; past it the worker is "
    "killed and the client gets 503 `query-timeout` with `Retry-After`.",
    "query_workers": "Sandbox worker processes running ad-hoc SPARQL and uploads (at least 2), "
    "for the whole server: with `http_workers` > 1 each HTTP process runs its share (at least "
    "one; the last idle one of the server is kept for light clients, docs/security.md).",
    "worker_memory_mb": (
        "Memory limit of one sandbox worker (MiB), per task (see `worker_recycle_mb`); a "
        "query or upload that needs more gets 422 `memory-limit` naming it."
    ),
    "worker_max_tasks": "Tasks (queries, uploads) one sandbox worker runs before a fresh one "
    "replaces it; the old one keeps serving until the new one has loaded the release, so "
    "capacity never drops. Bounds memory the engine and allocator keep over time "
    "(`pcfgraph_pool_recycled_total`). 0: never.",
    "worker_recycle_mb": "A sandbox worker whose address space ends a task more than this many "
    "MiB above its size after loading the release (or whose task ran out of memory) is "
    "replaced before it runs another task. With `worker_memory_mb` this makes the memory "
    "limit per task: every task may grow the worker by the same amount, whatever ran before "
    "(`pcfgraph_pool_recycled_total`). 0: only out-of-memory tasks recycle.",
    "max_result_rows": "Largest result (rows or triples) of an ad-hoc query; more is 422 "
    "`result-too-large`, never a truncated 200.",
    "max_query_depth": "Deepest nesting (groups, sub-selects, paths) of an ad-hoc query "
    "accepted; deeper is 400 before execution.",
    "max_query_tokens": "Most tokens (words, IRIs, literals, punctuation) in an ad-hoc query; "
    "more is 400 `query-too-large` before execution.",
    "max_query_width": "Longest chain of binary operators (`&&`, `||`, `UNION`, `OPTIONAL`, "
    "`MINUS`, paths, arithmetic) inside one group of an ad-hoc query; longer is 400 "
    "`query-too-wide` before execution (such chains become deep trees in the engine).",
    "max_body_bytes": "Largest request body in bytes (SPARQL, GraphQL, forms other than "
    "uploads; not `/mcp`, see `max_upload_bytes`); larger is 413 `payload-too-large`. Also the "
    "longest `query` of the MCP `sparql` tool.",
    "compress_min_bytes": "Answers of at least this many bytes are gzipped for a client sending "
    "`Accept-Encoding: gzip` (graph downloads, exports, SSSOM files, GraphQL, pages, `/shapes`; "
    'not `/sparql`, not XLSX); their `ETag` is then weak (`W/"..."`). 0: never compress.',
    "max_upload_bytes": "Largest uploaded model or workbook in bytes, the same everywhere: "
    "`POST /validate` (body or multipart), the web audit and diff forms, the MCP `audit_model` "
    "tool, `pcfgraph audit` and `pcfgraph models convert`; larger is 413 `payload-too-large` "
    "(exit 2 in the CLI) naming this setting. The default allows models of at least 20 MB. "
    "An MCP message, an `/mcp` request body or a `pcfgraph mcp` line alike, may be six times "
    "this and 64 KiB (any model at the limit, JSON-escaped the longest way, `\\u0001` for a "
    "control character, in its call); longer is refused naming this setting (413 at `/mcp`).",
    "max_body_memory_bytes": "Most bytes of request bodies one server process holds at once, "
    "counted as they are read and given back when each request is answered (uploads, MCP "
    "messages, SPARQL and GraphQL bodies; not the small `/sparql` requests the protocol answers "
    "itself). A request whose body would take the total past it while other requests hold some "
    "is 503 `body-memory-full` with `Retry-After`; a request alone is never refused by it (its "
    "own limit applies). Each body's limit bounds one request; this bounds them together (ten "
    "MCP messages at their limit would hold ten times 192 MiB at the defaults).",
    "max_archive_members": "Most members in an uploaded workbook (.xlsx zip); more is 413 "
    "`archive-limit`. Checked from the archive directory before anything is inflated.",
    "max_archive_ratio": "Largest uncompressed/compressed size ratio of one member of an "
    "uploaded workbook (declared and while inflating); larger is 413 `archive-limit` (zip bomb).",
    "max_archive_bytes": "Largest total uncompressed size of an uploaded workbook; larger is 413 "
    "`archive-limit`.",
    "max_sheet_rows": "Most rows in one worksheet of an uploaded workbook (counted by streaming "
    "the sheet XML before parsing); more is 413 `archive-limit` naming the sheet.",
    "max_sheet_columns": "Most cells in one row of an uploaded workbook; more is 413 "
    "`archive-limit` naming sheet and row.",
    "max_upload_parts": "Most parts (files plus fields) in one `multipart/form-data` upload; "
    "more is 413 `too-many-parts`. A malformed multipart body (boundary, headers) is 400 "
    "`bad-multipart`. Plain form fields are at most 64 KiB each.",
    "max_url_bytes": "Longest request target (path plus query string) in bytes; longer is 414 "
    "`uri-too-long` (problem+json) before any route runs. Long SPARQL queries go in a POST body.",
    "max_header_bytes": "Largest request header block in bytes; larger is 431 "
    "`headers-too-large` (problem+json), checked while the request is parsed.",
    "max_header_count": "Most header fields in one request; more is 431 `headers-too-large`.",
    "worker_memory_store_quads": "A release of at most this many quads is loaded into the "
    "server's memory (one store for pages, named queries, GraphQL and in-process SPARQL) and "
    "each sandbox worker's (about 400 bytes a quad per process, loaded when it starts); "
    "a larger one is opened read-only from its on-disk store, one copy shared by every process. "
    "Scans and aggregates run 2-5x faster in memory (counts per level 26 ms against 147 ms on "
    "the 78k-quad default graph). 0: always share the on-disk store.",
    "sparql_cache_mb": "Memory (MiB) for finished `/sparql` answers of the served release, "
    "keyed by release, query text, media type, dataset parameters and base IRI; a "
    "deterministic query asked again is answered without running (least recently used out "
    "first; answers over a quarter of it are not kept). `GET` answers carry a weak `ETag`, and "
    "`If-None-Match` with it gives 304. Queries with `RAND`/`NOW`/`UUID`/`STRUUID`/`BNODE` and "
    "remote-store answers are never cached. 0: nothing kept (ETags and 304 stay).",
    "http_fast_path": "A `GET` or `POST /sparql` that the app answers without waiting (a "
    "query run in process on the event loop, a kept answer, a 304, a refusal) is answered by "
    "the HTTP protocol itself once the request is complete, without uvicorn's ASGI request "
    "cycle (no task, no ASGI messages): the same status, headers, body, metrics and "
    "access-log line, from the same functions (`pcfgraph.api.fast_path`). Everything else "
    "(other paths and methods, `HEAD`, a `GET` with a body, a `POST` body over 16 KiB or "
    "without `Content-Length`, `X-Forwarded-*`, queries for a thread or a sandbox worker, "
    "pipelined requests behind one in flight, `Connection: close`, a server under "
    "`root_path`) goes the ASGI way (where `/sparql`'s own layer answers it without "
    "FastAPI's routing, under `root_path` too). "
    "false: every request goes the ASGI way.",
    "sparql_inprocess_work": "Ad-hoc queries whose work on the served release is proven at "
    "most this many steps (solutions and index lookups, bounded from the release's predicate "
    "degrees; about a second of engine time per 5 million on 2 CPUs) run in the serving "
    "process, at most `query_workers` at once, without the sandbox worker round trip; every "
    "other query runs in a worker as before. The deadline, row cap and errors are the same; see "
    "docs/security.md, In-process evaluation. 0: every ad-hoc query runs in a worker.",
    "sparql_inprocess_memory_quads": "A release served from its on-disk store (more than "
    "`worker_memory_store_quads` quads) with at most this many quads is also loaded into the "
    "serving process's memory when the server starts (before `/ready`; beside the rest of the "
    "start) and with each reload (before the switch): pages, named queries, GraphQL and "
    "in-process ad-hoc SPARQL read it, 2-6x faster than the on-disk store (about 300 bytes a "
    "quad; about 2 s and 180 MB for the 611k quads of every shared workbook). The sandbox "
    "workers keep sharing the on-disk store. 0: never copied.",
    "max_concurrent_expensive": "Expensive requests (ad-hoc SPARQL, validation uploads) running "
    "at once, shared by both; past it 503 `overloaded` with `Retry-After`, never a queue. For "
    "the whole server, whatever `http_workers` is.",
    "max_concurrent_per_client": "Expensive requests one client (by address) may have in "
    "progress at once (over every server process); past it 429 `too-many-requests` with "
    "`Retry-After`. With it, the last "
    "`max_concurrent_expensive` slot is kept for a client with nothing in progress, and one idle "
    "sandbox worker for clients with nothing running and no recent slow task (docs/security.md).",
    "validate_timeout": "Deadline in seconds of one `POST /validate` upload.",
    "audit_fork": "An audit runs pySHACL in a child process forked beside its SPARQL checks "
    "(two cores instead of one; only on Linux and where no other Python thread runs). `false` "
    "keeps it in the auditing process.",
    "max_upload_triples": "Largest number of triples in one uploaded model.",
    "graphql_max_depth": "Deepest GraphQL selection accepted.",
    "graphql_max_aliases": "Most aliases in one GraphQL document (fragment spreads counted).",
    "graphql_max_tokens": "Most tokens in one GraphQL document.",
    "graphql_max_page_size": "Largest `first` of a GraphQL connection.",
    "graphql_max_variables_depth": "Deepest nesting (arrays/objects) of GraphQL `variables` "
    "(and `extensions`); deeper is 400 before the JSON is decoded.",
    "graphql_max_variables_bytes": "Largest GraphQL `variables` object, in bytes of JSON; "
    "larger is 400.",
    "graphql_max_nodes": "Largest number of objects one GraphQL response may return from list "
    "fields; a larger result is refused with a GraphQL error instead of being built.",
    "graphql_introspection": "Whether GraphQL introspection is answered.",
    "graphql_allow_batching": "Whether a GraphQL request may carry several operations.",
    "admin_token": "Bearer token for `POST /admin/reload`. Unset: the route does not exist "
    "(404). Wrong or missing token: 403 `forbidden`. SIGHUP reloads regardless.",
    "reload_wait_seconds": "With `http_workers` > 1: a reload of the server (`POST "
    "/admin/reload` to any process, SIGHUP to the main process) is begun by one process, "
    "which verifies and switches to the candidate, passes it on to the others, then waits "
    "at most this long until every process has made its own attempt and serves the new "
    "release (the same release reloaded too): only then does `POST "
    "/admin/reload` answer 200 (its `processes`: how many serve each release). Not every "
    "process switched by then, or one gave the reload up (its retry 2 s later failed too): "
    "503 `release-mismatch` naming each release and how many processes serve it (the "
    "candidate was good, so not 422; the server as a whole is not serving one release, the "
    "state `/ready` answers 503 `release-mismatch` for). The default covers two reloads and "
    "the retry on a loaded machine. One process: no wait.",
    "graceful_stop_seconds": "Stopping (`SIGTERM`, `SIGINT`): how long the requests in flight "
    "are waited for (uvicorn's graceful bound); a request still running then is answered 503 "
    "`server-stopping`. With `http_workers` > 1, a server process still running 10 s after it "
    "is killed. Keep it under a service manager's stop timeout (Kubernetes "
    "`terminationGracePeriodSeconds`, systemd `TimeoutStopSec`) less those 10 s.",
    "cors_origins": "Comma-separated origins allowed by CORS, each as a browser sends it "
    "(`scheme://host[:port]`, no path or slash at the end: one with either never matched), "
    "or `*`. Empty: no CORS headers. Pages of those origins may send `Accept`, `Content-Type`, "
    "`X-Request-ID` and `If-None-Match` and read `X-Request-ID`, `Retry-After`, "
    "`X-Audit-Conforms`, `X-Audit-Fails`, `Content-Disposition`, `ETag` and `Link`.",
    "log_level": "Log level of the `pcfgraph.*` loggers: debug, info, warning, error or critical "
    "(any case).",
    "log_format": "`text` or `json`, any case (one JSON object per line: `ts`, `level`, `logger`, "
    "`message`, `request_id`, `pid` (which of the server's processes wrote it), and for "
    "each request's access line `method`, `path`, `route`, "
    "`status`, `ms`, `code` and `client`, its address). Other libraries' records (WARNING and "
    "up) come out in the same format, one a line, and so do `pcfgraph serve`'s importer "
    "warnings, its `serving release ...` line (`pcfgraph: ...` on stderr with `text`), "
    "uvicorn's own lines (`uvicorn.error`: start, stop, a request's unhandled error), what "
    "a sandbox worker writes on its stderr (the engine's out-of-memory abort, a crash trace: "
    "`pcfgraph.sandbox` warnings naming the worker, one a line) and, "
    "with `json`, an error that stops the start once the settings are read (`pcfgraph: "
    "error: ...` with `text`; exit 2 either way). The text access line: `METHOD PATH STATUS "
    "MS ms from ADDRESS` (`-`: none known); a request refused before the app reads it (414, "
    "431, a malformed request's 400) has its line too, under the id its answer names, its "
    "path cut at 200 characters. Under `uvicorn --factory "
    "pcfgraph.serving:app_from_env` uvicorn's own lines keep uvicorn's format "
    "(`uvicorn --log-config` formats them).",
    "access_log_flush_ms": "Access-log lines (`pcfgraph.access`) leave in batches, as "
    "nginx's `access_log ... buffer= flush=`: a line is written at most this many milliseconds "
    "after its request ended, sooner once 16 KiB of lines wait (one write for many requests, "
    "not one each). Every other log record (warnings, errors, startup lines) is written at "
    "once, after the access lines before it; a stop (`SIGTERM`, `SIGINT`, the end of a "
    "worker process) writes every line still waiting; uvicorn's own lines (`Shutting down`) "
    "too are written after the access lines before them. 0: each line written at once.",
    "opentelemetry": "Whether FastAPI's native OpenTelemetry instrumentation runs (FastAPI "
    "0.16x and later, with globally configured OpenTelemetry providers). Off by default: "
    "`/metrics` and the access log cover operations, and the check costs every request.",
}


def _default(value: Any) -> str:
    if value is None:
        return "(unset)"
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    if value == "":
        return "(empty)"
    if isinstance(value, tuple):
        return "(empty)" if not value else "`" + ",".join(map(str, value)) + "`"
    return f"`{value}`"


def _type(annotation: Any, metadata: Sequence[Any] = ()) -> str:
    text = annotation.__name__ if isinstance(annotation, type) else str(annotation)
    text = text.replace("pathlib.", "").replace("typing.", "")
    text = text.replace("tuple[str, ...]", "list").replace(" | None", " (optional)")
    bounds = []  # the field's constraints (pydantic keeps them as annotated_types objects)
    for constraint in metadata:
        for attribute, sign in (("ge", "≥"), ("gt", ">"), ("le", "≤")):
            bound = getattr(constraint, attribute, None)
            if bound is not None:
                bounds.append(f"{sign} {bound}")
    return f"{text} {', '.join(bounds)}" if bounds else text


def cli_flags() -> dict[str, str]:
    """Field name to the ``pcfgraph serve`` option(s) setting it (none before serve exists)."""
    try:
        from pcfgraph.cli import main
    except ImportError:  # pragma: no cover - the CLI is part of the package
        return {}
    serve = main.commands.get("serve")
    out: dict[str, str] = {}
    if serve is None:
        return out
    names = set(Settings.model_fields)
    for param in serve.params:
        if param.name in names and getattr(param, "opts", None):
            out[param.name] = ", ".join(f"`{o}`" for o in param.opts)
    return out


#: How to run behind a reverse proxy: where an operator setting one up looks (the README
#: points here), with each proxy's way of stating the prefix and the address.
PROXY_SECTION = [
    "## Behind a reverse proxy",
    "",
    "Keep `host` at `127.0.0.1` with the proxy on the same machine (else list the proxy's "
    "address in `forwarded_allow_ips`), and set `public_url` to the address users reach: "
    "then no request header names the address in what pcfgraph writes. Served under a path "
    "prefix (`https://kb.example.org/pcf/`), the proxy strips the prefix and `root_path` "
    "names it; pcfgraph reads no header for the prefix:",
    "",
    "```nginx",
    "location /pcf/ {",
    "    proxy_pass http://127.0.0.1:8000/;   # the slash after the port strips /pcf",
    "    proxy_set_header Host $host;",
    "    proxy_set_header X-Forwarded-Host $host;",
    "    proxy_set_header X-Forwarded-Proto $scheme;",
    "    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
    "    proxy_set_header X-Request-ID $request_id;   # the same id in both logs",
    "}",
    "```",
    "",
    "```sh",
    "PCFGRAPH_ROOT_PATH=/pcf PCFGRAPH_PUBLIC_URL=https://kb.example.org/pcf pcfgraph serve",
    "```",
    "",
    "- Traefik (a `StripPrefix` middleware), ingress controllers that strip a prefix, "
    "Spring Cloud Gateway: they say what they stripped in `X-Forwarded-Prefix`, which "
    "pcfgraph does not read; set `root_path` to it all the same (a proxy of "
    "`forwarded_allow_ips` stating another prefix is logged, once in each server process, "
    "as a warning naming the setting). Traefik sends `X-Forwarded-Host`, `-Proto` and `-For` by default.",
    "- Apache: `ProxyPass /pcf/ http://127.0.0.1:8000/` and `ProxyPassReverse /pcf/ "
    "http://127.0.0.1:8000/`; it passes the public host in `X-Forwarded-Host` (read from a "
    "proxy of `forwarded_allow_ips`).",
    "- RFC 7239 `Forwarded` is not read: a proxy sending only that (HAProxy's `option "
    "forwarded`, Envoy configured so) needs `public_url` for the address and sends the "
    "client's address in `X-Forwarded-For` (HAProxy: `option forwardfor`) for fairness "
    "between clients.",
    "- A proxy that keeps the prefix (nginx's `proxy_pass http://127.0.0.1:8000;`, no "
    "slash) is answered 404 naming the prefix and the fix.",
    "- `uvicorn --factory pcfgraph.serving:app_from_env` instead of `pcfgraph serve`: "
    "uvicorn reads the proxy headers, `X-Forwarded-For` and `-Proto` from its own "
    "`--forwarded-allow-ips` (or `FORWARDED_ALLOW_IPS`), and never `X-Forwarded-Host`: set "
    "`PCFGRAPH_PUBLIC_URL`, or the absolute URLs name the address the proxy passes on in "
    "`Host`. `PCFGRAPH_ROOT_PATH` is applied by the app there (uvicorn's own "
    "`--root-path`, if given, wins: give it the same value or leave it out).",
]


def render() -> str:
    flags = cli_flags()
    lines = [
        "# Settings",
        "",
        "<!-- Generated by `python -m pcfgraph.cli.settings_doc > docs/settings.md`; "
        "tests/ops/test_metrics_logs.py keeps it equal to pcfgraph.config.Settings. -->",
        "",
        "Every setting has a safe default. The server reads `PCFGRAPH_*` environment "
        "variables; a `pcfgraph serve` flag, where there is one, overrides the variable. "
        "`pcfgraph mcp` (its `--release` overriding `PCFGRAPH_RELEASE`), `pcfgraph audit` "
        "and `pcfgraph convert` read them too; a variable that is not valid stops the "
        "command with exit status 2, naming it, and so does a `PCFGRAPH_*` variable that "
        "names no setting (a misspelt `PCFGRAPH_QUERY_TIMOUT`), with the setting it is "
        "nearest to (`PCFGRAPH_DEBUG` and the `PCFGRAPH_CI_*`, `PCFGRAPH_TEST_*` variables of "
        "pcfgraph's CI and tests are not settings and are let be). A variable that is not "
        "valid but that a flag overrides is not used (the flag wins) and is warned of at the "
        "start, naming it. "
        "Booleans accept `1/0`, `true/false`, `yes/no`, `on/off`.",
        "",
        "| Setting | Environment variable | CLI flag | Type | Default | Meaning |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, f in Settings.model_fields.items():
        default = f.get_default(call_default_factory=True)
        meaning = MEANINGS.get(name, "**undocumented**").replace("|", "\\|")
        lines.append(
            f"| `{name}` | `{ENV_PREFIX}{name.upper()}` | {flags.get(name, '—')} "
            f"| {_type(f.annotation, list(f.metadata))} | {_default(default)} | {meaning} |"
        )
    lines += ["", *PROXY_SECTION]
    lines += [
        "",
        "## Operations",
        "",
        "- `GET /health`: the process is alive (always 200 while it answers).",
        "- `GET /ready`: 200 when a verified release is loaded and the query workers are up "
        "(with `store_url`, the remote store answers with the release pushed there: asked at "
        "each call), else 503 `not-ready` with `Retry-After`; with `http_workers` > 1 also 503 "
        "`release-mismatch` while the server's processes serve different releases (a reload "
        "failed in some of them; see `http_workers`).",
        "- `GET /metrics`: Prometheus text: `pcfgraph_http_requests_total{route,method,status}`, "
        "`pcfgraph_http_request_duration_seconds` (histogram by route template), "
        "`pcfgraph_problems_total{route,code}`, `pcfgraph_http_refused_total{status,code}` "
        "(request heads refused before any route ran: 414, 431, a malformed request's 400; the "
        "process's, whichever app is scraped), `pcfgraph_rejected_requests_total`, "
        "`pcfgraph_query_timeouts_total`, `pcfgraph_worker_crashes_total`, "
        "`pcfgraph_worker_restarts_total`, `pcfgraph_release_info{release_id}`, "
        "`pcfgraph_reloads_total{outcome}`, `pcfgraph_process_resident_memory_bytes` (RSS), "
        "`pcfgraph_process_proportional_memory_bytes` (PSS: a page shared by N processes "
        "counts 1/N; Linux). With "
        "`http_workers` > 1 one scrape sums every server process (counters, histograms, "
        "in-flight and pool gauges, memory: summed RSS counts the pages the processes share "
        "copy-on-write once per process, summed PSS is what they hold together); the release, version and start time are "
        "the answering process's; `pcfgraph_http_processes` says how many processes it holds. "
        "`pcfgraph_release_processes{release_id}` (only with `http_workers` > 1): how many "
        "processes serve each release (more than one series: they disagree).",
        "- Reload: `kill -HUP <pid>` or `POST /admin/reload` with "
        "`Authorization: Bearer $PCFGRAPH_ADMIN_TOKEN`. The candidate (the release directory "
        "re-read, or the shipped data rebuilt) is verified (sha256, counts, SHACL) while the "
        "old release serves; then the worker pool and the app switch to it at once. A refused "
        "candidate leaves the old release serving and is reported (422 `bad-release`, log, "
        '`pcfgraph_reloads_total{outcome="failure"}`). With `http_workers` > 1 the answer '
        "and the count are the server's: 200 once every process serves the new release (the "
        "body's `processes`), else 503 `release-mismatch` (`reload_wait_seconds`); "
        "`pcfgraph_reloads_total` counts one per reload of the server, however many processes "
        "it reached. A `SIGHUP` while the server starts (once `pcfgraph serve` has read its "
        "settings: the release loading, a process still starting) is not lost: the reload is "
        "made once the server serves (before that, while Python starts and imports, about a "
        "second, SIGHUP's default action still ends the process). One that "
        "comes while a reload runs (and a reload passed on to a process busy with another) "
        "asks for one more reload after it, however many came meanwhile; `POST "
        "/admin/reload` then answers 503 with `Retry-After` instead. Once the server is "
        "stopping (`SIGTERM`, `SIGINT`: while it drains the requests in flight, and until it "
        "exits) a `SIGHUP`, to the main process or a worker, is ignored and logged: no reload "
        "is begun or passed on, and the signal does not end the process; a `POST "
        "/admin/reload` waiting for the other processes (`http_workers` > 1) when the stop "
        "begins is answered at once, 503 `server-stopping` naming what each process serves "
        "(they stop rather than switch), not when `graceful_stop_seconds` has passed.",
        "- Every error body is `application/problem+json` with `code`, `detail` and "
        "`request_id` (also the `X-Request-ID` header and the `request_id` of every log line). "
        "A request's own `X-Request-ID` is kept as its id when it is at most 64 ASCII "
        "letters and digits with `-`, `_` or `.` between them (a proxy's, a UUID: "
        "nginx `proxy_set_header X-Request-ID $request_id;`, Envoy's), so the proxy's log "
        "and pcfgraph's name a request alike; another is replaced by a fresh id.",
        "- Stopping (`SIGTERM`, `SIGINT`): the server stops taking connections and waits for "
        "the requests in flight (`graceful_stop_seconds`); a request still running then, "
        "whose answer has not begun, is answered 503 `server-stopping` with `Retry-After: 5` "
        "(on any route; `/mcp` as a JSON-RPC error, see docs/mcp.md) and logged in one "
        "warning line, never uvicorn's plain-text 500. Then `pcfgraph serve` exits 0, with "
        "one server process as with several, and so does each worker of several (a process "
        "monitor or `systemd` sees them too); the main process logs each worker's exit, a "
        "worker killed or crashed while stopping as an error naming its status.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    sys.stdout.write(render())


def doc_path() -> Path:
    return Path(__file__).resolve().parents[3] / "docs" / "settings.md"


if __name__ == "__main__":
    main()
