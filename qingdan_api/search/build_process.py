"""The indexer's second process: `python -m qingdan_api.search.build_process` (see
`builder`: a module of its own, so that `-m` runs it without the package importing it first).
"""

from __future__ import annotations

import sys

from .builder import serve

if __name__ == "__main__":
    try:
        serve(sys.stdin.buffer, sys.stdout.buffer)
    except BrokenPipeError:  # the indexer stopped reading: it needs no more batches
        sys.exit(0)
