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
relation itself, so it holds whatever order the engine joins in. The work bound is the most
work of any plan, summed over its operators (:func:`_costs`: a scan, a set extended by one
pattern, or two sets hash-joined; walks cost their steps per solution, index lookups a seek
per solution plus what they return, which together are solutions of the bigger set), then
the OPTIONAL groups' left joins (:func:`_left_joins`), FILTERs, the final passes and the
output. Patterns not all joined by shared variables (a cartesian product), required patterns
joined only through an OPTIONAL group, and an OPTIONAL group not joined by itself or not to
the required patterns are not bounded.

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


def shape_bound(shape: Shape, stats: StoreStats, limit: int | None = None) -> int | None:
    """The work bound of :func:`work_bound` for a query already read (None: not provable).
    With ``limit``, a bound found to exceed it may come back as ``limit + 1`` (computing it
    exactly costs up to milliseconds for 10 patterns)."""
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
    sol, var_mask = _solutions(k, masks, alone, fans)
    if (1 << k) - 1 not in sol:
        return None  # not all joined by shared variables: a cartesian product
    groups = _groups(shape, k, sol, var_mask)
    if groups is None:
        return None
    required, optionals = groups
    if len(optionals) > MAX_OPTIONALS:
        return None
    cost = _costs(k, pats, masks, alone, fans, sol, var_mask, limit)
    if cost is None:
        assert limit is not None
        return limit + 1
    try:
        work, rows = _left_joins(required, optionals, pats, masks, fans, sol, var_mask, cost)
    except _NotBounded:
        return None
    largest = max(max(sol.values()), rows)
    # FILTERs: once per solution of any set; projection, DISTINCT, GROUP BY, ORDER BY and
    # the slice: once per row of the result each; then the output.
    return work + shape.filters * largest + (FINAL_OPERATORS + shape.template) * rows


def _left_joins(
    required: int,
    optionals: list[int],
    pats: tuple[Pattern, ...],
    masks: list[int],
    fans: list[list[tuple[int, int, int]]],
    sol: dict[int, int],
    var_mask: dict[int, int],
    cost: dict[int, int],
) -> tuple[int, int]:
    """(most work, most rows) of the required patterns' plan followed by the left join of
    each OPTIONAL group in turn. After the groups in ``T`` are joined, each row is a
    solution of the required patterns and of the groups it matched, so the rows are at most
    the sum of those sets' solutions over the subsets of ``T``."""
    joined = {t: required | _union(optionals, t) for t in range(1 << len(optionals))}
    work = cost[required]
    rows = sol[required]
    for j, group in enumerate(optionals):
        before = range(1 << j)  # subsets of the groups already joined
        after = sum(sol[joined[t | 1 << j]] + sol[joined[t]] for t in before)
        # a hash left join: the group alone, both sides built and probed, the rows out;
        # a nested loop: each earlier set's solutions extended by the group's patterns one
        # at a time, in any order that keeps the set connected, plus the rows out.
        hashed = cost[group] + 2 * rows + 2 * sol[group] + after
        looped = after
        for t in before:
            looped += _extension(joined[t], group, pats, masks, fans, sol, var_mask)
        work += max(hashed, looped)
        rows = after
    return work, rows


#: OPTIONAL groups past which a query is not bounded (the rows grow with their subsets).
MAX_OPTIONALS = 4
#: Operators that may each pass over every row of the result once (projection, DISTINCT,
#: GROUP BY with its aggregates, ORDER BY).
FINAL_OPERATORS = 4


def _solutions(
    k: int, masks: list[int], alone: list[tuple[int, int]], fans: list[list[tuple[int, int, int]]]
) -> tuple[dict[int, int], dict[int, int]]:
    """Most solutions of every connected set of patterns (a bit set; absent: not connected),
    and each set's variables."""
    sol: dict[int, int] = {}
    var_mask: dict[int, int] = {}
    for i in range(k):
        sol[1 << i] = alone[i][0]
        var_mask[1 << i] = masks[i]
    for mask in range(1, 1 << k):
        size = sol.get(mask)
        if size is None:
            continue
        have = var_mask[mask]
        for j in range(k):
            bit = 1 << j
            if mask & bit or not masks[j] & have:
                continue
            fan, _ = _lookup(fans[j], have)
            grown = mask | bit
            candidate = size * fan
            if candidate < sol.get(grown, candidate + 1):
                sol[grown] = candidate
                var_mask[grown] = have | masks[j]
    return sol, var_mask


def _lookup(fans: list[tuple[int, int, int]], have: int) -> tuple[int, int]:
    """(most new solutions, cost) of a pattern looked up with the variables ``have`` bound:
    by the variable with the smallest fan-out (the engine binds all it shares)."""
    fan = cost = 0
    for var_bit, f, c in fans:
        if var_bit & have and (not fan or f < fan or (f == fan and c < cost)):
            fan, cost = f, c
    return fan, cost


