"""Operations from the staff panel: pausing, named tablets, and the events they log.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

OLD_KINDS = ('station_created', 'package_loaded', 'polls_opened', 'polls_closed', 'ballot_cast', 'pin_changed', 'pin_failed', 'pin_locked', 'error')
NEW_KINDS = OLD_KINDS + ('polls_paused', 'polls_resumed', 'tablet_named', 'tablet_forgotten', 'tablet_activated', 'sync_requested', 'exported', 'clock_wrong')


def kinds(names):
    return "kind IN (" + ", ".join(f"'{name}'" for name in names) + ")"


def upgrade():
    with op.batch_alter_table('station') as batch:
        batch.add_column(sa.Column('paused', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('event', recreate='always') as batch:
        batch.drop_constraint('event_kind', type_='check')
        batch.create_check_constraint('event_kind', kinds(NEW_KINDS))
    op.create_table(
        'tablet',
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column('named_at', sa.DateTime(), nullable=False),
        sa.Column('activated_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('token_hash'),
        sa.UniqueConstraint('name'),
    )


def downgrade():
    op.drop_table('tablet')
    op.execute("DELETE FROM event WHERE NOT (" + kinds(OLD_KINDS) + ")")
    with op.batch_alter_table('event', recreate='always') as batch:
        batch.drop_constraint('event_kind', type_='check')
        batch.create_check_constraint('event_kind', kinds(OLD_KINDS))
    with op.batch_alter_table('station') as batch:
        batch.drop_column('paused')
