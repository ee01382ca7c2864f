"""A static bound on the work of an ad-hoc query: what may run in the serving process.

Ad-hoc SPARQL runs in sandbox workers because a worker can be killed at its deadline; the
serving process cannot stop the engine. So a query runs in-process only when its work on the
served release is *proven* small (issue 20; the whole argument is in ``docs/security.md``,
"In-process evaluation"): :mod:`pcfgraph.sparql_shape` reads its patterns (or gives up), and
this module bounds them with the release's :class:`StoreStats`.

Each pattern gets the most solutions it can have alone and, per variable, the most it can
add to one solution that binds that variable (a subject's objects for that predicate, an
object's subjects, a graph's quads, ...), with the cost of finding them. For every connected
set of patterns ``S`` the solutions are at most ``sol(S) = min over e in S (S - e connected)
of sol(S - e) x fan(e, v)``, ``v`` a variable ``e`` shares with ``S - e``: a bound on the
relation itself, so it holds whatever order the engine joins in. The work bound is the
largest cost of one operator (a set's solutions, or extending ``S - e`` by ``e``: walks
cost their steps per solution, index lookups a seek per solution plus what they return,
which together are solutions of ``S``), times the number of operators, plus the output.
Patterns not all joined by shared variables (a cartesian
product) are not bounded.

A ``p+``/``p*`` path needs a constant end; its walks are bounded by the largest closure of
``p`` from any node (computed per release, given up past ``WALK_STEPS``), forward from the
subject when both ends are bound (the engine walks from the subject: spareval's
``eval_closed_in_graph``), backward from a constant object.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pcfgraph.sparql_shape import Const, Node, Path, Pattern, Shape, Var, read_query

if TYPE_CHECKING:
    from pcfgraph.store import EmbeddedStore

#: Steps of one predicate's closure computation past which its walks count as unbounded.
WALK_STEPS = 2_000_000
#: Background work in the serving process that holds the GIL (closures in Python, loading a
#: store) sleeps ``YIELD_SECONDS`` after every ``YIELD_EVERY`` seconds of work, so the event
#: loop takes the GIL instead of waiting a whole switch interval (5 ms) at every turn:
#: requests took 12-16 ms instead of 1 ms while a closure of the 611k-quad release was
#: computed.
YIELD_EVERY = 0.001
YIELD_SECONDS = 0.000_2


class Pacer:
    """Gives the GIL back about every ``YIELD_EVERY`` seconds of the calling thread's work."""

    def __init__(self) -> None:
        self.calls = 0
        self.since = time.perf_counter()

    def tick(self) -> None:
        self.calls += 1
        if self.calls & 63:
            return
        now = time.perf_counter()
        if now - self.since >= YIELD_EVERY:
            time.sleep(YIELD_SECONDS)
            self.since = time.perf_counter()


@dataclass(frozen=True)
class StoreStats:
    """Degrees of the served release that bound pattern sizes (from ``queries/release``)."""

    #: Quads of all named graphs.
    quads: int
    #: Per predicate IRI: (quads, most with one subject, most with one object).
    predicates: dict[str, tuple[int, int, int]]
    #: Most quads with one subject / one object / in one graph (any predicate).
    per_subject: int
    per_object: int
    per_graph: int
    #: Per predicate: the most nodes one walk along it reaches (forward, backward); absent
    #: when the closure was not computed (too large: such paths are not bounded).
    walks: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: Predicates whose closure is too large to bound a walk by.
    unbounded: set[str] = field(default_factory=set)

    @property
    def per_predicate(self) -> int:
        return max((q for q, _, _ in self.predicates.values()), default=0)


def work_bound(text: str, stats: StoreStats) -> int | None:
    """An upper bound on the engine's work for ``text`` on the release ``stats`` describes
    (solutions and index lookups over all its operators), or ``None`` when not provable."""
    shape = read_query(text)
    if shape is None:
        return None
    return shape_bound(shape, stats)


class _NotBounded(Exception):
    pass


def _variables(p: Pattern) -> set[str]:
    out = {n.name for n in (p.s, p.o, p.g) if isinstance(n, Var)}
    if isinstance(p.p, Var):
        out.add(p.p.name)
    return out


