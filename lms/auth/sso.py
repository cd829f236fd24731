"""Company sign-in through the identity provider: OpenID Connect's Authorization Code flow
with PKCE, run by Authlib's Flask client.

``GET /login/sso`` sends the browser to the provider; the provider sends it back to
``GET /login/sso/callback``. There Authlib checks ``state`` (kept in the signed session
cookie, used once, so a replayed callback finds none), exchanges the code with the PKCE
verifier, and verifies the ID token: its signature against the provider's JWKS (fetched
again when a token names a key not seen yet, so the provider may rotate its keys), the
issuer (the configured one), the audience (our client id), expiry and the ``nonce``.
:mod:`lms.services.sso` then matches the verified claims to a person.

Every failure shows a page that says what happened and changes nothing but the audit
trail; none is a 500. Off (404) unless OIDC_ISSUER and OIDC_CLIENT_ID are set.
"""

import logging
from dataclasses import dataclass

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError
from authlib.integrations.flask_client import FlaskOAuth2App
from authlib.integrations.flask_client import OAuth
from authlib.integrations.flask_client import OAuthError
from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from joserfc.errors import JoseError

from lms.auth import bp
from lms.auth import sessions
from lms.auth.forms import LoginForm
from lms.security import local_path_or
from lms.services import sso as sso_service

log = logging.getLogger(__name__)

#: The provider did not answer, or answered with something that is not its protocol.
_PROVIDER_DOWN = (requests.RequestException, ValueError)
_NEXT = "sso_next"  # where to go after signing in, kept in the session meanwhile
_CLIENT = "company"  # the Authlib client's name
_PENDING = f"_state_{_CLIENT}_"  # how Authlib names a started sign-in in the session


@dataclass(frozen=True)
class Settings:
    """What talking to the provider takes; one Authlib client per distinct value."""

    issuer: str
    client_id: str
    client_secret: str
    scopes: str
    timeout: float


def settings() -> Settings | None:
    """The provider's settings, or None when company sign-in is off."""
    config = current_app.config
    issuer, client_id = str(config["OIDC_ISSUER"] or ""), str(config["OIDC_CLIENT_ID"] or "")
    if not (issuer and client_id):
        return None
    return Settings(
        issuer=issuer,
        client_id=client_id,
        client_secret=str(config["OIDC_CLIENT_SECRET"] or ""),
        scopes=str(config["OIDC_SCOPES"]),
        timeout=float(config["OIDC_TIMEOUT"]),
    )


def password_sign_in_allowed() -> bool:
    """Passwords are refused only when company sign-in is on to replace them."""
    return bool(current_app.config["PASSWORD_SIGN_IN"]) or settings() is None


def button_label() -> str:
    config = current_app.config
    if config["OIDC_BUTTON_LABEL"]:
        return str(config["OIDC_BUTTON_LABEL"])
    if config["OIDC_COMPANY_NAME"]:
        return _("Sign in with %(company)s", company=config["OIDC_COMPANY_NAME"])
    return _("Sign in with your company account")


@bp.app_context_processor
def _sign_in_choices() -> dict:
    """For the sign-in page, wherever it is rendered: the company button (when on) and
    whether passwords are allowed."""
    return {
        "sso_button": button_label() if settings() else None,
        "password_sign_in": password_sign_in_allowed(),
    }


def refuse_password() -> tuple[str, int]:
    """The sign-in page's answer to a password when only company sign-in is allowed."""
    flash(_PASSWORD_OFF, "danger")
    return render_template("auth/login.html", form=LoginForm()), 403


@bp.route("/login/sso")
def sso_start():
    """Public: sends the browser to the company's identity provider."""
    provider = _settings_or_404()
    if current_user.is_authenticated:
        return redirect(url_for("learn.index"))
    session[_NEXT] = local_path_or(request.args.get("next"), url_for("learn.index"))
    session["browser_zone"] = request.args.get("time_zone", "")[:64]  # see sessions.sign_in
    _forget_pending_sign_ins()
    try:
        return _client(provider).authorize_redirect(url_for("auth.sso_callback", _external=True))
    except _PROVIDER_DOWN as error:
        return _provider_down(error)


