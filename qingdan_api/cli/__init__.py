"""The `qingdan` command line: `main` and every subcommand.

`core` holds the group and its shared options; each feature module adds its commands to
it. Modules import `core`, never this package, so there is no import circle.
"""

from __future__ import annotations

from . import catalogue, dump, harvest, imports, search  # noqa: F401 (they add their commands)
from .core import main
from .tokens import token

main.add_command(token)

__all__ = ["main"]
