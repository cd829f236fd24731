"""Without XAPI_LRS_URL nothing is queued for an LRS: the schedule starts no run, and a
run started anyway writes nothing (the domain events are still recorded)."""

import sqlalchemy as sa

from lms import jobs
from lms.extensions import db
from lms.models import OutboxEvent
from lms.models import XapiSend
from tests.helpers import pass_course
from tests.helpers import sign_in


def test_nothing_is_queued_without_an_lrs(client, employee):
    sign_in(client, employee)
    pass_course(client, employee)
    kinds = set(db.session.scalars(sa.select(OutboxEvent.kind)))
    assert {"attempt.started", "attempt.submitted"} <= kinds
    assert jobs.start_scheduled("xapi") is None
    job = jobs.start("xapi", {}, None)
    assert job.status == "succeeded" and job.result["sent"] == 0
    assert db.session.scalar(sa.select(sa.func.count(XapiSend.id))) == 0
