"""Check the shipped framework data against the seed texts (published pages we built it from).

Usage::

    .venv/bin/python tools/check_seeds.py ../shared/seeds

Every seed file is offered to every check in :data:`CHECKS`; a check that recognises the seed
compares it with the graph built from ``data/`` (per ``data/frameworks.yaml``) and returns a list
of differences. Prints a diff and exits 1 on any difference or when a check found no seed to
compare with; exits 2 on bad input; 0 when everything matches.

To add a check (PRM-IT, IT-CMF, TRIM ...): write ``def check_x(seed: str, ctx: Context) ->
list[str]`` plus a recogniser, and append a :class:`SeedCheck` to :data:`CHECKS`. Use
``ctx.graph("<framework id from frameworks.yaml>")`` for the framework's graph.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from rdflib import Graph, Literal, URIRef

from pcfgraph import iris
from pcfgraph.errors import PcfgraphError
from pcfgraph.importers.apqc import import_workbook, normalise_space
from pcfgraph.iris import DCTERMS, PCFG, SKOS

sys.path.insert(0, str(Path(__file__).resolve().parent))
import seed_checks_frameworks as frameworks

REPO = Path(__file__).resolve().parents[1]
APQC_74 = "apqc-pcf-cross-industry-7.4"


# --- graphs from data/ -----------------------------------------------------------------------


@dataclass
class Context:
    """Builds (once) each framework's graph from ``data/`` as ``frameworks.yaml`` describes it."""

    data_dir: Path = REPO / "data"
    _graphs: dict[str, Graph] = field(default_factory=dict)

    def graph(self, framework_id: str) -> Graph:
        if framework_id not in self._graphs:
            self._graphs[framework_id] = self._build(framework_id)
        return self._graphs[framework_id]

    def _build(self, framework_id: str) -> Graph:
        doc = yaml.safe_load((self.data_dir / "frameworks.yaml").read_text(encoding="utf-8"))
        entries = [e for e in doc["frameworks"] if e["id"] == framework_id]
        if not entries:
            raise SystemExit(f"check_seeds: {framework_id!r} is not in data/frameworks.yaml")
        entry: dict[str, Any] = entries[0]
        g = Graph()
        for rel in entry.get("files", []):
            path = self.data_dir / rel
            if entry.get("kind") == "apqc-workbook":
                g += import_workbook(
                    path,
                    edition=entry.get("edition"),
                    version=str(entry.get("version")),
                    progress=False,
                ).graph
            else:
                g.parse(path, format="turtle", publicID=iris.ID_BASE)
        for rel in entry.get("supplements", []) or []:
            g.parse(self.data_dir / rel, format="turtle", publicID=iris.ID_BASE)
        return g


# --- helpers ------------------------------------------------------------------------------------


def _text(g: Graph, s: URIRef, p: URIRef) -> str | None:
    values = sorted(str(o) for o in g.objects(s, p))
    return normalise_space(values[0]) if values else None


def _diff(what: str, seed: object, graph: object) -> str:
    return f"{what}:\n    - seed:  {seed!r}\n    + graph: {graph!r}"


# --- APQC PCF process group (e.g. 001: "8.1 - Develop and manage IT customer relationships") ---

_GROUP_TITLE = re.compile(r"^# (?P<hid>\d+\.\d+) - (?P<name>.+)$", re.M)
_GROUP_HEAD = re.compile(r"^> \*\*PCF ID:\*\* (?P<id>\d+) \| \*\*Elements:\*\* (?P<n>\d+)", re.M)
_TABLE_ROW = re.compile(
    r"^\| (?P<hid>\d+(?:\.\d+)+) \| (?P<name>[^|]+?) \| (?P<id>\d+) \| \d+ \| [YN] \|$", re.M
)
_PROCESS_DEF = re.compile(
    r"^### (?P<hid>\d+(?:\.\d+)+) - .+?$\s*\*\*PCF ID:\*\* \d+\s*\*\*Definition:\*\* (?P<d>.*)$",
    re.M,
)
_ACTIVITY_DEF = re.compile(
    r"<summary><strong>(?P<hid>\d+(?:\.\d+)+) - .+?</strong></summary>\s*"
    r"\*\*Definition:\*\* (?P<d>.*)$",
    re.M,
)
_GROUP_DEF = re.compile(r"^## Definition\s*\n\s*\n(?P<d>.+?)\n\s*\n", re.M | re.S)


