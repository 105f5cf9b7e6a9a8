"""Ballot records no longer carry foreign keys to device and bundle.

On PostgreSQL each key's check is a query per stored record (about 11–16 µs of
the server's CPU per ballot for the two), on the cores ingest needs. The merge
stores records only for the device row it has read or made and the bundle row it
has just written, in the same transaction, and neither is ever deleted.

Revision ID: 0010_records_without_keys
Revises: 0009_check_without_key
Create Date: 2026-12-01 20:15:00

"""
from alembic import op

revision = '0010_records_without_keys'
down_revision = '0009_check_without_key'
branch_labels = None
depends_on = None

NAMES = {"fk": "%(table_name)s_%(column_0_name)s_fkey"}  # PostgreSQL's own names, given to SQLite's unnamed keys


def upgrade():
    with op.batch_alter_table('ballot_record', naming_convention=NAMES) as batch:
        batch.drop_constraint('ballot_record_device_id_fkey', type_='foreignkey')
        batch.drop_constraint('ballot_record_bundle_id_fkey', type_='foreignkey')
    _keep_append_only()


def downgrade():
    with op.batch_alter_table('ballot_record', naming_convention=NAMES) as batch:
        batch.create_foreign_key('ballot_record_device_id_fkey', 'device', ['device_id'], ['device_id'])
        batch.create_foreign_key('ballot_record_bundle_id_fkey', 'bundle', ['bundle_id'], ['id'])
    _keep_append_only()


def _keep_append_only():
    """SQLite's batch mode makes the table anew, without the triggers of 0001 that refuse updates and deletes: make them again."""
    if op.get_bind().dialect.name != "sqlite":
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(f"DROP TRIGGER IF EXISTS ballot_record_no_{action.lower()}")
        op.execute(
            f"CREATE TRIGGER ballot_record_no_{action.lower()} BEFORE {action} ON ballot_record "
            "BEGIN SELECT RAISE(ABORT, 'ballot records are append-only'); END"
        )
