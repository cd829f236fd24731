"""attestations (a learner's written affirmation behind a certification) and
attempt_responses (one narrow row per answered question, for item analysis), the
latter backfilled from the submitted attempts' JSON

Revision ID: attest_b011
Revises: a9d4c2e7b010
Create Date: 2026-12-07 15:30:00

"""
import sqlalchemy as sa
from alembic import op


revision = 'attest_b011'
down_revision = 'a9d4c2e7b010'
branch_labels = None
depends_on = None

#: Attempts read per batch by the backfill: memory stays flat at any size.
BATCH = 2000


def upgrade():
    op.create_table(
        'attempt_responses',
        sa.Column('attempt_id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Text(), nullable=False),
        sa.Column('course_id', sa.String(length=100), nullable=False),
        sa.Column('course_version_id', sa.Integer(), nullable=False),
        sa.Column('lang', sa.String(length=16), nullable=False),
        sa.Column('correct', sa.Boolean(), nullable=False),
        sa.Column('chosen', sa.Text(), nullable=False),
        sa.Column('rest_score', sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(
            ['attempt_id'], ['quiz_attempts.id'],
            name=op.f('fk_attempt_responses_attempt_id_quiz_attempts'),
        ),
        sa.ForeignKeyConstraint(
            ['course_version_id'], ['course_versions.id'],
            name=op.f('fk_attempt_responses_course_version_id_course_versions'),
        ),
        sa.PrimaryKeyConstraint('attempt_id', 'question_id', name=op.f('pk_attempt_responses')),
    )
    op.create_table(
        'attestations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('certification_id', sa.Integer(), nullable=False),
        sa.Column('attempt_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.String(length=100), nullable=False),
        sa.Column('course_version_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.String(length=16), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('lang', sa.String(length=16), nullable=False),
        sa.Column('statement', sa.Text(), nullable=False),
        sa.Column('typed_name', sa.String(length=200), nullable=False),
        sa.Column('ip_address', sa.String(length=45), nullable=True),
        sa.Column('attested_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['attempt_id'], ['quiz_attempts.id'],
            name=op.f('fk_attestations_attempt_id_quiz_attempts'),
        ),
        sa.ForeignKeyConstraint(
            ['certification_id'], ['certifications.id'],
            name=op.f('fk_attestations_certification_id_certifications'),
        ),
        sa.ForeignKeyConstraint(
            ['course_version_id'], ['course_versions.id'],
            name=op.f('fk_attestations_course_version_id_course_versions'),
        ),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'], name=op.f('fk_attestations_user_id_users'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_attestations')),
        sa.UniqueConstraint('attempt_id', name=op.f('uq_attestations_attempt_id')),
        sa.UniqueConstraint('certification_id', name=op.f('uq_attestations_certification_id')),
    )
    with op.batch_alter_table('attestations') as batch_op:
        batch_op.create_index(batch_op.f('ix_attestations_user_id'), ['user_id'])
    _backfill_responses()
    # After the rows: building the index once is cheaper than keeping it up per insert.
    with op.batch_alter_table('attempt_responses') as batch_op:
        batch_op.create_index(
            'ix_attempt_responses_version_item',
            ['course_version_id', 'question_id', 'lang', 'correct', 'chosen', 'rest_score'],
        )


def downgrade():
    with op.batch_alter_table('attestations') as batch_op:
        batch_op.drop_index(batch_op.f('ix_attestations_user_id'))
    op.drop_table('attestations')
    with op.batch_alter_table('attempt_responses') as batch_op:
        batch_op.drop_index('ix_attempt_responses_version_item')
    op.drop_table('attempt_responses')


# -- The backfill: self-contained, as the code it mirrors may change after this ----------

ATTEMPTS = sa.table(
    'quiz_attempts',
    sa.column('id', sa.Integer),
    sa.column('course_id', sa.String),
    sa.column('course_version_id', sa.Integer),
    sa.column('lang', sa.String),
    sa.column('status', sa.String),
    sa.column('questions', sa.JSON),
    sa.column('answers', sa.JSON),
)
VERSIONS = sa.table('course_versions', sa.column('id', sa.Integer), sa.column('payload', sa.JSON))
RESPONSES = sa.table(
    'attempt_responses',
    sa.column('attempt_id', sa.Integer),
    sa.column('question_id', sa.Text),
    sa.column('course_id', sa.String),
    sa.column('course_version_id', sa.Integer),
    sa.column('lang', sa.String),
    sa.column('correct', sa.Boolean),
    sa.column('chosen', sa.Text),
    sa.column('rest_score', sa.Double),
)


def _backfill_responses():
    """One row per drawn question of every submitted attempt, graded from the answer key
    frozen with the attempt's version, as lms.services.responses writes them."""
    conn = op.get_bind()
    keys: dict[int, dict] = {}
    last = 0
    while True:
        rows = conn.execute(
            sa.select(ATTEMPTS)
            .where(
                ATTEMPTS.c.id > last,
                ATTEMPTS.c.status == 'submitted',
                ATTEMPTS.c.answers.is_not(None),
            )
            .order_by(ATTEMPTS.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        out = []
        for row in rows:
            if row.course_version_id not in keys:
                keys[row.course_version_id] = _answer_keys(conn, row.course_version_id)
            out += _responses(row, keys[row.course_version_id])
        if out:
            conn.execute(RESPONSES.insert(), out)
        last = rows[-1].id


def _answer_keys(conn, version_id: int) -> dict:
    """{lang: {question id: (kind, right answer ids)}} of one published version."""
    payload = conn.scalar(sa.select(VERSIONS.c.payload).where(VERSIONS.c.id == version_id))
    keys = {}
    for lang, quiz in payload['quizzes'].items():
        keys[lang] = {
            q['id']: (q['kind'], frozenset(a['id'] for a in q['answers'] if a['correct']))
            for q in quiz['questions']
        }
    keys[None] = keys.get(payload['meta']['source_language'], {})
    return keys


def _points(kind: str, right: frozenset, chosen: frozenset) -> float:
    """lms.rules.grading.question_points as of this migration."""
    if kind != 'multiple':
        return 1.0 if chosen == right else 0.0
    return max(0.0, (len(chosen & right) - len(chosen - right)) / len(right))


def _responses(row, keys: dict) -> list[dict]:
    key = keys.get(row.lang) or keys[None]
    graded = []
    for drawn in row.questions:
        found = key.get(drawn['id'])
        if found is None:
            continue  # cannot happen: questions are drawn from the version's quiz
        chosen = frozenset((row.answers or {}).get(drawn['id'], ()))
        graded.append((drawn['id'], _points(found[0], found[1], chosen), chosen))
    total = sum(points for _, points, _ in graded)
    others = len(graded) - 1
    return [
        {
            'attempt_id': row.id,
            'question_id': question_id,
            'course_id': row.course_id,
            'course_version_id': row.course_version_id,
            'lang': row.lang,
            'correct': points >= 1.0,
            'chosen': ','.join(sorted(chosen)),
            'rest_score': (total - points) / others if others else None,
        }
        for question_id, points, chosen in graded
    ]
