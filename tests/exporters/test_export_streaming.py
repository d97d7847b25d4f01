"""Writers are lazy generators: output starts before the input ends, whatever its length."""

from __future__ import annotations

import copy
import io
import itertools
import zipfile

import pytest

from exporters import registry


class Counting:
    """An endless record source that counts how many records were drawn from it."""

    def __init__(self, template: dict) -> None:
        self.template = template
        self.drawn = 0

    def __iter__(self):
        for n in itertools.count():
            self.drawn += 1
            record = copy.deepcopy(self.template)
            record["code"] = f"{record['code'][:-6]}{n:06d}"
            yield record


@pytest.mark.parametrize("name", ["json", "ndjson", "csv", "xml", "csv-zip"])
def test_output_starts_before_the_input_ends(records, schema, name):
    source = Counting(records[0])
    chunks = registry.get(name).write(source, schema=schema)
    # An endless source only works if records are written as they arrive. Deflate swallows
    # thousands of these near-identical rows before the ZIP emits its first compressed block,
    # and chunks are ~64 KiB of compressed output: 200 KB of ZIP is ~18 MB of these rows.
    taken = list(itertools.islice((c for c in chunks if c), 3))
    assert len(taken) == 3
    assert 0 < source.drawn < (60_000 if name == "csv-zip" else 20_000)


@pytest.mark.parametrize("name", ["json", "ndjson", "csv", "xml"])
def test_first_bytes_go_out_alone_then_chunks_of_64_kib(records, schema, name):
    source = Counting(records[0])
    chunks = registry.get(name).write(source, schema=schema)
    first = next(chunks)
    # The header (or `[`, the XML declaration, or for NDJSON the first record) at once,
    # before more than one record is read: a streamed download starts right away.
    assert 0 < len(first) < 8000
    assert source.drawn <= 1
    second = next(chunks)
    third = next(chunks)
    # Then records are gathered into chunks of ~64 KiB (a record is 0.5 KB in CSV, 3 KB
    # in JSON, 5 KB in XML): a chunk holds a few records, never the whole input.
    assert 64 * 1024 <= len(second) < 64 * 1024 + 6000
    assert 64 * 1024 <= len(third) < 64 * 1024 + 6000
    assert source.drawn <= (300 if name == "csv" else 60)


def test_zip_spills_child_tables_to_disk_and_stays_valid(records, schema):
    # Enough child rows to pass the 1 MiB in-memory spool limit.
    many = []
    for n in range(300):
        record = copy.deepcopy(records[3])
        record["code"] = f"{record['code'][:-6]}{n:06d}"
        many.append(record)
    data = b"".join(registry.get("csv-zip").write(many, schema=schema))
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        steps = zf.read("process_steps.csv").decode().splitlines()
    assert len(steps) == 1 + 300 * len(records[3]["process_steps"])
