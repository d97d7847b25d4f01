"""Keeping the dumps folder tidy: leftovers of killed dumps, retention, missed releases.

A dump writes into `<instance>/dumps/.tmp-<pid>-<random>/` and renames it into place
when done (services/dumps.py). A process killed meanwhile leaves that folder behind;
`sweep_leftovers` removes the ones whose process is gone. `prune` keeps the newest N
dumps (`QINGDAN_DUMPS_KEPT`, default 10) and deletes older rows and folders.
`release_missing_dump` names the newest release when its dump never completed (a crash
or restart during the background dump), so the service writes it on start.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ..models import Dump, Release

log = logging.getLogger(__name__)

TEMP_PREFIX = ".tmp-"


def temp_name(token: str) -> str:
    """The name of a dump's work folder: the writing process's pid, then `token`."""
    return f"{TEMP_PREFIX}{os.getpid()}-{token}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def sweep_leftovers(root: Path) -> list[str]:
    """Remove work folders under `root` whose writing process is gone; returns their names.

    A folder of a live process (a dump under way, here or in another process on this
    host) is left alone; one without a pid in its name predates this scheme and goes.
    """
    removed = []
    if not root.is_dir():
        return removed
    for path in root.iterdir():
        if not path.name.startswith(TEMP_PREFIX):
            continue
        pid_text = path.name[len(TEMP_PREFIX) :].split("-", 1)[0]
        if pid_text.isdigit() and _alive(int(pid_text)):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path.name)
    return removed


def prune(engine: Engine, root: Path, keep: int) -> list[str]:
    """Delete all but the `keep` newest dumps (rows, then folders); returns the ids deleted.

    `keep` < 1 keeps everything. Rows go first: a folder without a row is never served,
    whereas a row without its folder would answer 404 for its files.
    """
    if keep < 1:
        return []
    with Session(engine) as session:
        old = list(
            session.scalars(
                select(Dump).order_by(Dump.created_at.desc(), Dump.id.desc()).offset(keep)
            )
        )
        ids = [dump.id for dump in old]
        for dump in old:
            session.delete(dump)
        session.commit()
    for dump_id in ids:
        shutil.rmtree(root / dump_id, ignore_errors=True)
    if ids:
        log.info("removed %d old dumps (keeping %d): %s", len(ids), keep, ", ".join(ids))
    return ids


def release_missing_dump(session: Session) -> int | None:
    """The newest release's id when no dump was made since it; None otherwise."""
    release = session.scalars(select(Release).order_by(Release.id.desc()).limit(1)).first()
    if release is None:
        return None
    covered = session.scalars(
        select(Dump.id)
        .where((Dump.release_id == release.id) | (Dump.created_at >= release.published_at))
        .limit(1)
    ).first()
    return None if covered else release.id
