"""Demo accounts for trying the product; refused in production (see ``flask lms demo``)."""

import secrets

from lms.extensions import db
from lms.models import Role
from lms.models import User
from lms.services import clearance
from lms.services import users

# email, name, employee id, department, country, language, extra roles
DEMO_USERS = [
    ("employee@example.com", "Alex Morgan", "E1001", "Sales", "US", "en", []),
    ("noa@example.com", "Noa Cohen", "E1002", "Engineering", "IL", "he", []),
    ("wei@example.com", "Li Wei", "E1003", "Sales", "CN", "zh_Hans", []),
    ("lead@example.com", "Sam Patel", "E2001", "Sales", "US", "en", [Role.LEAD]),
    ("hr@example.com", "Jordan Lee", "E3001", "People", "US", "en", [Role.HR]),
    ("marketing@example.com", "Riley Chen", "E4001", "Marketing", "US", "en", [Role.MARKETING]),
    ("admin@example.com", "Casey Admin", "E9001", "IT", "US", "en", [Role.ADMIN]),
]


def create_demo_users(password: str | None = None) -> list[tuple[User, str]]:
    """Create (or reset the passwords of) the demo accounts; commit.

    :return: each account with its plain password, to print once.
    """
    created = []
    for email, name, employee_id, department, country, lang, roles in DEMO_USERS:
        user = User.find(email)
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
        plain = password or secrets.token_urlsafe(9)
        user.set_password(plain)
        created.append((user, plain))
    lead = User.find("lead@example.com")
    for user, _ in created:
        if user.department == "Sales" and user is not lead:
            user.manager = lead
        clearance.refresh(user)
    db.session.commit()
    return created
