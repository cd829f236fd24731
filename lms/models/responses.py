"""Each answered question of a submitted attempt, one narrow row apiece, for item analysis."""

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.extensions import db


class AttemptResponse(db.Model):
    """One drawn question of one submitted quiz attempt: what was chosen and whether it
    was right, written with the submission (and backfilled from ``quiz_attempts``).

    The item analysis aggregates these by version, question and language; reading the
    attempts' JSON for that would parse every attempt on every page view. No person is
    named here: the attempt id is the only way back, and the reports never take it.

    ``chosen`` is the chosen answer ids, sorted and comma-separated ("b" or "a,c").
    ``rest_score`` is the share (0..1) of the attempt's *other* questions answered right
    (points as graded), the criterion the discrimination index compares with; None when
    the attempt drew one question only.
    """

    __tablename__ = "attempt_responses"
    __table_args__ = (
        # The analysis reads one version's rows grouped by question and language, from the
        # index alone on PostgreSQL (an index-only scan in group order).
        sa.Index(
            "ix_attempt_responses_version_item",
            "course_version_id",
            "question_id",
            "lang",
            "correct",
            "chosen",
            "rest_score",
        ),
    )

    attempt_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("quiz_attempts.id"), primary_key=True
    )
    question_id: so.Mapped[str] = so.mapped_column(sa.Text, primary_key=True)
    course_id: so.Mapped[str] = so.mapped_column(sa.String(100))
    course_version_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("course_versions.id"))
    lang: so.Mapped[str] = so.mapped_column(sa.String(16))
    correct: so.Mapped[bool]
    chosen: so.Mapped[str] = so.mapped_column(sa.Text)
    rest_score: so.Mapped[float | None]
