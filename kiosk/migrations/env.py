"""Alembic's environment for the station's database: the one both apps share, in web/migrations.py."""

from alembic import context
from vallokal.web.migrations import run

run(context)
