"""person_course_status carries each person's active flag, department, country and
manager (filled from users, then kept by a trigger on users), so the HR dashboard
aggregates one table; a partial index on users holds the people who left

Revision ID: dashboard_0002
Revises: dashboard_0001
Create Date: 2026-12-07 23:00:00

"""
import sqlalchemy as sa
from alembic import op

from lms.models.person_status import FOLLOW_USERS_DDL

revision = 'dashboard_0002'
down_revision = 'dashboard_0001'
branch_labels = None
depends_on = None

COLUMNS = ('active', 'department', 'country', 'manager_id')


def upgrade():
    with op.batch_alter_table('person_course_status') as batch:
        batch.add_column(
            sa.Column('active', sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.add_column(sa.Column('department', sa.String(length=120), nullable=True))
        batch.add_column(sa.Column('country', sa.String(length=2), nullable=True))
        batch.add_column(sa.Column('manager_id', sa.Integer(), nullable=True))
    # One set-based UPDATE: a correlated row value works on both databases.
    listed = ', '.join(COLUMNS)
    op.execute(
        f'UPDATE person_course_status SET ({listed}) = '
        f'(SELECT {listed} FROM users WHERE users.id = person_course_status.user_id)'
    )
    for statement in FOLLOW_USERS_DDL.get(op.get_bind().dialect.name, []):
        op.execute(statement)
    op.create_index(
        'ix_users_inactive',
        'users',
        ['id'],
        postgresql_where=sa.text('NOT active'),
        sqlite_where=sa.text('NOT active'),
    )


def downgrade():
    op.drop_index('ix_users_inactive', table_name='users')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER person_course_status_follows_users ON users')
        op.execute('DROP FUNCTION person_course_status_follow_user()')
    else:
        op.execute('DROP TRIGGER person_course_status_follows_users')
    with op.batch_alter_table('person_course_status') as batch:
        for column in reversed(COLUMNS):
            batch.drop_column(column)
