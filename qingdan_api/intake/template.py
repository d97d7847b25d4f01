"""Write the cleanup form template, and annotate an uploaded form with its problems.

The template is generated from the field catalogue every time (never maintained by
hand): Chinese headers (required-at-submit ones marked *), an instructions sheet, a
drop-down list for every code list, one sheet per child table keyed by 序号, and an
example row. Written with openpyxl.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterable

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from exporters.xml_export import xml_text

from ..domain import vocabularies as vocab
from ..domain.fields import CHILD_TABLES
from .form import (
    CODES_SHEET,
    INSTRUCTIONS_SHEET,
    MAIN_SHEET,
    Column,
    child_columns,
    child_sheet_title,
    main_columns,
    resolve_headers,
)
from .mapping import Problem

RED = PatternFill("solid", start_color="FFC7CE", end_color="FFC7CE")
HEADER_FILL = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
DATA_ROWS = 2000  # rows the drop-down lists cover

EXAMPLE_MAIN = {
    "row": 1,
    "name": "食品经营许可",
    "category": "行政许可",
    "level": "县级",
    "power_source": "法定本级行使",
    "unit_nature": "法定机关",
    "handling_office": "行政审批股",
    "legal_bases": "【法律】《中华人民共和国食品安全法》第三十五条："
    "国家对食品生产经营实行许可制度。",
    "targets": "企业法人、其他组织",
    "statutory_limit": "20个工作日",
    "promised_limit": "10个工作日",
    "handling_type": "承诺件",
    "service_methods": "窗口办理、网上办理（电脑端）",
    "charged": "否",
    "counterpart_rights": "陈述、申辩、行政复议、行政诉讼",
    "supervision_phone": "12345",
    "disposition": "保留",
}
EXAMPLE_CHILDREN = {
    "process_steps": [
        {"row": 1, "seq": 1, "name": "受理", "time_limit": "1个工作日"},
        {"row": 1, "seq": 2, "name": "审查", "time_limit": "7个工作日"},
        {"row": 1, "seq": 3, "name": "决定", "time_limit": "2个工作日"},
    ],
    "responsibilities": [
        {"row": 1, "stage": "受理", "content": "依法受理或不予受理，并一次性告知补正材料。"}
    ],
    "accountabilities": [{"row": 1, "situation": "对符合法定条件的申请不予受理的"}],
    "risk_points": [
        {
            "row": 1,
            "stage": "审查",
            "description": "违规审批",
            "level": "中",
            "measures": "两人以上共同审查",
        }
    ],
}


def _header(column: Column) -> str:
    return f"*{column.header}" if column.required else column.header


def _write_sheet(book, title: str, columns: list[Column], examples: Iterable[dict], ranges: dict):
    sheet = book.create_sheet(title)
    for position, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=position, value=_header(column))
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        if column.help:
            cell.comment = Comment(column.help, "清单系统")
        sheet.column_dimensions[get_column_letter(position)].width = max(
            10, len(column.header) * 2 + 4
        )
        if column.vocabulary:
            # Multi-valued columns (levels, targets) offer the list too, but accept typed
            # combinations such as “3,4”: no error box for them.
            single = column.kind == "vocabulary"
            validation = DataValidation(
                type="list",
                formula1=ranges[column.vocabulary],
                allow_blank=True,
                showErrorMessage=single,
            )
            validation.error = f"请从下拉列表选择{vocab.VOCABULARY_TITLES[column.vocabulary]}"
            validation.errorTitle = "代码表"
            sheet.add_data_validation(validation)
            letter = get_column_letter(position)
            validation.add(f"{letter}2:{letter}{DATA_ROWS + 1}")
    for offset, example in enumerate(examples, start=2):
        for position, column in enumerate(columns, start=1):
            if column.key in example:
                sheet.cell(row=offset, column=position, value=example[column.key])
    sheet.freeze_panes = "B2"
    return sheet


@functools.cache
def build_template() -> bytes:
    """The cleanup form as XLSX bytes.

    Built once per process: openpyxl stamps the save time into the file, so building it
    per request would change its bytes (and ETag) every second for the same form.
    """
    book = Workbook()
    guide = book.active
    guide.title = INSTRUCTIONS_SHEET
    codes = book.create_sheet(CODES_SHEET)
    ranges = {}
    for position, (name, terms) in enumerate(vocab.VOCABULARIES.items(), start=1):
        letter = get_column_letter(position)
        codes.cell(row=1, column=position, value=vocab.VOCABULARY_TITLES[name])
        for offset, term in enumerate(terms, start=2):
            codes.cell(row=offset, column=position, value=term.label)
        ranges[name] = f"{quote_sheetname(CODES_SHEET)}!${letter}$2:${letter}${len(terms) + 1}"
    _write_sheet(book, MAIN_SHEET, main_columns(), [EXAMPLE_MAIN], ranges)
    for table in CHILD_TABLES:
        _write_sheet(
            book,
            child_sheet_title(table),
            child_columns(table),
            EXAMPLE_CHILDREN.get(table, []),
            ranges,
        )
    lines = [
        "权力清单和责任清单清理表格（由系统按字段目录生成）",
        "",
        "1. 每个事项在“事项”表占一行；“序号”是本表行号，实施依据、运行流程、收费项目、廉政风险点、"
        "责任事项、追责情形、行政裁量基准各表用“序号”对应到事项。第2行是示例，导入前请删除或改写。",
        "2. 带 * 的列是提交审核前必须填写的；保存草稿时可以先空着，提交时系统会列出缺少的内容。",
        "3. 代码列可填代码或名称（如“01”或“行政许可”），下拉列表见“代码表”。",
        "4. 行使层级可填多个（如“3,4”），每个层级生成一条事项；不填则取实施主体所在层级。",
        "5. 办结时限写成“20个工作日”“30日”“即办”或“无”；是否收费填“是/否”。",
        "6. 实施依据可整段填写：每部法律法规用《》标明名称，可带【法律】等层级标签和条款号，"
        "系统自动拆分并保留原文。",
        "7. 实施主体填统一社会信用代码、9位组织机构代码或单位名称。"
        "没有行政权力事项的单位请提交零报告。",
        "8. 不接受公式；上传后系统一次列出全部问题（JSON 报告，或在原表中标红并加批注）。",
        "",
        "字段说明：",
    ]
    for column in main_columns():
        lines.append(f"  {_header(column)}：{column.help or column.kind}")
    for row, line in enumerate(lines, start=1):
        guide.cell(row=row, column=1, value=line)
    guide.column_dimensions["A"].width = 120
    codes.sheet_state = "hidden"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def annotate(
    data: bytes | None, sheets_rows: dict[str, list[list]] | None, problems: list[Problem]
) -> bytes:
    """The uploaded workbook (or, for CSV/JSON, its rows in a new one) with every problem
    cell filled red and carrying a comment with the Chinese message."""
    if data is not None:
        book = load_workbook(io.BytesIO(data))
    else:
        book = Workbook()
        book.remove(book.active)
        for title, rows in (sheets_rows or {}).items():
            sheet = book.create_sheet(title[:31])
            for row in rows:
                # XLSX is XML: an uploaded CSV/JSON may hold characters XML cannot.
                sheet.append([None if v is None else xml_text(v) for v in row])
    for problem in problems:
        if problem.sheet not in book.sheetnames:
            continue
        sheet = book[problem.sheet]
        headers = [cell.value for cell in sheet[1]]
        position = next(
            (
                i
                for i, h in enumerate(headers, start=1)
                if str(h or "").lstrip("*") == problem.column
            ),
            None,
        )
        if position is None:
            columns = main_columns() if problem.sheet == MAIN_SHEET else []
            found, _ = resolve_headers(headers, columns)
            position = next((i + 1 for i, c in found.items() if c.header == problem.column), 1)
        cell = sheet.cell(row=problem.row, column=position)
        cell.fill = RED
        previous = cell.comment.text + "\n" if cell.comment else ""
        cell.comment = Comment(xml_text(previous + problem.message), "清单系统")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
