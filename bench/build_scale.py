"""``pcfgraph build`` with every shared workbook: wall, CPU and peak memory of the build's
process tree, cold, again with the release cached, and with only the workbooks cached (the
release cache emptied: what a build with one changed source pays, less that one import).

Each build runs as ``pcfgraph build -o DIR --add FILE...`` in a fresh ``PCFGRAPH_CACHE_DIR``
(bench/scale.py's (b) graph). CPU seconds are the build's and its import workers'
(``getrusage`` of the children, as a delta); the peak is the sum of the RSS of the process
tree sampled every 50 ms (``scale.Sampler``), not ``ru_maxrss``, which is a maximum over all
children so far. The machine is shared: the load average before and after every build is
recorded with it. Run: ``.venv/bin/python bench/build_scale.py --shared ../shared/apqc``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import scale  # bench/scale.py: the same launcher, environment and memory sampler


def build(out: Path, cache: Path, add: list[str]) -> dict[str, Any]:
    """One ``pcfgraph build`` (:func:`scale.pcfgraph_build`), with the load around it."""
    load0 = os.getloadavg()
    started = time.strftime("%H:%M:%S", time.gmtime())
    built = scale.pcfgraph_build(out, cache, add, quiet=True)
    return {
        "at_utc": started,
        "seconds": round(built["seconds"], 2),
        "cpu": round(built["cpu"], 2),
        "peak_mb": round(built["peak"] / 2**20),
        "load_before": [round(x, 2) for x in load0],
        "load_after": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=scale.ROOT.parent / "shared" / "apqc")
    args = parser.parse_args()
    shipped = {p.name for p in (scale.ROOT / "data").rglob("*.xlsx")}
    add = sorted(str(p) for p in args.shared.rglob("*.xlsx") if p.name not in shipped)
    if not add:
        raise SystemExit(f"no workbooks under {args.shared} (pass --shared)")
    with tempfile.TemporaryDirectory(prefix="pcfgraph-build-scale-") as tmp:
        base, cache = Path(tmp), Path(tmp) / "cache"
        found = {"workbooks added": len(add), "cold": build(base / "cold", cache, add)}
        found["again (release cached)"] = build(base / "again", cache, add)
        shutil.rmtree(cache / "releases")
        found["workbooks cached"] = build(base / "workbooks", cache, add)
    print(json.dumps(found, indent=2))


if __name__ == "__main__":
    main()
