"""Is this account really ours? Employees register their work handles; anyone checks one
on the public page or the JSON endpoint; HR and marketing search and remove them."""

import re
from datetime import timedelta

import sqlalchemy as sa

from lms.extensions import db
from lms.models import Certification
from lms.models import Clearance
from lms.models import HandleLookupCount
from lms.models import Role
from lms.models import SocialHandle
from lms.models import utcnow
from lms.services import company
from lms.services import users
from tests.helpers import certify
from tests.helpers import events
from tests.helpers import sign_in
from tests.helpers import text_of

NO = "Not a registered representative of"


def register(client, platform, handle, display_name="Ana at Acme"):
    return client.post(
        "/training/handles",
        data={"platform": platform, "handle": handle, "display_name": display_name},
    )


def check(client, platform, handle, address="10.0.0.1"):
    return client.get(
        "/verify-handle",
        query_string={"platform": platform, "handle": handle},
        environ_base={"REMOTE_ADDR": address},
    )


def check_json(client, platform, handle):
    response = client.get(f"/api/v1/handles/{platform}/{handle}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def test_a_cleared_employee_registers_a_handle_and_the_public_check_says_yes(app, client, employee):
    company.set_values({"company_name": "Acme"}, None)
    certify(employee)
    sign_in(client, employee)
    response = register(client, "x", "https://x.com/AnaSilva")
    assert response.status_code == 302
    page = text_of(client.get("/training/handles"))
    assert "Handle registered." in page and "@anasilva · Ana at Acme" in page
    client.post("/logout")

    # Written any other way, it is the same account.
    for typed in ("@anasilva", "AnaSilva", "https://twitter.com/ANASILVA"):
        answer = text_of(check(client, "x", typed))
        assert "Yes: @anasilva on X (Twitter) is a cleared representative of Acme." in answer
        assert f"Ana at Acme, cleared since {utcnow():%B} " in answer
    body = check_json(client, "x", "@AnaSilva")
    assert body == {
        "platform": "x",
        "handle": "anasilva",
        "company": "Acme",
        "representative": True,
        "display_name": "Ana at Acme",
        "cleared_since": body["cleared_since"],
    }
    assert body["cleared_since"][:10] == utcnow().date().isoformat()
    registered = events("handle.registered")[0]  # the handle by its row's id only
    assert registered.after == {"platform": "x", "handle_id": registered.after["handle_id"]}
    assert db.session.get(SocialHandle, registered.after["handle_id"]).handle == "anasilva"


def test_cleared_since_is_the_start_of_the_unbroken_stretch(client, employee):
    certify(employee, expires_in=timedelta(days=-1), issued_ago=timedelta(days=400))
    sign_in(client, employee)
    register(client, "linkedin", "ana")
    certify(employee)  # cleared again now, after a lapse
    certify(employee)  # renewed: still the same stretch
    body = check_json(client, "linkedin", "ana")
    assert body["representative"] is True
    stretch = [e for e in events("clearance.changed") if e.after["cleared"]]
    assert body["cleared_since"] == stretch[0].occurred_at.isoformat()


def test_a_handle_is_registered_once_across_the_company(client, make_user):
    ana, ben = make_user(name="Ana"), make_user(name="Ben")
    sign_in(client, ana)
    assert register(client, "instagram", "@Ana.Silva").status_code == 302
    again = register(client, "instagram", "https://instagram.com/ana.silva")
    assert again.status_code == 400
    assert "You have registered this handle already." in text_of(again)
    client.post("/logout")

    sign_in(client, ben)
    taken = register(client, "instagram", "ANA.SILVA")
    assert taken.status_code == 400
    assert "Someone else in the company has registered this handle." in text_of(taken)
    assert "Ana" not in text_of(taken).split("Someone else")[1][:200]  # says not whose
    assert register(client, "tiktok", "@ana.silva").status_code == 302  # another platform
    assert db.session.scalar(sa.select(sa.func.count(SocialHandle.id))) == 2


def test_a_handle_that_cannot_be_read_is_refused_saying_why(client, employee):
    sign_in(client, employee)
    for platform, typed, says in [
        ("x", "two words", "letters, digits, dots, hyphens and underscores"),
        ("x", "https://instagram.com/ana", "not a profile on this platform"),
        ("myspace", "ana", "Not a valid choice"),
        ("x", "", "This field is required"),
    ]:
        response = register(client, platform, typed)
        assert response.status_code == 400 and says in text_of(response), typed
    assert register(client, "x", "ana", display_name="   ").status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(SocialHandle.id))) == 0


def test_a_lapsed_clearance_answers_no_at_once(client, employee):
    certify(employee)
    sign_in(client, employee)
    register(client, "bluesky", "ana.bsky.social")
    assert check_json(client, "bluesky", "ana.bsky.social")["representative"] is True

    # The certification's time runs out; no job has recomputed anything yet.
    past = utcnow() - timedelta(minutes=1)
    db.session.execute(sa.update(Certification).values(expires_at=past))
    db.session.execute(sa.update(Clearance).values(valid_until=past))
    db.session.commit()
    assert (
        db.session.get(Clearance, employee.id, populate_existing=True).cleared is True
    )  # the stored answer, unchanged
    assert check_json(client, "bluesky", "ana.bsky.social")["representative"] is False
    assert NO in text_of(check(client, "bluesky", "ana.bsky.social"))


def test_a_leaver_s_handle_answers_no(client, employee):
    certify(employee)
    sign_in(client, employee)
    register(client, "x", "ana")
    users.set_active(employee, False, source="roster", reason="left")
    db.session.commit()
    assert check_json(client, "x", "ana")["representative"] is False


