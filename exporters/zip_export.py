"""The multi-table CSV export as one ZIP: every table plus datapackage.json, streamed.

The records are read once. The main table goes straight into the archive; child-table
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

from exporters.csv_export import RowEncoder, encode_rows
from exporters.datapackage import build_datapackage
from exporters.files import Digest
from exporters.schema import RecordSchema
from exporters.tables import child_rows, tables

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
    if labels not in ("en", "zh"):
        raise ValueError("labels must be 'en' or 'zh'")
    return _write(records, schema, labels, bom, formula_guard, package_name, package_extra)


def _write(
    records: Iterable[Mapping],
    schema: RecordSchema,
    labels: str,
    bom: bool,
    formula_guard: bool,
    package_name: str,
    package_extra: Mapping[str, Any] | None,
) -> Iterator[bytes]:
    all_tables = tables(schema)
    main, children = all_tables[0], all_tables[1:]
    encoders = {t.name: RowEncoder(t, formula_guard=formula_guard) for t in children}
    spools: dict[str, IO[bytes]] = {}

    def fan_out(recs: Iterable[Mapping]) -> Iterator[Mapping]:
        # Each record passes here once on its way into the main table; its child rows are
        # encoded into the spools at the same moment.
        for record in recs:
            for t in children:
                for row in child_rows(record, t, schema.key):
                    spools[t.name].write(encoders[t.name].row(row).encode("utf-8"))
            yield record

    sink = _Sink()
    stats: dict[str, dict[str, Any]] = {}
    with contextlib.ExitStack() as stack:
        for t in children:
            spools[t.name] = stack.enter_context(tempfile.SpooledTemporaryFile(max_size=_SPOOL_MAX))
        with zipfile.ZipFile(sink, "w") as zf:
            rows = encode_rows(
                fan_out(records), main, labels=labels, bom=bom, formula_guard=formula_guard
            )
            stats[main.name] = yield from _member(zf, sink, f"{main.name}.csv", rows)
            for t in children:
                head = (("\ufeff" if bom else "") + encoders[t.name].header(labels)).encode()
                spool = spools[t.name]
                spool.seek(0)
                chunks = _chain(head, iter(lambda s=spool: s.read(_COPY_CHUNK), b""))
                stats[t.name] = yield from _member(zf, sink, f"{t.name}.csv", chunks)
            package = build_datapackage(
                schema,
                name=package_name,
                labels=labels,
                bom=bom,
                stats=stats,
                extra=package_extra,
            )
            text = json.dumps(package, ensure_ascii=False, indent=2) + "\n"
            zf.writestr(_info("datapackage.json"), text.encode("utf-8"))
        yield sink.take()


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
