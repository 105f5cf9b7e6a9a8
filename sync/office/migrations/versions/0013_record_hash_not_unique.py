"""A record's hash is no longer a unique key of its own.

The office computes each record's hash from its fields, device id and sequence
among them, and (device_id, sequence) is unique already; a second unique index on
a random 64-character key was one more index written per stored record (about
4 µs of PostgreSQL's CPU per ballot, growing with the table) and no query looks
a record up by its hash.

Revision ID: 0011_record_hash_not_unique
Revises: 0010_records_without_keys
Create Date: 2026-12-01 20:25:00

"""
from alembic import op

revision = '0011_record_hash_not_unique'
down_revision = '0010_records_without_keys'
branch_labels = None
depends_on = None

NAMES = {"uq": "%(table_name)s_%(column_0_name)s_key"}  # PostgreSQL's own name, given to SQLite's unnamed constraint
APPEND_ONLY = "BEGIN SELECT RAISE(ABORT, 'ballot records are append-only'); END"


def upgrade():
    with op.batch_alter_table('ballot_record', naming_convention=NAMES) as batch:
        batch.drop_constraint('ballot_record_record_hash_key', type_='unique')
    _keep_append_only()


def downgrade():
    with op.batch_alter_table('ballot_record', naming_convention=NAMES) as batch:
        batch.create_unique_constraint('ballot_record_record_hash_key', ['record_hash'])
    _keep_append_only()


def _keep_append_only():
    """SQLite's batch mode makes the table anew, without the triggers of 0001 that refuse updates and deletes: make them again."""
    if op.get_bind().dialect.name != "sqlite":
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(f"DROP TRIGGER IF EXISTS ballot_record_no_{action.lower()}")
        op.execute(f"CREATE TRIGGER ballot_record_no_{action.lower()} BEFORE {action} ON ballot_record {APPEND_ONLY}")
