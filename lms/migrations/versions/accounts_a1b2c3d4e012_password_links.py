"""password links: invitations and password resets, with one-time tokens stored hashed

Revision ID: a1b2c3d4e012
Revises: ad31c0de5e11
Create Date: 2026-12-07 13:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'a1b2c3d4e012'
down_revision = 'ad31c0de5e11'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'password_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=True),
        sa.Column('password_mark', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('claimed_by', sa.String(length=32), nullable=True),
        sa.Column('claimed_at', sa.DateTime(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('error', sa.String(length=500), nullable=True),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.Column('expires_at', sa.DateTime(), nullable=True),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_password_links_user_id_users')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_password_links')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_password_links_token_hash')),
    )
    with op.batch_alter_table('password_links') as batch_op:
        batch_op.create_index('ix_password_links_status', ['status'])
        batch_op.create_index(batch_op.f('ix_password_links_user_id'), ['user_id'])


def downgrade():
    with op.batch_alter_table('password_links') as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_links_user_id'))
        batch_op.drop_index('ix_password_links_status')
    op.drop_table('password_links')
