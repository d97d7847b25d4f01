"""`python -m qingdan_api …` runs the `qingdan` command line."""

from .cli import main

# Guarded: a dump's second process (spawn) imports the parent's main module again.
if __name__ == "__main__":
    main()
