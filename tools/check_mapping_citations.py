"""Check that every curated mapping row cites the seed passages it rests on.

Usage::

    .venv/bin/python tools/check_mapping_citations.py ../shared/seeds

Each row of ``data/mappings/*.sssom.tsv`` must quote at least one passage in its ``comment``
(text in 'single' or “curly double” quotes) and every quoted fragment (split at "..." / "…")
must occur in a seed text, compared case-insensitively with whitespace, typographic
apostrophes and Markdown bold normalised. Exits 1 on any uncited row or misquoted fragment,
2 on bad input, 0 otherwise.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from pcfgraph.errors import PcfgraphError
from pcfgraph.mappings import read_mapping_set

REPO = Path(__file__).resolve().parents[1]
_SINGLE = re.compile(r"(?<![A-Za-z])'([^']{6,}?)'(?![A-Za-z])")
_CURLY = re.compile("\u201c([^\u201d]+)\u201d")
_ELLIPSIS = re.compile(r"\s*(?:\.\.\.|…)\s*")


def normalise(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("**", "")
    return re.sub(r"\s+", " ", text).strip().lower()


def quotes(comment: str) -> list[str]:
    """Quoted fragments: single quotes before the citation list, curly quotes anywhere."""
    own, _, _cited = comment.partition(" Passages: ")
    found = _SINGLE.findall(own) + _CURLY.findall(comment)
    return [f for q in found for f in _ELLIPSIS.split(q) if f.strip()]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not Path(args[0]).is_dir():
        print("usage: check_mapping_citations.py SEEDS_DIR", file=sys.stderr)
        return 2
    seeds = normalise(
        " ".join(p.read_text(encoding="utf-8") for p in sorted(Path(args[0]).iterdir()))
    )
    problems: list[str] = []
    rows = 0
    for path in sorted((REPO / "data" / "mappings").glob("*.sssom.tsv")):
        try:
            ms = read_mapping_set(path)
        except PcfgraphError as exc:
            print(exc)
            return 2
        for row in ms.rows:
            rows += 1
            cited = quotes(row.comment or "")
            if not cited:
                problems.append(f"{path.name}, line {row.line}: the comment quotes no passage")
            problems.extend(
                f"{path.name}, line {row.line}: not in the seeds: {frag!r}"
                for frag in cited
                if normalise(frag) not in seeds
            )
    for p in problems:
        print(p)
    print(f"{rows} mapping rows, {len(problems)} citation problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
