"""Check the shipped PRM-IT, IT-CMF and TRIM data against the seed texts they were written from.

Usage::

    .venv/bin/python tools/seed_checks_frameworks.py ../shared/seeds

Each check parses its seed on its own (it never reads the Turtle to learn what the seed says) and
compares every code, name, description, practice, outcome, metric and count with the graph built
from ``data/`` (per ``data/frameworks.yaml``). Each returns a list of problems; empty means the
data is faithful to the seed. Text is compared whitespace-normalised (runs of any whitespace,
including no-break spaces, become one space).

Public API (used by ``tools/check_seeds.py`` style runners)::

    check_prm_it(seed_text, graph) -> list[str]
    check_itcmf(seed_text, graph) -> list[str]
    check_trim(seed_text, graph) -> list[str]

Exit status of the script: 0 all seeds match, 1 differences (or a framework seed missing),
2 bad input.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.term import Node

from pcfgraph import iris
from pcfgraph.iris import DCTERMS, PCFG, SKOS

REPO = Path(__file__).resolve().parents[1]


# --- helpers ----------------------------------------------------------------------------------


def norm(text: str) -> str:
    """Whitespace-normalised text (str.split() also splits on no-break spaces)."""
    return " ".join(text.split())


def _texts(g: Graph, s: Node, p: URIRef) -> list[str]:
    return sorted(norm(str(o)) for o in g.objects(s, p) if isinstance(o, Literal))


def _one(g: Graph, s: Node, p: URIRef) -> str | None:
    values = _texts(g, s, p)
    return values[0] if len(values) == 1 else None


def _label(g: Graph, s: Node) -> str | None:
    labels = [o for o in g.objects(s, SKOS.prefLabel) if isinstance(o, Literal)]
    en = [norm(str(o)) for o in labels if o.language == "en"]
    return en[0] if len(en) == 1 else None


def _of_type(g: Graph, cls: URIRef) -> list[Node]:
    return sorted(set(g.subjects(RDF.type, cls)), key=str)


def _cmp(problems: list[str], what: str, seed: object, graph: object) -> None:
    if seed != graph:
        problems.append(f"{what}:\n    - seed:  {seed!r}\n    + graph: {graph!r}")


def _paragraphs(lines: Iterable[str]) -> list[str]:
    """Non-empty lines as normalised paragraphs (each seed paragraph is one line)."""
    return [norm(line) for line in lines if line.strip()]


def _sections(seed: str, headings: Iterable[str]) -> dict[str, list[str]]:
    """Split a seed at lines that are exactly one of ``headings``; key "" holds the preamble."""
    heads = set(headings)
    out: dict[str, list[str]] = {"": []}
    current = ""
    for line in seed.splitlines():
        if line.strip() in heads:
            current = line.strip()
            out[current] = []
        else:
            out[current].append(line)
    return out


def _quoted_literals_in_seed(
    g: Graph, subjects: Iterable[Node], props: Iterable[URIRef], seed: str, what: str
) -> list[str]:
    """Every literal of ``props`` on ``subjects`` must occur verbatim in the seed."""
    seed_n = norm(seed)
    problems: list[str] = []
    for s in subjects:
        for p in props:
            for o in g.objects(s, p):
                if not isinstance(o, Literal):
                    continue
                for para in str(o).split("\n\n"):
                    if norm(para) and norm(para) not in seed_n:
                        problems.append(
                            f"{what}: {s} {g.qname(p)} is not in the seed: {norm(para)!r}"
                        )
    return problems


# --- IBM PRM-IT -------------------------------------------------------------------------------

_PRM_HEAD = re.compile(r"^(?P<code>A\d+) (?P<name>.+)$")
_PRM_ROW = re.compile(r"^(?P<code>A\d+) (?P<rest>.+)$")
_CONNECTORS = {"and", "of"}


def is_prm_it_seed(seed: str) -> bool:
    first = norm(seed.splitlines()[0]) if seed.strip() else ""
    return bool(_PRM_HEAD.match(first)) and "Brief Description" in seed


def _split_name_brief(rest: str) -> tuple[str, str]:
    """Split "Service Catalog Management Maintain the catalog of IT services".

    The seed's table lost its column boundaries. Names are Title Case (with "and"/"of"); a brief
    description is a capitalised verb followed by lower-case words. So: take the leading run of
    capitalised words and connectors; the description starts at the last capitalised word of
    that run that is not an all-capitals acronym ("IT").
    """
    words = rest.split(" ")
    run = 0
    while run < len(words) and (words[run][:1].isupper() or words[run] in _CONNECTORS):
        run += 1
    starts = [i for i in range(1, run) if words[i][:1].isupper() and not words[i].isupper()]
    if not starts:
        raise ValueError(f"cannot split name and brief description in {rest!r}")
    i = starts[-1]
    return " ".join(words[:i]), " ".join(words[i:])


@dataclass
class PrmItSeed:
    code: str
    name: str
    definition: str
    description: list[str]
    processes: dict[str, tuple[str, str]]  # code -> (name, brief description)


def parse_prm_it_seed(seed: str) -> PrmItSeed:
    lines = seed.splitlines()
    head = _PRM_HEAD.match(norm(lines[0]))
    if not head:
        raise ValueError("not a PRM-IT seed: first line is not '<code> <name>'")
    definition = norm(lines[1])
    start = next(i for i, ln in enumerate(lines) if ln.strip() == "Main Description")
    end = next(i for i, ln in enumerate(lines) if ln.strip().startswith("Processes in the "))
    description = _paragraphs(lines[start + 1 : end])
    table = next(i for i, ln in enumerate(lines) if norm(ln) == "ID Name Brief Description")
    processes: dict[str, tuple[str, str]] = {}
    for ln in lines[table + 1 :]:
        m = _PRM_ROW.match(norm(ln))
        if m:
            processes[m["code"]] = _split_name_brief(m["rest"])
    return PrmItSeed(head["code"], norm(head["name"]), definition, description, processes)


def check_prm_it(seed_text: str, graph: Graph) -> list[str]:
    """The seed's category (code, name, definition, Main Description) and its process table."""
    g = graph
    problems: list[str] = []
    seed = parse_prm_it_seed(seed_text)
    scheme = iris.framework("prm-it")
    cat = iris.prm_it(seed.code)
    _cmp(problems, f"{seed.code} type", True, (cat, RDF.type, PCFG.PRMITCategory) in g)
    _cmp(problems, f"{seed.code} in scheme", True, (cat, SKOS.inScheme, scheme) in g)
    _cmp(problems, f"{seed.code} notation", seed.code, _one(g, cat, SKOS.notation))
    _cmp(problems, f"{seed.code} name", seed.name, _label(g, cat))
    _cmp(problems, f"{seed.code} definition", [seed.definition], _texts(g, cat, SKOS.definition))
    graph_desc = _one(g, cat, DCTERMS.description)
    _cmp(problems, f"{seed.code} Main Description", norm(" ".join(seed.description)), graph_desc)
    if graph_desc is not None:
        paras = [norm(p) for p in str(next(g.objects(cat, DCTERMS.description))).split("\n\n")]
        _cmp(problems, f"{seed.code} Main Description paragraphs", seed.description, paras)
    _cmp(problems, f"{seed.code} process count", 7, len(seed.processes))
    children = {c for c in g.subjects(SKOS.broader, cat)}
    _cmp(
        problems,
        f"{seed.code} processes (skos:broader)",
        sorted(str(iris.prm_it(c)) for c in seed.processes),
        sorted(str(c) for c in children),
    )
    _cmp(
        problems,
        f"{seed.code} processes (skos:narrower)",
        sorted(str(iris.prm_it(c)) for c in seed.processes),
        sorted(str(c) for c in g.objects(cat, SKOS.narrower)),
    )
    for code, (name, brief) in seed.processes.items():
        p = iris.prm_it(code)
        _cmp(problems, f"{code} type", True, (p, RDF.type, PCFG.PRMITProcess) in g)
        _cmp(problems, f"{code} notation", code, _one(g, p, SKOS.notation))
        _cmp(problems, f"{code} name", name, _label(g, p))
        _cmp(problems, f"{code} definition", [brief], _texts(g, p, SKOS.definition))
        _cmp(problems, f"{code} brief description", [brief], _texts(g, p, PCFG.briefDescription))
    # categories other than the seed's carry no text the seed does not hold
    for other in _of_type(g, PCFG.PRMITCategory):
        if other != cat and (list(g.objects(other, SKOS.definition)) or []):
            problems.append(f"{other} has a skos:definition, but no seed describes it")
    # a concept whose label the seed does not give says so itself (issue 19)
    for concept in [*_of_type(g, PCFG.PRMITCategory), *_of_type(g, PCFG.PRMITRoot)]:
        label = _label(g, concept)
        if concept == cat or label is None:
            continue
        notes = " ".join(_texts(g, concept, SKOS.editorialNote))
        if "label" not in notes.lower() or "source" not in notes.lower():
            problems.append(
                f"{concept}: label {label!r} is not the seed's category; it needs a "
                "skos:editorialNote saying where the label comes from"
            )
    processes_and_category = [cat, *(iris.prm_it(c) for c in seed.processes)]
    problems += _quoted_literals_in_seed(
        g,
        processes_and_category,
        (SKOS.definition, DCTERMS.description, PCFG.briefDescription, SKOS.scopeNote),
        seed_text,
        "PRM-IT",
    )
    return problems


