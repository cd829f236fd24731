"""Everyone's clearance recomputed with a few set-based statements.

The rule for one person is :func:`lms.rules.clearance.evaluate`; this module says the same
thing in SQL for everyone at once, so that publishing a version of a required course
costs a handful of statements instead of a Python loop per person (which took minutes at
100,000 people and grew the process by gigabytes at 1,000,000). Nothing is loaded into
Python: memory stays flat whatever the number of people.

Every step writes in the caller's transaction:

1. ``clearance_recompute`` (a temporary table): each person's new answer, built by CASE
   expressions that mirror the rule (the best valid certification per required course,
   else why not), next to the summary of their stored answer, and whether the answer
   changed (the summary ``refresh`` compares: cleared, valid_until, the reasons' codes);
2. an audit event and a ``clearance.changed`` outbox event for each person whose answer
   changed (``INSERT … SELECT`` from the diff);
3. ``UPDATE … FROM`` the stored answers, and ``INSERT … SELECT`` for people who had none;
   an answer that changed in any way is marked for the changes feed (``change_seq`` NULL).

JSON is written as text where that is cheaper than JSON functions (the summaries, the
list of reasons), always in the shape ``clearance.refresh`` writes.

tests/services/test_clearance_everyone.py checks answers, reasons, courses and events
against the per-person rule, on SQLite and PostgreSQL.
"""

import re
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from lms.extensions import db
from lms.extensions import on_postgresql
from lms.models import User
from lms.models.types import UTCDateTime
from lms.queries import audiences
from lms.queries import catalog
from lms.queries import clearances
from lms.rules import clearance as rules

CLEARED, GRACE = rules.CLEARED, rules.GRACE
STAGING = "clearance_recompute"
AUDIENCE = "clearance_audience"
EXEMPT = rules.EXEMPT
#: Later than any stored timestamp, as SQLite stores them (text): min() of several dates
#: is NULL there as soon as one is.
LATEST = "'9999-12-31 23:59:59.999999'"


def recompute(now: datetime) -> int:
    """Step: recompute everyone's clearance under the current required courses as of
    ``now``, recording audit and ``clearance.changed`` events for exactly the people whose
    answer changed. Returns the number of people."""
    sql = _Sql.for_session()
    run = db.session.execute
    if sql.postgresql:
        # One recompute at a time, and writers of single answers wait until it commits, so
        # nobody's answer is overwritten by one computed from an older state. Taken before
        # reading the required courses: a publish that committed meanwhile is included.
        run(sa.text("LOCK TABLE clearances IN SHARE ROW EXCLUSIVE MODE"))
    required = catalog.required_courses()
    statement = _Statement(sql, required, now)
    _fill_audiences(sql, required)
    run(sa.text(f"DROP TABLE IF EXISTS {STAGING}"))
    run(statement.staging())
    if sql.postgresql:
        run(sa.text(f"ANALYZE {STAGING}"))  # temporary tables have no statistics otherwise
    run(statement.audit_events())
    run(statement.outbox_events())
    run(statement.update_answers())
    run(statement.insert_answers())
    count = db.session.scalar(sa.text(f"SELECT COUNT(*) FROM {STAGING}"))
    run(sa.text(f"DROP TABLE {STAGING}"))
    run(sa.text(f"DROP TABLE {AUDIENCE}"))
    return int(count or 0)


def _fill_audiences(sql: "_Sql", required: Sequence[rules.RequiredCourse]) -> None:
    """``clearance_audience`` (a temporary table): (person, course) for each course
    required of a narrower audience than everyone, one INSERT … SELECT per course."""
    run = db.session.execute
    run(sa.text(f"DROP TABLE IF EXISTS {AUDIENCE}"))
    suffix = " ON COMMIT DROP" if sql.postgresql else ""
    run(
        sa.text(
            f"CREATE TEMPORARY TABLE {AUDIENCE} (user_id INTEGER NOT NULL, "
            f"course_id VARCHAR(100) NOT NULL, PRIMARY KEY (user_id, course_id)){suffix}"
        )
    )
    table = sa.table(AUDIENCE, sa.column("user_id"), sa.column("course_id"))
    for course in required:
        if course.audience != rules.EVERYONE:
            people = sa.select(User.id, sa.literal(course.id)).where(
                audiences.member_clause(course)
            )
            run(sa.insert(table).from_select(["user_id", "course_id"], people))
    if sql.postgresql:
        run(sa.text(f"ANALYZE {AUDIENCE}"))


