"""job_files: the file a job produced (an evidence pack), in chunks

Revision ID: evidence_0001
Revises: api_0001
Create Date: 2026-12-07 19:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'evidence_0001'
down_revision = 'privacy_0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'job_files',
        sa.Column('job_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ['job_id'], ['jobs.id'],
            name=op.f('fk_job_files_job_id_jobs'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('job_id', 'seq', name=op.f('pk_job_files')),
    )


def downgrade():
    op.drop_table('job_files')
