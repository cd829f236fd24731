"""Company sign-in (OpenID Connect) end to end, against a real provider started by the
``oidc_provider`` fixture (oauth2-mock-server): the browser's way through our start page,
the provider's authorization endpoint and back to our callback, which exchanges the code
with the provider and verifies its ID token."""

from urllib.parse import parse_qs
from urllib.parse import urlencode
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.models import Enrollment
from lms.models import OutboxEvent
from lms.models import SignInAttempt
from lms.models import User
from lms.models import UserSession
from tests.helpers import PASSWORD
from tests.helpers import OidcProvider
from tests.helpers import events
from tests.helpers import text_of

CLIENT_ID = "lms-test"


@pytest.fixture
def app_config(oidc_provider):
    return {
        "OIDC_ISSUER": oidc_provider.issuer,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": "test-client-secret",
        "OIDC_COMPANY_NAME": "Example Corp",
    }


@pytest.fixture
def provider(oidc_provider):
    oidc_provider.next({})  # nobody in particular, nothing spoiled
    return oidc_provider


@pytest.fixture
def ana(make_user):
    return make_user(email="ana@example.com", employee_id="E100", name="Ana Example")


def claims_of(user: User, **extra) -> dict:
    """What a company's provider says about ``user`` (its ``sub`` is its own id)."""
    return {
        "sub": f"idp-{user.employee_id}",
        "email": user.email.upper(),  # providers keep the case people typed
        "email_verified": True,
        "name": user.name,
        "employee_id": user.employee_id,
    } | extra


def signed_in_as(client) -> str | None:
    """Who the client's cookies sign in, by what the account page shows."""
    page = client.get("/account")
    if page.status_code != 200:
        return None
    return next((w for w in text_of(page).split() if "@" in w), None)


def sessions_of(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(UserSession).where(UserSession.user_id == user.id)
    )


def refusals() -> list[dict]:
    """The refusals' audit events, with the claim value each points at in the sign-in log
    (the audit trail holds only the log row's id)."""
    found = []
    for event in events("sign_in.sso_refused"):
        after = dict(event.after)
        if "sign_in_attempt" in after:
            after["value"] = db.session.get(SignInAttempt, after.pop("sign_in_attempt")).identifier
        found.append(after)
    return found


def refused_attempts() -> list[tuple[str, str | None]]:
    return [(a.kind, a.identifier) for a in db.session.scalars(sa.select(SignInAttempt))]


def person_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))


# -- The login page ----------------------------------------------------------------------


def test_login_page_offers_the_company_button_beside_the_password_form(client, provider):
    page = client.get("/login?next=/training/policy-basics")
    assert "Sign in with Example Corp" in text_of(page)
    assert 'name="password"' in page.get_data(as_text=True)
    assert "/login/sso?next=/training/policy-basics" in page.get_data(as_text=True)


def test_the_button_label_can_be_set_whole(app, client, provider):
    app.config["OIDC_BUTTON_LABEL"] = "Okta"
    assert "Okta" in text_of(client.get("/login"))


def test_the_provider_is_asked_for_a_code_with_pkce_state_and_nonce(client, provider):
    location = urlsplit(client.get("/login/sso").location)
    asked = parse_qs(location.query)
    assert f"{location.scheme}://{location.netloc}" == provider.issuer
    assert asked["response_type"] == ["code"] and asked["client_id"] == [CLIENT_ID]
    assert asked["code_challenge_method"] == ["S256"] and asked["code_challenge"][0]
    assert asked["state"][0] and asked["nonce"][0]
    assert asked["scope"] == ["openid email profile"]
    assert asked["redirect_uri"] == ["http://localhost/login/sso/callback"]


# -- Success -----------------------------------------------------------------------------


def test_a_person_on_the_roster_signs_in_and_lands_where_they_were_going(client, provider, ana):
    provider.next(claims_of(ana))
    response = provider.sign_in(client, "/login/sso?next=/training/policy-basics")

    assert response.status_code == 302
    assert response.location.endswith("/training/policy-basics")
    assert signed_in_as(client) == "ana@example.com"
    (event,) = events("sign_in.sso")
    assert event.subject_user_id == ana.id and event.actor_id == ana.id
    assert event.after == {"claim": "email"}  # no personal data in the audit trail
    assert sessions_of(ana) == 1


