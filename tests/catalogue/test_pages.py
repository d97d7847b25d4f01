"""The catalogue's entries page by basic code (a module of its own: its edition, dated
2027, would otherwise be the current one for the edition tests, whatever their order)."""

from __future__ import annotations

from qingdan_api.services.auth import create_token

from ..imports.conftest import csv_bytes, upload
from .test_editions import row


def test_catalogue_pages(app, client):
    with app.extensions["qingdan"].session_factory() as session:
        _, secret = create_token(session, role="admin", name="pages-admin")
    rows = [row(f"4401130{n:02d}000", f"事项{n}", "2027-01-01") for n in range(1, 6)]
    upload(
        client, "/api/@catalogue/@imports", csv_bytes(rows), {"Authorization": f"Bearer {secret}"}
    )
    first = client.get("/api/@catalogue?limit=2").get_json()
    assert first["items_total"] == 5 and len(first["items"]) == 2
    seen = [e["basic_code"] for e in first["items"]]
    following = first["next"]
    while following:
        page = client.get(following).get_json()
        seen += [e["basic_code"] for e in page["items"]]
        following = page.get("next")
    assert seen == [r["基本编码"] for r in rows]
    assert client.get("/api/@catalogue?cursor=abc").status_code == 400
