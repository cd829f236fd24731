"""HR pages under ``/hr``: the roster import (``/hr/roster``) and the modules below."""

from flask import Blueprint

bp = Blueprint("hr", __name__, url_prefix="/hr")


from lms.hr import assignment_views  # noqa: E402,F401  (assignment rules)
from lms.hr import audit_views  # noqa: E402,F401  (the audit trail: read, filter, export)
from lms.hr import certification_views  # noqa: E402,F401  (certificates, revoking)
from lms.hr import evidence_views  # noqa: E402,F401  (evidence packs for auditors)
from lms.hr import exemption_views  # noqa: E402,F401  (exemptions on a person's page)
from lms.hr import handle_views  # noqa: E402,F401  (employees' social media handles)
from lms.hr import invitation_views  # noqa: E402,F401  (resending invitations)
from lms.hr import item_views  # noqa: E402,F401  (quiz item analysis, HR and marketing)
from lms.hr import people_views  # noqa: E402,F401  (find anyone, act on one or many)
from lms.hr import remind_views  # noqa: E402,F401  (a reminder sent now)
from lms.hr import reports  # noqa: E402,F401  (dashboard, people, exports)
from lms.hr import views  # noqa: E402,F401  (routes register themselves on bp)
