"""`qingdan import`, `qingdan units import` and `qingdan zero-report`: the cleanup forms
from the command line, acting as an administrator (the command line has the database)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .core import _app, database_option, instance_option, main
from .forms import CLI, _print_problems, _sheets


@main.command("import")
@instance_option
@database_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--unit", help="Credit or organisation code of rows that name no unit.")
@click.option("--dry-run", is_flag=True, help="Check and report; store nothing.")
@click.option("--accept-valid", is_flag=True, help="Keep the rows without problems.")
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False),
    help="Write the report: .json, or .xlsx for the annotated workbook.",
)
def import_form(instance, database, file, unit, dry_run, accept_valid, report_path) -> None:
    """Import a cleanup form (XLSX, CSV or JSON) as drafts."""
    from tqdm import tqdm

    from ..intake.reader import UnreadableFile
    from ..intake.template import annotate
    from ..services.errors import DomainError
    from ..services.importing import run_import

    app = _app(instance, database)
    data, sheets, book = _sheets(file)
    with (
        app.extensions["qingdan"].session_factory() as session,
        tqdm(unit="行", desc="导入") as bar,
    ):
        try:
            report = run_import(
                session,
                CLI,
                sheets,
                unit_code=unit,
                dry_run=dry_run,
                accept_valid=accept_valid,
                progress=bar.update,
            )
        except (UnreadableFile, DomainError) as exc:
            raise click.ClickException(exc.message) from exc
        finally:
            if book is not None:
                book.close()
    body = report.as_dict()
    if report_path:
        if report_path.endswith(".xlsx"):
            rows = None
            if data[:2] != b"PK":
                rows = {s.title: [s.headers, *[v for _, v in s.rows]] for s in _sheets(file)[1]}
            Path(report_path).write_bytes(
                annotate(data if data[:2] == b"PK" else None, rows, report.problems)
            )
        else:
            Path(report_path).write_text(json.dumps(body, ensure_ascii=False, indent=1))
    click.echo(
        f"{body['rows']} 行：新建 {body['created']}，更新 {body['updated']}，"
        f"未变 {body['unchanged']}，"
        f"有问题 {body['rejected_rows']} 行；"
        + ("已保存" if report.committed else "未保存（无任何改动）")
    )
    if body["problems"]:
        _print_problems(body["problems"])
        if not report.committed:
            raise SystemExit(1)


@main.group()
def units() -> None:
    """Units (实施主体) as managed resources."""


@units.command("import")
@instance_option
@database_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check and report; store nothing.")
def units_import(instance, database, file, dry_run) -> None:
    """Create or update units from a CSV/XLSX file (all or nothing)."""
    from ..services.unit_admin import import_units

    app = _app(instance, database)
    _data, sheets, book = _sheets(file)
    with app.extensions["qingdan"].session_factory() as session:
        try:
            report = import_units(session, CLI, sheets, dry_run=dry_run)
        finally:
            if book is not None:
                book.close()
    click.echo(
        f"{report['rows']} 行：新建 {report['created']}，更新 {report['updated']}，"
        f"未变 {report['unchanged']}；" + ("已保存" if report["committed"] else "未保存")
    )
    if report["problems"]:
        _print_problems(report["problems"])
        raise SystemExit(1)


@main.command("zero-report")
@instance_option
@database_option
@click.argument("unit")
@click.option("--reason", required=True, help="Why the unit exercises no powers.")
def zero_report(instance, database, unit, reason) -> None:
    """File a zero report (零报告) for a unit that exercises no administrative powers."""
    from ..services.editing import declare_zero_report
    from ..services.errors import DomainError

    app = _app(instance, database)
    with app.extensions["qingdan"].session_factory() as session:
        try:
            done = declare_zero_report(session, CLI, unit, reason)
        except DomainError as exc:
            raise click.ClickException(exc.message) from exc
        click.echo(f"零报告已提交：{done.name}（{done.credit_code}）")


@units.command("from-index")
@click.argument("index", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="The units CSV to write (for `qingdan units import`).",
)
def units_from_index_command(index, output) -> None:
    """Derive a units file from a portal's item index (JSON), reporting unnamed departments."""
    import csv

    from ..intake.index_units import units_from_index

    rows = json.loads(Path(index).read_text(encoding="utf-8"))
    found, problems = units_from_index(rows)
    with open(output, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.DictWriter(
            handle, fieldnames=list(found[0]) if found else ["统一社会信用代码"]
        )
        writer.writeheader()
        writer.writerows(found)
    click.echo(f"{len(found)} 个单位写入 {output}")
    for problem in problems:
        click.echo(f"  {problem['message']}", err=True)
