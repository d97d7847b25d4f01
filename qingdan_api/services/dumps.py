"""Dumps: the complete published lists written as files, pinned to a change-feed position.

Layout of one dump, `<instance>/dumps/<dump-id>/`:

    items.ndjson  items.json  items.xml  items.csv  items.csv.zip   the active items
    withdrawn.ndjson      tombstones of withdrawn (cancelled, transferred, merged) items
    flowcharts.zip        运行流程图: one SVG per shared process, index.csv maps codes to them
    datapackage.json      Frictionless descriptor of every file above
    catalog.jsonld        DCAT catalog: one dataset, a distribution per file
    manifest.json         id, seq, counts, and every file's size and SHA-256

The records are read once per status, not once per file (services/dump_files.py).

Every file is read from one snapshot (services.snapshot), so all of them hold exactly the
changes with seq <= manifest["seq"]; a mirror loads them, then follows the change feed
from seq + 1. Withdrawn items are left out of the lists (the public list is what is in
force) but travel in withdrawn.ndjson, so a mirror that starts from a dump knows what was
removed and why. The files are written into a temporary folder that is renamed into place
and recorded in the `dumps` table only when everything succeeded; leftovers of killed
dumps and dumps beyond the retention are removed (services/dump_upkeep.py).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from exporters.catalog import build_catalog
from exporters.datapackage import build_datapackage
from exporters.files import write_file

from ..models import Dump, Release, utcnow
from .catalog import ACTIVE, WITHDRAWN
from .dump_files import DATA_FILES, FLOWCHARTS, DumpFile, DumpOptions, write_data_files
from .dump_upkeep import prune, sweep_leftovers, temp_name
from .errors import NotFound
from .export_schema import record_schema
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
JSON_MEDIA_TYPES = {DATAPACKAGE: "application/json", CATALOG: "application/ld+json"}
# Re-exported: callers name a dump's files and options through this module.
__all__ = ["DATA_FILES", "FLOWCHARTS", "DumpFile", "DumpOptions"]


def dumps_dir(instance_dir: str | os.PathLike[str]) -> Path:
    return Path(instance_dir) / DUMPS_FOLDER


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
