"""scim push and social handles: the SCIM targets the cleared group is pushed to, the
accounts known there, employees' work handles, and the public check's daily counts

Revision ID: b3e5d7f9a011
Revises: b2c3d4e5f011
Create Date: 2026-12-07 15:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'b3e5d7f9a011'
down_revision = 'b2c3d4e5f011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'scim_push_targets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('base_url', sa.String(length=500), nullable=False),
        sa.Column('group_id', sa.String(length=254), nullable=True),
        sa.Column('cursor', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
        sa.Column('last_success_at', sa.DateTime(), nullable=True),
        sa.Column('last_reconcile_at', sa.DateTime(), nullable=True),
        sa.Column('last_error_at', sa.DateTime(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_scim_push_targets')),
        sa.UniqueConstraint('base_url', name=op.f('uq_scim_push_targets_base_url')),
    )
    op.create_table(
        'scim_push_accounts',
        sa.Column('target_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('remote_id', sa.String(length=254), nullable=False),
        sa.Column('created_here', sa.Boolean(), nullable=False),
        sa.Column('in_group', sa.Boolean(), nullable=False),
        sa.Column('deactivated', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ['target_id'], ['scim_push_targets.id'],
            name=op.f('fk_scim_push_accounts_target_id_scim_push_targets'),
        ),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_scim_push_accounts_user_id_users')
        ),
        sa.PrimaryKeyConstraint('target_id', 'user_id', name=op.f('pk_scim_push_accounts')),
    )
    with op.batch_alter_table('scim_push_accounts') as batch_op:
        batch_op.create_index(batch_op.f('ix_scim_push_accounts_user_id'), ['user_id'])
    op.create_table(
        'social_handles',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('platform', sa.String(length=20), nullable=False),
        sa.Column('handle', sa.String(length=200), nullable=False),
        sa.Column('display_name', sa.String(length=100), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_social_handles_user_id_users')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_social_handles')),
        sa.UniqueConstraint('platform', 'handle', name='uq_social_handles_platform'),
    )
    with op.batch_alter_table('social_handles') as batch_op:
        batch_op.create_index(batch_op.f('ix_social_handles_user_id'), ['user_id'])
    op.create_table(
        'handle_lookup_counts',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('platform', sa.String(length=20), nullable=False),
        sa.Column('answered_yes', sa.Boolean(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            'day', 'platform', 'answered_yes', name=op.f('pk_handle_lookup_counts')
        ),
    )


def downgrade():
    op.drop_table('handle_lookup_counts')
    with op.batch_alter_table('social_handles') as batch_op:
        batch_op.drop_index(batch_op.f('ix_social_handles_user_id'))
    op.drop_table('social_handles')
    with op.batch_alter_table('scim_push_accounts') as batch_op:
        batch_op.drop_index(batch_op.f('ix_scim_push_accounts_user_id'))
    op.drop_table('scim_push_accounts')
    op.drop_table('scim_push_targets')
