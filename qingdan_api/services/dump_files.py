"""The data files of a dump: one read of the published records per status, fanned out.

Each record goes to the encoder of every file of its status (exporters.encoders) and to
the flowcharts as it is read. Above SECOND_PROCESS_FROM active items, the CSV files
(items.csv and the CSV ZIP package, spliced from stored fragments) are written by a
second process at the same time as the others, from a snapshot at the same change-feed
position: on two cores a dump takes about as long as its larger half.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from exporters import json_export, registry
from exporters.files import Digest, FileSink

from ..db import make_engine
from .catalog import ACTIVE, WITHDRAWN, ItemFilters, filtered
from .export_schema import record_schema
from .exports import DEFAULT_PAGE_SIZE, export_query, iter_records, reading_plan
from .flowcharts import CommonCharts
from .snapshot import Snapshot

log = logging.getLogger(__name__)

# Below this many active items a second process costs more (its start) than it saves.
SECOND_PROCESS_FROM = 20_000
# What the second process writes: active files that need no decoded record, about half.
SECOND_PROCESS_FORMATS = ("csv", "csv-zip")


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


@dataclass
class DumpOptions:
    api_root: str = "http://localhost:8000/api"  # absolute, no trailing slash
    publisher: str = "权力清单和责任清单开放数据服务"
    page_size: int = DEFAULT_PAGE_SIZE
    files: tuple[DumpFile, ...] = field(default=DATA_FILES)
    keep: int = 0  # how many dumps to keep after this one (QINGDAN_DUMPS_KEPT); 0 = all
    # 2: the CSV files are written by a second process (QINGDAN_DUMP_PROCESSES)
    # when there are at least `second_process_from` active items; 1: one process.
    processes: int = 2
    second_process_from: int = SECOND_PROCESS_FROM


def write_data_files(
    snapshot: Snapshot,
    folder: Path,
    options: DumpOptions,
    extra: dict[str, Any] | None = None,
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Write every data file of `options.files` and flowcharts.zip in one pass per status.

    Each record is read and decoded once and handed to the encoder of every file of its
    status (JSON text rendered once for items.json and items.ndjson); the active pass
    also feeds the common flowcharts. With a second process (`options.processes`), the
    active CSV and CSV ZIP files are written by it at the same time, from a snapshot
    at the same change-feed position (or here, after the others, if the position moved).
    Returns the file entries (data files in the order of `options.files`, then
    flowcharts.zip) and the record count per status. Raises RuntimeError when the two
    processes counted different active items (the dump is then not recorded).
    """
    entries: dict[str, dict[str, Any]] = {}
    counts: dict[str, int] = {}
    statuses = dict.fromkeys([ACTIVE, *(spec.status for spec in options.files)])
    charts_entry: dict[str, Any] = {}
    with contextlib.ExitStack() as stack:
        second = _second_process(snapshot, folder, options, extra, stack)
        taken = second.files if second else ()
        for status in statuses:
            specs = [s for s in options.files if s.status == status and s not in taken]
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
        if second:
            answer = second.answer()
            if answer is None:  # moved on, or failed: this process writes its files
                answer = _write_pass(snapshot, ACTIVE, list(taken), folder, options, extra, None)
            else:
                log.info("%s written by a second process", ", ".join(s.name for s in taken))
            written, count = answer
            if count != counts[ACTIVE]:
                raise RuntimeError(
                    f"the second process read {count} active items, not {counts[ACTIVE]}"
                )
            entries.update(written)
    return [entries[spec.name] for spec in options.files] + [charts_entry], counts


@dataclass(frozen=True)
class _Second:
    """The files a second process writes, and that process."""

    files: tuple[DumpFile, ...]
    process: subprocess.Popen

    def answer(self) -> tuple[dict[str, dict[str, Any]], int] | None:
        """(entries, active count) as the process wrote them; None when it did not: the
        snapshot had moved on, or the process failed (logged)."""
        assert self.process.stdout is not None
        out = self.process.stdout.read()
        if self.process.wait() != 0:
            log.warning("a dump's second process failed (%s); writing its files here", out)
            return None
        answer = json.loads(out)
        return None if answer.get("moved") else (answer["entries"], answer["count"])


def _second_process(
    snapshot: Snapshot,
    folder: Path,
    options: DumpOptions,
    extra: dict[str, Any] | None,
    stack: contextlib.ExitStack,
) -> _Second | None:
    """Start the second process on its share, or None when one process is enough.

    Its share (SECOND_PROCESS_FORMATS) splices stored fragments instead of decoding
    records; with it the two halves cost about the same (at 100k: the CSV ZIP alone is
    about a third of a dump, XML and CSV a sixth each). The process is a fresh
    interpreter (`python -m qingdan_api.services.dump_share`: nothing forked from a
    threaded server, nothing of the caller's main module run again); it takes its own
    snapshot and reads its job, the database URL included, from stdin, not argv.
    """
    share = tuple(
        s for s in options.files if s.status == ACTIVE and s.format in SECOND_PROCESS_FORMATS
    )
    if options.processes < 2 or not share:
        return None
    active = snapshot.session.scalar(
        select(func.count()).select_from(filtered(ItemFilters()).subquery())
    )
    if (active or 0) < options.second_process_from:
        return None
    job = {
        "url": snapshot.session.get_bind().engine.url.render_as_string(hide_password=False),
        "folder": str(folder),
        "files": [dataclasses.asdict(spec) for spec in share],
        "api_root": options.api_root,
        "page_size": options.page_size,
        "extra": extra,
        "seq": snapshot.position.seq,
    }
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "qingdan_api.services.dump_share"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
    except OSError:
        log.warning("no second process for the dump; one process writes it all", exc_info=True)
        return None
    stack.callback(_stop, process)  # also when this process fails first
    assert process.stdin is not None
    # A process that died at once closes the pipe; `result` then sees its exit status.
    with contextlib.suppress(BrokenPipeError):
        process.stdin.write(json.dumps(job))
    with contextlib.suppress(BrokenPipeError):
        process.stdin.close()
    return _Second(share, process)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
        process.wait()
    if process.stdout is not None:
        process.stdout.close()


def write_share(job: dict[str, Any]) -> dict[str, Any]:
    """In the second process: write the job's files from a snapshot at its seq.

    `job` as `_second_process` writes it. Returns {"entries": {name: entry}, "count": n},
    or {"moved": true} when the database's change feed is no longer at the job's seq.
    """
    engine = make_engine(job["url"])
    share = [DumpFile(**spec) for spec in job["files"]]
    options = DumpOptions(
        api_root=job["api_root"], page_size=job["page_size"], files=tuple(share), processes=1
    )
    try:
        with Snapshot(engine) as snapshot:
            if snapshot.position.seq != job["seq"]:
                return {"moved": True}
            entries, count = _write_pass(
                snapshot, ACTIVE, share, Path(job["folder"]), options, job["extra"], None
            )
            return {"entries": entries, "count": count}
    finally:
        engine.dispose()


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
