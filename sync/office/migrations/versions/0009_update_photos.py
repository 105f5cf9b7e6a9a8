"""An optional photo on a project update: its bytes and the type read from them.

Revision ID: 0007_update_photos
Revises: 0006_participation_counters
Create Date: 2026-12-01 13:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0007_update_photos'
down_revision = '0006_participation_counters'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('project_update') as batch:
        batch.add_column(sa.Column('photo', sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column('photo_type', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('project_update') as batch:
        batch.drop_column('photo_type')
        batch.drop_column('photo')
