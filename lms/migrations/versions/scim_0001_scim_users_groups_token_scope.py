"""SCIM provisioning: the identity provider's names for people (scim_users), groups and
their members, and a scope on API tokens (clearance or scim)

Revision ID: scim_0001
Revises: a1b2c3d4e012
Create Date: 2026-12-07 13:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'scim_0001'
down_revision = 'a1b2c3d4e012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_tokens') as batch_op:
        batch_op.add_column(
            sa.Column('scope', sa.String(length=16), server_default='clearance', nullable=False)
        )
    op.create_table(
        'scim_users',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('user_name', sa.String(length=254), nullable=False),
        sa.Column('user_name_key', sa.String(length=254), nullable=False),
        sa.Column('external_id', sa.String(length=254), nullable=True),
        sa.Column('attributes', sa.JSON(), nullable=False),
        sa.Column('deleted_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_scim_users_user_id_users')
        ),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_scim_users')),
        sa.UniqueConstraint('user_name_key', name=op.f('uq_scim_users_user_name_key')),
    )
    with op.batch_alter_table('scim_users') as batch_op:
        batch_op.create_index(batch_op.f('ix_scim_users_external_id'), ['external_id'])
    op.create_table(
        'groups',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('display_name', sa.String(length=200), nullable=False),
        sa.Column('name_key', sa.String(length=200), nullable=False),
        sa.Column('external_id', sa.String(length=254), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_groups')),
        sa.UniqueConstraint('name_key', name=op.f('uq_groups_name_key')),
    )
    with op.batch_alter_table('groups') as batch_op:
        batch_op.create_index(batch_op.f('ix_groups_external_id'), ['external_id'])
    op.create_table(
        'group_members',
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('display', sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ['group_id'], ['groups.id'], name=op.f('fk_group_members_group_id_groups')
        ),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_group_members_user_id_users')
        ),
        sa.PrimaryKeyConstraint('group_id', 'user_id', name=op.f('pk_group_members')),
    )
    with op.batch_alter_table('group_members') as batch_op:
        batch_op.create_index(batch_op.f('ix_group_members_user_id'), ['user_id'])


def downgrade():
    with op.batch_alter_table('group_members') as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_members_user_id'))
    op.drop_table('group_members')
    with op.batch_alter_table('groups') as batch_op:
        batch_op.drop_index(batch_op.f('ix_groups_external_id'))
    op.drop_table('groups')
    with op.batch_alter_table('scim_users') as batch_op:
        batch_op.drop_index(batch_op.f('ix_scim_users_external_id'))
    op.drop_table('scim_users')
    with op.batch_alter_table('api_tokens') as batch_op:
        batch_op.drop_column('scope')
