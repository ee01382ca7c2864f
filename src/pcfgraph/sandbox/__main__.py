"""``python -m pcfgraph.sandbox ...``: the worker process (spawned by the pool)."""

import sys

from pcfgraph.sandbox.worker import main

main(sys.argv[1:])