def test_unknown_and_not_cleared_get_the_same_answer(client, employee):
    sign_in(client, employee)  # registered, never cleared
    register(client, "x", "zq_known")
    client.post("/logout")
    client.get("/verify-handle")  # shows the flashed messages, so both answers start alike

    def without_handle(page: str, handle: str) -> str:
        return page.replace(handle, "HANDLE")

    registered = check(client, "x", "zq_known")
    unknown = check(client, "x", "zq_unknown")
    assert registered.status_code == unknown.status_code == 200
    assert without_handle(text_of(registered), "zq_known") == without_handle(
        text_of(unknown), "zq_unknown"
    )
    assert NO in text_of(unknown)
    one, other = check_json(client, "x", "zq_known"), check_json(client, "x", "zq_unknown")
    assert one | {"handle": ""} == other | {"handle": ""}
    assert one["representative"] is False and one["display_name"] is None


def test_the_check_is_kept_out_of_search_engines(client):
    for response in (
        client.get("/verify-handle"),
        check(client, "x", "ana"),
        client.get("/api/v1/handles/x/ana"),
    ):
        assert "noindex" in response.headers["X-Robots-Tag"]
    assert '<meta name="robots" content="noindex' in check(client, "x", "ana").get_data(True)


def test_bad_questions_get_a_clear_answer_and_are_not_counted(client):
    response = check(client, "x", "two words")
    assert response.status_code == 400 and "letters, digits" in text_of(response)
    api = client.get("/api/v1/handles/myspace/ana")
    assert api.status_code == 404 and "Use one of: linkedin, x" in api.json["message"]
    api = client.get("/api/v1/handles/x/two words")
    assert api.status_code == 400 and "letters, digits" in api.json["message"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(HandleLookupCount)) == 0


def test_every_check_is_counted_per_day_and_platform_only(client, make_user, employee):
    certify(employee)
    sign_in(client, employee)
    register(client, "x", "ana")
    client.post("/logout")
    check(client, "x", "ana")
    check(client, "x", "@ANA")
    check(client, "x", "nobody")
    check_json(client, "linkedin", "ana")

    rows = db.session.execute(
        sa.select(
            HandleLookupCount.platform, HandleLookupCount.answered_yes, HandleLookupCount.count
        ).order_by(HandleLookupCount.platform, HandleLookupCount.answered_yes)
    ).all()
    assert [tuple(row) for row in rows] == [("linkedin", False, 1), ("x", False, 1), ("x", True, 2)]
    columns = set(HandleLookupCount.__table__.columns.keys())
    assert columns == {"day", "platform", "answered_yes", "count"}  # no address, no handle

    sign_in(client, make_user(roles=[Role.MARKETING]))
    page = text_of(client.get("/hr/handles/lookups"))
    today = re.escape(f"{utcnow():%b} {utcnow().day}, {utcnow():%Y}")
    assert re.search(today + r" LinkedIn 1 0 1 .*X \(Twitter\) 3 2 1", page), page


def test_hr_finds_and_removes_a_handle_with_a_reason(client, make_user, employee):
    certify(employee)
    sign_in(client, employee)
    register(client, "facebook", "acme.ana")
    handle_id = db.session.scalar(sa.select(SocialHandle.id))
    client.post("/logout")
    hr = make_user(roles=[Role.HR], name="Hana HR")
    sign_in(client, hr)
    page = text_of(client.get("/hr/handles", query_string={"q": "ACME"}))
    assert "@acme.ana" in page and employee.email in page
    assert "No handle matches" in text_of(client.get("/hr/handles", query_string={"q": "zzz"}))

    refused = client.post(f"/hr/handles/{handle_id}/remove", data={"reason": " "})
    assert "Say why the handle is removed" in text_of(client.get("/hr/handles"))
    assert refused.status_code == 302 and db.session.get(SocialHandle, handle_id) is not None

    client.post(f"/hr/handles/{handle_id}/remove", data={"reason": "Not her account"})
    db.session.expire_all()
    assert db.session.get(SocialHandle, handle_id) is None
    removed = events("handle.removed")[-1]
    assert removed.actor_id == hr.id and removed.subject_user_id == employee.id
    assert removed.before == {"platform": "facebook", "handle_id": handle_id}  # no handle text
    assert removed.after == {"reason": "Not her account"}
    assert check_json(client, "facebook", "acme.ana")["representative"] is False


def test_employees_see_and_remove_only_their_own(client, make_user):
    ana, ben = make_user(name="Ana"), make_user(name="Ben")
    sign_in(client, ana)
    register(client, "x", "ana_handle")
    anas = db.session.scalar(sa.select(SocialHandle.id))
    client.post("/logout")

    sign_in(client, ben)
    assert "ana_handle" not in text_of(client.get("/training/handles"))
    assert client.get("/hr/handles").status_code == 403
    assert client.get("/hr/handles/lookups").status_code == 403
    client.post(f"/training/handles/{anas}/remove")
    assert "You have no such handle" in text_of(client.get("/training/handles"))
    assert db.session.get(SocialHandle, anas) is not None
    client.post("/logout")

    sign_in(client, ana)
    client.post(f"/training/handles/{anas}/remove")
    db.session.expire_all()
    assert db.session.get(SocialHandle, anas) is None
    assert events("handle.removed")[-1].after == {"reason": None}


def test_signing_in_is_needed_to_register(client):
    response = client.get("/training/handles")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
