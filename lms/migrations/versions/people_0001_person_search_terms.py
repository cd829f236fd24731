"""People search: the words each person is found by (name words, email, employee id)

Revision ID: people_0001
Revises: api_0001
Create Date: 2026-12-07 19:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'people_0001'
down_revision = 'audience_0001'
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade():
    terms = op.create_table(
        'person_search_terms',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('term', sa.String(length=254), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('user_id', 'term'),
    )
    op.create_index(
        'ix_person_search_terms_term',
        'person_search_terms',
        ['term', 'user_id'],
        unique=False,
        postgresql_ops={'term': 'text_pattern_ops'},
    )
    # The people already there, a batch at a time (the same rule the app applies).
    from lms.rules.search_terms import terms_of

    bind = op.get_bind()
    users = sa.table(
        'users', sa.column('id'), sa.column('name'), sa.column('email'), sa.column('employee_id')
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(users.c.id, users.c.name, users.c.email, users.c.employee_id)
            .where(users.c.id > last)
            .order_by(users.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        values = [
            {'user_id': uid, 'term': term}
            for uid, name, email, employee_id in rows
            for term in terms_of(name, email, employee_id)
        ]
        bind.execute(sa.insert(terms), values)
        last = rows[-1][0]


def downgrade():
    op.drop_index('ix_person_search_terms_term', table_name='person_search_terms')
    op.drop_table('person_search_terms')
