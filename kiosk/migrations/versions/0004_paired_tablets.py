"""Paired tablets: one-time pairing codes.

Revision ID: 0004_paired_tablets
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = '0004_paired_tablets'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'pairing_code',
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=60), nullable=True),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('token_hash'),
    )


def downgrade():
    op.drop_table('pairing_code')
