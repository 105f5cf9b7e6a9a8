"""Key shares: a count names the board members whose shares opened the sealing key.

Revision ID: 0004_key_shares
Revises: 0005_follow_up
Create Date: 2026-12-01 00:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0004_key_shares'
down_revision = '0005_follow_up'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('count') as batch:
        batch.add_column(sa.Column('key_holders', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('count') as batch:
        batch.drop_column('key_holders')
