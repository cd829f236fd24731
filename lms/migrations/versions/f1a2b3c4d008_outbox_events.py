"""outbox of domain events: what other systems may need to hear about, written in the
same transaction as the change it reports

Revision ID: f1a2b3c4d008
Revises: 7c1d5e0a9f31
Create Date: 2026-12-07 11:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'f1a2b3c4d008'
down_revision = '7c1d5e0a9f31'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'outbox_events',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('kind', sa.String(length=64), nullable=False),
        sa.Column('occurred_at', sa.DateTime(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('course_id', sa.String(length=100), nullable=True),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_events')),
    )
    with op.batch_alter_table('outbox_events') as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_events_user_id'), ['user_id'])


def downgrade():
    with op.batch_alter_table('outbox_events') as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_events_user_id'))
    op.drop_table('outbox_events')
