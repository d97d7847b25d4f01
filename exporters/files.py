"""Streams exporter output into a file while computing its size and SHA-256 in constant memory."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class WrittenFile:
    path: Path
    size: int
    sha256: str


class Digest:
    """Running size and SHA-256 of the chunks that pass through `tap`."""

    def __init__(self) -> None:
        self.size = 0
        self._hash = hashlib.sha256()

    def tap(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            self.size += len(chunk)
            self._hash.update(chunk)
            yield chunk

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()


def write_file(chunks: Iterable[bytes], path: str | os.PathLike[str]) -> WrittenFile:
    """Write chunks to `path` atomically (temp file + rename) and return its size and digest.

    A failing exporter leaves no partial file at `path`.
    """
    target = Path(path)
    tmp = target.with_name(target.name + ".part")
    digest = Digest()
    try:
        with open(tmp, "wb") as out:
            for chunk in digest.tap(chunks):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return WrittenFile(target, digest.size, digest.sha256)