@bp.route("/login/sso/callback")
def sso_callback():
    """Public: where the provider sends the browser back; signs the person in or says
    why not."""
    provider = _settings_or_404()
    try:
        token = _client(provider).authorize_access_token(claims_options=_expected(provider))
    except MismatchingStateError:  # forged, stale or replayed: anyone can send these
        log.warning("company sign-in: a callback without a matching state")
        return _problem(_STALE, 400)
    except OAuthError as error:  # the provider said no, or refused the code
        log.warning("company sign-in: the provider refused: %s", error.error)
        return _problem(_PROVIDER_REFUSED, 403)
    except (JoseError, AuthlibBaseError) as error:  # the provider's ID token failed a check
        return _refused(_failed_check(error), _UNVERIFIED)
    except _PROVIDER_DOWN as error:
        return _provider_down(error)
    claims = token.get("userinfo")
    if not claims:
        return _refused("id_token:missing", _UNVERIFIED)
    try:
        user = sso_service.admit(claims, _matching())
    except sso_service.SignInRefused as refused:
        sso_service.refuse(
            refused.reason, claim=_matching().claim, value=refused.value, subject=refused.user
        )
        return _problem(refused.message, 403)
    target = local_path_or(session.pop(_NEXT, None), url_for("learn.index"))
    sessions.sign_in(user)
    return redirect(target)


def _forget_pending_sign_ins() -> None:
    """Only the latest start may finish. Authlib keeps each start's state, nonce and PKCE
    verifier in the session cookie for an hour; abandoned starts would grow the cookie
    past the 4 KB browsers keep."""
    for key in [key for key in session if key.startswith(_PENDING)]:
        session.pop(key)


def _expected(provider: Settings) -> dict:
    """The ID token claims checked beyond Authlib's own: the issuer is the configured one
    (not merely what the discovery document says), and the audience includes our client
    id (Authlib alone accepts another client's token that names us as ``azp``)."""
    return {
        "iss": {"essential": True, "value": provider.issuer},
        "aud": {"essential": True, "value": provider.client_id},
    }


def _failed_check(error: Exception) -> str:
    """The audit reason for an ID token that failed a check, e.g.
    "id_token:invalid_claim:nonce" or "id_token:bad_signature"."""
    parts = ["id_token", getattr(error, "error", "") or type(error).__name__]
    if getattr(error, "claim", None):
        parts.append(str(error.claim))  # type: ignore[attr-defined]
    return ":".join(parts)[:120]


def _settings_or_404() -> Settings:
    provider = settings()
    if provider is None:
        abort(404)
    return provider


@bp.record_once
def _check_settings(state) -> None:
    """A server with a column it cannot match refuses to start, rather than fail later."""
    column = state.app.config["OIDC_MATCH_COLUMN"]
    if column not in sso_service.COLUMNS:
        raise RuntimeError(f"LMS_OIDC_MATCH_COLUMN is {column!r}: use email or employee_id")


def _matching() -> sso_service.Matching:
    config = current_app.config
    return sso_service.Matching(
        claim=str(config["OIDC_IDENTITY_CLAIM"]),
        column=str(config["OIDC_MATCH_COLUMN"]),
        jit_create=bool(config["OIDC_JIT_CREATE"]),
    )


def _client(provider: Settings) -> FlaskOAuth2App:
    """The Authlib client for these settings, made once per app (tests change the
    settings of a running app; a deployment never does)."""
    clients = current_app.extensions.setdefault("lms.sso.clients", {})
    if provider not in clients:
        oauth = OAuth(current_app._get_current_object())  # type: ignore[attr-defined]
        clients[provider] = oauth.register(
            _CLIENT,
            client_id=provider.client_id,
            client_secret=provider.client_secret,
            server_metadata_url=_discovery_url(provider.issuer),
            client_kwargs={
                "scope": provider.scopes,
                "code_challenge_method": "S256",
                "default_timeout": provider.timeout,
            },
        )
    return clients[provider]


def _discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


def _refused(reason: str, message):
    """An answer from the provider refused before anyone was named: audited (it took a
    real exchange with the provider), nothing else changes."""
    sso_service.refuse(reason)
    return _problem(message, 403)


def _provider_down(error: Exception):
    log.warning("company sign-in: the identity provider did not answer: %r", error)
    return _problem(_PROVIDER_DOWN_MESSAGE, 503)


def _problem(message, status: int):
    return render_template("auth/sso_problem.html", message=message), status


_PASSWORD_OFF = _l("Sign in with your company account: passwords are not used here.")
_STALE = _l("This sign-in has expired or was already used. Start again from the sign-in page.")
_PROVIDER_REFUSED = _l("Your company's sign-in service did not sign you in.")
_UNVERIFIED = _l(
    "The answer from your company's sign-in service could not be verified, so you were "
    "not signed in. Start again; if it happens again, tell your IT team."
)
_PROVIDER_DOWN_MESSAGE = _l(
    "Your company's sign-in service does not answer. Try again in a few minutes."
)