def _edge(stats: StoreStats, iri: str | None, s: Node, o: Node, bound: str | None) -> int:
    """Most matches of ``s <iri> o`` (``iri`` None: any predicate) with variable ``bound``
    (None: none) bound, from the statistics (an unknown predicate counts as any)."""
    known = stats.predicates.get(iri) if iri is not None else None
    if known is not None:
        total, per_subject, per_object = known
    else:
        total, per_subject, per_object = stats.quads, stats.per_subject, stats.per_object
    best = total
    if isinstance(s, Const) or (bound is not None and s == Var(bound)):
        best = min(best, per_subject)
    if isinstance(o, Const) or (bound is not None and o == Var(bound)):
        best = min(best, per_object)
    return max(best, 1)


def _size(stats: StoreStats, p: Pattern, bound: str | None) -> tuple[int, int]:
    """(most solutions, cost of finding them) of ``p`` alone (``bound`` None) or per solution
    that binds variable ``bound``."""
    graph_cap = (
        stats.per_graph
        if isinstance(p.g, Const) or (bound is not None and p.g == Var(bound))
        else stats.quads
    )
    if isinstance(p.p, Path):
        steps = p.p.steps
        if p.p.repeat:
            ((iri, inverse),) = steps
            walk = stats.walks.get(iri)
            subject_const, object_const = isinstance(p.s, Const), isinstance(p.o, Const)
            if walk is None or not (subject_const or object_const):
                raise _NotBounded  # a walk from every node, or an unbounded closure
            forward, backward = (walk[1], walk[0]) if inverse else walk
            extra = 1 if p.p.repeat == "*" else 0
            if bound is not None and Var(bound) in (p.s, p.o):
                return 1, forward + extra  # both ends bound: one walk from the subject
            return (forward if subject_const else backward) + extra, (
                forward if subject_const else backward
            ) + extra
        n = 0
        for iri, inverse in steps:
            s, o = (p.o, p.s) if inverse else (p.s, p.o)
            n += _edge(stats, iri, s, o, bound)
        n = min(n, graph_cap)
        return n, n
    if isinstance(p.p, Var):
        n = _edge(stats, None, p.s, p.o, bound)
        if bound is not None and p.p == Var(bound):
            n = min(n, max(stats.per_predicate, 1))
    else:
        n = _edge(stats, p.p.iri, p.s, p.o, bound)
    n = min(n, graph_cap)
    return n, n


def shape_bound(shape: Shape, stats: StoreStats) -> int | None:
    """The work bound of :func:`work_bound` for a query already read (None: not provable)."""
    pats = shape.patterns
    k = len(pats)
    if k == 0:
        return 1
    names = [_variables(p) for p in pats]
    index = {v: n for n, v in enumerate(sorted(set().union(*names)))}
    masks = [sum(1 << index[v] for v in vs) for vs in names]
    try:
        alone = [_size(stats, p, None) for p in pats]
        # per pattern: (variable bit, most new solutions, cost) for each of its variables
        fans = [
            [(1 << index[v], *_size(stats, p, v)) for v in sorted(names[i])]
            for i, p in enumerate(pats)
        ]
    except _NotBounded:
        return None
    # sol[mask]: most solutions of the connected set of patterns ``mask``; var_mask: its variables.
    sol: dict[int, int] = {}
    var_mask: dict[int, int] = {}
    for i in range(k):
        sol[1 << i] = alone[i][0]
        var_mask[1 << i] = masks[i]
    worst = max(cost for _, cost in alone)
    # (solutions of the smaller set, cost per lookup, the bigger set, whether a walk)
    steps: list[tuple[int, int, int, bool]] = []
    for mask in range(1, 1 << k):
        size = sol.get(mask)
        if size is None:
            continue
        have = var_mask[mask]
        for j in range(k):
            bit = 1 << j
            if mask & bit or not masks[j] & have:
                continue
            fan = cost = 0
            for var_bit, f, c in fans[j]:
                if var_bit & have and (not fan or f < fan or (f == fan and c < cost)):
                    fan, cost = f, c
            grown = mask | bit
            steps.append((size, cost, grown, _walks(pats[j])))
            candidate = size * fan
            if candidate < sol.get(grown, candidate + 1):
                sol[grown] = candidate
                var_mask[grown] = have | masks[j]
    full = sol.get((1 << k) - 1)
    if full is None:
        return None  # not all joined by shared variables: a cartesian product
    for size, cost, grown, walk in steps:
        worst = max(worst, _step(size, cost, sol[grown], walk))
    worst = max(worst, max(sol.values()))
    return (2 * k + 1) * worst + full * shape.template