def is_apqc_group_seed(seed: str) -> bool:
    return "APQC-PCF" in seed and "component_type: process-group" in seed


@dataclass
class _SeedElement:
    pcf_id: int
    hid: str
    name: str
    definition: str | None = None


def parse_apqc_group_seed(seed: str) -> tuple[dict[int, _SeedElement], int]:
    """The seed's elements by PCF ID and the element count it states."""
    title, head, gdef = _GROUP_TITLE.search(seed), _GROUP_HEAD.search(seed), _GROUP_DEF.search(seed)
    if not (title and head and gdef):
        raise ValueError("not an APQC process-group seed (title, PCF ID or definition missing)")
    root = _SeedElement(
        int(head["id"]), title["hid"], normalise_space(title["name"]), normalise_space(gdef["d"])
    )
    elements = {root.pcf_id: root}
    for m in _TABLE_ROW.finditer(seed):
        e = _SeedElement(int(m["id"]), m["hid"], normalise_space(m["name"]))
        elements.setdefault(e.pcf_id, e)
    by_hid = {e.hid: e for e in elements.values()}
    for m in [*_PROCESS_DEF.finditer(seed), *_ACTIVITY_DEF.finditer(seed)]:
        if m["hid"] in by_hid:
            by_hid[m["hid"]].definition = normalise_space(m["d"])
    return elements, int(head["n"])


def check_apqc_group(seed: str, ctx: Context) -> list[str]:
    """Every element of the seed's process group: PCF ID, hierarchy ID, name, definition, count."""
    expected, stated = parse_apqc_group_seed(seed)
    g = ctx.graph(APQC_74)
    root = min(expected.values(), key=lambda e: len(e.hid))
    scheme = iris.framework(APQC_74)
    actual: dict[int, URIRef] = {}
    for s in g.subjects(SKOS.inScheme, scheme):
        hid = _text(g, URIRef(str(s)), PCFG.hierarchyId)
        if hid is not None and hid.split(".")[:2] == root.hid.split("."):
            actual[int(str(g.value(s, PCFG.pcfId)))] = URIRef(str(s))
    problems: list[str] = []
    if not (len(expected) == stated == len(actual)):
        problems.append(
            f"element count: seed states {stated}, seed lists {len(expected)}, "
            f"graph has {len(actual)} in {root.hid}"
        )
    for pcf_id in sorted(set(expected) - set(actual)):
        problems.append(f"PCF ID {pcf_id} ({expected[pcf_id].hid}) is in the seed, not the graph")
    for pcf_id in sorted(set(actual) - set(expected)):
        problems.append(f"PCF ID {pcf_id} is in the graph, not the seed")
    for pcf_id in sorted(set(expected) & set(actual)):
        e, s = expected[pcf_id], actual[pcf_id]
        for what, want, got in (
            ("hierarchy ID", e.hid, _text(g, s, PCFG.hierarchyId)),
            ("name", e.name, _text(g, s, SKOS.prefLabel)),
            ("definition", e.definition, _text(g, s, SKOS.definition)),
        ):
            if want != got:
                problems.append(_diff(f"PCF ID {pcf_id} ({e.hid}) {what}", want, got))
    return problems


# --- APQC measure page (e.g. 000: measure 106448) --------------------------------------------


def is_apqc_measure_seed(seed: str) -> bool:
    return "Measure Category:" in seed and "Measure Scope" in seed


