"""course_versions: the payload becomes the row's last column

SQLite stores a row's columns in order and keeps a large value in a chain of overflow
pages, so reading any column after the payload (megabytes of rendered content) walks
that chain: `published_at`, `recertify_by` and `origin` were read that way on every
learner page and clearance check. Moving the payload to the end makes those reads
touch one page. (PostgreSQL keeps large values out of line anyway; the move is
harmless there.)

Revision ID: c4e8a2f1d005
Revises: b7f2d9e4c002
Create Date: 2026-11-23 11:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'c4e8a2f1d005'
down_revision = 'b7f2d9e4c002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('course_versions') as batch_op:
        batch_op.add_column(sa.Column('payload_moved', sa.JSON(), nullable=True))
    op.execute('UPDATE course_versions SET payload_moved = payload')
    with op.batch_alter_table('course_versions') as batch_op:
        batch_op.drop_column('payload')
        batch_op.alter_column('payload_moved', new_column_name='payload',
                              existing_type=sa.JSON(), nullable=False)


def downgrade():
    pass  # the column order carries no meaning: nothing to undo
