"""user_sessions: one row per sign-in, so signing out ends it on the server

Flask-Login's cookies now carry the user id and a sign-in token whose SHA-256 is kept
here; deleting the row (sign out, sign out everywhere, new password, deactivation) makes
every copy of those cookies useless. Cookies from before this revision carry no token,
so everyone signs in once more after the upgrade.

Revision ID: 7c1d5e0a9f31
Revises: e8c4a0d3f007
Create Date: 2026-11-24 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '7c1d5e0a9f31'
down_revision = 'e8c4a0d3f007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_sessions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions'))
    )
    with op.batch_alter_table('user_sessions') as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('user_sessions') as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_user_id'))
    op.drop_table('user_sessions')
