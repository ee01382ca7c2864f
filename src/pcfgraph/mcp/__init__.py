"""A read-only Model Context Protocol server over the framework graph (official ``mcp`` SDK):
``pcfgraph mcp`` (stdio) and ``/mcp`` on ``pcfgraph serve`` (Streamable HTTP). See
docs/mcp.md."""
