"""Dumps: the complete published lists written as files, pinned to a change-feed position.

Layout of one dump, `<instance>/dumps/<dump-id>/`:

    items.ndjson  items.json  items.xml  items.csv  items.csv.zip   the active items
    withdrawn.ndjson      tombstones of withdrawn (cancelled, transferred, merged) items
    flowcharts.zip        运行流程图: one SVG per shared process, index.csv maps codes to them
    datapackage.json      Frictionless descriptor of every file above
    catalog.jsonld        DCAT catalog: one dataset, a distribution per file
    manifest.json         id, seq, counts, and every file's size and SHA-256

The records are read once per status, not once per file: each record goes to the encoder
of every file (exporters.encoders) and to the flowcharts as it is read.

Every file is read from one snapshot (services.snapshot), so all of them hold exactly the
changes with seq <= manifest["seq"]; a mirror loads them, then follows the change feed
from seq + 1. Withdrawn items are left out of the lists (the public list is what is in
force) but travel in withdrawn.ndjson, so a mirror that starts from a dump knows what was
removed and why. The files are written into a temporary folder that is renamed into place
and recorded in the `dumps` table only when everything succeeded; leftovers of killed
dumps and dumps beyond the retention are removed (services/dump_upkeep.py).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from exporters import json_export, registry
from exporters.catalog import build_catalog
from exporters.datapackage import build_datapackage
from exporters.files import Digest, FileSink, write_file

from ..models import Dump, Release, utcnow
from .catalog import ACTIVE, WITHDRAWN, ItemFilters
from .dump_upkeep import prune, sweep_leftovers, temp_name
from .errors import NotFound
from .export_schema import record_schema
from .exports import DEFAULT_PAGE_SIZE, export_query, iter_records, reading_plan
from .flowcharts import CommonCharts
from .fragments import refresh
from .snapshot import Snapshot, engine_of

log = logging.getLogger(__name__)


DUMPS_FOLDER = "dumps"
MANIFEST = "manifest.json"
DATAPACKAGE = "datapackage.json"
CATALOG = "catalog.jsonld"
TITLE = "权力清单和责任清单"
DESCRIPTION = "已公布的权力清单和责任清单全量数据（含责任事项、追责情形、法律依据等）。"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"


@dataclass(frozen=True)
class DumpFile:
    """One data file of a dump: which records, in which format."""

    name: str
    format: str
    status: str = ACTIVE
    title: str = ""


DATA_FILES = (
    DumpFile("items.ndjson", "ndjson", title="权力事项（NDJSON，每行一条）"),
    DumpFile("items.json", "json", title="权力事项（JSON）"),
    DumpFile("items.xml", "xml", title="权力事项（XML）"),
    DumpFile("items.csv", "csv", title="权力事项主表（CSV）"),
    DumpFile("items.csv.zip", "csv-zip", title="权力事项全部表格与数据包描述（CSV ZIP）"),
    DumpFile("withdrawn.ndjson", "ndjson", WITHDRAWN, "已取消、转移或整合的事项（NDJSON）"),
)
FLOWCHARTS = "flowcharts.zip"
JSON_MEDIA_TYPES = {DATAPACKAGE: "application/json", CATALOG: "application/ld+json"}


@dataclass
class DumpOptions:
    api_root: str = "http://localhost:8000/api"  # absolute, no trailing slash
    publisher: str = "权力清单和责任清单开放数据服务"
    page_size: int = DEFAULT_PAGE_SIZE
    files: tuple[DumpFile, ...] = field(default=DATA_FILES)
    keep: int = 0  # how many dumps to keep after this one (QINGDAN_DUMPS_KEPT); 0 = all


def dumps_dir(instance_dir: str | os.PathLike[str]) -> Path:
    return Path(instance_dir) / DUMPS_FOLDER


def write_data_files(
    snapshot: Snapshot,
    folder: Path,
    options: DumpOptions,
    extra: dict[str, Any] | None = None,
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Write every data file of `options.files` and flowcharts.zip in one pass per status.

    Each record is read and decoded once and handed to the encoder of every file of its
    status (JSON text rendered once for items.json and items.ndjson); the active pass
    also feeds the common flowcharts. Returns the file entries (data files in the order
    of `options.files`, then flowcharts.zip) and the record count per status.
    """
    entries: dict[str, dict[str, Any]] = {}
    counts: dict[str, int] = {}
    statuses = dict.fromkeys([ACTIVE, *(spec.status for spec in options.files)])
    charts_entry: dict[str, Any] = {}
    for status in statuses:
        specs = [spec for spec in options.files if spec.status == status]
        charts = CommonCharts() if status == ACTIVE else None
        try:
            written, counts[status] = _write_pass(
                snapshot, status, specs, folder, options, extra, charts
            )
        except BaseException:
            if charts is not None:
                charts.close()
            raise
        entries.update(written)
        if charts is not None:
            charts_entry = _flowcharts_file(charts, folder)
    return [entries[spec.name] for spec in options.files] + [charts_entry], counts