# --- IT-CMF POM -------------------------------------------------------------------------------

_LEVEL = re.compile(r"^- (?P<n>[1-5])(?P<name>[A-Z][a-z]+)$")
_HEADERS = {
    "- Practice": "practice",
    "- Practices": "practice",
    "- Outcome": "outcome",
    "- Outcomes": "outcome",
    "- Metric": "metric",
    "- Metrics": "metric",
}


def is_itcmf_seed(seed: str) -> bool:
    return "Practices-Outcomes-Metrics (POM)" in seed


@dataclass
class Pom:
    level: int
    practices: list[str] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)


@dataclass
class ItcmfSeed:
    name: str
    definition: str
    levels: dict[int, str]
    poms: list[Pom]


def parse_itcmf_seed(seed: str) -> ItcmfSeed:
    lines = [norm(ln) for ln in seed.splitlines() if ln.strip()]
    name, definition = lines[0], lines[1]
    levels: dict[int, str] = {}
    poms: list[Pom] = []
    level, mode = 0, ""
    for ln in lines:
        if not ln.startswith("- "):
            continue
        m = _LEVEL.match(ln)
        if m:
            level, mode = int(m["n"]), ""
            levels[level] = m["name"]
            continue
        if ln in _HEADERS:
            new_mode = _HEADERS[ln]
            if new_mode == "practice":
                poms.append(Pom(level))
            mode = new_mode
            continue
        if not poms or not mode:
            raise ValueError(f"IT-CMF seed: item outside a POM: {ln!r}")
        item = ln[2:]
        {"practice": poms[-1].practices, "outcome": poms[-1].outcomes, "metric": poms[-1].metrics}[
            mode
        ].append(item)
    return ItcmfSeed(name, definition, levels, poms)


