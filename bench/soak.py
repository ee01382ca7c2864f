"""Soak test: the mixed load of ``load_test.py`` for 10 minutes, watching memory.

    .venv/bin/python bench/soak.py [--minutes 10] [--clients 8] [--release DIR]

Samples the resident memory of the server process and of its sandbox workers every 15 s.
The bound: after a one-minute warm-up, the server's RSS may grow by at most
``--max-growth-mb`` (default 64 MB) by the end of the run, and the workers' total RSS by at
most 2x that (workers are replaced after timeouts, so theirs is noisier). Exit 1 when a bound
is exceeded or any unintended error happened. Loopback only, bounded in time and requests.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_test import default_release, memory, report, run_load, start_server


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--release", type=Path)
    ap.add_argument("--max-growth-mb", type=float, default=64)
    ap.add_argument("--max-requests", type=int, default=2_000_000)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="pcfgraph-soak-"))
    release = args.release or default_release(workdir)
    server = start_server(release, workdir / "server.log")
    samples: list[dict[str, float]] = []
    done = threading.Event()
    started = time.monotonic()

    def sample() -> None:
        while not done.is_set():
            m = memory(server.pid)
            m["t"] = round(time.monotonic() - started, 1)
            samples.append(m)
            print(json.dumps(m), flush=True)
            done.wait(15)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        tally, elapsed, skipped = run_load(
            server.url, args.clients, args.minutes * 60, args.max_requests
        )
    finally:
        done.set()
        sampler.join(timeout=5)
        final = memory(server.pid)
        server.stop()
    warm = next((s for s in samples if s["t"] >= 60), samples[0])
    growth_server = final["server_mb"] - warm["server_mb"]
    growth_workers = final["workers_mb"] - warm["workers_mb"]
    out = report(tally, elapsed)
    out.update(
        {
            "clients": args.clients,
            "memory_after_warmup": warm,
            "memory_final": final,
            "server_growth_mb": round(growth_server, 1),
            "workers_growth_mb": round(growth_workers, 1),
            "bound_mb": {"server": args.max_growth_mb, "workers": 2 * args.max_growth_mb},
            "server_peak_mb": max(s["server_mb"] for s in samples),
            "skipped_endpoints": skipped,
        }
    )
    ok = (
        growth_server <= args.max_growth_mb
        and growth_workers <= 2 * args.max_growth_mb
        and not out["unintended_errors"]
    )
    out["verdict"] = "pass" if ok else "fail"
    text = json.dumps(out, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
