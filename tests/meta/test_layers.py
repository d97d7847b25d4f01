"""The layer contracts in pyproject.toml ([tool.importlinter]) hold: imports go one way."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def test_import_contracts_are_kept():
    # Its own process: import-linter configures logging with dictConfig, which disables
    # every logger that exists, so in-process it silenced the app's warnings for every
    # later test of the same worker.
    result = subprocess.run(
        [str(LINT_IMPORTS), str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
