"""A Jupyter kernel for ydnn.

The kernel is a thin bridge: it starts ``ydnn kernel`` (the binary from the
YDNN_BIN environment variable, else ``ydnn`` on PATH), sends it each request as
one JSON line and turns the JSON lines it answers with into Jupyter messages.
The protocol is described in docs/kernel-protocol.md of the ydnn repository.
"""

__version__ = "0.1.0"
