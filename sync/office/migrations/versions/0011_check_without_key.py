"""The verifier's checks no longer carry a foreign key to ballot_record.

On PostgreSQL the key's check took a row lock on each checked record (a heap
write and a WAL record per record, about 10 µs of the server's CPU each), on the
same cores as ingest. The verifier writes only ids it has just read from
ballot_record, and records are never deleted.

Revision ID: 0009_check_without_key
Revises: 0008_held_alert
Create Date: 2026-12-01 20:10:00

"""
from alembic import op

revision = '0009_check_without_key'
down_revision = '0008_held_alert'
branch_labels = None
depends_on = None

NAMES = {"fk": "%(table_name)s_%(column_0_name)s_fkey"}  # PostgreSQL's own name, given to SQLite's unnamed key


def upgrade():
    with op.batch_alter_table('record_check', naming_convention=NAMES) as batch:
        batch.drop_constraint('record_check_record_id_fkey', type_='foreignkey')


def downgrade():
    with op.batch_alter_table('record_check', naming_convention=NAMES) as batch:
        batch.create_foreign_key('record_check_record_id_fkey', 'ballot_record', ['record_id'], ['id'])
