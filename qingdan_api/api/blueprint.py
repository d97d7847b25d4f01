"""flask-smorest's Blueprint, with each request's argument schema built once, not per request."""

from __future__ import annotations

from typing import Any

import flask_smorest
from marshmallow import Schema


class Blueprint(flask_smorest.Blueprint):
    def arguments(self, schema: type[Schema] | Schema, *args: Any, **kwargs: Any):
        """As flask-smorest's `arguments`; a schema class is instantiated here, once.

        webargs instantiates a schema class it is given on every request, and marshmallow
        deep-copies the declared fields each time: 9 % of a page of 50 items under the
        profiler (bench/results/peer_bench.md). Our argument schemas keep no state between
        loads (no `context`, no hooks), so one instance serves every request and thread.
        """
        if isinstance(schema, type):
            schema = schema()
        return super().arguments(schema, *args, **kwargs)
