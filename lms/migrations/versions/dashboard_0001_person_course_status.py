"""person_course_status: each person's stored status in each required course (the dates
the HR dashboard compares with the clock), backfilled with one INSERT … SELECT

Revision ID: dashboard_0001
Revises: api_0001
Create Date: 2026-12-07 19:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'dashboard_0001'
down_revision = 'people_0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'person_course_status',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.String(length=100), nullable=False),
        sa.Column('valid_until', sa.DateTime(), nullable=True),
        sa.Column('certified_major', sa.Integer(), nullable=True),
        sa.Column('certified_minor', sa.Integer(), nullable=True),
        sa.Column('certified_at', sa.DateTime(), nullable=True),
        sa.Column('certified_expires_at', sa.DateTime(), nullable=True),
        sa.Column('first_certified_at', sa.DateTime(), nullable=True),
        sa.Column('due_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ['course_id'], ['courses.id'], name=op.f('fk_person_course_status_course_id_courses')
        ),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_person_course_status_user_id_users')
        ),
        sa.PrimaryKeyConstraint('user_id', 'course_id', name=op.f('pk_person_course_status')),
    )
    op.create_index(
        'ix_person_course_status_valid_until',
        'person_course_status',
        ['course_id', 'valid_until'],
    )
    op.create_index(
        'ix_person_course_status_due_at', 'person_course_status', ['course_id', 'due_at']
    )
    _backfill()


def _backfill():
    """Everyone's rows, by the statement the app keeps them current with (set-based)."""
    from lms.models import CourseVersion
    from lms.rules.clearance import RequiredCourse
    from lms.services.person_status import insert_statement

    bind = op.get_bind()
    rows = bind.execute(
        sa.select(
            CourseVersion.course_id,
            CourseVersion.major,
            CourseVersion.minor,
            CourseVersion.required,
            CourseVersion.recertify_by,
        ).order_by(CourseVersion.course_id, CourseVersion.major, CourseVersion.minor)
    ).all()
    latest, deadlines = {}, {}
    for course_id, major, minor, required, recertify_by in rows:
        latest[course_id] = (major, minor, required)
        if recertify_by is not None:
            deadlines.setdefault(course_id, {}).setdefault(major, recertify_by)
    required = [
        RequiredCourse(cid, major, minor, deadlines.get(cid, {}))
        for cid, (major, minor, is_required) in latest.items()
        if is_required
    ]
    # Without the person's columns: dashboard_0002 adds them (and fills them in).
    bind.execute(insert_statement(required, None, people=False))


def downgrade():
    op.drop_index('ix_person_course_status_due_at', table_name='person_course_status')
    op.drop_index('ix_person_course_status_valid_until', table_name='person_course_status')
    op.drop_table('person_course_status')
