"""Alerts of kind held_record: a record held for the board at ingest or by the verifier (a voting code not the package's, a failed own signature).

Revision ID: 0008_held_alert
Revises: 0007_update_photos
Create Date: 2026-12-01 12:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0008_held_alert'
down_revision = '0007_update_photos'
branch_labels = None
depends_on = None

OLD_KINDS = ('conflict', 'revoked_device', 'closing_mismatch', 'outside_window', 'code_used_twice')
NEW_KINDS = OLD_KINDS + ('held_record',)


def _kinds(kinds):
    return "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")"


def _table(kinds):
    return sa.Table('alert', sa.MetaData(),
                    sa.Column('id', sa.Integer(), primary_key=True),
                    sa.Column('at', sa.DateTime(), nullable=False),
                    sa.Column('kind', sa.String(length=30), nullable=False),
                    sa.Column('device_id', sa.String(length=64), nullable=True),
                    sa.Column('detail', sa.Text(), nullable=False),
                    sa.CheckConstraint(_kinds(kinds), name='alert_kind'))


def _allow(kinds):
    if op.get_bind().dialect.name == 'sqlite':
        with op.batch_alter_table('alert', copy_from=_table(kinds), recreate='always'):
            pass
    else:
        op.drop_constraint('alert_kind', 'alert', type_='check')
        op.create_check_constraint('alert_kind', 'alert', _kinds(kinds))


def upgrade():
    _allow(NEW_KINDS)


def downgrade():
    op.execute(sa.text("DELETE FROM alert WHERE kind = 'held_record'"))
    _allow(OLD_KINDS)
