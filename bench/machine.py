"""A fixed reference workload, timed: how fast the shared machine runs at the moment.

The same indexing code on the same 1M data ran at 2,141 documents/s one day and 3,596 the
next: the machine is a virtual one whose host lends it more or fewer cycles. Benchmarks
record these timings next to their own, so that figures from different runs can be
compared (lower is faster).
"""

from __future__ import annotations

import json
import random
import sqlite3
import statistics
import time

WORDS = 400  # distinct synthetic terms
DOCUMENTS = 5000
FTS5_PASSES = 4  # the corpus indexed this many times per FTS5 run
TERMS_PER_DOCUMENT = 120
RUNS = 3


def _corpus() -> list[str]:
    rng = random.Random(20261130)
    words = [
        "".join(chr(0x4E00 + rng.randrange(0x5000)) for _ in range(rng.randint(2, 4)))
        for _ in range(WORDS)
    ]
    return [" ".join(rng.choices(words, k=TERMS_PER_DOCUMENT)) for _ in range(DOCUMENTS)]


def _python(corpus: list[str]) -> None:
    """Interpreter work of the kind documents cost: split, count, encode, decode."""
    for text in corpus:
        counts: dict[str, int] = {}
        for word in text.split():
            counts[word] = counts.get(word, 0) + 1
        json.loads(json.dumps(counts, ensure_ascii=False))


def _sqlite(corpus: list[str]) -> None:
    """SQLite's C code: FTS5 indexing the corpus in memory, one transaction."""
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE VIRTUAL TABLE t USING fts5(body)")
    with connection:
        for _ in range(FTS5_PASSES):
            connection.executemany("INSERT INTO t (body) VALUES (?)", ((d,) for d in corpus))
    connection.close()


def reference_seconds() -> dict[str, float]:
    """{'python': s, 'sqlite': s}: the median of RUNS timings of each fixed workload, in
    seconds (about 0.3-0.4 s each on the 2-core bench machine)."""
    corpus = _corpus()
    timings: dict[str, float] = {}
    for name, work in (("python", _python), ("sqlite", _sqlite)):
        runs = []
        for _ in range(RUNS):
            started = time.perf_counter()
            work(corpus)
            runs.append(time.perf_counter() - started)
        timings[name] = round(statistics.median(runs), 3)
    return timings


if __name__ == "__main__":
    print(reference_seconds())
