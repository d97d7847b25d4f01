"""What the file-reading commands share: the command line's principal, reading a form,
printing its problems."""

from __future__ import annotations

from pathlib import Path

import click

from ..services.auth import ADMIN, Principal

CLI = Principal(0, "cli", ADMIN)


def _sheets(path: str):
    from ..intake.reader import UnreadableFile, read_form

    data = Path(path).read_bytes()
    try:
        sheets, book = read_form(data, path)
    except UnreadableFile as exc:
        raise click.ClickException(exc.message) from exc
    return data, sheets, book


def _print_problems(problems: list[dict], limit: int = 50) -> None:
    for p in problems[:limit]:
        where = f"{p.get('sheet', '')} 第{p['row']}行 {p['column']}".strip()
        click.echo(
            f"  {where}：{p['message']}" + (f"（{p['value']}）" if p.get("value") else ""), err=True
        )
    if len(problems) > limit:
        click.echo(f"  … 以及另外 {len(problems) - limit} 个问题（--report 写出全部）", err=True)
