"""Generate the OpenAPI document that is committed under openapi/ (CI fails on drift)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .app import create_app

COMMITTED = Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"


def generate() -> str:
    # An in-memory database: the document depends on the code only, never on data.
    app = create_app({"QINGDAN_DATABASE_URL": "sqlite://", "SERVER_NAME": "localhost"})
    document = app.extensions["qingdan"].api.spec.to_dict()
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main() -> int:
    """`python -m qingdan_api.openapi_doc [--check]`: write, or check, the committed file."""
    text = generate()
    if "--check" in sys.argv[1:]:
        if not COMMITTED.exists() or COMMITTED.read_text(encoding="utf-8") != text:
            print(f"{COMMITTED} is out of date; run `make openapi`", file=sys.stderr)
            return 1
        return 0
    COMMITTED.write_text(text, encoding="utf-8")
    print(f"wrote {COMMITTED}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
