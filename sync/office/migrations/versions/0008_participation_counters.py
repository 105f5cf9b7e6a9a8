"""Participation counters: each station's anonymous counters per local polling day, from its signed status.

Revision ID: 0006_participation_counters
Revises: 0005_publication
Create Date: 2026-12-01 13:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0006_participation_counters'
down_revision = '0005_publication'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('participation_counter',
    sa.Column('device_id', sa.String(length=64), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('count', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['device.device_id'], ),
    sa.PrimaryKeyConstraint('device_id', 'day', 'name')
    )


def downgrade():
    op.drop_table('participation_counter')
