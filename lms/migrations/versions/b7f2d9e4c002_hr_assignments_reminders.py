"""hr: assignment rules, reminders (issue: HR)

assignment_rules (who must take which course, by when), reminders_sent (every reminder
e-mail, recorded before it is sent, under a unique key), and the indexes the scheduled
jobs need: open enrolments by due date, certifications by person and course,
clearances by valid_until.

Revision ID: b7f2d9e4c002
Revises: a5e1c0d7b001
Create Date: 2026-11-23 07:45:01

"""
import sqlalchemy as sa
from alembic import op

revision = 'b7f2d9e4c002'
down_revision = 'a5e1c0d7b001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('assignment_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.String(length=100), nullable=False),
    sa.Column('scope_kind', sa.String(length=16), nullable=False),
    sa.Column('scope_value', sa.String(length=120), nullable=True),
    sa.Column('due_kind', sa.String(length=16), nullable=False),
    sa.Column('due_date', sa.DateTime(), nullable=True),
    sa.Column('due_days', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_assignment_rules_course_id_courses')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_assignment_rules_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment_rules'))
    )
    op.create_index(op.f('ix_assignment_rules_course_id'), 'assignment_rules', ['course_id'], unique=False)
    op.create_table('reminders_sent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('week', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('lang', sa.String(length=16), nullable=False),
    sa.Column('to_addr', sa.String(length=254), nullable=False),
    sa.Column('cc_addr', sa.String(length=254), nullable=True),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('claimed_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], name=op.f('fk_reminders_sent_enrollment_id_enrollments')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_reminders_sent_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminders_sent')),
    sa.UniqueConstraint('enrollment_id', 'kind', 'due_at', 'week', name='uq_reminders_sent_key')
    )
    op.create_index('ix_reminders_sent_status', 'reminders_sent', ['status'], unique=False)
    op.create_index(op.f('ix_reminders_sent_user_id'), 'reminders_sent', ['user_id'], unique=False)
    op.create_index('ix_enrollments_open_due', 'enrollments', ['due_at'], unique=False,
                    sqlite_where=sa.text('completed_at IS NULL'),
                    postgresql_where=sa.text('completed_at IS NULL'))
    op.create_index('ix_certifications_person_course', 'certifications',
                    ['user_id', 'course_id', 'expires_at'], unique=False)
    op.create_index('ix_clearances_valid_until', 'clearances', ['valid_until'], unique=False)


def downgrade():
    op.drop_index('ix_clearances_valid_until', table_name='clearances')
    op.drop_index('ix_certifications_person_course', table_name='certifications')
    op.drop_index('ix_enrollments_open_due', table_name='enrollments')
    op.drop_index(op.f('ix_reminders_sent_user_id'), table_name='reminders_sent')
    op.drop_index('ix_reminders_sent_status', table_name='reminders_sent')
    op.drop_table('reminders_sent')
    op.drop_index(op.f('ix_assignment_rules_course_id'), table_name='assignment_rules')
    op.drop_table('assignment_rules')
