"""leads lead departments (one or several), granted by an admin; indexes for the admin's
people search (the start of a name, email or employee id)

Every existing lead leads their own department, as they saw it before.

Revision ID: ad31c0de5e11
Revises: f1a2b3c4d008
Create Date: 2026-12-07 13:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'ad31c0de5e11'
down_revision = 'f1a2b3c4d008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'lead_departments',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('department', sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_lead_departments_user_id_users')
        ),
        sa.PrimaryKeyConstraint('user_id', 'department', name=op.f('pk_lead_departments')),
    )
    op.execute(
        "INSERT INTO lead_departments (user_id, department) "
        "SELECT users.id, users.department FROM users "
        "JOIN user_roles ON user_roles.user_id = users.id "
        "WHERE user_roles.role = 'lead' AND users.department IS NOT NULL"
    )
    postgresql = op.get_bind().dialect.name == 'postgresql'
    with op.batch_alter_table('users') as batch_op:
        batch_op.create_index(
            'ix_users_lower_name',
            [sa.text('lower(name) text_pattern_ops' if postgresql else 'lower(name)')],
        )
        for column in ('email', 'employee_id'):
            batch_op.create_index(
                f'ix_users_{column}_pattern', [column], postgresql_ops={column: 'text_pattern_ops'}
            )


def downgrade():
    with op.batch_alter_table('users') as batch_op:
        for column in ('email', 'employee_id'):
            batch_op.drop_index(f'ix_users_{column}_pattern')
        batch_op.drop_index('ix_users_lower_name')
    op.drop_table('lead_departments')
