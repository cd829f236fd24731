"""Assignment rules, renewals and recertification: who must take which course, by when.

Everything here works in bulk (rules: one INSERT … SELECT of enrolments per chunk of
people, due dates computed by the database; renewals: one SELECT and one multi-row
INSERT per chunk; then one bulk insert of audit events), so it stays fast at several
hundred thousand employees, and is safe to run from cron on two servers at once:
enrolments are inserted with ON CONFLICT DO NOTHING against the "one open enrolment per
course" index, and only the rows actually inserted are audited.
"""

from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from lms.extensions import db
from lms.extensions import on_postgresql
from lms.i18n import company_zone
from lms.models import AssignmentRule
from lms.models import AuditEvent
from lms.models import Certification
from lms.models import Clearance
from lms.models import CourseVersion
from lms.models import Enrollment
from lms.models import Exemption
from lms.models import Role
from lms.models import User
from lms.models import utcnow
from lms.models.assignment import DUE_KINDS
from lms.models.assignment import SCOPE_KINDS
from lms.models.types import UTCDateTime
from lms.models.types import iso
from lms.queries import audiences
from lms.queries import catalog
from lms.queries import groups
from lms.rules import clearance as rules
from lms.rules import days as calendar
from lms.rules import recertification
from lms.services import Refused
from lms.services import assignment_notices
from lms.services import audit
from lms.services import bulk
from lms.services import clearance
from lms.services import learning
from lms.services import person_status

CHUNK = 2000
#: A rule covering more people than this is applied by a job, not in the request.
INLINE_LIMIT = 2000


@dataclass
class RunReport:
    renewals: int = 0
    recertifications: int = 0
    assigned: int = 0
    clearances_refreshed: int = 0


# --- Rules ---------------------------------------------------------------------------


def create_rule(
    actor: User | None,
    course_id: str,
    scope_kind: str,
    scope_value: str | None,
    due_kind: str,
    due_date: date | None = None,
    due_days: int | None = None,
    now: datetime | None = None,
    *,
    required: bool = False,
    recertify_month: int | None = None,
    recertify_day: int | None = None,
) -> tuple[AssignmentRule, int | None]:
    """Operation: save a rule, apply it and commit; returns the rule and how many people
    were enrolled, or None when its audience is too large for one request (more than
    :data:`INLINE_LIMIT` people): the caller starts the ``requirement`` job, which
    applies it (:func:`apply_rule`). Raises :class:`Refused` for a rule that makes no
    sense.

    A ``required`` rule (a requirement) makes the course count towards the clearance of
    its audience: everyone's clearance is recomputed, and the people it enrols are
    invited or told (:mod:`assignment_notices`). ``recertify_month`` (and ``_day``)
    anchor the expiry of the certifications earned under it on the calendar."""
    from flask_babel import lazy_gettext as _l

    now = now or utcnow()
    if course_id not in {v.course_id for v in catalog.current_versions()}:
        raise Refused(_l("No published course %(id)s.", id=course_id))
    scope_value = _clean_scope(scope_kind, scope_value)
    if not recertification.valid_anchor(recertify_month, recertify_day):
        raise Refused(_l("Choose a month, and a day that month has, for recertification."))
    if recertify_month is not None and not required:
        raise Refused(_l("Only a course required for clearance is recertified on a date."))
    if due_kind not in DUE_KINDS:
        raise Refused(_l("Choose when the course is due."))
    if due_kind == "date" and due_date is None:
        raise Refused(_l("Give the due date."))
    if due_kind != "date" and (due_days is None or due_days < 1):
        raise Refused(_l("Give the number of days (1 or more)."))
    rule = AssignmentRule(
        course_id=course_id,
        scope_kind=scope_kind,
        scope_value=scope_value,
        due_kind=due_kind,
        due_date=_end_of_day(due_date) if due_kind == "date" and due_date is not None else None,
        due_days=due_days if due_kind != "date" else None,
        created_by_id=actor.id if actor else None,
        created_at=now,
        active=True,
        required=required,
        recertify_month=recertify_month,
        recertify_day=recertify_day if recertify_month is not None else None,
    )
    db.session.add(rule)
    db.session.flush()
    audit.record("assignment.rule_created", actor=actor, course_id=course_id, after=describe(rule))
    if audience_size(rule) > INLINE_LIMIT:
        db.session.commit()
        return rule, None
    created = _apply_rule(rule, now, actor_id=actor.id if actor else None)
    if rule.required:
        clearance.refresh_everyone(now)
    db.session.commit()
    return rule, created


