"""Signing keys for Open Badges credentials; xAPI statements sent to a Learning Record
Store and the fan-out's progress

Revision ID: badge_0001
Revises: api_0001
Create Date: 2026-12-07 19:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'badge_0001'
down_revision = 'cert_0001'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        'signing_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kid', sa.String(length=64), nullable=False),
        sa.Column('alg', sa.String(length=16), nullable=False),
        sa.Column('public_jwk', sa.JSON(), nullable=False),
        sa.Column('private_sealed', sa.Text(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('retired_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('kid'),
    )
    op.create_table(
        'xapi_sends',
        sa.Column('id', BigId, nullable=False),
        sa.Column('event_id', BigId, nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
        sa.Column('give_up_at', sa.DateTime(), nullable=False),
        sa.Column('claimed_by', sa.String(length=32), nullable=True),
        sa.Column('claimed_at', sa.DateTime(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('last_status_code', sa.Integer(), nullable=True),
        sa.Column('last_detail', sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('event_id'),
    )
    op.create_index('ix_xapi_sends_status_event', 'xapi_sends', ['status', 'event_id'])
    op.create_index('ix_xapi_sends_status_due', 'xapi_sends', ['status', 'next_attempt_at'])
    op.create_index('ix_xapi_sends_user_event', 'xapi_sends', ['user_id', 'event_id'])
    op.create_table(
        'xapi_progress',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('settled_event_id', BigId, nullable=False),
        sa.Column('seen_event_id', BigId, nullable=False),
        sa.Column('seen_at', sa.DateTime(), nullable=True),
        sa.Column('scanned_event_id', BigId, nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )


def downgrade():
    op.drop_table('xapi_progress')
    op.drop_index('ix_xapi_sends_user_event', table_name='xapi_sends')
    op.drop_index('ix_xapi_sends_status_due', table_name='xapi_sends')
    op.drop_index('ix_xapi_sends_status_event', table_name='xapi_sends')
    op.drop_table('xapi_sends')
    op.drop_table('signing_keys')
