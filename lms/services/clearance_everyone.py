"""Everyone's clearance recomputed with a few set-based statements.

The rule for one person is :func:`lms.rules.clearance.evaluate`; this module says the same
thing in SQL for everyone at once, so that publishing a version of a required course
costs a handful of statements instead of a Python loop per person (which took minutes at
100,000 people and grew the process by gigabytes at 1,000,000). Nothing is loaded into
Python: memory stays flat whatever the number of people.

Every step writes in the caller's transaction:

1. ``clearance_recompute`` (a temporary table): each person's new answer, built by CASE
   expressions that mirror the rule (the best valid certification per required course,
   else why not), next to their stored answer, and whether the answer changed (the
   summary ``refresh`` compares: cleared, valid_until, the reasons' codes);
2. ``clearance_changes``: before and after of exactly the people whose answer changed;
3. an audit event and a ``clearance.changed`` outbox event for each of them
   (``INSERT … SELECT``);
4. ``UPDATE … FROM`` the stored answers, and ``INSERT … SELECT`` for people who had none.

tests/services/test_clearance_everyone.py checks answers, reasons, courses and events
against the per-person rule, on SQLite and PostgreSQL.
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from lms.extensions import db
from lms.extensions import on_postgresql
from lms.models.types import UTCDateTime
from lms.rules import clearance as rules

CLEARED, GRACE = rules.CLEARED, rules.GRACE
STAGING, CHANGES = "clearance_recompute", "clearance_changes"


def recompute(required: Sequence[rules.RequiredCourse], now: datetime) -> int:
    """Step: recompute everyone's clearance under ``required`` as of ``now``, recording
    audit and ``clearance.changed`` events for exactly the people whose answer changed.
    Returns the number of people."""
    sql = _Sql.for_session()
    statement = _Statement(sql, required, now)
    run = db.session.execute
    if sql.postgresql:
        # Writers of single clearances wait until this transaction ends, so none is
        # overwritten by an answer computed before it committed.
        run(sa.text("LOCK TABLE clearances IN SHARE ROW EXCLUSIVE MODE"))
    for table in (STAGING, CHANGES):
        run(sa.text(f"DROP TABLE IF EXISTS {table}"))
    run(statement.staging())
    if sql.postgresql:
        run(sa.text(f"ANALYZE {STAGING}"))  # temporary tables have no statistics otherwise
    run(statement.changes())
    run(statement.audit_events())
    run(statement.outbox_events())
    run(statement.update_answers())
    run(statement.insert_answers())
    count = db.session.scalar(sa.text(f"SELECT COUNT(*) FROM {STAGING}"))
    for table in (STAGING, CHANGES):
        run(sa.text(f"DROP TABLE {table}"))
    return int(count or 0)


class _Sql:
    """The few expressions that differ between SQLite and PostgreSQL."""

    def __init__(self, postgresql: bool):
        self.postgresql = postgresql

    @classmethod
    def for_session(cls) -> "_Sql":
        return cls(on_postgresql())

    def temp_table(self, name: str) -> str:
        suffix = " ON COMMIT DROP" if self.postgresql else ""
        return f"CREATE TEMPORARY TABLE {name}{suffix} AS "

    def iso(self, expr: str) -> str:
        """``lms.models.types.iso`` of a stored UTC timestamp: ISO 8601 with ``+00:00``,
        microseconds only when there are any (as ``datetime.isoformat`` writes it)."""
        if self.postgresql:
            return (
                f"(to_char({expr}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN "
                f"extract(microseconds from {expr})::int % 1000000 = 0 THEN '' "
                f"ELSE to_char({expr}, '.US') END || '+00:00')"
            )
        # SQLAlchemy stores "YYYY-MM-DD HH:MM:SS.ffffff" on SQLite.
        return (
            f"(substr({expr}, 1, 10) || 'T' || substr({expr}, 12, 8) || CASE WHEN "
            f"length({expr}) < 26 OR substr({expr}, 21, 6) = '000000' THEN '' "
            f"ELSE substr({expr}, 20, 7) END || '+00:00')"
        )

    def object_text(self, *pairs: tuple[str, str]) -> str:
        """A JSON object, as text, from (key, SQL expression) pairs, keys in order."""
        args = ", ".join(f"'{key}', {value}" for key, value in pairs)
        if self.postgresql:
            return f"json_build_object({args})::text"
        return f"json_object({args})"

    def json(self, text: str) -> str:
        """JSON text as a value of a JSON column."""
        return f"CAST({text} AS json)" if self.postgresql else f"json({text})"

    def timestamp(self, expr: str) -> str:
        """A timestamp parameter or NULL, typed (SQLite keeps SQLAlchemy's text as is: a
        CAST there would turn it into a number)."""
        return f"CAST({expr} AS TIMESTAMP)" if self.postgresql else expr

    def json_boolean(self, expr: str) -> str:
        return f"CASE WHEN {expr} THEN 'true' ELSE 'false' END"

    def least(self, exprs: list[str]) -> str:
        if len(exprs) == 1:
            return exprs[0]
        return f"{'LEAST' if self.postgresql else 'min'}({', '.join(exprs)})"

    def codes_text(self, reasons: str) -> str:
        """The reasons' codes joined by commas ('' for none): what changes a summary."""
        if self.postgresql:
            inner = (
                f"SELECT string_agg(r.e ->> 'code', ',' ORDER BY r.n) "
                f"FROM json_array_elements({reasons}) WITH ORDINALITY AS r(e, n)"
            )
        else:
            inner = (
                f"SELECT group_concat(json_extract(r.value, '$.code'), ',') "
                f"FROM json_each({reasons}) AS r"
            )
        return f"COALESCE(({inner}), '')"

    def codes_json(self, reasons: str) -> str:
        """The reasons' codes as a JSON array text, as ``clearance._summary`` lists them."""
        if self.postgresql:
            inner = (
                f"SELECT json_agg(r.e ->> 'code' ORDER BY r.n)::text "
                f"FROM json_array_elements({reasons}) WITH ORDINALITY AS r(e, n)"
            )
        else:
            inner = (
                f"SELECT json_group_array(json_extract(r.value, '$.code')) "
                f"FROM json_each({reasons}) AS r"
            )
        return f"COALESCE(({inner}), '[]')"

    def summary(self, cleared: str, valid_until: str, reasons: str) -> str:
        """``clearance._summary`` of a stored or staged answer, as JSON text."""
        if self.postgresql:
            return (
                f"json_build_object('cleared', {cleared}, 'valid_until', {self.iso(valid_until)}, "
                f"'reasons', CAST({self.codes_json(reasons)} AS json))::text"
            )
        return (
            f"json_object('cleared', json({self.json_boolean(cleared)}), "
            f"'valid_until', {self.iso(valid_until)}, 'reasons', json({self.codes_json(reasons)}))"
        )

    def event_payload(self) -> str:
        """The ``clearance.changed`` payload from a row of ``clearance_changes``."""
        if self.postgresql:
            return (
                "json_build_object('employee_id', employee_id, "
                "'before', CAST(before AS json), 'after', CAST(after AS json))"
            )
        return (
            "json_object('employee_id', employee_id, 'before', json(before), 'after', json(after))"
        )