def apply_rule(
    rule_id: int, actor_id: int | None, now: datetime | None = None, progress=None
) -> int:
    """Operation: enrol (and invite or tell) everyone the rule covers who is not enrolled
    yet, then, for a requirement, recompute everyone's clearance; commit. The
    ``requirement`` job; safe to run twice. ``progress(phase, done, total)`` hears of
    each chunk of people. Returns how many were enrolled."""
    now = now or utcnow()
    rule = db.session.get(AssignmentRule, rule_id)
    if rule is None or not rule.active:
        return 0
    created = _apply_rule(rule, now, actor_id=actor_id, progress=progress)
    if rule.required:
        clearance.refresh_everyone(now)
    db.session.commit()
    return created


def audience_size(rule: AssignmentRule) -> int:
    """How many active people the rule covers."""
    return (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(User).where(User.active, _scope_clause(rule))
        )
        or 0
    )


def _clean_scope(kind: str, value: str | None) -> str | None:
    from flask_babel import lazy_gettext as _l

    value = (value or "").strip()
    if kind not in SCOPE_KINDS:
        raise Refused(_l("Choose who must take the course."))
    if kind == "all":
        return None
    if not value:
        raise Refused(_l("Name the department, country, role or group."))
    if kind == "country":
        if len(value) != 2 or not value.isalpha():
            raise Refused(_l("A country is a two-letter code, e.g. DE."))
        return value.upper()
    if kind == "role" and value not in {r.value for r in Role}:
        raise Refused(_l("Unknown role %(role)s.", role=value))
    if kind == "group":
        group = groups.find(value)
        if group is None:
            raise Refused(_l("No group named %(name)s.", name=value))
        return group.display_name
    return value


def deactivate_rule(rule_id: int, actor: User | None) -> bool:
    """Stop applying a rule to people who join later (enrolments made stay); commit."""
    rule = db.session.get(AssignmentRule, rule_id)
    if rule is None or not rule.active:
        return False
    rule.active = False
    audit.record(
        "assignment.rule_deactivated", actor=actor, course_id=rule.course_id, after=describe(rule)
    )
    if rule.required:  # the course's audience changed
        clearance.refresh_everyone()
    db.session.commit()
    return True


def all_rules() -> list[AssignmentRule]:
    return list(
        db.session.scalars(
            sa.select(AssignmentRule).order_by(
                AssignmentRule.active.desc(), AssignmentRule.id.desc()
            )
        )
    )


def describe(rule: AssignmentRule) -> dict:
    return {
        "rule_id": rule.id,
        "course_id": rule.course_id,
        "scope_kind": rule.scope_kind,
        "scope_value": rule.scope_value,
        "due_kind": rule.due_kind,
        "due_date": iso(rule.due_date),
        "due_days": rule.due_days,
        "active": rule.active,
        "required": rule.required,
        "recertify_month": rule.recertify_month,
        "recertify_day": rule.recertify_day,
    }


def apply_rules(
    user_ids: Iterable[int] | None = None, now: datetime | None = None, actor: User | None = None
) -> int:
    """Operation: :func:`assign_by_rules`, then commit (the daily job, ``flask lms
    assignments apply``). Returns how many enrolments were created."""
    created = assign_by_rules(user_ids, now, actor)
    db.session.commit()
    return created


def assign_by_rules(
    user_ids: Iterable[int] | None = None, now: datetime | None = None, actor: User | None = None
) -> int:
    """Step: apply every active rule (to ``user_ids`` only, if given) in the caller's
    transaction.

    Call it after adding employees (a roster import, SCIM) or changing their groups: each
    person gets the courses the rules give them. Idempotent: people with an open enrolment
    or a valid certification for the course are skipped. Returns how many enrolments were
    created.
    """
    now = now or utcnow()
    ids = None if user_ids is None else sorted(set(user_ids))
    if ids == []:
        return 0
    created = 0
    for rule in db.session.scalars(
        sa.select(AssignmentRule).where(AssignmentRule.active).order_by(AssignmentRule.id)
    ).all():
        created += _apply_rule(rule, now, user_ids=ids, actor_id=actor.id if actor else None)
    return created


