"""Other channels: paper ballots typed in twice, and files of votes from other platforms.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 00:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('paper_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sheet', sa.String(length=40), nullable=False),
    sa.Column('entered_by', sa.String(length=100), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('choices', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_paper_entry_sheet', 'paper_entry', ['sheet'])
    op.create_table('imported_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('filename', sa.String(length=300), nullable=False),
    sa.Column('imported_by', sa.String(length=100), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('ballots', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('sha256')
    )
    op.create_table('imported_ballot',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('choices', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['imported_file.id']),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_imported_ballot_file_id', 'imported_ballot', ['file_id'])


def downgrade():
    op.drop_index('ix_imported_ballot_file_id', table_name='imported_ballot')
    op.drop_table('imported_ballot')
    op.drop_table('imported_file')
    op.drop_index('ix_paper_entry_sheet', table_name='paper_entry')
    op.drop_table('paper_entry')
