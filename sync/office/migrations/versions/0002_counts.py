"""Counts: each count's inputs hash and outcome, the ballots it opened (shuffled, unlinked) and the tracking codes it counted.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 23:55:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('count',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('counted_by', sa.String(length=100), nullable=False),
    sa.Column('counting_rule', sa.String(length=30), nullable=False),
    sa.Column('input_hash', sa.String(length=64), nullable=False),
    sa.Column('outcome_hash', sa.String(length=64), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('differs_from', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_count_input_hash', 'count', ['input_hash'])
    op.create_table('counted_ballot',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('count_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.BigInteger(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('choices', sa.Text(), nullable=True),
    sa.Column('invalid_reason', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['count_id'], ['count.id']),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_counted_ballot_count_id', 'counted_ballot', ['count_id'])
    op.create_table('counted_code',
    sa.Column('count_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['count_id'], ['count.id']),
    sa.PrimaryKeyConstraint('count_id', 'code')
    )


def downgrade():
    op.drop_table('counted_code')
    op.drop_index('ix_counted_ballot_count_id', table_name='counted_ballot')
    op.drop_table('counted_ballot')
    op.drop_index('ix_count_input_hash', table_name='count')
    op.drop_table('count')