def _groups(
    shape: Shape, k: int, sol: dict[int, int], var_mask: dict[int, int]
) -> tuple[int, list[int]] | None:
    """The required patterns and each non-empty OPTIONAL group as bit sets, or None when
    the engine could build a cartesian product: the required patterns must be connected by
    themselves (the engine joins them before any OPTIONAL), and each OPTIONAL group too (a
    hash left join evaluates it alone), sharing a variable with the required ones (else a
    row that did not match an earlier group joins every solution of this one)."""
    required = sum(1 << i for i in shape.required) if shape.required else 0
    if not shape.optionals:
        required = (1 << k) - 1
    optionals = [sum(1 << i for i in group) for group in shape.optionals if group]
    if required and required not in sol:
        return None
    if optionals and not required:
        return None
    for group in optionals:
        if group not in sol or not var_mask[group] & var_mask[required]:
            return None
    return required, optionals


def _extension(
    base: int,
    group: int,
    pats: tuple[Pattern, ...],
    masks: list[int],
    fans: list[list[tuple[int, int, int]]],
    sol: dict[int, int],
    var_mask: dict[int, int],
) -> int:
    """The most work of extending the solutions of the connected set ``base`` by the
    patterns of ``group`` one at a time (lookups per solution, :func:`_step`), over every
    order in which each pattern shares a variable with the set so far."""
    members = [j for j in range(len(pats)) if group >> j & 1]
    done: dict[int, int] = {0: 0}
    for added in range(1, 1 << len(members)):
        worst = -1
        chosen = sum(1 << members[n] for n in range(len(members)) if added >> n & 1)
        grown = base | chosen
        for n, j in enumerate(members):
            if not added >> n & 1 or (added ^ 1 << n) not in done:
                continue
            rest = base | (chosen ^ 1 << j)
            if rest not in sol or not masks[j] & var_mask[rest] or grown not in sol:
                continue
            _, per_lookup = _lookup(fans[j], var_mask[rest])
            step = _step(sol[rest], per_lookup, sol[grown], _walks(pats[j]))
            worst = max(worst, done[added ^ 1 << n] + step)
        if worst >= 0:
            done[added] = worst
    if (1 << len(members)) - 1 not in done:
        raise _NotBounded  # no connected order (ruled out by :func:`_groups`)
    return done[(1 << len(members)) - 1]


def _union(groups: list[int], chosen: int) -> int:
    out = 0
    for j, group in enumerate(groups):
        if chosen >> j & 1:
            out |= group
    return out


def _costs(
    k: int,
    pats: tuple[Pattern, ...],
    masks: list[int],
    alone: list[tuple[int, int]],
    fans: list[list[tuple[int, int, int]]],
    sol: dict[int, int],
    var_mask: dict[int, int],
    limit: int | None = None,
) -> dict[int, int] | None:
    """The most work of any plan that builds each connected set of patterns: one pattern
    alone (its scan), or a smaller connected set extended by one more pattern (lookups per
    solution, :func:`_step`), or two connected sets sharing a variable hash-joined (both
    built, each solution hashed and probed twice at most, the joined solutions out). The
    maximum over all of them holds for whichever order the engine picks.

    Hash joins are taken over every split for up to ``EXACT_SPLITS`` patterns (3^k splits);
    past that, by twice the costliest and four times the largest proper connected subset, an
    upper bound of every split. A set costs at least any connected set inside it, so past
    ``limit`` the rest is not computed (None)."""
    cost: dict[int, int] = {}
    exact = k <= EXACT_SPLITS
    # for every set (connected or not): the most cost and solutions of a connected set in it
    inner_cost: dict[int, int] = {}
    inner_sol: dict[int, int] = {}
    for mask in range(1, 1 << k):
        size = sol.get(mask)
        if not exact:
            most_cost = most_sol = 0
            rest_bits = mask
            while rest_bits:
                bit = rest_bits & -rest_bits
                rest_bits ^= bit
                sub = mask ^ bit
                if sub:
                    most_cost = max(most_cost, inner_cost[sub])
                    most_sol = max(most_sol, inner_sol[sub])
        if size is None:
            if not exact:
                inner_cost[mask], inner_sol[mask] = most_cost, most_sol
            continue
        if not mask & (mask - 1):
            worst = alone[mask.bit_length() - 1][1]
        else:
            worst = 0
            for j in range(k):
                bit = 1 << j
                rest = mask ^ bit
                if not mask & bit or rest not in sol or not masks[j] & var_mask[rest]:
                    continue
                _, per_lookup = _lookup(fans[j], var_mask[rest])
                step = _step(sol[rest], per_lookup, size, _walks(pats[j]))
                worst = max(worst, cost[rest] + step)
            if exact:
                low = mask & -mask
                part = (mask - 1) & mask
                while part:
                    other = mask ^ part
                    if (
                        part & low
                        and part in sol
                        and other in sol
                        and var_mask[part] & var_mask[other]
                    ):
                        joined = cost[part] + cost[other] + 2 * (sol[part] + sol[other]) + size
                        worst = max(worst, joined)
                    part = (part - 1) & mask
            else:
                worst = max(worst, 2 * most_cost + 4 * most_sol + size)
        if limit is not None and worst > limit:
            return None
        cost[mask] = worst
        if not exact:
            inner_cost[mask], inner_sol[mask] = max(most_cost, worst), max(most_sol, size)
    return cost


#: Patterns up to which every hash-join split is costed exactly (3^k splits in all).
EXACT_SPLITS = 7


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
