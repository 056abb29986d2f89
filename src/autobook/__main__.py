"""`python -m autobook` is the `autobook` command."""

from autobook.cli import main

main(prog_name="autobook")