def _write_pass(
    snapshot: Snapshot,
    status: str,
    specs: list[DumpFile],
    folder: Path,
    options: DumpOptions,
    extra: dict[str, Any] | None,
    charts: CommonCharts | None,
) -> tuple[dict[str, dict[str, Any]], int]:
    """One read of the `status` records, fanned out to the files of `specs` (and charts)."""
    render = _LastRender(json_export.dumps)
    outputs = []
    count = 0
    with contextlib.ExitStack() as stack:
        for spec in specs:
            fmt = registry.get(spec.format)
            kwargs: dict[str, Any] = {"schema": record_schema()}
            if spec.format in ("json", "ndjson"):
                kwargs["render"] = render
            if spec.format == "csv-zip" and extra:
                kwargs["package_extra"] = extra
            encoder = fmt.encoder(**kwargs)
            if hasattr(encoder, "close"):
                stack.callback(encoder.close)
            sink = stack.enter_context(FileSink(folder / spec.name))
            sink.write(encoder.start())
            outputs.append((spec, fmt, encoder, sink))
        fan_out = [(encoder.add, sink.write) for _, _, encoder, sink in outputs]
        add_chart = charts.add if charts is not None else None
        # JSON needs every record; CSV and XML splice fragments; charts take process keys.
        parts, records = reading_plan([spec.format for spec in specs], {})
        if charts is not None:
            parts, records = (*parts, "process_key"), True
        query = export_query(snapshot.session, ItemFilters(status=status), parts, records)
        for record in iter_records(snapshot.session, query, options.api_root, options.page_size):
            count += 1
            for add, write in fan_out:
                data = add(record)
                if data:
                    write(data)
            if add_chart is not None:
                add_chart(record)
        entries = {}
        for spec, fmt, encoder, sink in outputs:
            sink.write(encoder.finish())
            written = sink.close()
            entries[spec.name] = {
                "name": spec.name,
                "media_type": fmt.media_type,
                "size": written.size,
                "sha256": written.sha256,
                "title": spec.title,
            }
    return entries, count


def write_data_file(
    snapshot: Snapshot,
    spec: DumpFile,
    folder: Path,
    options: DumpOptions,
    extra: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], int]:
    """Write one data file alone (benchmarks); returns its file entry and record count."""
    entries, count = _write_pass(snapshot, spec.status, [spec], folder, options, extra, None)
    return entries[spec.name], count


class _LastRender:
    """A renderer that remembers its last record: JSON and NDJSON share one rendering."""

    def __init__(self, render: Callable[[Any], bytes]) -> None:
        self._render = render
        self._record: object = None
        self._data = b""

    def __call__(self, record: Any) -> bytes:
        if record is not self._record:
            self._data = self._render(record)
            self._record = record
        return self._data


def _flowcharts_file(charts: CommonCharts, folder: Path) -> dict[str, Any]:
    """Write flowcharts.zip (the common chart of every process the active items share)."""
    path = folder / FLOWCHARTS
    charts.write(path)
    digest = Digest()
    for _chunk in digest.tap(_chunks(path)):
        pass
    return {
        "name": FLOWCHARTS,
        "media_type": "application/zip",
        "size": digest.size,
        "sha256": digest.sha256,
        "title": "运行流程图（流程相同的事项共用一张通用流程图，SVG，ZIP）",
    }


def _chunks(path: Path, size: int = 1 << 16) -> Iterator[bytes]:
    with open(path, "rb") as source:
        while chunk := source.read(size):
            yield chunk


