"""Demo accounts for trying the product; refused in production (see ``flask lms demo``)."""

import secrets
from dataclasses import dataclass

from lms.extensions import db
from lms.models import Role
from lms.models import User
from lms.queries import audiences
from lms.queries import catalog
from lms.queries import company as company_settings
from lms.services import assignments
from lms.services import audit
from lms.services import clearance
from lms.services import company
from lms.services import users

# email, name, employee id, department, country, language, extra roles
DEMO_USERS = [
    ("employee@example.com", "Alex Morgan", "E1001", "Sales", "US", "en", []),
    ("noa@example.com", "Noa Cohen", "E1002", "Engineering", "IL", "he", []),
    ("wei@example.com", "Li Wei", "E1003", "Sales", "CN", "zh_Hans", []),
    ("layla@example.com", "Layla Haddad", "E1004", "Support", "EG", "ar", []),
    ("lead@example.com", "Sam Patel", "E2001", "Sales", "US", "en", [Role.LEAD]),
    ("hr@example.com", "Jordan Lee", "E3001", "People", "US", "en", [Role.HR]),
    ("marketing@example.com", "Riley Chen", "E4001", "Marketing", "US", "en", [Role.MARKETING]),
    ("admin@example.com", "Casey Admin", "E9001", "IT", "US", "en", [Role.ADMIN]),
]

#: The demo company's contacts and links, so the demo course reads as a company's would
#: (a real deployment sets its own at /admin/company).
DEMO_COMPANY = {
    "company_name": "Example Corp",
    "social_media_team_contact": "social@example.com",
    "champions_list": "https://intranet.example.com/social/champions",
    "communications_contact": "press@example.com",
    "investor_relations_contact": "ir@example.com",
    "it_security_contact": "security@example.com",
    "hr_contact": "hr@example.com",
    "privacy_officer": "privacy@example.com",
    "legal_contact": "legal@example.com",
    "trading_policy_link": "https://intranet.example.com/policies/trading",
    "code_of_conduct_link": "https://intranet.example.com/policies/code-of-conduct",
    "crisis_channel": "#crisis-updates",
    "after_hours_route": "+1 555 0100 (security desk, 24/7)",
}


def fill_company_settings() -> list[str]:
    """Operation: the demo company's settings for every key not set yet; commits (through
    the company service). Values someone set stay."""
    stored = company_settings.rows()
    return company.set_values(
        {key: value for key, value in DEMO_COMPANY.items() if key not in stored},
        None,
        via="demo",
    )


@dataclass(frozen=True)
class DemoAccount:
    user: User
    password: str | None  # None: an existing account, its password left as it was
    created: bool


def create_demo_users(
    password: str | None = None, *, reset_passwords: bool = False
) -> list[DemoAccount]:
    """Create the demo accounts that do not exist yet; commit.

    A new account gets ``password`` (or a random one). An existing account keeps its
    password (someone may have changed it) unless ``reset_passwords`` is set; a reset is
    audited and ends that account's sign-ins.

    :return: each account, with the plain password to print once when one was set.
    """
    accounts = []
    for email, name, employee_id, department, country, lang, roles in DEMO_USERS:
        user = User.find(email)
        created = user is None
        if user is None:
            user = users.add(
                email=email,
                name=name,
                employee_id=employee_id,
                roles=roles,
                department=department,
                country=country,
                preferred_language=lang,
                note={"demo": True},
            )
        plain = None
        if created or reset_passwords:
            plain = password or secrets.token_urlsafe(9)
            user.set_password(plain)
            if not created:
                audit.record("auth.password_changed", subject=user, after={"by": "demo"})
        accounts.append(DemoAccount(user, plain, created))
    lead = User.find("lead@example.com")
    for account in accounts:
        if account.user.department == "Sales" and account.user is not lead:
            account.user.manager = lead
        clearance.refresh(account.user)
    db.session.commit()
    return accounts


def require_bundled_courses() -> list[str]:
    """Operation: require of everyone each course its file marks required that no
    requirement assigns yet (the policy course), so every demo person is enrolled with a
    due date at once; commits per course. Returns the courses required now."""
    required = []
    for course_id in audiences.required_of_everyone_unassigned():
        version = catalog.latest_version(course_id)
        days = catalog.course_of(version).meta.due_days if version else 30
        assignments.create_rule(
            None, course_id, "all", None, "after_assignment", due_days=days, required=True
        )
        required.append(course_id)
    return required
