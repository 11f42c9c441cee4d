"""`python -m directory ...` runs the same command as the `directory` console script."""

from .cli import main

main()
