"""The board and its jobs: background jobs, records held for the board, record checks by the verifier, the audit log, and station status times.

Revision ID: 0004_board_and_jobs
Revises: 0003
Create Date: 2026-12-01 09:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0004_board_and_jobs'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('device') as batch:
        batch.add_column(sa.Column('compromised_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('zero_report_at', sa.String(length=17), nullable=True))
        batch.add_column(sa.Column('package_loaded_at', sa.String(length=17), nullable=True))
    op.create_table('job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('phase', sa.String(length=30), nullable=False),
    sa.Column('done', sa.BigInteger(), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('requested_by', sa.String(length=100), nullable=False),
    sa.Column('queued_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('result_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name='job_state'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_job_state', 'job', ['state'])
    op.create_table('held_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('held_at', sa.DateTime(), nullable=False),
    sa.Column('decision', sa.String(length=10), nullable=True),
    sa.Column('decided_by', sa.String(length=100), nullable=True),
    sa.Column('approved_by', sa.String(length=100), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("decision IS NULL OR decision IN ('count', 'leave_out')", name='held_decision'),
    sa.ForeignKeyConstraint(['record_id'], ['ballot_record.id']),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('record_id', 'reason', name='one_hold_per_reason')
    )
    op.create_index('ix_held_record_record_id', 'held_record', ['record_id'])
    op.create_table('record_check',
    sa.Column('record_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('checked_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['ballot_record.id']),
    sa.PrimaryKeyConstraint('record_id')
    )
    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('done_by', sa.String(length=100), nullable=False),
    sa.Column('approved_by', sa.String(length=100), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade():
    op.drop_table('audit_entry')
    op.drop_table('record_check')
    op.drop_index('ix_held_record_record_id', table_name='held_record')
    op.drop_table('held_record')
    op.drop_index('ix_job_state', table_name='job')
    op.drop_table('job')
    with op.batch_alter_table('device') as batch:
        batch.drop_column('package_loaded_at')
        batch.drop_column('zero_report_at')
        batch.drop_column('compromised_at')