def _walks(p: Pattern) -> bool:
    return isinstance(p.p, Path) and bool(p.p.repeat)


def _step(size: int, cost: int, grown: int, walk: bool) -> int:
    """The work of extending ``size`` solutions by one pattern costing at most ``cost`` per
    lookup into a set of at most ``grown`` solutions. A walk costs its steps per lookup
    whatever it finds; an index lookup costs one seek plus what it returns, and everything
    all the lookups return together is solutions of the bigger set (at most ``grown``), plus,
    for an OPTIONAL, the solutions kept unextended (at most ``size``)."""
    if walk:
        return size * cost
    return min(size * cost, 2 * size + grown)


def load_stats(store: EmbeddedStore) -> StoreStats | None:
    """The statistics of a release's store (four aggregate queries of ``queries/release``;
    about a second per 100k quads, outside the GIL). None when the store has quads in its
    default graph (the named-graph statistics would not cover them)."""
    import pyoxigraph as ox

    from pcfgraph.queries import named_query

    for _ in store.store.quads_for_pattern(None, None, None, ox.DefaultGraph()):
        return None

    def number(term: object) -> int:
        return int(term.value) if isinstance(term, ox.Literal) else 0

    predicates: dict[str, tuple[int, int, int]] = {}
    for row in store.select(named_query("release/predicate-subject-degrees")):
        p = row.get("p")
        if isinstance(p, ox.NamedNode):
            predicates[p.value] = (number(row.get("quads")), number(row.get("most")), 0)
    for row in store.select(named_query("release/predicate-object-degrees")):
        p = row.get("p")
        if isinstance(p, ox.NamedNode) and p.value in predicates:
            total, per_subject, _ = predicates[p.value]
            predicates[p.value] = (total, per_subject, number(row.get("most")))
    nodes = store.select(named_query("release/node-degrees")).rows
    graphs = store.select(named_query("release/graph-counts")).rows
    counts = [number(row.get("n")) for row in graphs]
    return StoreStats(
        quads=sum(counts),
        predicates=predicates,
        per_subject=number(nodes[0].get("perSubject")) if nodes else 0,
        per_object=number(nodes[0].get("perObject")) if nodes else 0,
        per_graph=max(counts, default=0),
    )


def path_predicates(shape: Shape) -> set[str]:
    """The predicates ``shape`` walks with ``+``/``*`` (their closures bound those walks)."""
    return {p.p.steps[0][0] for p in shape.patterns if isinstance(p.p, Path) and p.p.repeat}


def closure_walks(
    store: EmbeddedStore, iri: str, limit: int = WALK_STEPS
) -> tuple[int, int] | None:
    """The most edges one walk along ``iri`` follows from any node (forward, backward), or
    None past ``limit`` steps in all (a closure too large to bound walks by)."""
    import pyoxigraph as ox

    forward: dict[object, set[object]] = {}
    backward: dict[object, set[object]] = {}
    pacer = Pacer()
    for quad in store.store.quads_for_pattern(None, ox.NamedNode(iri), None, None):
        forward.setdefault(quad.subject, set()).add(quad.object)
        backward.setdefault(quad.object, set()).add(quad.subject)
        pacer.tick()
    budget = [limit]
    out = _longest_walk(forward, budget, pacer)
    back = _longest_walk(backward, budget, pacer)
    if out is None or back is None:
        return None
    return out, back


def _longest_walk(edges: dict[object, set[object]], budget: list[int], pacer: Pacer) -> int | None:
    """The most edges followed by one walk (each reached node expanded once) from any start."""
    longest = 1
    for start in edges:
        reached: set[object] = set()
        stack = [start]
        steps = 0
        while stack:
            for target in edges.get(stack.pop(), ()):
                steps += 1
                if target not in reached:
                    reached.add(target)
                    stack.append(target)
            pacer.tick()
        budget[0] -= steps
        if budget[0] < 0:
            return None
        longest = max(longest, steps)
    return longest
