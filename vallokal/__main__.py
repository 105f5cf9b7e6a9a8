"""`python -m vallokal` is the `vallokal` command."""

from .cli import cli

cli()
