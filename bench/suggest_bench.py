"""Suggestion quality: leave-one-set-out over the curated mapping sets.

For every curated set (and, in the two-framework TRIM set, every subject framework) the set's
positive rows are the gold: each source element with at least one curated counterpart is a
query, every element of the target framework a candidate. The set under test is hidden (it is
neither known as "decided" nor used as chain evidence); the other sets stay. Reported per
model: Hits@1, Hits@3 (a gold counterpart among the first 1 / 3) and MRR (mean reciprocal rank
of the first gold counterpart).

    .venv/bin/python bench/suggest_bench.py [--out bench/suggest_bench.md]

Models: random (seeded shuffle, mean of 20 draws), fuzzy (name similarity only), lexical (the
default: BM25 over name/definition/parent + fuzzy names), hybrid (lexical + chains through the
other curated sets). Deterministic; the figures do not depend on machine load.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

from pcfgraph.mappings import read_mapping_set
from pcfgraph.mappings.suggest import Item, items, rank
from pcfgraph.queries import QueryCatalog
from pcfgraph.release import build_release
from pcfgraph.resources import resource_dir


def fw_id(iri: str) -> str:
    return iri.rsplit("/", 1)[1]


def gold_sets() -> list[tuple[str, str, str, dict[str, set[str]], list]]:
    out = []
    for path in sorted((resource_dir("data") / "mappings").glob("*.sssom.tsv")):
        ms = read_mapping_set(path)
        groups: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for r in ms.rows:
            if r.negated or r.no_term_found:
                continue
            groups[(fw_id(r.subject_source), fw_id(r.object_source))][str(r.subject)].add(
                str(r.object)
            )
        for (src, tgt), gold in sorted(groups.items()):
            out.append((ms.stem, src, tgt, dict(gold), list(ms.rows)))
    return out


def chain_evidence(held_out: str, src: str, tgt: str) -> dict[tuple[str, str], float]:
    """max over M of conf(S, M) * conf(M, T) from the curated sets other than ``held_out``."""
    edges: dict[str, dict[str, float]] = defaultdict(dict)
    fws: dict[str, str] = {}
    for path in sorted((resource_dir("data") / "mappings").glob("*.sssom.tsv")):
        ms = read_mapping_set(path)
        if ms.stem == held_out:
            continue
        for r in ms.rows:
            if r.negated or r.no_term_found:
                continue
            c = float(r.confidence or 0)
            s, o = str(r.subject), str(r.object)
            fws[s], fws[o] = fw_id(r.subject_source), fw_id(r.object_source)
            edges[s][o] = max(edges[s].get(o, 0.0), c)
            edges[o][s] = max(edges[o].get(s, 0.0), c)
    out: dict[tuple[str, str], float] = {}
    for s, mids in edges.items():
        if fws.get(s) != src:
            continue
        for m, c1 in mids.items():
            for t, c2 in edges.get(m, {}).items():
                if fws.get(t) == tgt and fws.get(m) not in (src, tgt):
                    out[(s, t)] = max(out.get((s, t), 0.0), c1 * c2)
    return out


def metrics(ranked: dict[str, list[str]], gold: dict[str, set[str]]) -> tuple[float, float, float]:
    h1 = h3 = rr = 0.0
    for s, targets in gold.items():
        order = ranked[s]
        first = next((i for i, t in enumerate(order, start=1) if t in targets), None)
        if first is not None:
            rr += 1 / first
            h1 += first <= 1
            h3 += first <= 3
    n = len(gold)
    return h1 / n, h3 / n, rr / n


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    started = time.perf_counter()
    release = build_release()
    catalog = QueryCatalog()
    cache: dict[str, list[Item]] = {}
    try:
        from pcfgraph.mappings.embeddings import MiniLM

        encoder = MiniLM()
        MODELS = ("fuzzy", "lexical", "hybrid", "semantic")
    except Exception as exc:  # the extra is optional: say so and measure the rest
        print(f"semantic model left out: {exc}", file=sys.stderr)
        encoder = None
        MODELS = ("fuzzy", "lexical", "hybrid")
    totals: dict[str, list[tuple[float, float, float, int]]] = defaultdict(list)
    per_set: list[str] = []
    for stem, src, tgt, gold, _rows in gold_sets():
        for fw in (src, tgt):
            if fw not in cache:
                cache[fw] = items(release.store, catalog, fw)
        sources = [i for i in cache[src] if i.iri in gold]
        targets = cache[tgt]
        results: dict[str, tuple[float, float, float]] = {}
        rng = random.Random(19)
        draws = []
        for _ in range(20):
            order = {s.iri: rng.sample([t.iri for t in targets], len(targets)) for s in sources}
            draws.append(metrics(order, gold))
        results["random"] = tuple(sum(d[i] for d in draws) / len(draws) for i in range(3))  # type: ignore[assignment]
        chain = chain_evidence(stem, src, tgt)
        for model in MODELS:
            ranked = rank(sources, targets, model=model, chain=chain, encoder=encoder)
            results[model] = metrics(
                {k: [x.object.iri for x in v] for k, v in ranked.items()}, gold
            )
        for model, (h1, h3, mrr) in results.items():
            totals[model].append((h1, h3, mrr, len(gold)))
        per_set.append(
            f"| {stem} ({src} → {tgt}) | {len(gold)} | {len(targets)} | "
            + " | ".join(f"{results[m][2]:.2f}" for m in ("random", *MODELS))
            + " |"
        )
    lines = [
        "| model | Hits@1 | Hits@3 | MRR |",
        "|---|---|---|---|",
    ]
    for model in ("random", *MODELS):
        rows = totals[model]
        n = sum(r[3] for r in rows)
        h1, h3, mrr = (sum(r[i] * r[3] for r in rows) / n for i in range(3))
        label = {"random": "random", "fuzzy": "fuzzy names only",
                 "lexical": "lexical (default: BM25 + fuzzy names)",
                 "hybrid": "hybrid (lexical + parent text + chains through other curated sets)",
                 "semantic": "semantic hybrid (hybrid + all-MiniLM-L6-v2 cosine, extra)"}[model]  # fmt: skip
        lines.append(f"| {label} | {h1:.2f} | {h3:.2f} | {mrr:.2f} |")
    queries = sum(r[3] for r in totals["lexical"])
    load = os.getloadavg()
    text = "\n".join(
        [
            "# Suggestion quality (leave-one-set-out on the curated sets)",
            "",
            f"{queries} gold queries (source elements with at least one curated positive mapping), "
            "micro-averaged over the sets; every element of the target framework is a candidate.",
            "Produced by `bench/suggest_bench.py` (deterministic; random is the mean of 20 seeded "
            f"shuffles). Run took {time.perf_counter() - started:.1f} s, load average "
            f"{load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (machine shared with other work).",
            "",
            *lines,
            "",
            "MRR per set:",
            "",
            "| set | queries | candidates | random | " + " | ".join(MODELS) + " |",
            "|---|---|---|" + "---|" * (len(MODELS) + 1),
            *per_set,
            "",
        ]
    )
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
