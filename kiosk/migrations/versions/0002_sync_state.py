"""Where the device's delivery to the office stands.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sync_state',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('acknowledged', sa.Integer(), nullable=False),
        sa.Column('last_attempt_at', sa.DateTime(), nullable=True),
        sa.Column('last_success_at', sa.DateTime(), nullable=True),
        sa.Column('last_error', sa.String(length=500), nullable=True),
        sa.Column('closing_acknowledged', sa.String(length=40), nullable=True),
        sa.CheckConstraint('id = 1', name='single_row'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.execute("INSERT INTO sync_state (id, acknowledged) VALUES (1, 0)")


def downgrade():
    op.drop_table('sync_state')
