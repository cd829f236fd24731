"""company_settings: the values filled into the {{company.KEY}} markers of course text,
and company_settings_version: one row naming their state, for caches

Revision ID: c0a1b2c3d401
Revises: b3e5d7f9a011
Create Date: 2026-12-12 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'c0a1b2c3d401'
down_revision = 'b3e5d7f9a011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'company_settings',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('value', sa.Text(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ['updated_by_id'], ['users.id'],
            name=op.f('fk_company_settings_updated_by_id_users'), ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_company_settings')),
    )
    op.create_table(
        'company_settings_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_company_settings_version')),
    )


def downgrade():
    op.drop_table('company_settings_version')
    op.drop_table('company_settings')
