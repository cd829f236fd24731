"""roster import: users.roster_managed and the roster_uploads table

Accounts that exist before this revision were made by hand, so they start with
roster_managed false: no import will ever deactivate them.

Revision ID: 3312be4fd097
Revises: 911bc03ce5ca
Create Date: 2026-11-23 07:34:40.235292

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '3312be4fd097'
down_revision = '911bc03ce5ca'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('roster_uploads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('applied_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_roster_uploads_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_uploads'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('roster_managed', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('roster_managed')

    op.drop_table('roster_uploads')
