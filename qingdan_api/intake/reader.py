"""Read an uploaded cleanup form (XLSX, CSV or JSON) as sheets of rows, defensively.

Workbooks are read with openpyxl in read-only mode (rows stream from the XML; the whole
sheet is never built in memory) and openpyxl parses XML through defusedxml when it is
installed (it is a dependency), so entity tricks fail instead of expanding. Before that
the ZIP container is checked: a member that inflates more than `MAX_RATIO` times or a
total beyond `MAX_INFLATED` is a zip bomb. Every sheet is cut off at `MAX_ROWS` rows
(empty ones included), so a million empty rows cost a bounded time and are refused.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

MAX_BYTES = 50 * 1024 * 1024
MAX_INFLATED = 300 * 1024 * 1024
MAX_RATIO = 150
MAX_ROWS = 60_000  # rows scanned per sheet, empty rows included
MAX_COLUMNS = 200


class UnreadableFile(ValueError):
    """The upload is not a cleanup form we can read safely; `message` is Chinese."""

    def __init__(self, message: str, *, too_large: bool = False):
        super().__init__(message)
        self.message = message
        self.too_large = too_large


@dataclass
class Sheet:
    """One sheet: its title, header cells, and its data rows as (row number, values)."""

    title: str
    headers: list[Any]
    rows: Iterator[tuple[int, list[Any]]]


def sniff(data: bytes, filename: str = "") -> str:
    """'xlsx', 'csv' or 'json' from the content (the file name only breaks ties)."""
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] in (b"[", b"{"):
        return "json"
    if b"\x00" in data[:4096] or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise UnreadableFile(
            "不是可读取的表格：请上传 .xlsx（Excel 2007 及以上）、CSV 或 JSON 文件"
        )
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise UnreadableFile("文件扩展名是 .xlsx，但内容不是 Excel 工作簿")
    return "csv"


def _check_zip(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise UnreadableFile("不是可读取的 Excel 工作簿（ZIP 结构损坏）") from exc
    total = 0
    for member in members:
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if ratio > MAX_RATIO and member.file_size > 1024 * 1024:
            raise UnreadableFile(f"工作簿中的 {member.filename} 压缩比异常（疑似压缩炸弹），已拒收")
        if total > MAX_INFLATED:
            raise UnreadableFile("工作簿解压后超过 300 MB，已拒收：请拆分后分批导入")


def _bounded(rows: Iterator[tuple[Any, ...]], title: str) -> Iterator[tuple[int, list[Any]]]:
    for number, row in enumerate(rows, start=2):
        if number > MAX_ROWS:
            raise UnreadableFile(
                f"“{title}”表超过 {MAX_ROWS - 1} 行（空行也计算在内），已拒收："
                "请删去多余的空行或拆分文件"
            )
        values = list(row[:MAX_COLUMNS])
        if any(v is not None and str(v).strip() for v in values):
            yield number, values


def _unreadable(exc: BaseException, what: str) -> UnreadableFile:
    """An UnreadableFile for a parser failure; entity and DTD tricks are named as such."""
    from defusedxml import DefusedXmlException

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, DefusedXmlException):
            return UnreadableFile(f"{what}含有 XML 实体或 DTD 声明（可能是恶意构造的文件），已拒收")
        seen = seen.__cause__ or seen.__context__
    return UnreadableFile(f"{what}无法读取（{exc.__class__.__name__}）")


def read_xlsx(data: bytes) -> tuple[list[Sheet], Any]:
    """The sheets of a workbook, streaming; also returns the workbook (close it after use)."""
    from openpyxl import load_workbook

    _check_zip(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl and defusedxml raise many kinds: all mean unreadable
        raise _unreadable(exc, "Excel 工作簿") from exc
    sheets = []
    for sheet in book.worksheets:
        rows = sheet.iter_rows(values_only=True)
        try:
            headers = list(next(rows, ()))[:MAX_COLUMNS]
        except Exception as exc:
            raise _unreadable(exc, f"“{sheet.title}”表") from exc
        sheets.append(
            Sheet(sheet.title, headers, _guarded(_bounded(rows, sheet.title), sheet.title))
        )
    return sheets, book


def _guarded(rows: Iterator, title: str) -> Iterator:
    try:
        yield from rows
    except UnreadableFile:
        raise
    except Exception as exc:  # a malformed or hostile sheet part
        raise _unreadable(exc, f"“{title}”表") from exc


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("CSV 文件的编码无法识别：请另存为 UTF-8")


def read_csv(data: bytes, title: str) -> list[Sheet]:
    text = _decode(data)
    dialect = (
        "excel-tab"
        if text.split("\n", 1)[0].count("\t") > text.split("\n", 1)[0].count(",")
        else "excel"
    )
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    headers = next(reader, [])
    return [Sheet(title, headers, _bounded(iter(reader), title))]


def read_json(data: bytes, title: str) -> list[Sheet]:
    """A JSON array of objects (or {"items": [...]}): keys are the headers."""
    try:
        document = json.loads(_decode(data))
    except json.JSONDecodeError as exc:
        raise UnreadableFile(f"JSON 无法解析：第 {exc.lineno} 行，{exc.msg}") from exc
    if isinstance(document, dict):
        document = document.get("items")
    if not isinstance(document, list) or not all(isinstance(r, dict) for r in document):
        raise UnreadableFile('JSON 应为对象数组（每个对象一条事项），或 {"items": [...]}')
    headers: list[str] = []
    for row in document:
        headers.extend(k for k in row if k not in headers)
    rows = ([row.get(h) for h in headers] for row in document)
    return [Sheet(title, headers, _bounded(rows, title))]


def read_form(data: bytes, filename: str = "", main_title: str = "事项") -> tuple[list[Sheet], Any]:
    """Sheets of an upload of any accepted format; the second value is a workbook to close."""
    if len(data) > MAX_BYTES:
        raise UnreadableFile("文件超过 50 MB：请拆分后分批导入", too_large=True)
    kind = sniff(data, filename)
    if kind == "xlsx":
        return read_xlsx(data)
    if kind == "json":
        return read_json(data, main_title), None
    return read_csv(data, main_title), None
