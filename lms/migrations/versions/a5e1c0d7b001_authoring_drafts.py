"""authoring: drafts and publishing from the browser (issue: marketing authoring)

Drafts (course_drafts, course_draft_files), the exact bytes of every published file
(course_version_files) and where each version came from (course_versions.origin).
Versions published before this revision have no stored bytes; they export their
normalised sources instead.

Revision ID: a5e1c0d7b001
Revises: 3312be4fd097
Create Date: 2026-11-23 07:45:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'a5e1c0d7b001'
down_revision = '3312be4fd097'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('course_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin', sa.String(length=16), server_default='files',
                                      nullable=False))
    op.create_table('course_version_files',
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=500), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['course_versions.id'], name=op.f('fk_course_version_files_version_id_course_versions')),
    sa.PrimaryKeyConstraint('version_id', 'path', name=op.f('pk_course_version_files'))
    )
    op.create_table('course_drafts',
    sa.Column('course_id', sa.String(length=100), nullable=False),
    sa.Column('base_version_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['base_version_id'], ['course_versions.id'], name=op.f('fk_course_drafts_base_version_id_course_versions')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_course_drafts_course_id_courses')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_course_drafts_created_by_id_users')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_course_drafts_updated_by_id_users')),
    sa.PrimaryKeyConstraint('course_id', name=op.f('pk_course_drafts'))
    )
    op.create_table('course_draft_files',
    sa.Column('course_id', sa.String(length=100), nullable=False),
    sa.Column('path', sa.String(length=500), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['course_drafts.course_id'], name=op.f('fk_course_draft_files_course_id_course_drafts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('course_id', 'path', name=op.f('pk_course_draft_files'))
    )


def downgrade():
    op.drop_table('course_draft_files')
    op.drop_table('course_drafts')
    op.drop_table('course_version_files')
    with op.batch_alter_table('course_versions', schema=None) as batch_op:
        batch_op.drop_column('origin')
