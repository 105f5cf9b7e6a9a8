"""Participation counters: per local day and name, never per voter.

Revision ID: 0005_participation_counters
Revises: 0004_paired_tablets
"""
import sqlalchemy as sa
from alembic import op

revision = '0005_participation_counters'
down_revision = '0004_paired_tablets'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'participation_counter',
        sa.Column('day', sa.String(length=10), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('day', 'name'),
        sqlite_with_rowid=False,
    )


def downgrade():
    op.drop_table('participation_counter')
