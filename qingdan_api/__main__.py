"""`python -m qingdan_api …` runs the `qingdan` command line."""

from .cli import main

main()