def check_itcmf(seed_text: str, graph: Graph, building_block: str = "SRP/A2") -> list[str]:
    """Building block name/definition, level names, every practice, outcome and metric."""
    g = graph
    problems: list[str] = []
    seed = parse_itcmf_seed(seed_text)
    bb = iris.itcmf(building_block)
    scheme = iris.framework("it-cmf")
    _cmp(problems, "building block type", True, (bb, RDF.type, PCFG.CapabilityBuildingBlock) in g)
    _cmp(problems, "building block name", seed.name, _label(g, bb))
    _cmp(problems, "building block definition", [seed.definition], _texts(g, bb, SKOS.definition))
    for n, name in seed.levels.items():
        ml = iris.itcmf_maturity_level(n)
        _cmp(problems, f"maturity level {n} name", name, _label(g, ml))
        _cmp(
            problems,
            f"maturity level {n} number",
            [str(n)],
            _texts(g, ml, PCFG.maturityLevelNumber),
        )

    expected: dict[URIRef, tuple[int, str, set[str], set[str]]] = {}
    counters: dict[int, int] = {}
    outcome_texts: set[str] = set()
    metric_texts: set[str] = set()
    for pom in seed.poms:
        for practice in pom.practices:
            counters[pom.level] = counters.get(pom.level, 0) + 1
            iri = iris.itcmf(f"{building_block}/practice/{pom.level}.{counters[pom.level]}")
            expected[iri] = (pom.level, practice, set(pom.outcomes), set(pom.metrics))
        outcome_texts |= set(pom.outcomes)
        metric_texts |= set(pom.metrics)

    actual = set(_of_type(g, PCFG.Practice))
    _cmp(problems, "practice IRIs", sorted(map(str, expected)), sorted(map(str, actual)))
    for iri, (level, text, outcomes, metrics) in expected.items():
        what = f"practice {iri.removeprefix(iris.ID_BASE)}"
        _cmp(problems, f"{what} text", text, _label(g, iri))
        _cmp(
            problems,
            f"{what} maturity level",
            [iris.itcmf_maturity_level(level)],
            list(g.objects(iri, PCFG.atMaturityLevel)),
        )
        _cmp(problems, f"{what} building block", [bb], list(g.objects(iri, PCFG.forBuildingBlock)))
        _cmp(problems, f"{what} broader", [bb], list(g.objects(iri, SKOS.broader)))
        _cmp(problems, f"{what} in scheme", True, (iri, SKOS.inScheme, scheme) in g)
        got_o = {_label(g, o) for o in g.objects(iri, PCFG.hasOutcome)}
        _cmp(problems, f"{what} outcomes", sorted(outcomes), sorted(map(str, got_o)))
        got_m = {_label(g, m) for m in g.objects(iri, PCFG.hasMetric)}
        _cmp(problems, f"{what} metrics", sorted(metrics), sorted(map(str, got_m)))
        for m in g.objects(iri, PCFG.hasMetric):
            label = _label(g, m)
            if label is not None and m != iris.itcmf_metric(building_block, label):
                problems.append(f"{what}: metric {m} is not iris.itcmf_metric({label!r})")

    got_outcomes = [_label(g, o) for o in _of_type(g, PCFG.Outcome)]
    _cmp(problems, "outcome count", len(outcome_texts), len(got_outcomes))
    _cmp(problems, "outcome texts", sorted(outcome_texts), sorted(map(str, got_outcomes)))
    got_metrics = [_label(g, m) for m in _of_type(g, PCFG.Metric)]
    _cmp(problems, "metric count (one node per distinct text)", len(metric_texts), len(got_metrics))
    _cmp(problems, "metric texts", sorted(metric_texts), sorted(map(str, got_metrics)))
    pom_nodes = [*actual, *_of_type(g, PCFG.Outcome), *_of_type(g, PCFG.Metric), bb]
    problems += _quoted_literals_in_seed(
        g,
        pom_nodes,
        (SKOS.prefLabel, SKOS.definition, SKOS.scopeNote, DCTERMS.description),
        seed_text,
        "IT-CMF",
    )
    return problems


