"""pcfgraph: a knowledge graph and semantic API over IT process frameworks."""

__version__ = "0.1.0"
