"""Whole-list exports answered from the current dump's files: the same bytes, read from disk.

A dump (services/dumps.py) writes items.json, items.ndjson, items.xml and items.csv with
the very encoders the export routes stream, from one snapshot at change-feed position
`seq`. While nothing has been published or withdrawn since (the feed is still at `seq`)
and the links were written under the root a request would get, the export of the whole
active list in one of those formats is that file, byte for byte; sending it costs a
sequential read instead of a pass over every published version. Anything else (a
filter, a CSV option, a newer change, another host, a missing or truncated file) is
streamed as before.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Dump
from .catalog import ACTIVE
from .dump_files import DATA_FILES
from .dumps import MANIFEST, dumps_dir
from .kept import Kept

# Export format name (exporters.registry) -> the dump file holding the whole active list.
# Not the CSV ZIP: a dump's package names the dump in its datapackage.json, an export's not.
WHOLE_LIST_FILES = {
    spec.format: spec.name
    for spec in DATA_FILES
    if spec.status == ACTIVE and spec.format != "csv-zip"
}

# manifest path -> the API root its links were written under; a dump never changes.
_roots: Kept[str] = Kept(64)


def whole_list_file(
    session: Session,
    instance_dir: str | os.PathLike[str],
    seq: int,
    format_name: str,
    api_root: str,
) -> Path | None:
    """The dump file that is the export of every active item in `format_name`, or None.

    `seq` is the change-feed position of the request's snapshot; `api_root` the absolute
    API root (no trailing slash) the export would write its links under. None when no
    dump was taken at `seq` with its links under `api_root`, the format has no such
    file, or the file is missing or not the size the dump recorded. One query (the dumps
    table holds the retained dumps only) and one stat; each manifest is read once.
    """
    name = WHOLE_LIST_FILES.get(format_name)
    if name is None:
        return None
    # Newest first; more than one when a dump was also written under another root.
    dumps = session.scalars(
        select(Dump).where(Dump.seq == seq).order_by(Dump.created_at.desc(), Dump.id.desc())
    )
    for dump in dumps:
        folder = dumps_dir(instance_dir) / dump.id
        if _api_root(folder, dump.id) != api_root:
            continue
        entry = next((file for file in dump.files if file.get("name") == name), None)
        path = folder / name
        try:
            size = path.stat().st_size
        except OSError:
            return None
        return path if entry is not None and size == entry.get("size") else None
    return None


def _api_root(folder: Path, dump_id: str) -> str | None:
    """The root of the dump's links: its manifest's url is `{root}/@downloads/{id}`."""

    def read() -> str:
        try:
            url = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["url"]
        except (OSError, ValueError, KeyError, TypeError):
            return ""
        suffix = f"/@downloads/{dump_id}"
        return url[: -len(suffix)] if isinstance(url, str) and url.endswith(suffix) else ""

    return _roots.get(str(folder / MANIFEST), read) or None
