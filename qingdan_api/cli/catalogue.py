"""`qingdan catalogue import` and `qingdan alignment`: the upper-level catalogue and the
alignment report from the command line (acting as an administrator)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .core import _app, database_option, instance_option, main
from .forms import CLI, _print_problems, _sheets


@main.group("catalogue")
def catalogue() -> None:
    """The upper-level basic catalogue (基本目录)."""


@catalogue.command("import")
@instance_option
@database_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--source", help="Publishing body (发布机关), unless the file has the column.")
@click.option("--edition-date", help="Edition date (2026-03-01), unless the file has it.")
@click.option("--dry-run", is_flag=True, help="Check and report; store nothing.")
def import_catalogue(instance, database, file, source, edition_date, dry_run) -> None:
    """Import one edition of a catalogue (XLSX, CSV or JSON)."""
    from ..services.basic_catalogue import import_catalogue as run
    from ..services.errors import DomainError

    app = _app(instance, database)
    _, sheets, book = _sheets(file)
    with app.extensions["qingdan"].session_factory() as session:
        try:
            report = run(
                session, CLI, sheets, source=source, edition_date=edition_date, dry_run=dry_run
            )
        except DomainError as exc:
            raise click.ClickException(exc.message) from exc
        finally:
            if book is not None:
                book.close()
    body = report.as_dict()
    click.echo(
        f"{body['rows']} 行：新增 {body['created']}，更新 {body['updated']}，"
        f"未变 {body['unchanged']}；" + ("已保存" if report.committed else "未保存")
    )
    if body["problems"]:
        _print_problems(body["problems"])
        raise SystemExit(1)


@main.command("alignment")
@instance_option
@database_option
@click.option("--unit", help="One unit's findings (credit or organisation code).")
@click.option(
    "--format", "fmt", type=click.Choice(["json", "csv", "xlsx"]), default="json", show_default=True
)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False), help="Write here (default stdout)."
)
def alignment_report(instance, database, unit, fmt, output) -> None:
    """The alignment report (上下对应、交叉) against the current catalogue edition."""
    from exporters import alignment_table

    from ..services import alignment
    from ..services.errors import DomainError

    app = _app(instance, database)
    with app.extensions["qingdan"].session_factory() as session:
        try:
            report = alignment.compute(session, unit=unit)
        except DomainError as exc:
            raise click.ClickException(exc.message) from exc
        findings = [f.as_dict() for f in report.findings]
        summary = report.summary()
    if fmt == "json":
        body = json.dumps(
            {"summary": summary, "findings": findings}, ensure_ascii=False, indent=1
        ).encode()
    elif fmt == "csv":
        body = alignment_table.to_csv(findings)
    else:
        body = alignment_table.to_xlsx(findings)
    if output:
        Path(output).write_bytes(body)
    elif fmt == "xlsx":
        raise click.ClickException("XLSX 请用 --output 指定文件")
    else:
        sys.stdout.buffer.write(body)
    click.echo(
        f"共 {summary['total']} 条，未解释 {summary['unexplained']} 条："
        + "，".join(f"{alignment.KINDS[k]} {n}" for k, n in summary["by_kind"].items() if n),
        err=True,
    )
