"""Import fixtures: an admin token and helpers to upload files."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from qingdan_api.services.auth import create_token

REALWORLD = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "realworld"
if not REALWORLD.exists():  # a checkout outside the shared workspace
    REALWORLD = Path("/work/shared/reference/realworld")


@pytest.fixture(scope="module")
def admin(app) -> dict[str, str]:
    with app.extensions["qingdan"].session_factory() as session:
        _, secret = create_token(session, role="admin", name="import-admin")
    return {"Authorization": f"Bearer {secret}"}


def csv_bytes(rows: list[dict]) -> bytes:
    out = io.StringIO()
    names = list(dict.fromkeys(name for row in rows for name in row))
    writer = csv.DictWriter(out, fieldnames=names)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def upload(client, url: str, data: bytes, headers: dict, filename: str = "form.csv"):
    return client.post(
        url,
        data={"file": (io.BytesIO(data), filename)},
        headers=headers,
        content_type="multipart/form-data",
    )


def district_rows() -> list[dict]:
    return json.loads((REALWORLD / "district-item-index.json").read_text())
