"""flask-smorest's Api with error messages that name the offending parameters."""

from __future__ import annotations

from flask_smorest import Api


class QingdanApi(Api):
    def handle_http_exception(self, error):
        # webargs reports {"query": {"limit": [...]}} without a message; name the params.
        data = getattr(error, "data", None)
        if data and "messages" in data and "message" not in data:
            names = [
                f"{location} parameter {name!r}" if location != "json" else f"field {name!r}"
                for location, fields in data["messages"].items()
                if isinstance(fields, dict)
                for name in fields
            ]
            if names:
                data["message"] = "invalid " + ", ".join(names)
        return super().handle_http_exception(error)
