"""jobs: every background job we start (publishing, roster apply, the daily run, …), its
progress and its outcome

Revision ID: a9d4c2e7b010
Revises: scim_0001
Create Date: 2026-12-07 13:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'a9d4c2e7b010'
down_revision = 'scim_0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('key', sa.String(length=120), nullable=True),
        sa.Column('started_by_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=True),
        sa.Column('result', sa.JSON(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('heartbeat_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ['started_by_id'], ['users.id'],
            name=op.f('fk_jobs_started_by_id_users'), ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
        sa.UniqueConstraint('key', name=op.f('uq_jobs_key')),
    )
    with op.batch_alter_table('jobs') as batch_op:
        batch_op.create_index(batch_op.f('ix_jobs_kind'), ['kind'])
        batch_op.create_index(batch_op.f('ix_jobs_started_by_id'), ['started_by_id'])
        batch_op.create_index(batch_op.f('ix_jobs_created_at'), ['created_at'])
        batch_op.create_index('ix_jobs_status_heartbeat', ['status', 'heartbeat_at'])


def downgrade():
    with op.batch_alter_table('jobs') as batch_op:
        batch_op.drop_index('ix_jobs_status_heartbeat')
        batch_op.drop_index(batch_op.f('ix_jobs_created_at'))
        batch_op.drop_index(batch_op.f('ix_jobs_started_by_id'))
        batch_op.drop_index(batch_op.f('ix_jobs_kind'))
    op.drop_table('jobs')
