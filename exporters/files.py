"""Streams exporter output into a file while computing its size and SHA-256 in constant memory."""

from __future__ import annotations

import hashlib
import os
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
    record-sized piece costs a list append, not a hash update and a system call. `close`
    flushes, fsyncs and renames into place; `discard` (or an exception inside a `with`
    block) removes the temporary file and leaves nothing at `path`.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._tmp = self.path.with_name(self.path.name + ".part")
        self._out = open(self._tmp, "wb")  # noqa: SIM115 (closed by close/discard)
        self._digest = Digest()
        self._pending: list[bytes] = []
        self._pending_size = 0

    def write(self, data: bytes) -> None:
        self._pending.append(data)
        self._pending_size += len(data)
        if self._pending_size >= BUFFER_SIZE:
            self._flush()

    def _flush(self) -> None:
        block = b"".join(self._pending)
        self._pending, self._pending_size = [], 0
        self._digest.update(block)
        self._out.write(block)

    def close(self) -> WrittenFile:
        """Finish the file; returns its path, size and SHA-256."""
        try:
            self._flush()
            self._out.flush()
            os.fsync(self._out.fileno())
            self._out.close()
            os.replace(self._tmp, self.path)
        except BaseException:
            self.discard()
            raise
        return WrittenFile(self.path, self._digest.size, self._digest.sha256)

    def discard(self) -> None:
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
