"""An erased person leaves the advocacy tool's group like a leaver (docs/privacy.md)."""

from lms import jobs
from lms.services import erasure
from tests.helpers import certify
from tests.helpers import events


def push() -> None:
    job = jobs.start("scim_push", {}, None)
    assert job.status == "succeeded", job.error


def test_an_erased_person_leaves_the_group_and_their_account_is_closed(make_user, target):
    leaver, other = make_user(), make_user()
    old_email = leaver.email
    certify(leaver)
    certify(other)
    push()
    assert target.members() == {old_email, other.email}
    assert erasure.erase(leaver, actor=None, deactivate=True, via="cli") is True

    push()
    assert target.members() == {other.email}
    assert target.user(old_email)["active"] is False  # this LMS created it
    assert [e.subject_user_id for e in events("scim_push.deactivated")] == [leaver.id]
