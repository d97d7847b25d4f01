"""Schemathesis against the committed OpenAPI document, in process, on both databases.

Every documented operation gets generated requests (a bounded number per operation,
from a fixed seed, so a run is repeatable and short on two cores), sent with an admin
token so that the write endpoints are exercised past authentication. Every response
must conform to the document (status, content type, headers, body schema) and none may
be a server error. The operations are driven through schemathesis's Python API (its
pytest plugin does not support this pytest); every failing operation is reported.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

DOCUMENT = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"
EXAMPLES_PER_OPERATION = int(os.environ.get("QINGDAN_SCHEMATHESIS_EXAMPLES", "30"))
# Server errors and conformance of every response to the document. Not positive data
# acceptance: much of what the document allows is refused for reasons it cannot state
# (an unknown unit, a malformed cursor, a vocabulary value), with a documented 4xx.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


def _strategy(operation, world: dict):
    """Generated path parameters (mostly 404s), and the world's real ones (deeper cases:
    real drafts, notices, units), in positive and negative (schema-violating) modes."""
    names = [p.name for p in operation.path_parameters]
    real = {name: world[name] for name in names if name in world}
    if "code" in names and operation.method.upper() != "GET":
        real["code"] = world["draft_code"]
    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    strategies = [operation.as_strategy(mode) for mode in modes]
    if real and len(real) == len(names):
        strategies += [operation.as_strategy(mode, path_parameters=real) for mode in modes]
    return st.one_of(*strategies)


def _run(operation, world: dict, headers: dict, statuses: Counter) -> None:
    @given(case=_strategy(operation, world))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,  # the seed comes from the test itself: the same cases every run
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        statuses[response.status_code] += 1

    check()


def test_every_operation_conforms(app, world):
    # A server error must reach schemathesis as a 500, as a client would see it.
    app.config["TESTING"] = False
    schema = schemathesis.openapi.from_dict(json.loads(DOCUMENT.read_text()))
    schema.app = app
    failures = {}
    operations = 0
    statuses: Counter[int] = Counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        try:
            # identity: the in-process client does not undo gzip as an HTTP client would.
            headers = {**world["tokens"]["admin"], "Accept-Encoding": "identity"}
            _run(operation, world, headers, statuses)
        except (Exception, BaseExceptionGroup) as exc:  # every failing operation
            failures[operation.label] = f"{type(exc).__name__}: {exc}"[:3000]
    print(f"schemathesis: {operations} operations, {statuses.total()} cases, {dict(statuses)}")
    assert operations >= 40
    assert not failures, "\n\n".join(f"{k}\n{v}" for k, v in failures.items())