def test_a_company_sign_in_ends_like_any_other(app, client, provider, ana):
    """It is a row in user_sessions: signing out everywhere ends it on the server."""
    provider.next(claims_of(ana))
    provider.sign_in(client)
    copied = app.test_client()
    copied.set_cookie("session", client.get_cookie("session").value)
    assert signed_in_as(copied) == "ana@example.com"

    client.post("/account/sign-out-everywhere")
    assert signed_in_as(copied) is None and sessions_of(ana) == 0


def test_matching_by_an_employee_id_claim(app, client, provider, ana, make_user):
    make_user(email="someone.else@example.com", employee_id="E200")
    app.config.update(OIDC_IDENTITY_CLAIM="employee_id", OIDC_MATCH_COLUMN="employee_id")
    # the provider's email for Ana differs from ours: only the employee id counts
    provider.next(claims_of(ana, email="ana.example@corp.example"))
    response = provider.sign_in(client)
    assert response.status_code == 302
    assert signed_in_as(client) == "ana@example.com"
    assert events("sign_in.sso")[0].after == {"claim": "employee_id"}


def test_a_new_signing_key_is_fetched_when_a_token_names_it(app, client, provider, ana):
    provider.next(claims_of(ana))
    provider.sign_in(client)
    fetched = provider.jwks_fetches()
    client.post("/logout")

    provider.rotate_keys()
    provider.next(claims_of(ana))
    response = provider.sign_in(client)

    assert response.status_code == 302 and signed_in_as(client) == "ana@example.com"
    assert provider.jwks_fetches() == fetched + 1


# -- People who may not sign in ----------------------------------------------------------


def test_an_unknown_person_is_refused_and_nothing_is_created(client, provider, ana):
    people = person_count()
    provider.next({"sub": "idp-9", "email": "stranger@example.com", "email_verified": True})
    response = provider.sign_in(client)

    assert response.status_code == 403
    assert "not linked to anyone in this training" in text_of(response)
    assert signed_in_as(client) is None and person_count() == people
    assert refusals() == [{"reason": "unknown", "claim": "email", "value": "stranger@example.com"}]
    assert refused_attempts() == [("sso", "stranger@example.com")]
    assert events("sign_in.sso") == []


def test_a_deactivated_person_is_refused(client, provider, make_user):
    leaver = make_user(email="leaver@example.com", active=False)
    provider.next(claims_of(leaver))
    response = provider.sign_in(client)

    assert response.status_code == 403 and "deactivated" in text_of(response)
    assert signed_in_as(client) is None and sessions_of(leaver) == 0
    (event,) = events("sign_in.sso_refused")
    assert event.subject_user_id == leaver.id
    assert "value" not in event.after  # the claim's value is in the sign-in log only
    assert refusals() == [
        {"reason": "deactivated", "claim": "email", "value": "leaver@example.com"}
    ]


def test_a_token_without_the_identifying_claim_is_refused(app, client, provider, ana):
    app.config.update(OIDC_IDENTITY_CLAIM="employee_id", OIDC_MATCH_COLUMN="employee_id")
    provider.next({"sub": "idp-1", "email": ana.email})
    response = provider.sign_in(client)
    assert response.status_code == 403 and "“employee_id” claim is missing" in text_of(response)
    assert refusals() == [{"reason": "claim_missing"}] and signed_in_as(client) is None


def test_an_email_the_provider_has_not_verified_is_refused(client, provider, ana):
    provider.next(claims_of(ana, email_verified=False))
    response = provider.sign_in(client)
    assert response.status_code == 403 and "not verified your email" in text_of(response)
    assert refusals() == [{"reason": "email_not_verified"}] and signed_in_as(client) is None


# -- Just-in-time creation ---------------------------------------------------------------