def write_dump(
    source: sessionmaker[Session] | Session,
    instance_dir: str | os.PathLike[str],
    release_id: int | None = None,
    options: DumpOptions | None = None,
) -> Dump:
    """Write a complete dump of the published lists and record it; returns the Dump row.

    `source` is a session factory or any session on the database (a session is only used
    for its engine: the dump reads in its own snapshot and commits its own row, so call
    it after the publication it should contain has committed).
    """
    options = options or DumpOptions()
    engine = engine_of(source)
    # Versions published since the last dump get their CSV and XML rendered, once.
    # Fragments only save time: without them the dump renders live, with the same bytes.
    try:
        refresh(engine)
    except SQLAlchemyError:
        log.warning("export fragments not refreshed; the dump renders live", exc_info=True)
    root = dumps_dir(instance_dir)
    root.mkdir(parents=True, exist_ok=True)
    created = utcnow()
    sweep_leftovers(root)
    work = root / temp_name(uuid.uuid4().hex)
    work.mkdir()
    try:
        with Snapshot(engine) as snapshot:
            if release_id is not None and snapshot.session.get(Release, release_id) is None:
                raise NotFound(f"no release {release_id}")
            dump_id = _new_id(snapshot.session, root, created, snapshot.position.seq)
            meta = _Meta(dump_id, created, snapshot, release_id, options)
            files, counts = write_data_files(snapshot, work, options, meta.package())
        files.append(_json_file(work, DATAPACKAGE, meta.datapackage(files)))
        files.append(_json_file(work, CATALOG, meta.catalog(files)))
        dump = Dump(
            id=dump_id,
            created_at=created,
            release_id=release_id,
            seq=meta.seq,
            item_count=counts.get(ACTIVE, 0),
            withdrawn_count=counts.get(WITHDRAWN, 0),
            files=files,
        )
        _json_file(work, MANIFEST, meta.manifest(dump))
        with Session(engine, expire_on_commit=False) as session:
            session.add(dump)
            session.flush()  # a clash of ids fails here, before the folder moves
            os.replace(work, root / dump_id)
            try:
                session.commit()
            except BaseException:
                shutil.rmtree(root / dump_id, ignore_errors=True)
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    prune(engine, root, options.keep)
    return dump


def _new_id(session: Session, root: Path, created: datetime, seq: int) -> str:
    """Time and seq say what a dump is; a suffix separates dumps made in the same second.

    Two dumps racing for the same id both write their files; the second one's insert
    fails and it leaves nothing behind.
    """
    base = f"{created:%Y%m%dT%H%M%SZ}-{seq}"
    dump_id, n = base, 1
    while (root / dump_id).exists() or session.get(Dump, dump_id) is not None:
        n += 1
        dump_id = f"{base}-{n}"
    return dump_id


def _json_file(folder: Path, name: str, document: dict) -> dict[str, Any]:
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    written = write_file([text.encode("utf-8")], folder / name)
    return {
        "name": name,
        "media_type": JSON_MEDIA_TYPES.get(name, "application/json"),
        "size": written.size,
        "sha256": written.sha256,
        "title": name,
    }


