"""SCIM 2.0 provisioning at /scim/v2: the company's identity provider (Entra ID, Okta,
Keycloak, …) creates, changes and deactivates people and groups.

A thin room: it checks the bearer token (scope ``scim``; clearance tokens are refused),
turns the Flask request into scim2-server's framework-free request and back, and leaves
everything else to :func:`lms.services.scim.handle`. No cookies are read, so CSRF has
nothing to protect (the blueprint is exempt).
"""

import json
from http import HTTPStatus

from flask import Blueprint
from flask import Response
from flask import g
from flask import request
from flask import url_for
from scim2_models import Error
from scim2_server.requests import ScimRequest
from scim2_server.responses import SCIM_MEDIA_TYPE

from lms.permissions import token_rate_limited
from lms.queries import access
from lms.services import api_tokens
from lms.services import scim as scim_service

bp = Blueprint("scim", __name__)
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
#: No SCIM value holds these, and PostgreSQL cannot store NUL.
UNSTORABLE = ("\x00", *(chr(c) for c in range(0xD800, 0xE000)))


@bp.route("/", defaults={"path": ""}, methods=METHODS)
@bp.route("/<path:path>", methods=METHODS)
def endpoint(path: str):
    """Every SCIM endpoint (Users, Groups, ServiceProviderConfig, ResourceTypes, Schemas);
    a live token of scope ``scim`` is its role check."""
    token = access.live_token(request.headers.get("Authorization", ""), "scim")
    if token is None:
        return _error(
            HTTPStatus.UNAUTHORIZED,
            "Send a SCIM token: Authorization: Bearer <token> "
            "(flask lms token create NAME --scope scim)",
            {"WWW-Authenticate": 'Bearer realm="SCIM"'},
        )
    g.api_token = token
    api_tokens.note_use(token)
    return _serve(path, token)


@token_rate_limited  # the token's own limit (or LMS_API_RATE_LIMIT), as for /api/v1
def _serve(path: str, token):
    body = request.get_data()
    if _unstorable(body):
        return _error(
            HTTPStatus.BAD_REQUEST,
            "A value holds a character no text can (NUL)",
            scim_type="invalidValue",
        )
    answer = scim_service.handle(
        ScimRequest(
            method=request.method,
            base_url=url_for("scim.endpoint", path="", _external=True).rstrip("/"),
            path="/" + path.removesuffix(".scim"),
            query=request.args.to_dict(),
            headers=list(request.headers.items()),
            body=body,
            subject=token,
        ),
        token,
    )
    payload = b"" if answer.body is None else json.dumps(answer.body).encode()
    return Response(payload, status=answer.status.value, headers=answer.headers)


def _unstorable(body: bytes) -> bool:
    try:
        document = json.loads(body) if body.strip() else None
    except ValueError:
        return False  # not JSON: the service answers invalidSyntax
    return _holds_unstorable(document)


def _holds_unstorable(value) -> bool:
    if isinstance(value, str):
        return any(c in value for c in UNSTORABLE)
    if isinstance(value, dict):
        return any(_holds_unstorable(k) or _holds_unstorable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_unstorable(v) for v in value)
    return False


def _error(status: HTTPStatus, detail: str, headers=None, scim_type=None) -> Response:
    error = Error(status=status.value, detail=detail, scim_type=scim_type)
    return Response(
        json.dumps(error.model_dump()),
        status=status.value,
        headers={"Content-Type": SCIM_MEDIA_TYPE, **(headers or {})},
    )
