"""Follow-up: the eligible population per area, and what became of each winning project.

Revision ID: 0005_follow_up
Revises: 0004_board_and_jobs
Create Date: 2026-12-01 00:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0005_follow_up'
down_revision = '0004_board_and_jobs'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('eligible_population',
    sa.Column('area', sa.String(length=200), nullable=False),
    sa.Column('population', sa.BigInteger(), nullable=False),
    sa.Column('entered_by', sa.String(length=100), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('population > 0', name='population_positive'),
    sa.PrimaryKeyConstraint('area')
    )
    op.create_table('project_update',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('on_date', sa.String(length=10), nullable=False),
    sa.Column('texts', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('entered_by', sa.String(length=100), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('planned', 'started', 'done', 'changed', 'cancelled')", name='project_update_status'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_project_update_project_id', 'project_update', ['project_id'])


def downgrade():
    op.drop_index('ix_project_update_project_id', table_name='project_update')
    op.drop_table('project_update')
    op.drop_table('eligible_population')
