"""The multi-table CSV export as one ZIP: every table plus datapackage.json, streamed.

The records are read once (``CsvZipEncoder`` takes them one by one, so a dump can feed it
alongside the other formats). The main table goes straight into the archive; child-table
rows wait in temporary files (spilled to disk past 1 MiB) and are copied in after it,
since a ZIP can only have one member open for writing. The archive is written to a
non-seekable sink, so zipfile uses data descriptors; members use ZIP64 because a national
dump can pass 4 GiB. Entry timestamps are fixed (1980-01-01), so the same records give the
same bytes. datapackage.json comes last, with each table's size and SHA-256.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any

from exporters.csv_export import CsvEncoder
from exporters.datapackage import build_datapackage
from exporters.encoders import stream
from exporters.files import Digest
from exporters.schema import RecordSchema
from exporters.tables import tables

MEDIA_TYPE = "application/zip"
EXTENSION = "csv.zip"
_EPOCH = (1980, 1, 1, 0, 0, 0)
_SPOOL_MAX = 1 << 20
_COPY_CHUNK = 64 * 1024


class _Sink:
    """Non-seekable output: zipfile writes into it, the generator drains it."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._pos = 0

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        self._pos += len(data)
        return len(data)

    def tell(self) -> int:
        return self._pos

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts = []
        return data


def _info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


class CsvZipEncoder:
    """The ZIP package, record by record: the main table's member stays open while the
    records arrive, child rows go to their spools, `finish` adds the rest."""

    def __init__(
        self,
        *,
        schema: RecordSchema,
        labels: str = "en",
        bom: bool = False,
        formula_guard: bool = True,
        package_name: str = "qingdan-items",
        package_extra: Mapping[str, Any] | None = None,
    ) -> None:
        if labels not in ("en", "zh"):
            raise ValueError("labels must be 'en' or 'zh'")
        self._schema = schema
        self._labels, self._bom = labels, bom
        self._package = (package_name, package_extra)
        all_tables = tables(schema)
        self._main = CsvEncoder(all_tables[0], schema.key, labels=labels, bom=bom,
                                formula_guard=formula_guard)  # fmt: skip
        self._children = [
            CsvEncoder(
                t,
                schema.key,
                labels=labels,
                bom=bom,
                formula_guard=formula_guard,
                child_index=index,
            )
            for index, t in enumerate(all_tables[1:])
        ]
        self._stack = contextlib.ExitStack()
        self._spools: list[IO[bytes]] = []
        self._sink = _Sink()
        self._zip: zipfile.ZipFile | None = None
        self._member: IO[bytes] | None = None
        self._digest = Digest()
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._child_pending: list[list[bytes]] = [[] for _ in self._children]
        self._child_sizes = [0 for _ in self._children]

    def start(self) -> bytes:
        for _ in self._children:
            spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_MAX)  # noqa: SIM115
            self._spools.append(self._stack.enter_context(spool))
        self._zip = zipfile.ZipFile(self._sink, "w")
        self._member = self._zip.open(_info(f"{self._main.table.name}.csv"), "w", force_zip64=True)
        self._main_write(self._main.start())
        return self._sink.take()

    def _main_write(self, data: bytes) -> None:
        self._digest.update(data)
        self._member.write(data)  # type: ignore[union-attr]

    def add(self, record: Mapping) -> bytes:
        # Child rows are batched too: a spool write per row and table cost a tenth of a dump.
        for index, encoder in enumerate(self._children):
            data = encoder.add(record)
            if data:
                batch = self._child_pending[index]
                batch.append(data)
                self._child_sizes[index] += len(data)
                if self._child_sizes[index] >= _COPY_CHUNK:
                    self._spools[index].write(b"".join(batch))
                    batch.clear()
                    self._child_sizes[index] = 0
        # Rows are handed to the compressor in batches: a call per row costs more than it.
        data = self._main.add(record)
        self._pending.append(data)
        self._pending_size += len(data)
        if self._pending_size < _COPY_CHUNK:
            return b""
        self._main_write(b"".join(self._pending))
        self._pending, self._pending_size = [], 0
        return self._sink.take()

    def finish(self) -> bytes:
        try:
            return b"".join(self._finish())
        finally:
            self.close()

    def close(self) -> None:
        """Drop the spools; `finish` calls it, call it yourself when giving up early."""
        self._stack.close()

    def _finish(self) -> Iterator[bytes]:
        zf, sink = self._zip, self._sink
        assert zf is not None and self._member is not None, "start() first"
        self._main_write(b"".join(self._pending))
        self._pending = []
        self._member.close()
        main = self._main.table.name
        stats = {main: {"bytes": self._digest.size, "sha256": self._digest.sha256}}
        yield sink.take()
        for encoder, spool, batch in zip(
            self._children, self._spools, self._child_pending, strict=True
        ):
            spool.write(b"".join(batch))
            spool.seek(0)
            chunks = _chain(encoder.start(), iter(lambda s=spool: s.read(_COPY_CHUNK), b""))
            name = encoder.table.name
            stats[name] = yield from _member(zf, sink, f"{name}.csv", chunks)
        package_name, package_extra = self._package
        package = build_datapackage(
            self._schema,
            name=package_name,
            labels=self._labels,
            bom=self._bom,
            stats=stats,
            extra=package_extra,
        )
        text = json.dumps(package, ensure_ascii=False, indent=2) + "\n"
        zf.writestr(_info("datapackage.json"), text.encode("utf-8"))
        zf.close()
        yield sink.take()


def csv_zip_encoder(**options: Any) -> CsvZipEncoder:
    return CsvZipEncoder(**options)


def write(
    records: Iterable[Mapping],
    *,
    schema: RecordSchema,
    labels: str = "en",
    bom: bool = False,
    formula_guard: bool = True,
    package_name: str = "qingdan-items",
    package_extra: Mapping[str, Any] | None = None,
) -> Iterator[bytes]:
    """A ZIP of `<table>.csv` for every table plus `datapackage.json`."""
    encoder = CsvZipEncoder(
        schema=schema,
        labels=labels,
        bom=bom,
        formula_guard=formula_guard,
        package_name=package_name,
        package_extra=package_extra,
    )
    return _stream(encoder, records)


def _stream(encoder: CsvZipEncoder, records: Iterable[Mapping]) -> Iterator[bytes]:
    try:
        yield from stream(encoder, records)
    finally:
        encoder.close()  # the spools of an abandoned stream


def _chain(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest


def _member(
    zf: zipfile.ZipFile, sink: _Sink, name: str, chunks: Iterable[bytes]
) -> Iterator[bytes]:
    """Write one archive member, yielding compressed output as it appears; return its stats."""
    digest = Digest()
    with zf.open(_info(name), "w", force_zip64=True) as member:
        for chunk in digest.tap(chunks):
            member.write(chunk)
            data = sink.take()
            if data:
                yield data
    data = sink.take()
    if data:
        yield data
    return {"bytes": digest.size, "sha256": digest.sha256}