def test_just_in_time_creation_makes_the_account_through_the_users_service(app, client, provider):
    app.config["OIDC_JIT_CREATE"] = True
    provider.next({"sub": "idp-77", "email": "New.Hire@Example.com", "name": "New Hire"})
    response = provider.sign_in(client)

    assert response.status_code == 302 and signed_in_as(client) == "new.hire@example.com"
    user = User.find("new.hire@example.com")
    assert (user.employee_id, user.name, user.password_hash) == ("idp-77", "New Hire", None)
    (created,) = events("user.created")
    assert created.subject_user_id == user.id and created.after["source"] == "sso"
    assert events("sign_in.sso")[0].after == {"claim": "email", "created": True}
    kinds = db.session.scalars(sa.select(OutboxEvent.kind).where(OutboxEvent.user_id == user.id))
    assert "person.created" in set(kinds)


def test_just_in_time_creation_by_employee_id_takes_the_verified_email(app, client, provider):
    app.config.update(
        OIDC_JIT_CREATE=True, OIDC_IDENTITY_CLAIM="employee_id", OIDC_MATCH_COLUMN="employee_id"
    )
    provider.next(
        {"sub": "x", "employee_id": "E555", "email": "e555@example.com", "email_verified": True}
    )
    assert provider.sign_in(client).status_code == 302
    assert User.find("E555").email == "e555@example.com"


def test_just_in_time_creation_never_takes_over_an_existing_account(app, client, provider, ana):
    app.config.update(
        OIDC_JIT_CREATE=True, OIDC_IDENTITY_CLAIM="employee_id", OIDC_MATCH_COLUMN="employee_id"
    )
    people = person_count()
    provider.next({"sub": "x", "employee_id": "E999", "email": ana.email, "email_verified": True})
    response = provider.sign_in(client)
    assert response.status_code == 403 and "already has your email" in text_of(response)
    assert person_count() == people and signed_in_as(client) is None
    assert refusals() == [{"reason": "jit_conflict", "claim": "employee_id", "value": "E999"}]


def test_just_in_time_creation_off_is_the_default(app, client, provider):
    assert app.config["OIDC_JIT_CREATE"] is False
    provider.next({"sub": "idp-78", "email": "another.hire@example.com"})
    assert provider.sign_in(client).status_code == 403
    assert User.find("another.hire@example.com") is None


def test_a_person_created_just_in_time_gets_the_courses_rules_give_newcomers(
    app, client, provider, runner
):
    result = runner.invoke(
        args=[
            "lms",
            "assignments",
            "add",
            "--course",
            "policy-basics",
            "--everyone",
            "--due-days",
            "30",
        ]
    )
    assert result.exit_code == 0, result.output
    app.config["OIDC_JIT_CREATE"] = True
    provider.next({"sub": "idp-79", "email": "third.hire@example.com"})
    provider.sign_in(client)
    user = User.find("third.hire@example.com")
    assert db.session.scalars(sa.select(Enrollment).where(Enrollment.user_id == user.id)).all()


# -- Spoiled and replayed callbacks: refused, nothing changes -------------------------------


@pytest.mark.parametrize(
    "spoil",
    [
        {"nonce": "not-the-nonce-we-sent"},
        {"expired": True},
        {"aud": "another-client"},
        {"aud": "another-client", "azp": CLIENT_ID},  # meant for another, naming us
        {"iss": "https://evil.example"},
        {"tamper": "ana@example.com"},  # someone else's email, under the real signature
        {"foreign_key": True},  # signed by a key the provider never published
    ],
    ids=["nonce", "expired", "audience", "audience-azp", "issuer", "tampered", "foreign-key"],
)
def test_an_id_token_that_fails_a_check_is_refused(client, provider, ana, make_user, spoil):
    mallory = make_user(email="mallory@example.com")
    provider.next(claims_of(mallory), **spoil)
    response = provider.sign_in(client)

    assert response.status_code == 403
    assert "could not be verified" in text_of(response)
    assert signed_in_as(client) is None
    assert sessions_of(ana) == 0 and sessions_of(mallory) == 0
    assert events("sign_in.sso") == []
    (refusal,) = refusals()
    assert refusal["reason"].startswith("id_token:") and set(refusal) == {"reason"}


