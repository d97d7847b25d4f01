"""Streams exporter output into a file while computing its size and SHA-256 in constant memory."""

from __future__ import annotations

import hashlib
import os
import queue
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

BUFFER_SIZE = 1 << 20  # bytes gathered before one hash update and one write


@dataclass(frozen=True)
class WrittenFile:
    path: Path
    size: int
    sha256: str


class Digest:
    """Running size and SHA-256 of the chunks that pass through `tap` or `update`."""

    def __init__(self) -> None:
        self.size = 0
        self._hash = hashlib.sha256()

    def update(self, data: bytes) -> None:
        self.size += len(data)
        self._hash.update(data)

    def tap(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            self.update(chunk)
            yield chunk

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()


class FileSink:
    """A file written piece by piece, atomically (temp file + rename), with its digest.

    `write` takes pieces of any size; they are gathered into BUFFER_SIZE blocks, so a
    record-sized piece costs a list append. Blocks are hashed and written by a thread of
    the sink's own (hashlib and file writes release the GIL), so a dump's disk writes and
    checksums overlap with the rendering of the next records; at most QUEUE_BLOCKS blocks
    wait, so memory stays constant when the disk is slower than the rendering. `close`
    flushes, fsyncs and renames into place; `discard` (or an exception inside a `with`
    block) removes the temporary file and leaves nothing at `path`. A failed write (disk
    full) is raised by the next `write` or by `close`.
    """

    QUEUE_BLOCKS = 4

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._tmp = self.path.with_name(self.path.name + ".part")
        self._out = open(self._tmp, "wb")  # noqa: SIM115 (closed by close/discard)
        self._digest = Digest()
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._blocks: queue.Queue[bytes | None] = queue.Queue(self.QUEUE_BLOCKS)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._drain, name=f"sink-{self.path.name}")
        self._thread.daemon = True
        self._thread.start()

    def _drain(self) -> None:
        while (block := self._blocks.get()) is not None:
            if self._error is None:
                try:
                    self._digest.update(block)
                    self._out.write(block)
                except BaseException as exc:  # handed to the writing thread
                    self._error = exc

    def write(self, data: bytes) -> None:
        self._pending.append(data)
        self._pending_size += len(data)
        if self._pending_size >= BUFFER_SIZE:
            self._flush()

    def _flush(self) -> None:
        if self._error is not None:
            raise self._error
        block = b"".join(self._pending)
        self._pending, self._pending_size = [], 0
        if block:
            self._blocks.put(block)

    def _stop(self) -> None:
        if self._thread.is_alive():
            self._blocks.put(None)
            self._thread.join()

    def close(self) -> WrittenFile:
        """Finish the file; returns its path, size and SHA-256."""
        try:
            self._flush()
            self._stop()
            if self._error is not None:
                raise self._error
            self._out.flush()
            os.fsync(self._out.fileno())
            self._out.close()
            os.replace(self._tmp, self.path)
        except BaseException:
            self.discard()
            raise
        return WrittenFile(self.path, self._digest.size, self._digest.sha256)

    def discard(self) -> None:
        self._stop()
        self._out.close()
        self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> FileSink:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is not None:
            self.discard()


def write_file(chunks: Iterable[bytes], path: str | os.PathLike[str]) -> WrittenFile:
    """Write chunks to `path` atomically (temp file + rename) and return its size and digest.

    A failing exporter leaves no partial file at `path`.
    """
    with FileSink(path) as sink:
        for chunk in chunks:
            sink.write(chunk)
        return sink.close()
