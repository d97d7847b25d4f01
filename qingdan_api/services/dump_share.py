"""A dump's second process: `python -m qingdan_api.services.dump_share`, job on stdin.

Started by services/dump_files.py; writes its share of the dump's files and prints the
answer of `dump_files.write_share` as JSON on stdout.
"""

from __future__ import annotations

import json
import sys

from .dump_files import write_share


def main() -> None:
    answer = write_share(json.loads(sys.stdin.read()))
    sys.stdout.write(json.dumps(answer))


if __name__ == "__main__":
    main()