# --- TRIM -------------------------------------------------------------------------------------

_TRIM_HEADINGS = (
    "Purpose",
    "Responsibility",
    "Activities and working method",
    "Input",
    "Output",
    "Documentation",
    "Relationships with other processes and functions",
)
_MANAGES = re.compile(r"(?P<name>[A-Z][A-Za-z ]+?) manages (?P<rest>[^.]+)\.")
_LEVEL_AT = re.compile(r"located at the (?P<level>\w+) level")
_FOCUS = re.compile(r"should focus on (?P<focus>[^.]+)\.")
_TEAM = re.compile(
    r"(?P<sentence>A customer team consists of (?P<a>[A-Z][\w ]+?) and (?P<b>[A-Z][\w ]+?), "
    r"as well as one or several (?P<c>[a-z ]+?)s\.)"
)
_PROCESSES = re.compile(r"The (?P<names>[A-Z][\w ]+?) process(?:es)? (?:is|are) used")
_FUNCTION = re.compile(r"the (?P<name>(?:[A-Z]\w* )+)function")
_INPUT_PRIMARY = re.compile(r"consist primarily of (?P<x>[^.]+)\.")
_INPUT_ALSO = re.compile(r"But also of (?P<x>[^.]+)\.")


def is_trim_seed(seed: str) -> bool:
    return "Activities and working method" in seed and bool(_MANAGES.search(seed))


