"""requirements: assignment rules that count for clearance (their audience), calendar
recertification on them; exemptions from a required course; assignment notices

Revision ID: audience_0001
Revises: api_0001
Create Date: 2026-12-07 19:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'audience_0001'
down_revision = 'managers_0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assignment_rules') as batch_op:
        batch_op.add_column(
            sa.Column('required', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column('recertify_month', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('recertify_day', sa.Integer(), nullable=True))
    op.create_table(
        'exemptions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.String(length=100), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('ends_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['course_id'], ['courses.id']),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id']),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(
        'ix_exemptions_user_course', 'exemptions', ['user_id', 'course_id', 'ends_at']
    )
    op.create_table(
        'assignment_notices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('enrollment_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('error', sa.String(length=500), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('claimed_at', sa.DateTime(), nullable=True),
        sa.Column('sent_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id']),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('enrollment_id'),
    )
    op.create_index('ix_assignment_notices_status', 'assignment_notices', ['status'])
    op.create_index('ix_assignment_notices_user_id', 'assignment_notices', ['user_id'])


def downgrade():
    op.drop_index('ix_assignment_notices_user_id', table_name='assignment_notices')
    op.drop_index('ix_assignment_notices_status', table_name='assignment_notices')
    op.drop_table('assignment_notices')
    op.drop_index('ix_exemptions_user_course', table_name='exemptions')
    op.drop_table('exemptions')
    with op.batch_alter_table('assignment_rules') as batch_op:
        batch_op.drop_column('recertify_day')
        batch_op.drop_column('recertify_month')
        batch_op.drop_column('required')