def _apply_rule(
    rule: AssignmentRule,
    now: datetime,
    user_ids: list[int] | None = None,
    actor_id: int | None = None,
    progress=None,
) -> int:
    """Enrol everyone the rule gives the course to (but the exempt): one INSERT … SELECT
    per chunk of people, the due date computed by the database (see
    :func:`_due_column`); a requirement's new enrolments are invited or told."""
    query = sa.select(User.id).where(
        User.active,
        _scope_clause(rule),
        ~_open_enrollment_exists(rule.course_id),
        ~_valid_certification_exists(rule.course_id, now),
        ~_exemption_runs(rule.course_id, now),
    )
    due = _due_column(rule, now, _course_due_days(rule.course_id))
    created = 0
    new_ids: list[int] = []
    chunks = list(_id_chunks(user_ids))
    for done, chunk in enumerate(chunks):
        if progress is not None:
            progress("assigning", done, len(chunks))
        selected = (
            query.where(chunk)
            .add_columns(
                sa.literal(rule.course_id),
                sa.literal("assigned"),
                sa.literal(now, UTCDateTime),
                due,
            )
            .order_by(User.id)
        )
        created += _insert_selected(
            selected, now, actor_id, {"rule_id": rule.id}, new_ids if rule.required else None
        )
    if new_ids:
        assignment_notices.record(new_ids, now)
    return created


def _exemption_runs(course_id: str, now: datetime):
    return sa.exists().where(
        Exemption.user_id == User.id, Exemption.course_id == course_id, Exemption.ends_at > now
    )


def _id_chunks(user_ids: list[int] | None) -> Iterator:
    """WHERE clauses splitting the people into chunks of at most :data:`CHUNK` ids (or id
    ranges of that width when everyone is meant), so statements stay small (SQLite allows
    32,766 parameters, psycopg 65,535)."""
    if user_ids is not None and on_postgresql():
        # One array parameter, one statement: chunks would each scan the open enrolments
        # from the start (a merge anti join), quadratic in the number of people.
        yield User.id == sa.any_(sa.literal(user_ids, postgresql.ARRAY(sa.Integer)))
        return
    if user_ids is not None:
        for start in range(0, len(user_ids), CHUNK):
            yield User.id.in_(user_ids[start : start + CHUNK])
        return
    low, high = db.session.execute(sa.select(sa.func.min(User.id), sa.func.max(User.id))).one()
    for start in range(low or 0, (high or -1) + 1, CHUNK):
        yield User.id.between(start, start + CHUNK - 1)


def _due_column(rule: AssignmentRule, now: datetime, fallback_days: int):
    """The due date :func:`_rule_due` gives, as an SQL expression over ``users``: a
    constant unless it depends on the hire date."""
    if rule.due_kind != "after_hire":
        return sa.literal(_rule_due(rule, None, now, fallback_days), UTCDateTime)
    # end of day (hire date + N days) is in the future exactly for hire dates from here on
    today = calendar.day_in(now, company_zone())
    first_day = today if _end_of_day(today) > now else today + timedelta(days=1)
    days = _days(rule)
    first_hire = first_day - timedelta(days=days)
    return sa.case(
        (User.hire_date.is_(None), sa.literal(now + timedelta(days=days), UTCDateTime)),
        (User.hire_date >= first_hire, _end_of_hire_day_plus(days, now)),
        else_=sa.literal(now + timedelta(days=fallback_days), UTCDateTime),
    )


def _end_of_hire_day_plus(days: int, now: datetime):
    """23:59:59 in the company's zone on ``users.hire_date`` + ``days``, in UTC, as the
    app stores datetimes."""
    zone = company_zone()
    if on_postgresql():
        local: sa.ColumnElement = sa.literal_column(
            f"(users.hire_date + {int(days)}) + time '23:59:59'"
        )
        return sa.func.timezone("UTC", sa.func.timezone(str(zone), local), type_=UTCDateTime)
    # SQLite knows no zones: the offset at ``now`` (these days are at most the rule's days
    # ahead; an hour off when a change of clocks falls between).
    offset = int(now.astimezone(zone).utcoffset().total_seconds())  # type: ignore[union-attr]
    day = f"date(users.hire_date, '+{int(days)} days') || ' 23:59:59'"
    if offset:
        day = f"datetime({day}, '{-offset:+d} seconds')"
    return sa.literal_column(f"{day} || '.000000'", UTCDateTime)  # SQLAlchemy's text format


def _scope_clause(rule: AssignmentRule):
    return audiences.scope_clause(rule.scope_kind, rule.scope_value)


def _open_enrollment_exists(course_id: str):
    return sa.exists().where(
        Enrollment.user_id == User.id,
        Enrollment.course_id == course_id,
        Enrollment.completed_at.is_(None),
    )


def _valid_certification_exists(course_id: str, now: datetime):
    """Valid as :func:`lms.rules.clearance.evaluate` counts it: active, unexpired, and not
    on a major version whose recertification deadline has passed."""
    cutoff = db.session.scalar(
        sa.select(sa.func.max(CourseVersion.major)).where(
            CourseVersion.course_id == course_id, CourseVersion.recertify_by <= now
        )
    )
    clause = sa.exists().where(
        Certification.user_id == User.id,
        Certification.course_id == course_id,
        Certification.status == "active",
        Certification.expires_at > now,
    )
    if cutoff is not None:
        clause = clause.where(Certification.major >= cutoff)
    return clause