def _by_label(g: Graph, cls: URIRef) -> dict[str, Node]:
    return {str(_label(g, s)): s for s in _of_type(g, cls)}


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def check_trim(seed_text: str, graph: Graph) -> list[str]:
    """Function definition, purpose, responsibility, team, roles, inputs, outputs, documents."""
    g = graph
    problems: list[str] = []
    sec = {k: _paragraphs(v) for k, v in _sections(seed_text, _TRIM_HEADINGS).items()}
    flat = norm(seed_text)
    manages = _MANAGES.search(flat)
    if not manages:
        raise ValueError("TRIM seed: no '<Function> manages ...' sentence")
    fname = manages["name"]
    fn = iris.trim("function", fname)
    _cmp(problems, "function type", True, (fn, RDF.type, PCFG.TRIMFunction) in g)
    _cmp(problems, "function name", fname, _label(g, fn))
    _cmp(problems, "function definition", [manages.group(0)], _texts(g, fn, SKOS.definition))
    level, focus = _LEVEL_AT.search(flat), _FOCUS.search(flat)
    _cmp(
        problems,
        "governance level",
        [level and level["level"]],
        _texts(g, fn, PCFG.governanceLevel),
    )
    _cmp(problems, "focus", [focus and focus["focus"]], _texts(g, fn, PCFG.focus))
    _cmp(problems, "purpose", [" ".join(sec["Purpose"])], _texts(g, fn, PCFG.purpose))
    _cmp(
        problems,
        "responsibility",
        [" ".join(sec["Responsibility"])],
        _texts(g, fn, PCFG.responsibility),
    )

    # customer team and roles
    team_m = _TEAM.search(flat)
    if not team_m:
        problems.append("seed: no 'A customer team consists of ...' sentence")
    else:
        team = iris.trim("team", "customer team")
        roles = {
            team_m["a"]: (1, 1),
            team_m["b"]: (1, 1),
            _sentence_case(team_m["c"]).title(): (1, None),
        }
        _cmp(problems, "team definition", [team_m["sentence"]], _texts(g, team, SKOS.definition))
        members = sorted(str(_label(g, r)) for r in g.objects(team, PCFG.teamMember))
        _cmp(problems, "team member roles", sorted(roles), members)
        _cmp(problems, "function roles", sorted(roles), sorted(_by_label(g, PCFG.TRIMRole)))
        counts: dict[str, tuple[int | None, int | None]] = {}
        for ms in g.objects(team, PCFG.membership):
            role = next(g.objects(ms, PCFG.memberRole), None)
            lo = next(g.objects(ms, PCFG.minCount), None)
            hi = next(g.objects(ms, PCFG.maxCount), None)
            counts[str(role and _label(g, role))] = (
                int(lo) if isinstance(lo, Literal) else None,
                int(hi) if isinstance(hi, Literal) else None,
            )
        _cmp(problems, "team role counts", roles, counts)

    # inputs: "consist primarily of X." / "But also of Y."
    inputs = [m["x"] for rx in (_INPUT_PRIMARY, _INPUT_ALSO) if (m := rx.search(flat))]
    _cmp(
        problems,
        "inputs",
        sorted(_sentence_case(x) for x in inputs),
        sorted(_by_label(g, PCFG.TRIMInput)),
    )

    # outputs: the "- " list of the Output section, in order
    outputs = [p[2:] for p in sec["Output"] if p.startswith("- ")]
    _cmp(problems, "output count", 7, len(outputs))
    by_out = _by_label(g, PCFG.TRIMOutput)
    _cmp(problems, "outputs", sorted(outputs), sorted(by_out))
    for i, name in enumerate(outputs, 1):
        if name in by_out:
            _cmp(
                problems,
                f"output {name!r} notation",
                f"CM-O-{i}",
                _one(g, by_out[name], SKOS.notation),
            )
            _cmp(problems, f"output {name!r} IRI", iris.trim("output", name), by_out[name])
            _cmp(
                problems,
                f"output {name!r} of function",
                True,
                (fn, PCFG.hasOutput, by_out[name]) in g,
            )

    # documents: the "- " list of the Documentation section ("X including:" is a group)
    doc_items = [p[2:] for p in sec["Documentation"] if p.startswith("- ")]
    docs = [d.removesuffix(" including:") for d in doc_items]
    by_doc = _by_label(g, PCFG.TRIMDocument)
    _cmp(problems, "documents", sorted(docs), sorted(by_doc))
    for name in docs:
        if name in by_doc:
            _cmp(problems, f"document {name!r} IRI", iris.trim("document", name), by_doc[name])
            _cmp(problems, f"document {name!r} kept", True, (fn, PCFG.mustKeep, by_doc[name]) in g)
    rule = [p for p in sec["Documentation"] if not p.startswith("- ")]
    first_rule = rule[0].split(". ")[0].rstrip(".") + "." if rule else None
    _cmp(
        problems,
        "documentation requirement",
        [first_rule],
        _texts(g, fn, PCFG.documentationRequirement),
    )

    # processes and functions the text names
    procs: set[str] = set()
    for m in _PROCESSES.finditer(flat):
        procs |= {n.strip() for n in m["names"].split(" and ")}
    funcs = {m["name"].strip() for m in _FUNCTION.finditer(flat)} - {fname}
    _cmp(
        problems,
        "related processes",
        sorted(procs),
        sorted(str(_label(g, p)) for p in g.objects(fn, PCFG.relatedProcess)),
    )
    _cmp(
        problems,
        "related functions",
        sorted(funcs),
        sorted(str(_label(g, f)) for f in g.objects(fn, PCFG.relatedFunction)),
    )

    # meeting kinds: two, each label a phrase of the seed
    kinds = _by_label(g, PCFG.TRIMMeetingKind)
    _cmp(problems, "meeting kind count", 2, len(kinds))
    for name in kinds:
        if name[:1].lower() + name[1:] not in flat:
            problems.append(f"meeting kind label is not a phrase of the seed: {name!r}")

    # every quoted text on every TRIM element is verbatim seed text
    elements = [s for s in g.subjects(SKOS.inScheme, iris.framework("trim"))]
    problems += _quoted_literals_in_seed(
        g,
        elements,
        (
            SKOS.definition,
            DCTERMS.description,
            SKOS.scopeNote,
            SKOS.note,
            PCFG.purpose,
            PCFG.responsibility,
            PCFG.documentationRequirement,
        ),
        seed_text,
        "TRIM",
    )
    return problems


