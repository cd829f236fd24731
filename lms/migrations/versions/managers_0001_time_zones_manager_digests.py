"""A person's time zone; the weekly digests sent to managers

Revision ID: managers_0001
Revises: api_0001
Create Date: 2026-12-07 19:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'managers_0001'
down_revision = 'evidence_0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=True))
    op.create_table(
        'manager_digests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('manager_id', sa.Integer(), nullable=False),
        sa.Column('week', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('lang', sa.String(length=16), nullable=False),
        sa.Column('to_addr', sa.String(length=254), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('overdue', sa.Integer(), nullable=False),
        sa.Column('expiring', sa.Integer(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('error', sa.String(length=500), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('claimed_at', sa.DateTime(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ['manager_id'], ['users.id'], name=op.f('fk_manager_digests_manager_id_users')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_manager_digests')),
        sa.UniqueConstraint('manager_id', 'week', name='uq_manager_digests_key'),
    )
    with op.batch_alter_table('manager_digests') as batch_op:
        batch_op.create_index('ix_manager_digests_status', ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('manager_digests') as batch_op:
        batch_op.drop_index('ix_manager_digests_status')
    op.drop_table('manager_digests')
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('time_zone')