class _Statement:
    """The statements of one recompute: the rule as SQL for ``required`` at ``now``."""

    def __init__(self, sql: _Sql, required: Sequence[rules.RequiredCourse], now: datetime):
        self.sql = sql
        self.required = list(required)
        self.ks = range(len(self.required))
        self.params: list[sa.BindParameter] = [sa.bindparam("now", now, type_=UTCDateTime)]
        for k, course in enumerate(self.required):
            self.params.append(sa.bindparam(f"course_{k}", course.id))
            self.params.append(sa.bindparam(f"current_{k}", f"{course.major}.{course.minor}"))

    def _course(self, k: int) -> str:
        """Required course k's id, as a typed value (PostgreSQL cannot guess a parameter's
        type inside json_build_object)."""
        return f"CAST(:course_{k} AS TEXT)"

    # -- binding ---------------------------------------------------------------------------

    def _bind_timestamp(self, name: str, value: datetime | None) -> str:
        self.params.append(sa.bindparam(name, value, type_=UTCDateTime))
        return self.sql.timestamp(f":{name}")

    def _text(self, sql: str) -> sa.TextClause:
        used = [p for p in self.params if f":{p.key}" in sql]
        return sa.text(sql).bindparams(*used)

    # -- 1. the new answers -----------------------------------------------------------------

    def staging(self) -> sa.TextClause:
        """Everyone's new answer beside their stored one, and whether it changed."""
        sql = self.sql
        cleared, valid_until = self._answer()
        reasons, codes = self._reasons()
        courses = [self._course_json(k) for k in self.ks]
        courses_json = "'[' || " + " || ',' || ".join(courses) + " || ']'" if courses else "'[]'"
        answers = (
            f"SELECT d.user_id, d.employee_id, {cleared} AS cleared, "
            f"{valid_until} AS valid_until, {sql.json(reasons)} AS reasons, "
            f"{sql.json(courses_json)} AS courses, {codes} AS codes "
            f"FROM ({self._decided()}) AS d"
        )
        # What clearance.refresh compares: its summary, and nothing for a first "no".
        changed = (
            "CASE WHEN o.user_id IS NULL THEN a.cleared ELSE (o.cleared <> a.cleared "
            "OR o.valid_until IS DISTINCT FROM a.valid_until "
            f"OR {sql.codes_text('o.reasons')} <> a.codes) END"
        )
        return self._text(
            sql.temp_table(STAGING) + "SELECT a.*, o.user_id IS NOT NULL AS had_answer, "
            f"{changed} AS changed FROM ({answers}) AS a "
            "LEFT JOIN clearances AS o ON o.user_id = a.user_id"
        )

    def _answer(self) -> tuple[str, str]:
        """Cleared iff active and every required course cleared or in grace (none: never);
        valid until the earliest of the courses' dates."""
        if not self.required:  # the gate fails closed
            return "FALSE", self.sql.timestamp("NULL")
        ok = " AND ".join(f"d.s_{k} IN ('{CLEARED}', '{GRACE}')" for k in self.ks)
        cleared = f"(d.active AND {ok})"
        earliest = self.sql.least([f"d.u_{k}" for k in self.ks])
        return cleared, f"CASE WHEN {cleared} THEN {earliest} END"

    def _decided(self) -> str:
        """Per person: active, and per required course k its status s_k, the date it
        counts until u_k (valid certifications only) and the certified version v_k."""
        columns = ["u.id AS user_id", "u.employee_id", "u.active"]
        for k in self.ks:
            columns += [
                f"COALESCE(p.s_{k}, '{rules.NOT_CERTIFIED}') AS s_{k}",
                f"p.u_{k}",
                f"p.v_{k}",
            ]
        if not self.required:
            return f"SELECT {', '.join(columns)} FROM users AS u"
        return (
            f"SELECT {', '.join(columns)} FROM users AS u "
            f"LEFT JOIN ({self._per_person()}) AS p ON p.user_id = u.id"
        )

    def _per_person(self) -> str:
        """One row per person holding any certification in a required course: the
        per-course columns side by side."""
        status = (
            f"CASE WHEN b.valid AND b.on_current THEN '{CLEARED}' "
            f"WHEN b.valid THEN '{GRACE}' "
            # unexpired and active, so only a recertification deadline can have passed
            f"WHEN b.live = 1 THEN '{rules.SUPERSEDED}' "
            f"WHEN b.any_active = 1 THEN '{rules.EXPIRED}' "
            f"ELSE '{rules.REVOKED}' END"
        )
        columns = ["b.user_id"]
        for k in self.ks:
            this = f"b.course_id = {self._course(k)}"
            columns += [
                f"MAX(CASE WHEN {this} THEN {status} END) AS s_{k}",
                f"MAX(CASE WHEN {this} AND b.valid THEN b.until END) AS u_{k}",
                f"MAX(CASE WHEN {this} THEN CASE WHEN b.valid THEN b.version "
                f"ELSE b.latest_version END END) AS v_{k}",
            ]
        return (
            f"SELECT {', '.join(columns)} FROM ({self._best()}) AS b "
            "WHERE b.place = 1 GROUP BY b.user_id"
        )

    def _best(self) -> str:
        """Each person's certifications in the required courses, ranked per course as the
        rule ranks them (valid first, then on the current major, then the longest, then
        the first issued), with what the rule needs when none is valid."""
        version = "CAST(c.major AS TEXT) || '.' || CAST(c.minor AS TEXT)"
        per = "PARTITION BY c.user_id, c.course_id"
        return (
            f"SELECT c.user_id, c.course_id, c.valid, c.on_current, c.until, {version} AS version, "
            f"FIRST_VALUE({version}) OVER ({per} ORDER BY c.issued_at DESC, c.id) "
            "AS latest_version, "
            f"MAX(CASE WHEN c.is_active AND c.expires_at > :now THEN 1 ELSE 0 END) OVER ({per}) "
            "AS live, "
            f"MAX(CASE WHEN c.is_active THEN 1 ELSE 0 END) OVER ({per}) AS any_active, "
            f"ROW_NUMBER() OVER ({per} ORDER BY c.valid DESC, c.on_current DESC, c.until DESC, "
            "c.id) AS place "
            f"FROM ({self._judged()}) AS c"
        )

    def _judged(self) -> str:
        """Each certification in a required course: valid now, on the current major (no
        recertification deadline for its major), and until when it counts."""
        return (
            "SELECT c.*, (c.is_active AND c.expires_at > :now "
            "AND (c.deadline IS NULL OR c.deadline > :now)) AS valid, "
            "c.deadline IS NULL AS on_current, "
            "CASE WHEN c.deadline IS NOT NULL AND c.deadline < c.expires_at "
            "THEN c.deadline ELSE c.expires_at END AS until "
            f"FROM ({self._with_deadlines()}) AS c"
        )

    def _with_deadlines(self) -> str:
        """Certifications in required courses, each with the recertification deadline its
        major is under (:meth:`RequiredCourse.deadline_for`), NULL for none."""
        ids = ", ".join(self._course(k) for k in self.ks)
        cases = " ".join(
            f"WHEN {self._course(k)} THEN {self._deadline_case(k, course)}"
            for k, course in enumerate(self.required)
        )
        return (
            "SELECT c.id, c.user_id, c.course_id, c.major, c.minor, c.issued_at, "
            f"c.expires_at, c.status = 'active' AS is_active, "
            f"CASE c.course_id {cases} END AS deadline "
            f"FROM certifications AS c WHERE c.course_id IN ({ids})"
        )

    def _deadline_case(self, k: int, course: rules.RequiredCourse) -> str:
        # deadline_for(m) only changes at the majors that set a deadline: below each such
        # major, the deadline is what the rule gives for the major just under it.
        steps = [
            f"WHEN c.major < {int(major)} THEN "
            + self._bind_timestamp(f"deadline_{k}_{n}", course.deadline_for(major - 1))
            for n, major in enumerate(sorted(course.recertify_by))
        ]
        if not steps:
            return self.sql.timestamp("NULL")
        return f"CASE {' '.join(steps)} END"

    def _course_json(self, k: int) -> str:
        """Course k's status as the API returns it (``clearance._course_json``)."""
        return self.sql.object_text(
            ("course_id", self._course(k)),
            ("status", f"d.s_{k}"),
            ("valid_until", self.sql.iso(f"d.u_{k}")),
            ("certified_version", f"d.v_{k}"),
            ("current_version", f"CAST(:current_{k} AS TEXT)"),
        )

    def _reasons(self) -> tuple[str, str]:
        """The reasons as JSON text, and their codes joined by commas: inactive first,
        then every course not cleared in order, then "no required courses"."""
        sql = self.sql
        null = "CAST(NULL AS TEXT)"

        def reason(code: str, course_id: str = null, until: str = null) -> str:
            return sql.object_text(("code", code), ("course_id", course_id), ("until", until))

        pieces = [("NOT d.active", "'inactive'", reason("'inactive'"))]
        for k in self.ks:
            until = f"CASE WHEN d.s_{k} = '{GRACE}' THEN {sql.iso(f'd.u_{k}')} END"
            pieces.append(
                (f"d.s_{k} <> '{CLEARED}'", f"d.s_{k}", reason(f"d.s_{k}", self._course(k), until))
            )
        if not self.required:
            code = "'no_required_courses'"
            pieces.append(("TRUE", code, reason(code)))
        # Each present piece adds ",item"; the first comma is cut off.
        items = " || ".join(
            f"COALESCE(CASE WHEN {when} THEN ',' || {item} END, '')" for when, _, item in pieces
        )
        codes = " || ".join(
            f"COALESCE(CASE WHEN {when} THEN ',' || {code} END, '')" for when, code, _ in pieces
        )
        return f"'[' || substr({items}, 2) || ']'", f"substr({codes}, 2)"

    # -- 2. who changed, 3. their events -----------------------------------------------------

    def changes(self) -> sa.TextClause:
        sql = self.sql
        before = (
            "CASE WHEN o.user_id IS NULL THEN 'null' ELSE "
            f"{sql.summary('o.cleared', 'o.valid_until', 'o.reasons')} END"
        )
        after = sql.summary("s.cleared", "s.valid_until", "s.reasons")
        return self._text(
            sql.temp_table(CHANGES)
            + f"SELECT s.user_id, s.employee_id, {before} AS before, {after} AS after "
            f"FROM {STAGING} AS s LEFT JOIN clearances AS o ON o.user_id = s.user_id "
            "WHERE s.changed"
        )

    def audit_events(self) -> sa.TextClause:
        json = self.sql.json
        return self._text(
            "INSERT INTO audit_events "
            "(occurred_at, actor_id, action, subject_user_id, course_id, before, after) "
            f"SELECT :now, NULL, 'clearance.changed', user_id, NULL, {json('before')}, "
            f"{json('after')} FROM {CHANGES} ORDER BY user_id"
        )

    def outbox_events(self) -> sa.TextClause:
        return self._text(
            "INSERT INTO outbox_events (kind, occurred_at, user_id, course_id, payload) "
            f"SELECT 'clearance.changed', :now, user_id, NULL, {self.sql.event_payload()} "
            f"FROM {CHANGES} ORDER BY user_id"
        )

    # -- 4. the stored answers ---------------------------------------------------------------

    def update_answers(self) -> sa.TextClause:
        return self._text(
            "UPDATE clearances SET cleared = s.cleared, valid_until = s.valid_until, "
            "reasons = s.reasons, courses = s.courses, computed_at = :now "
            f"FROM {STAGING} AS s WHERE clearances.user_id = s.user_id AND s.had_answer"
        )

    def insert_answers(self) -> sa.TextClause:
        return self._text(
            "INSERT INTO clearances (user_id, cleared, valid_until, reasons, courses, computed_at) "
            f"SELECT user_id, cleared, valid_until, reasons, courses, :now FROM {STAGING} "
            "WHERE NOT had_answer ORDER BY user_id"
        )
