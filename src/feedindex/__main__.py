"""`python -m feedindex` runs the command line."""

from .cli import main

main()