def _rule_due(
    rule: AssignmentRule, hire_date: date | None, now: datetime, fallback_days: int
) -> datetime:
    """The due date a rule gives; one already past when the person is enrolled (a new
    hire after a fixed date, someone hired long ago) becomes the course's usual
    ``due_days`` from now, so nobody is overdue on their first day."""
    if rule.due_kind == "date":
        assert rule.due_date is not None, "create_rule refuses a date rule without its date"
        due = rule.due_date
    elif rule.due_kind == "after_hire" and hire_date is not None:
        due = _end_of_day(hire_date + timedelta(days=_days(rule)))
    else:
        due = now + timedelta(days=_days(rule))
    return due if due > now else now + timedelta(days=fallback_days)


def _days(rule: AssignmentRule) -> int:
    """The ``due_days`` of a rule due some days after assignment or hire."""
    assert rule.due_days is not None, "create_rule refuses such a rule without its days"
    return rule.due_days


def _course_due_days(course_id: str) -> int:
    version = catalog.latest_version(course_id)
    return catalog.course_of(version).meta.due_days if version else 30


def _end_of_day(day: date) -> datetime:
    """The end of ``day`` in the company's zone: what "due on ``day``" means."""
    return calendar.end_of_day(day, company_zone())


# --- Renewals, recertification and lapsed clearances --------------------------------


def run(now: datetime | None = None) -> RunReport:
    """The scheduled job: renewals and recertifications for every required course, rules
    for people who have no enrolment yet, then clearances that lapsed by themselves."""
    now = now or utcnow()
    report = RunReport()
    report.renewals, report.recertifications = create_renewals(now)
    report.assigned = apply_rules(now=now)
    report.clearances_refreshed = refresh_lapsed_clearances(now)
    return report


def create_renewals(now: datetime | None = None) -> tuple[int, int]:
    """Enrol people whose certification enters its renewal window (due at its expiry) or
    who are certified on an older major version (due by its recertification deadline);
    commit. Returns (renewals, recertifications)."""
    now = now or utcnow()
    versions = {v.course_id: v for v in catalog.current_versions()}
    counts = {"renewal": 0, "recertify": 0}
    for course in catalog.required_courses():
        meta = catalog.course_of(versions[course.id]).meta
        for chunk in _keyset(_renewal_candidates(course, meta.renewal_window_days, now), User.id):
            rows = _renewal_rows(course, meta, [user_id for (user_id,) in chunk], now)
            for reason in counts:
                counts[reason] += _insert([r for r in rows if r["reason"] == reason], now)
    db.session.commit()
    return counts["renewal"], counts["recertify"]


def _renewal_candidates(course: rules.RequiredCourse, window_days: int, now: datetime):
    """Active people with a certification for ``course`` but none that is on the current
    major and lasts beyond the renewal window, and no open enrolment: a superset of who
    needs renewing, narrowed by the clearance rules themselves."""
    window_end = now + timedelta(days=window_days)
    has_cert = sa.exists().where(
        Certification.user_id == User.id,
        Certification.course_id == course.id,
        Certification.status == "active",
    )
    comfortable = sa.exists().where(
        Certification.user_id == User.id,
        Certification.course_id == course.id,
        Certification.status == "active",
        Certification.major >= course.major,
        Certification.expires_at > window_end,
    )
    # Only people the course is still required of: its audience, not exempt.
    return sa.select(User.id).where(
        User.active,
        audiences.member_clause(course),
        ~_exemption_runs(course.id, now),
        has_cert,
        ~comfortable,
        ~_open_enrollment_exists(course.id),
    )


def _renewal_rows(
    course: rules.RequiredCourse, meta, user_ids: list[int], now: datetime
) -> list[dict]:
    """Decide with the same rules as :func:`learning.ensure_required_enrollments`."""
    facts: dict[int, list[rules.CertificationFact]] = {uid: [] for uid in user_ids}
    for c in db.session.execute(
        sa.select(
            Certification.user_id,
            Certification.major,
            Certification.minor,
            Certification.issued_at,
            Certification.expires_at,
            Certification.status,
        ).where(Certification.course_id == course.id, Certification.user_id.in_(user_ids))
    ):
        facts[c.user_id].append(
            rules.CertificationFact(
                course.id, c.major, c.minor, c.issued_at, c.expires_at, c.status
            )
        )
    rows = []
    for user_id, certs in facts.items():
        status = rules.evaluate([course], certs, active=True, now=now).courses[0]
        reason = learning.REASON_BY_STATUS[status.status]  # shared with the learner's page
        due_at = learning.due_date(status, meta, now) if reason != "required" else None
        if due_at is not None:
            rows.append(_enrollment_row(course.id, reason, user_id, due_at, now))
    return rows


