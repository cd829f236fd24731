"""``/api/v1/handles/<platform>/<handle>``: the public check as JSON, for anyone.

The same answer as the page at ``/verify-handle`` (lms.public.handle_views): no token,
rate-limited per client, counted per day and platform, kept out of search engines. A no
is the same whether the handle is unknown, its owner not cleared, or gone.
"""

from typing import Literal

from flask import abort
from flask import current_app
from flask import request
from flask_babel import force_locale
from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field
from spectree import Response

from lms.api import bp
from lms.api import spec
from lms.api.schemas import DateTime
from lms.api.schemas import Error
from lms.extensions import limiter
from lms.models import utcnow
from lms.models.types import iso
from lms.queries import company as company_settings
from lms.rules.handles import PLATFORMS
from lms.services import Refused
from lms.services import handles

Platform = Literal[PLATFORMS]  # type: ignore[valid-type]


class HandleCheck(BaseModel):
    """Whether a social media account is a cleared representative of the company."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    platform: Platform
    handle: str = Field(description="The handle as the company stores it: no @, lower case.")
    company: str = Field(description="The company the answer is about.")
    representative: bool = Field(
        description=(
            "True: a registered account of an employee cleared to represent the company "
            "right now. False for everything else, without saying which."
        )
    )
    display_name: str | None = Field(description="The name the employee chose; null for a no.")
    cleared_since: DateTime | None = Field(
        description="Since when the employee has been cleared without a break; null for a no."
    )


def _lookups_per_client() -> str:
    return current_app.config["HANDLE_LOOKUPS_PER_CLIENT"]


@bp.route("/handles/<platform>/<path:handle>")
@limiter.limit(_lookups_per_client)
@spec.validate(
    resp=Response(
        HTTP_200=(HandleCheck, "The answer, yes or no."),
        HTTP_400=(Error, "The handle cannot be read (the message says why)."),
        HTTP_404=(Error, "No such platform."),
        HTTP_429=(Error, "Too many checks from this client: wait and ask again."),
    ),
    path_parameter_descriptions={
        "platform": "One of: " + ", ".join(PLATFORMS) + ".",
        "handle": "The handle (@name or name, any case) or the profile's address.",
    },
    operation_id="checkHandle",
    tags=["handles"],
    security={},  # public: anyone who meets the account may ask
)
def check_handle(platform: str, handle: str):
    """Is this social media account a cleared representative of the company?

    Public, no token. Answers `representative: true` with the employee's chosen name and
    since when they have been cleared, or `false`, the same for an unknown handle, one
    whose owner is not (or no longer) cleared, and one whose owner has left.
    """
    if platform not in PLATFORMS:
        abort(404, description="No such platform. Use one of: " + ", ".join(PLATFORMS) + ".")
    try:
        answer = handles.verify(platform, handle, utcnow())
        stored = handles.normalised(platform, handle)
    except Refused as refused:
        with force_locale("en"):  # the API speaks English, like its other messages
            abort(400, description=str(refused.message))
    return HandleCheck(
        platform=platform,
        handle=stored,
        company=_company(),
        representative=answer is not None,
        display_name=answer.display_name if answer else None,
        cleared_since=iso(answer.since) if answer else None,
    )


def _company() -> str:
    return company_settings.company_name()


@bp.after_request
def _keep_out_of_search_engines(response):
    if request.endpoint == "api.check_handle":
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response
