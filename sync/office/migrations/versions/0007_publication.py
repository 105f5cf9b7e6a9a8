"""Publication: each device's signed closing report kept whole, and each count's publication archive.

Revision ID: 0005_publication
Revises: 0004_key_shares
Create Date: 2026-12-01 00:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0005_publication'
down_revision = '0004_key_shares'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('device') as batch:
        batch.add_column(sa.Column('closing_report', sa.Text(), nullable=True))
    op.create_table('publication',
    sa.Column('count_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('archive', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['count_id'], ['count.id'], ),
    sa.PrimaryKeyConstraint('count_id')
    )


def downgrade():
    op.drop_table('publication')
    with op.batch_alter_table('device') as batch:
        batch.drop_column('closing_report')