def test_a_callback_with_another_state_is_refused(client, provider, ana):
    provider.next(claims_of(ana))
    callback = urlsplit(provider.authorize(client))
    query = parse_qs(callback.query)
    query["state"] = ["forged-state"]
    response = client.get(f"{callback.path}?{urlencode(query, doseq=True)}")

    assert response.status_code == 400 and "expired or was already used" in text_of(response)
    assert signed_in_as(client) is None and sessions_of(ana) == 0


def test_a_replayed_callback_is_refused(app, client, provider, ana):
    provider.next(claims_of(ana))
    callback = provider.authorize(client)
    assert client.get(callback).status_code == 302
    client.post("/logout")

    assert client.get(callback).status_code == 400  # the same browser, state used up
    other_browser = app.test_client()
    assert other_browser.get(callback).status_code == 400  # a stolen URL, no state at all
    assert signed_in_as(client) is None and signed_in_as(other_browser) is None
    assert len(events("sign_in.sso")) == 1


def test_the_provider_saying_no_is_a_clear_page(client, provider):
    callback = urlsplit(provider.authorize(client))
    state = parse_qs(callback.query)["state"][0]
    response = client.get(f"{callback.path}?error=access_denied&state={state}")
    assert response.status_code == 403
    assert "did not sign you in" in text_of(response)


def test_a_code_the_provider_does_not_know_is_refused(client, provider, ana):
    provider.next(claims_of(ana))
    callback = urlsplit(provider.authorize(client))
    query = parse_qs(callback.query)
    query["code"] = ["made-up-code"]
    response = client.get(f"{callback.path}?{urlencode(query, doseq=True)}")
    assert response.status_code == 403 and signed_in_as(client) is None


# -- Passwords switched off -----------------------------------------------------------------


def test_with_passwords_switched_off_only_the_company_button_remains(app, client, provider, ana):
    app.config["PASSWORD_SIGN_IN"] = False
    page = client.get("/login")
    assert "Sign in with Example Corp" in text_of(page)
    assert 'name="password"' not in page.get_data(as_text=True)

    refused = client.post("/login", data={"email": ana.email, "password": PASSWORD})
    assert refused.status_code == 403 and "passwords are not used here" in text_of(refused)
    assert signed_in_as(client) is None and sessions_of(ana) == 0

    provider.next(claims_of(ana))
    assert provider.sign_in(client).status_code == 302
    assert signed_in_as(client) == "ana@example.com"
    # No password links or password changes either: nothing a password could open.
    assert 'name="current"' not in client.get("/account").get_data(as_text=True)
    assert client.post("/account/password").status_code == 403
    assert client.get("/password/forgot").status_code == 403
    assert client.get("/password/any-token").status_code == 403


# -- The provider going away ------------------------------------------------------------------


def test_a_provider_that_stops_answering_mid_sign_in_is_a_clear_page(app, client, ana):
    own = OidcProvider()  # the shared one must keep running
    try:
        app.config["OIDC_ISSUER"] = own.issuer
        own.next(claims_of(ana))
        callback = own.authorize(client)
    finally:
        own.stop()
    response = client.get(callback)
    assert response.status_code == 503 and "does not answer" in text_of(response)
    assert signed_in_as(client) is None


@pytest.mark.parametrize(
    "query",
    ["", "code=x", "state=", "code=&state=&error=", "error=%00&state=%ff", "state=" + "a" * 5000],
)
def test_a_callback_with_odd_parameters_is_a_clear_page(client, provider, query):
    response = client.get(f"/login/sso/callback?{query}")
    assert response.status_code in (400, 403) and signed_in_as(client) is None


def test_starting_again_and_again_keeps_one_sign_in_pending(client, provider, ana):
    """Abandoned starts (the button pressed, the provider's page left) are dropped, so the
    session cookie stays small enough for browsers to keep it (they drop cookies > 4 KB)."""
    for _ in range(10):
        client.get("/login/sso")
    provider.next(claims_of(ana))
    assert provider.sign_in(client).status_code == 302
    assert len(client.get_cookie("session").value) < 1000