def check_apqc_measure(seed: str, ctx: Context) -> list[str]:
    """The measure named by the seed's first line: description, sample, units, category, scope."""
    paras = [normalise_space(p) for p in re.split(r"\n\s*\n", seed) if p.strip()]
    name, description = paras[0], paras[1]
    g = ctx.graph(APQC_74)
    measures = [s for s in g.subjects(SKOS.prefLabel, Literal(name, lang="en"))]
    if len(measures) != 1:
        return [f"measure {name!r}: {len(measures)} measures with that name in the graph"]
    m = URIRef(str(measures[0]))
    problems: list[str] = []

    def expect(what: str, want: object, got: object) -> None:
        if want != got:
            problems.append(_diff(f"measure {name[:40]!r}... {what}", want, got))

    expect("description", description, _text(g, m, DCTERMS.description))
    sample = re.search(r"Total Sample Size:\s*(\d+)\s+(.+)", seed)
    if sample:
        expect("sample size", sample[1], _text(g, m, PCFG.sampleSize))
        expect("sample population", normalise_space(sample[2]), _text(g, m, PCFG.samplePopulation))
    units = re.search(r"Units for this measure are (.+?)\.", seed)
    if units:
        expect("units", units[1].lower(), _text(g, m, PCFG.units))
    category = re.search(r"Measure Category:\s*\n(.+)", seed)
    cat = g.value(m, PCFG.measureCategory)
    if category:
        cat_name = normalise_space(category[1])
        expect("category", cat_name, _text(g, URIRef(cat), SKOS.prefLabel) if cat else None)
        i = paras.index(cat_name, 2) if cat_name in paras[2:] else -1
        if cat and 0 <= i < len(paras) - 1:
            expect("category definition", paras[i + 1], _text(g, URIRef(cat), SKOS.definition))
    scope = re.search(r"Measure Scope\s*\n(?:.*\n)*?\s*\n\s*(?P<v>[^\n]*\(\d[\d.]*\))", seed)
    if scope:
        expect("scope version", scope["v"].strip(), _text(g, m, PCFG.scopeVersion))
    return problems


# --- registry -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeedCheck:
    name: str
    applies: Callable[[str], bool]
    check: Callable[[str, Context], list[str]]
    #: A required check fails the run when no seed is found for it.
    required: bool = True


CHECKS: list[SeedCheck] = [
    SeedCheck(
        "APQC PCF process group (names, IDs, definitions)", is_apqc_group_seed, check_apqc_group
    ),
    SeedCheck("APQC measure page", is_apqc_measure_seed, check_apqc_measure),
    SeedCheck(
        "IBM PRM-IT A2 Customer Relationships",
        frameworks.is_prm_it_seed,
        lambda seed, ctx: frameworks.check_prm_it(seed, ctx.graph("prm-it")),
    ),
    SeedCheck(
        "IT-CMF Relationship Management POM",
        frameworks.is_itcmf_seed,
        lambda seed, ctx: frameworks.check_itcmf(seed, ctx.graph("it-cmf")),
    ),
    SeedCheck(
        "TRIM Customer Management",
        frameworks.is_trim_seed,
        lambda seed, ctx: frameworks.check_trim(seed, ctx.graph("trim")),
    ),
]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not Path(args[0]).is_dir():
        print("usage: check_seeds.py SEEDS_DIR", file=sys.stderr)
        return 2
    ctx = Context()
    seeds = sorted(p for p in Path(args[0]).iterdir() if p.is_file())
    used: dict[str, list[str]] = {c.name: [] for c in CHECKS}
    failed = False
    for path in seeds:
        text = path.read_text(encoding="utf-8")
        for c in CHECKS:
            if not c.applies(text):
                continue
            used[c.name].append(path.name)
            try:
                problems = c.check(text, ctx)
            except (PcfgraphError, ValueError) as exc:
                problems = [f"could not check: {exc}"]
            status = "ok" if not problems else f"{len(problems)} difference(s)"
            print(f"{path.name}: {c.name}: {status}")
            for p in problems:
                print(f"  {p}")
            failed = failed or bool(problems)
    for c in CHECKS:
        if c.required and not used[c.name]:
            print(f"no seed found for check: {c.name}")
            failed = True
    unchecked = [p.name for p in seeds if not any(p.name in v for v in used.values())]
    if unchecked:
        print(f"seeds without a check (not a failure): {', '.join(unchecked)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