# --- runner -----------------------------------------------------------------------------------

Check = Callable[[str, Graph], list[str]]
CHECKS: list[tuple[str, str, Callable[[str], bool], Check]] = [
    ("PRM-IT", "prm-it", is_prm_it_seed, check_prm_it),
    ("IT-CMF", "it-cmf", is_itcmf_seed, check_itcmf),
    ("TRIM", "trim", is_trim_seed, check_trim),
]


def load_framework(framework_id: str, data_dir: Path = REPO / "data") -> Graph:
    """The framework's Turtle files from ``data/frameworks.yaml``, parsed with the ID base."""
    doc = yaml.safe_load((data_dir / "frameworks.yaml").read_text(encoding="utf-8"))
    entry = next((e for e in doc["frameworks"] if e["id"] == framework_id), None)
    if entry is None:
        raise SystemExit(f"{framework_id!r} is not in data/frameworks.yaml")
    g = Graph()
    for rel in [*entry.get("files", []), *(entry.get("supplements") or [])]:
        g.parse(data_dir / rel, format="turtle", publicID=iris.ID_BASE)
    return g


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not Path(argv[0]).is_dir():
        print("usage: seed_checks_frameworks.py SEEDS_DIR", file=sys.stderr)
        return 2
    seeds = sorted(Path(argv[0]).glob("*.txt"))
    status = 0
    for title, fid, recognise, check in CHECKS:
        matched = [p for p in seeds if recognise(p.read_text(encoding="utf-8"))]
        if not matched:
            print(f"{title}: no seed found in {argv[0]}")
            status = 1
            continue
        graph = load_framework(fid)
        for path in matched:
            problems = check(path.read_text(encoding="utf-8"), graph)
            print(f"{title} {path.name}: {'OK' if not problems else f'{len(problems)} problem(s)'}")
            for p in problems:
                print(f"  {p}")
            status = status or (1 if problems else 0)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