def refresh_lapsed_clearances(now: datetime | None = None) -> int:
    """Recompute clearances whose ``valid_until`` has passed, so each expiry becomes an
    audit event (and, later, a webhook) even if nobody asks; commit. Rows are locked and
    skipped when another server holds them (PostgreSQL), so each lapse is recorded once."""
    now = now or utcnow()
    required = catalog.required_courses()
    count = 0
    while True:
        users = db.session.scalars(
            sa.select(User)
            .join(Clearance, Clearance.user_id == User.id)
            .where(sa.or_(Clearance.valid_until <= now, _exemption_ended_since(Clearance, now)))
            .order_by(User.id)
            .limit(500)
            .with_for_update(of=Clearance, skip_locked=True)
        ).all()
        if not users:
            return count
        for user in users:
            # A lapse changes no stored course status: its dates already say it.
            clearance.refresh(user, now, required, announce_expiries=True, statuses=False)
        count += len(users)
        db.session.commit()


def _exemption_ended_since(row, now: datetime):
    """An exemption ended after the stored answer was computed (not cleared answers have
    no ``valid_until`` to lapse)."""
    return sa.exists().where(
        Exemption.user_id == row.user_id,
        Exemption.ends_at <= now,
        Exemption.ends_at > row.computed_at,
    )


# --- Bulk writing --------------------------------------------------------------------


def _enrollment_row(
    course_id: str, reason: str, user_id: int, due_at: datetime, now: datetime
) -> dict:
    return {
        "user_id": user_id,
        "course_id": course_id,
        "reason": reason,
        "assigned_at": now,
        "due_at": due_at,
    }


def _insert(
    rows: list[dict], now: datetime, actor_id: int | None = None, extra: dict | None = None
) -> int:
    """Insert enrolments, skipping people who got an open one meanwhile (another server),
    and one ``enrollment.created`` audit event per row actually inserted."""
    if not rows:
        return 0
    created = db.session.execute(_enrollment_insert(), rows).all()
    return _audit_created(created, now, actor_id, extra)


def _insert_selected(
    select, now: datetime, actor_id: int | None, extra: dict, new_ids: list[int] | None = None
) -> int:
    """:func:`_insert` for the rows of ``select`` (user id, course, reason, assigned at,
    due at), in one INSERT … SELECT; the new enrolments' ids go into ``new_ids``."""
    columns = ["user_id", "course_id", "reason", "assigned_at", "due_at"]
    created = db.session.execute(_enrollment_insert(select, columns)).all()
    if new_ids is not None:
        new_ids.extend(e.id for e in created)
    return _audit_created(created, now, actor_id, extra)


def _enrollment_insert(select=None, columns=None):
    dialect = postgresql if on_postgresql() else sqlite
    statement = dialect.insert(Enrollment)
    if select is not None:
        statement = statement.from_select(columns, select)
    return statement.on_conflict_do_nothing(
        index_elements=["user_id", "course_id"], index_where=Enrollment.completed_at.is_(None)
    ).returning(
        Enrollment.id,
        Enrollment.user_id,
        Enrollment.course_id,
        Enrollment.reason,
        Enrollment.due_at,
    )


def _audit_created(
    created: Sequence[sa.Row], now: datetime, actor_id: int | None, extra: dict | None
) -> int:
    if created:
        person_status.refresh({e.user_id for e in created})
        bulk.insert(
            AuditEvent.__table__,
            [
                {
                    "occurred_at": now,
                    "actor_id": actor_id,
                    "action": "enrollment.created",
                    "subject_user_id": e.user_id,
                    "course_id": e.course_id,
                    "before": None,
                    "after": {"enrollment_id": e.id, "reason": e.reason, "due_at": iso(e.due_at)}
                    | (extra or {}),
                }
                for e in sorted(created, key=lambda e: e.id)
            ],
        )
    return len(created)


def _keyset(query, key) -> Iterator[Sequence[sa.Row]]:
    """The rows of ``query`` in chunks ordered by ``key`` (its first column), so memory
    stays flat however many people match."""
    last = None
    while True:
        page = query if last is None else query.where(key > last)
        rows = db.session.execute(page.order_by(key).limit(CHUNK)).all()
        if not rows:
            return
        yield rows
        last = rows[-1][0]
