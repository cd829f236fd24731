"""The words each person is found by (:mod:`lms.rules.search_terms`), kept by
:mod:`lms.services.search_terms` in the transaction that writes the person."""

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.extensions import db


class PersonSearchTerm(db.Model):
    """One word of a person's name, their email or employee id, normalised.

    "Starts with" is a range on ``term``: PostgreSQL answers ``LIKE 'smi%'`` from the
    ``text_pattern_ops`` index (whatever the collation), SQLite a ``>= AND <`` range
    from the plain one; both read it alone (it holds the person's id). The primary key
    (person first) serves rewriting one person's terms.
    """

    __tablename__ = "person_search_terms"
    __table_args__ = (
        # With the person's id in the index, a search reads the index alone (no table
        # rows: the terms of one prefix lie scattered over the table).
        sa.Index(
            "ix_person_search_terms_term",
            "term",
            "user_id",
            postgresql_ops={"term": "text_pattern_ops"},
        ),
    )

    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    term: so.Mapped[str] = so.mapped_column(sa.String(254), primary_key=True)
