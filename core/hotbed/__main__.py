"""`python -m hotbed`: the same as the `hotbed` command."""

from hotbed.cli import main

main()
