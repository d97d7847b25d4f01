"""A new city from nothing to a published list with only the command line and the API."""

from __future__ import annotations

import io
import json

from click.testing import CliRunner
from openpyxl import load_workbook

from qingdan_api.cli import main
from qingdan_api.domain.codes import make_credit_code
from qingdan_api.services.auth import create_token

from .conftest import csv_bytes, upload

BUREAU = make_credit_code("520102", "MD000001")
OFFICE = make_credit_code("520102", "MD000002")


def test_new_city_walk(app, client, database_url, tmp_path):
    runner = CliRunner()
    cli = ["--database", database_url, "--instance", str(tmp_path)]
    units = tmp_path / "units.csv"
    units.write_bytes(
        csv_bytes(
            [
                {
                    "统一社会信用代码": BUREAU,
                    "单位名称": "南明区市场监督管理局",
                    "单位简称": "区市监局",
                    "单位类型": "政府工作部门",
                    "实施主体性质": "法定机关",
                    "行政区划代码": "520102",
                    "行业代码": "12",
                },
                {
                    "统一社会信用代码": OFFICE,
                    "单位名称": "南明区人民政府研究室",
                    "单位类型": "department",
                    "实施主体性质": "1",
                    "行政区划代码": "520102",
                    "行业代码": "",
                },
            ]
        )
    )
    result = runner.invoke(main, ["units", "import", *cli, str(units)])
    assert result.exit_code == 0 and "新建 2" in result.output, result.output
    result = runner.invoke(
        main, ["zero-report", *cli, OFFICE[8:17], "--reason", "经自查无行政权力事项"]
    )
    assert result.exit_code == 0, result.output
    with app.extensions["qingdan"].session_factory() as session:
        tokens = {
            role: create_token(
                session, role=role, name=role, unit_credit_code=BUREAU if role == "editor" else None
            )[1]
            for role in ("editor", "reviewer", "publisher")
        }
    auth = {role: {"Authorization": f"Bearer {secret}"} for role, secret in tokens.items()}
    # The editor downloads the form, fills in the example row, forgets a value's shape.
    book = load_workbook(io.BytesIO(client.get("/api/@imports/template.xlsx").data))
    main_sheet = book["事项"]
    headers = [c.value for c in main_sheet[1]]
    main_sheet.cell(row=2, column=headers.index("法定办结时限") + 1, value="尽快办理")
    form = io.BytesIO()
    book.save(form)
    response = upload(client, "/api/@imports", form.getvalue(), auth["editor"], "form.xlsx")
    assert response.status_code == 422
    assert [(p["row"], p["column"]) for p in response.get_json()["problems"]] == [
        (2, "法定办结时限")
    ]
    # The same upload answered as the editor's own workbook, the cell marked in place.
    marked = upload(
        client, "/api/@imports?annotated=true", form.getvalue(), auth["editor"], "f.xlsx"
    )
    annotated = load_workbook(io.BytesIO(marked.data))
    cell = annotated["事项"].cell(row=2, column=headers.index("法定办结时限") + 1)
    assert "办结时限" in cell.comment.text and cell.fill.start_color.rgb.endswith("FFC7CE")
    assert annotated.sheetnames == book.sheetnames
    main_sheet.cell(row=2, column=headers.index("法定办结时限") + 1, value="20个工作日")
    form = io.BytesIO()
    book.save(form)
    report = upload(
        client, "/api/@imports", form.getvalue(), auth["editor"], "form.xlsx"
    ).get_json()
    assert report["created"] == 1, report
    code = report["items"][0]["code"]
    assert code.startswith(BUREAU + "4")

    def move(transition, role, **body):
        etag = client.get(f"/api/items/{code}/@draft", headers=auth["editor"]).headers["ETag"]
        response = client.post(
            f"/api/items/{code}/@workflow/{transition}",
            json=body,
            headers={**auth[role], "If-Match": etag},
        )
        assert response.status_code == 200, response.get_json()

    move("submit", "editor")
    move("review", "reviewer")
    move("approve", "reviewer")
    move("notice", "reviewer", notice_days=0)
    move("publish", "publisher")
    published = client.get(f"/api/items/{code}").get_json()
    assert published["name"] == "食品经营许可" and published["statutory_limit"]["amount"] == 20
    assert [s["name"] for s in published["process_steps"]] == ["受理", "审查", "决定"]
    office = client.get(f"/api/units/{OFFICE}").get_json()
    assert office["zero_report"] is True
    # The command line imports the same file: nothing changes.
    path = tmp_path / "form.xlsx"
    path.write_bytes(form.getvalue())
    result = runner.invoke(
        main, ["import", *cli, str(path), "--unit", BUREAU, "--report", str(tmp_path / "r.json")]
    )
    assert result.exit_code == 0 and "未变 1" in result.output, result.output
    assert json.loads((tmp_path / "r.json").read_text())["unchanged"] == 1