class _Meta:
    """The descriptive documents of one dump: datapackage, catalog, manifest."""

    def __init__(
        self,
        dump_id: str,
        created: datetime,
        snapshot: Snapshot,
        release_id: int | None,
        options: DumpOptions,
    ):
        self.dump_id = dump_id
        self.created = created.isoformat()
        self.seq = snapshot.position.seq
        changed = snapshot.position.changed_at
        self.changed = changed.isoformat() if changed else None
        self.release_id = release_id
        self.options = options
        self.url = f"{options.api_root}/@downloads/{dump_id}"

    def package(self) -> dict[str, Any]:
        """Top-level properties shared by both datapackage.json files."""
        return {
            "id": self.url,
            "version": self.dump_id,
            "created": self.created,
            "licenses": [{"name": "CC-BY-4.0", "path": LICENSE}],
            "qingdan:seq": self.seq,
        }

    def datapackage(self, files: list[dict]) -> dict[str, Any]:
        """The CSV main table with its table schema; every other file as a plain resource."""
        main = next((f for f in files if f["name"] == "items.csv"), None)
        stats = {"items": {"bytes": main["size"], "sha256": main["sha256"]}} if main else {}
        package = build_datapackage(record_schema(), stats=stats, extra=self.package())
        resources = [r for r in package["resources"] if r["name"] == "items"]
        for f in files:
            if f["name"] == "items.csv":
                continue
            resources.append(
                {
                    "name": f["name"].replace(".", "-").replace("_", "-"),
                    "type": "file",  # frictionless checks its size and hash, not rows
                    "title": f["title"],
                    "path": f["name"],
                    "format": f["name"].split(".", 1)[1],
                    "mediatype": f["media_type"],
                    "bytes": f["size"],
                    "hash": "sha256:" + f["sha256"],
                }
            )
        package["resources"] = resources
        package["profile"] = "data-package"  # not every resource is a table
        return package

    def catalog(self, files: list[dict]) -> dict[str, Any]:
        return build_catalog(
            catalog_url=f"{self.options.api_root}/@catalog",
            dataset_url=self.url,
            title=TITLE,
            description=DESCRIPTION,
            publisher=self.options.publisher,
            modified=self.changed,
            license_url=LICENSE,
            homepage=f"{self.options.api_root}/",
            distributions=[
                {
                    "file_name": f["name"],
                    "media_type": f["media_type"],
                    "size": f["size"],
                    "sha256": f["sha256"],
                    "url": f"{self.url}/{f['name']}",
                    "title": f["title"],
                    "issued": self.created,
                }
                for f in files
            ],
        )

    def manifest(self, dump: Dump) -> dict[str, Any]:
        return {
            "id": dump.id,
            "url": self.url,
            "created_at": self.created,
            "seq": self.seq,
            "last_change_at": self.changed,
            "follow": f"{self.options.api_root}/@changes?since={self.seq}",
            "release_id": self.release_id,
            "item_count": dump.item_count,
            "withdrawn_count": dump.withdrawn_count,
            "files": dump.files,
        }


def empty_catalog(options: DumpOptions) -> dict[str, Any]:
    """The catalog before the first dump: the dataset, with no files yet."""
    return build_catalog(
        catalog_url=f"{options.api_root}/@catalog",
        dataset_url=f"{options.api_root}/@downloads",
        title=TITLE,
        description=DESCRIPTION,
        publisher=options.publisher,
        license_url=LICENSE,
        homepage=f"{options.api_root}/",
        distributions=[],
    )


def list_dumps(session: Session) -> list[Dump]:
    """Every dump, newest first."""
    return list(session.scalars(select(Dump).order_by(Dump.created_at.desc(), Dump.id.desc())))


def get_dump(session: Session, dump_id: str) -> Dump:
    """A dump by id; "latest" names the newest one."""
    if dump_id == "latest":
        dump = session.scalars(
            select(Dump).order_by(Dump.created_at.desc(), Dump.id.desc()).limit(1)
        ).first()
        if dump is None:
            raise NotFound("no dump has been made yet")
        return dump
    dump = session.get(Dump, dump_id)
    if dump is None:
        raise NotFound(f"no dump {dump_id!r}")
    return dump


def dump_file(instance_dir: str | os.PathLike[str], dump: Dump, name: str) -> tuple[Path, dict]:
    """The path and entry of one file of a dump; only names the dump lists are served."""
    if name == MANIFEST:
        path = dumps_dir(instance_dir) / dump.id / MANIFEST
        return path, {"name": MANIFEST, "media_type": "application/json", "sha256": None}
    entry = next((f for f in dump.files if f["name"] == name), None)
    if entry is None:
        raise NotFound(f"dump {dump.id} has no file {name!r}")
    return dumps_dir(instance_dir) / dump.id / name, entry


def dump_in_background(
    source: Engine | sessionmaker[Session],
    instance_dir: str | os.PathLike[str],
    release_id: int | None,
    options: DumpOptions,
) -> threading.Thread:
    """Write a release's dump without holding up whoever published it.

    A dump of a large list takes minutes; the release is committed already, and a dump
    that fails (or a process that dies) leaves nothing behind, so `qingdan dump
    --release ID` can always write it again.
    """

    def run() -> None:
        try:
            write_dump(source, instance_dir, release_id, options)
        except Exception:
            log.exception(
                "dump of release %s failed; run `qingdan dump --release %s`", release_id, release_id
            )

    thread = threading.Thread(target=run, name=f"qingdan-dump-{release_id}", daemon=True)
    thread.start()
    return thread
