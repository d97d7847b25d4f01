"""The indexer's second process: builds the next batches' search documents while the
index writes the current one (`python -m qingdan_api.search.build_process`, job on stdin).

Building a document (decoding the record, segmenting its text) was 28 % of catching up
and writing it the rest, all on one core. The builder is a fresh interpreter, as the
dump's second process is (nothing forked from a threaded server, nothing of the caller's
main module run again): it reads the database URL from its first stdin line, then one
JSON list of item ids per line, and answers each with the pickled documents of those
items' public versions (an 8-byte length, then the bytes). Pickle is safe here: both
ends are this package, over a pipe between the two processes.
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import pickle
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ..db import make_engine
from ..listings.filters import ACTIVE
from ..models import ItemVersion
from .documents import Document, build_document

log = logging.getLogger(__name__)

LENGTH_BYTES = 8


class BuilderFailed(Exception):
    """The second process ended or answered something that is not a batch."""


def read_documents(session: Session, item_ids: set[int]) -> Iterator[Document]:
    """The current public (active) version of each item, as search documents, in item
    order (the order the index's B-trees are appended in)."""
    rows = session.execute(
        select(ItemVersion.item_id, ItemVersion.id, ItemVersion.record, ItemVersion.source_id)
        .where(ItemVersion.item_id.in_(sorted(item_ids)), ItemVersion.public_status == ACTIVE)
        .order_by(ItemVersion.item_id)
    )
    for item_id, version_id, record, source_id in rows:
        yield build_document(item_id, version_id, record, source_id)


def can_build_apart(engine: Engine) -> bool:
    """Whether another process can open this database (not an in-memory SQLite one)."""
    url = engine.url
    return url.get_backend_name() != "sqlite" or url.database not in (None, "", ":memory:")


class DocumentBuilder:
    """The second process, fed item ids batch by batch; a context manager that ends it.

    `submit` sends a batch, `receive` returns the documents of the oldest batch sent
    and not yet received, in the order they were sent. Raises BuilderFailed (from
    `receive`) when the process ended or broke the framing.
    """

    def __init__(self, url: str, command: list[str] | None = None) -> None:
        self.process = subprocess.Popen(
            command or [sys.executable, "-m", "qingdan_api.search.build_process"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self._send({"url": url})

    def submit(self, item_ids: list[int]) -> None:
        self._send(sorted(item_ids))

    def receive(self) -> list[Document]:
        assert self.process.stdout is not None
        head = self.process.stdout.read(LENGTH_BYTES)
        if len(head) != LENGTH_BYTES:
            raise BuilderFailed(f"the builder ended (exit status {self.process.poll()})")
        size = int.from_bytes(head, "big")
        body = self.process.stdout.read(size)
        if len(body) != size:
            raise BuilderFailed("the builder's answer was cut short")
        return pickle.loads(body)

    def _send(self, message: object) -> None:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps(message).encode() + b"\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            pass  # it ended: `receive` says so

    def __enter__(self) -> DocumentBuilder:
        return self

    def __exit__(self, *_exc) -> None:
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                with contextlib.suppress(BrokenPipeError):
                    stream.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def serve(lines: IO[bytes], out: IO[bytes]) -> None:
    """In the second process: answer each line of item ids with their documents."""
    engine = make_engine(json.loads(lines.readline())["url"])
    gc.freeze()  # the modules loaded by now: never garbage, left out of every collection
    try:
        for line in lines:
            with _collected_after(), Session(engine) as session:
                documents = list(read_documents(session, set(json.loads(line))))
                body = pickle.dumps(documents, protocol=pickle.HIGHEST_PROTOCOL)
            out.write(len(body).to_bytes(LENGTH_BYTES, "big"))
            out.write(body)
            out.flush()
    finally:
        engine.dispose()


@contextmanager
def _collected_after() -> Iterator[None]:
    """No garbage collection while a batch is built, one after it.

    A batch decodes 2,000 records of a hundred-odd dicts and lists each, all alive until
    the batch is pickled: the collections they set off walked them again and again.
    Reading and decoding took 333 µs per record with them, 150 µs without (the 100k demo).
    What the batch leaves is freed by reference counting; the collection after it finds
    any cycles among what little is left.
    """
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()