#: Whether a row of the staging table is a change ``clearance.refresh`` would record: the
#: summary (cleared, valid_until, the reasons' codes) differs, or a first answer is "yes".
CHANGED = (
    "(CASE WHEN had_answer THEN (old_cleared <> cleared "
    "OR old_valid_until IS DISTINCT FROM valid_until OR old_codes <> codes) "
    "ELSE cleared END)"
)


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
        """``lms.models.types.iso`` of a stored UTC timestamp (:func:`clearances.iso_sql`)."""
        return clearances.iso_sql(expr, self.postgresql)

    def object_text(self, *pairs: tuple[str, str]) -> str:
        """:meth:`object` as text, to be joined with others."""
        return self.object_text_of(self.object(*pairs))

    def object_text_of(self, made: str) -> str:
        """An object :meth:`object` made, as text."""
        return f"CAST({made} AS TEXT)" if self.postgresql else made

    def object(self, *pairs: tuple[str, str]) -> str:
        """A JSON object from (key, SQL expression) pairs, keys in order."""
        args = ", ".join(f"'{key}', {value}" for key, value in pairs)
        return f"{'json_build_object' if self.postgresql else 'json_object'}({args})"

    def json(self, text: str) -> str:
        """JSON text as a value of a JSON column."""
        return f"CAST({text} AS json)" if self.postgresql else f"json({text})"

    def timestamp(self, expr: str) -> str:
        """A timestamp parameter or NULL, typed (SQLite keeps SQLAlchemy's text as is: a
        CAST there would turn it into a number)."""
        return f"CAST({expr} AS TIMESTAMP)" if self.postgresql else expr

    def json_differs(self, old: str, new: str) -> str:
        """Whether two JSON values differ, however each was spelled (the ORM and these
        statements space them differently)."""
        if self.postgresql:
            return f"CAST({old} AS jsonb) <> CAST({new} AS jsonb)"
        return f"json({old}) <> json({new})"

    def json_boolean(self, expr: str) -> str:
        return f"CASE WHEN {expr} THEN 'true' ELSE 'false' END"

    def least(self, exprs: list[str]) -> str:
        """The earliest of the non-NULL ``exprs`` (NULL when all are)."""
        if len(exprs) == 1:
            return exprs[0]
        if self.postgresql:
            return f"LEAST({', '.join(exprs)})"
        spread = ", ".join(f"COALESCE({e}, {LATEST})" for e in exprs)
        return f"NULLIF(min({spread}), {LATEST})"

    def stored_codes(self, reasons: str) -> str:
        """The codes of stored reasons as a JSON array, as text in this database's own
        spelling of it (compared with :meth:`codes`)."""
        if self.postgresql:
            return f"CAST(jsonb_path_query_array(CAST({reasons} AS jsonb), '$[*].code') AS text)"
        return (
            f"COALESCE((SELECT json_group_array(json_extract(r.value, '$.code')) "
            f"FROM json_each({reasons}) AS r), '[]')"
        )

    def codes(self, joined: str) -> str:
        """Codes joined by commas as a JSON array, spelled as :meth:`stored_codes`."""
        between = '", "' if self.postgresql else '","'
        quoted = f"'[\"' || replace({joined}, ',', '{between}') || '\"]'"
        return f"CASE WHEN {joined} = '' THEN '[]' ELSE {quoted} END"

    def summary(self, cleared: str, valid_until: str, codes: str) -> str:
        """``clearance._summary`` as JSON text: ``{cleared, valid_until, reasons}``."""
        until = f"COALESCE('\"' || {self.iso(valid_until)} || '\"', 'null')"
        return (
            f"'{{\"cleared\": ' || {self.json_boolean(cleared)} || ', \"valid_until\": ' || "
            f"{until} || ', \"reasons\": ' || {codes} || '}}'"
        )

    def event_payload(self, before: str, after: str) -> str:
        """The ``clearance.changed`` payload: before and after (the person is the
        event's user_id: payloads carry no personal data)."""
        if self.postgresql:
            return (
                f"json_build_object('before', CAST({before} AS json), "
                f"'after', CAST({after} AS json))"
            )
        return f"json_object('before', json({before}), 'after', json({after}))"


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
        used = [p for p in self.params if re.search(rf":{p.key}\b", sql)]
        return sa.text(sql).bindparams(*used)

    # -- 1. the new answers -----------------------------------------------------------------

    def staging(self) -> sa.TextClause:
        """Everyone's new answer beside the summary of their stored one."""
        sql = self.sql
        cleared, valid_until = self._answer()
        reasons, codes = self._reasons()
        courses = sql.json(self._listed([(f"d.a_{k}", self._course_json(k)) for k in self.ks]))
        answers = (
            f"SELECT d.user_id, d.employee_id, {cleared} AS cleared, "
            f"{valid_until} AS valid_until, {sql.json(reasons)} AS reasons, "
            f"{courses} AS courses, {sql.codes(codes)} AS codes "
            f"FROM ({self._decided()}) AS d"
        )
        return self._text(
            sql.temp_table(STAGING) + "SELECT a.*, o.user_id IS NOT NULL AS had_answer, "
            "o.cleared AS old_cleared, o.valid_until AS old_valid_until, "
            f"{sql.stored_codes('o.reasons')} AS old_codes FROM ({answers}) AS a "
            "LEFT JOIN clearances AS o ON o.user_id = a.user_id"
        )

    def _answer(self) -> tuple[str, str]:
        """Cleared iff active, some course required of the person is not exempt, and
        every one is cleared, in grace or exempt (none: never); valid until the earliest
        of those courses' dates."""
        if not self.required:  # the gate fails closed
            return "FALSE", self.sql.timestamp("NULL")
        ok = " AND ".join(
            f"(NOT d.a_{k} OR d.s_{k} IN ('{CLEARED}', '{GRACE}', '{EXEMPT}'))" for k in self.ks
        )
        cleared = f"(d.active AND {self._counted()} AND {ok})"
        earliest = self.sql.least([f"CASE WHEN d.a_{k} THEN d.u_{k} END" for k in self.ks])
        return cleared, f"CASE WHEN {cleared} THEN {earliest} END"

    def _counted(self) -> str:
        """Whether some course required of the person is not exempt."""
        return "(" + " OR ".join(f"(d.a_{k} AND d.s_{k} <> '{EXEMPT}')" for k in self.ks) + ")"

    def _listed(self, items: list[tuple[str, str]]) -> str:
        """A JSON array, as text, of the JSON objects whose condition holds, in order
        (each present item adds ",item"; the first comma is cut off)."""
        if not items:
            return "'[]'"
        joined = " || ".join(
            f"COALESCE(CASE WHEN {when} THEN ',' || {self.sql.object_text_of(item)} END, '')"
            for when, item in items
        )
        return f"'[' || substr({joined}, 2) || ']'"

    def _decided(self) -> str:
        """Per person: active, and per required course k whether it is required of them
        (a_k), its status s_k (exempt when not passed and an exemption runs), the date it
        counts until u_k (valid certifications, else the exemption's end) and the
        certified version v_k."""
        columns = ["r.user_id", "r.employee_id", "r.active"]
        for k in self.ks:
            exempt = f"(r.b_{k} NOT IN ('{CLEARED}', '{GRACE}') AND r.x_{k} IS NOT NULL)"
            columns += [
                f"r.a_{k}",
                f"CASE WHEN {exempt} THEN '{EXEMPT}' ELSE r.b_{k} END AS s_{k}",
                f"CASE WHEN {exempt} THEN r.x_{k} ELSE r.pu_{k} END AS u_{k}",
                f"r.v_{k}",
            ]
        return f"SELECT {', '.join(columns)} FROM ({self._raw()}) AS r"

    def _raw(self) -> str:
        """Per person and required course k: in its audience (a_k), the status the
        certifications give (b_k), their date (pu_k) and version (v_k), and the end of a
        running exemption (x_k)."""
        columns = ["u.id AS user_id", "u.employee_id", "u.active"]
        for k, course in enumerate(self.required):
            inside = (
                "TRUE"
                if course.audience == rules.EVERYONE
                else f"EXISTS (SELECT 1 FROM {AUDIENCE} AS x WHERE x.user_id = u.id "
                f"AND x.course_id = {self._course(k)})"
            )
            columns += [
                f"{inside} AS a_{k}",
                f"COALESCE(p.s_{k}, '{rules.NOT_CERTIFIED}') AS b_{k}",
                f"p.u_{k} AS pu_{k}",
                f"p.v_{k}",
                f"(SELECT MAX(e.ends_at) FROM exemptions AS e WHERE e.user_id = u.id "
                f"AND e.course_id = {self._course(k)} AND e.ends_at > :now) AS x_{k}",
            ]
        if not self.required:
            return f"SELECT {', '.join(columns)} FROM users AS u"
        return (
            f"SELECT {', '.join(columns)} FROM users AS u "
            f"LEFT JOIN ({self._per_person()}) AS p ON p.user_id = u.id"
        )

    def _per_person(self) -> str:
        """One row per person holding any certification in a required course: the
        per-course columns side by side, as the rule decides them."""
        columns = ["b.user_id"]
        for k in self.ks:
            this = f"b.course_id = {self._course(k)}"
            best = f"{this} AND b.place = 1"

            def some(condition: str) -> str:
                return f"MAX(CASE WHEN {condition} THEN 1 END) = 1"

            columns += [
                f"CASE WHEN {some(f'{best} AND b.valid AND b.on_current')} THEN '{CLEARED}' "
                f"WHEN {some(f'{best} AND b.valid')} THEN '{GRACE}' "
                # unexpired and active, so only a recertification deadline can have passed
                f"WHEN {some(f'{this} AND b.live')} THEN '{rules.SUPERSEDED}' "
                f"WHEN {some(f'{this} AND b.is_active')} THEN '{rules.EXPIRED}' "
                f"WHEN {some(this)} THEN '{rules.REVOKED}' "
                f"ELSE '{rules.NOT_CERTIFIED}' END AS s_{k}",
                f"MAX(CASE WHEN {best} AND b.valid THEN b.until END) AS u_{k}",
                f"MAX(CASE WHEN {best} THEN b.version END) AS v_{k}",
            ]
        return f"SELECT {', '.join(columns)} FROM ({self._best()}) AS b GROUP BY b.user_id"

    def _best(self) -> str:
        """Each person's certifications in the required courses, numbered per course so
        that the first is the one the rule picks: the best valid one (on the current
        major, then the longest, then the first issued), else the latest issued (whose
        version the rule reports)."""
        return (
            "SELECT c.user_id, c.course_id, c.valid, c.on_current, c.until, c.live, "
            "c.is_active, CAST(c.major AS TEXT) || '.' || CAST(c.minor AS TEXT) AS version, "
            "ROW_NUMBER() OVER (PARTITION BY c.user_id, c.course_id ORDER BY c.valid DESC, "
            "CASE WHEN c.valid THEN c.on_current END DESC, "
            "CASE WHEN c.valid THEN c.until ELSE c.issued_at END DESC, c.id) AS place "
            f"FROM ({self._judged()}) AS c"
        )

    def _judged(self) -> str:
        """Each certification in a required course: valid now, on the current major (no
        recertification deadline for its major), and until when it counts."""
        return (
            "SELECT c.*, (c.is_active AND c.expires_at > :now "
            "AND (c.deadline IS NULL OR c.deadline > :now)) AS valid, "
            "(c.is_active AND c.expires_at > :now) AS live, "
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
        return self.sql.object(
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
            until = f"CASE WHEN d.s_{k} IN ('{GRACE}', '{EXEMPT}') THEN {sql.iso(f'd.u_{k}')} END"
            pieces.append(
                (
                    f"d.a_{k} AND d.s_{k} <> '{CLEARED}'",
                    f"d.s_{k}",
                    reason(f"d.s_{k}", self._course(k), until),
                )
            )
        code = "'no_required_courses'"
        pieces.append((f"NOT {self._counted()}" if self.required else "TRUE", code, reason(code)))
        # Each present piece adds ",item"; the first comma is cut off.
        items = " || ".join(
            f"COALESCE(CASE WHEN {when} THEN ',' || {item} END, '')" for when, _, item in pieces
        )
        codes = " || ".join(
            f"COALESCE(CASE WHEN {when} THEN ',' || {code} END, '')" for when, code, _ in pieces
        )
        return f"'[' || substr({items}, 2) || ']'", f"substr({codes}, 2)"

    # -- 2. the events of those whose answer changed ------------------------------------------

    def audit_events(self) -> sa.TextClause:
        before, after = self._summaries()
        json = self.sql.json
        return self._text(
            "INSERT INTO audit_events "
            "(occurred_at, actor_id, action, subject_user_id, course_id, before, after) "
            f"SELECT :now, NULL, 'clearance.changed', user_id, NULL, {json(before)}, "
            f"{json(after)} FROM {STAGING} WHERE {CHANGED} ORDER BY user_id"
        )

    def outbox_events(self) -> sa.TextClause:
        payload = self.sql.event_payload(*self._summaries())
        return self._text(
            "INSERT INTO outbox_events (kind, occurred_at, user_id, course_id, payload) "
            f"SELECT 'clearance.changed', :now, user_id, NULL, {payload} "
            f"FROM {STAGING} WHERE {CHANGED} ORDER BY user_id"
        )

    def _summaries(self) -> tuple[str, str]:
        """Before (JSON null for a first answer) and after, as ``clearance.refresh``
        records them."""
        before = self.sql.summary("old_cleared", "old_valid_until", "old_codes")
        after = self.sql.summary("cleared", "valid_until", "codes")
        return f"CASE WHEN had_answer THEN {before} ELSE 'null' END", after

    # -- 3. the stored answers ---------------------------------------------------------------

    def update_answers(self) -> sa.TextClause:
        # An answer that changed in any way the API shows goes back into the changes feed
        # (change_seq NULL: numbered once this commits, see clearance_feed), as
        # clearance.refresh does; unchanged ones keep their place.
        sql = self.sql
        changed = (
            "clearances.cleared <> s.cleared "
            "OR clearances.valid_until IS DISTINCT FROM s.valid_until "
            f"OR {sql.json_differs('clearances.reasons', 's.reasons')} "
            f"OR {sql.json_differs('clearances.courses', 's.courses')}"
        )
        return self._text(
            "UPDATE clearances SET cleared = s.cleared, valid_until = s.valid_until, "
            "reasons = s.reasons, courses = s.courses, computed_at = :now, "
            f"change_seq = CASE WHEN {changed} THEN NULL ELSE clearances.change_seq END "
            f"FROM {STAGING} AS s WHERE clearances.user_id = s.user_id AND s.had_answer"
        )

    def insert_answers(self) -> sa.TextClause:
        return self._text(
            "INSERT INTO clearances (user_id, cleared, valid_until, reasons, courses, computed_at) "
            f"SELECT user_id, cleared, valid_until, reasons, courses, :now FROM {STAGING} "
            "WHERE NOT had_answer ORDER BY user_id"
        )
