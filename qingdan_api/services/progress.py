"""What long-running services report progress to: anything with `total` and `update(n)`.

The command line passes a tqdm bar; the API and the tests pass nothing. Services never
draw anything themselves.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """A progress sink: `total` may be set once known; `update(n)` adds n done steps."""

    total: float | None

    def update(self, n: float = 1) -> bool | None: ...
