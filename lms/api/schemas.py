"""The API's answers as pydantic models: each view returns one of these, spectree turns it
into JSON, and the OpenAPI description is generated from the same classes, so what the
spec says and what the server sends cannot part ways."""

from typing import Annotated
from typing import Literal

from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field

# The per-course statuses of lms.rules.clearance; a test keeps the two lists equal.
CourseStatusCode = Literal[
    "cleared", "grace", "not_certified", "expired", "superseded", "revoked", "exempt"
]
# A reason for "not cleared" is a course status other than "cleared", or one about the person.
ReasonCode = Literal[
    "grace",
    "not_certified",
    "expired",
    "superseded",
    "revoked",
    "exempt",
    "inactive",
    "no_required_courses",
]

# Kept as the strings the server has always sent (Python's isoformat, "+00:00"); documented
# as RFC 3339 date-times, which they are.
DateTime = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
Version = Annotated[str, Field(pattern=r"^\d+\.\d+$", examples=["2.1"])]


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Reason(_Answer):
    """Why the answer is "not cleared" (or, for ``grace``, why it will lapse early)."""

    code: ReasonCode = Field(
        description=(
            "`inactive`: the person has left or is deactivated; `no_required_courses`: nothing "
            "is required of the person (or every required course is `exempt`), so they are "
            "not cleared; otherwise the status of `course_id`."
        )
    )
    course_id: str | None = Field(description="The course concerned, if any.")
    until: DateTime | None = Field(
        description=(
            "For `grace`: the deadline to recertify on the course's new version; for "
            "`exempt`: when the exemption ends."
        )
    )


class CourseClearance(_Answer):
    """The person's standing on one required course."""

    course_id: str
    status: CourseStatusCode = Field(
        description=(
            "`cleared` and `grace` count as cleared; `grace`: certified on an older major "
            "version, must recertify by `valid_until`; `exempt`: HR exempted the person "
            "until `valid_until`: the course does not hold the clearance back, nor clears "
            "anyone by itself."
        )
    )
    valid_until: DateTime | None = Field(
        description="When this course stops counting unless renewed; null when not counting."
    )
    certified_version: Version | None = Field(
        description="The version of the person's (latest) certification, if any."
    )
    current_version: Version | None = Field(description="The course's current published version.")


class Clearance(_Answer):
    """May this employee represent the brand right now, and why (not)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "employee_id": "E1001",
                    "cleared": True,
                    "valid_until": "2027-03-01T09:30:00+00:00",
                    "reasons": [],
                    "courses": [
                        {
                            "course_id": "policy-basics",
                            "status": "cleared",
                            "valid_until": "2027-03-01T09:30:00+00:00",
                            "certified_version": "1.0",
                            "current_version": "1.0",
                        }
                    ],
                    "computed_at": "2026-03-01T09:30:00+00:00",
                }
            ]
        }
    )

    employee_id: str
    cleared: bool
    valid_until: DateTime | None = Field(
        description="When a yes lapses unless the person recertifies; null for a no."
    )
    reasons: list[Reason] = Field(description="Empty for a yes.")
    courses: list[CourseClearance] = Field(description="Every required course.")
    computed_at: DateTime = Field(description="When this answer was computed.")


class Error(_Answer):
    """Every error the API sends, whatever its status."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "error": "Unauthorized",
                    "message": "The API token is not valid or has been revoked.",
                },
            ]
        }
    )

    error: str = Field(description="The HTTP status phrase, e.g. `Not Found`.")
    message: str = Field(description="What went wrong, for a person to read.")


# -- Many at a time: the batch and the changes feed ------------------------------------------

#: The most identifiers one batch may ask about, and answers one page of the feed holds.
MAX_BATCH = 1000
MAX_PAGE = 1000
DEFAULT_PAGE = 500
#: The longest identifier: an email address (RFC 5321); employee ids are shorter.
MAX_IDENTIFIER = 254

Identifier = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_IDENTIFIER,
        pattern="^[^\\x00]*$",  # no NUL: no id or email holds one
        examples=["E1001", "ana@example.com"],
    ),
]


class BatchQuestion(BaseModel):
    """Whom to answer about: employee ids or email addresses (any case), mixed."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"ids": ["E1001"]}]})

    ids: list[Identifier] = Field(
        max_length=MAX_BATCH,
        description=(
            f"Up to {MAX_BATCH:,} employee ids or email addresses; more is refused with 413. "
            "An identifier asked twice is answered once."
        ),
    )


class Found(_Answer):
    """The answer about one identifier that names an employee."""

    id: str = Field(description="The identifier as it was asked.")
    clearance: Clearance


class BatchAnswer(_Answer):
    """One answer per identifier asked, in the order asked."""

    found: list[Found] = Field(description="Identifiers that name an employee, with the answer.")
    not_found: list[str] = Field(description="Identifiers that name no employee.")


class ChangesQuestion(BaseModel):
    """Where to continue, and how many answers at most."""

    model_config = ConfigDict(extra="forbid")

    cursor: str | None = Field(
        None,
        max_length=100,
        description=(
            "The `cursor` of the previous page; leave it out to start from the beginning "
            "(everyone's current answer)."
        ),
    )
    limit: int = Field(DEFAULT_PAGE, ge=1, le=MAX_PAGE, description="Answers per page at most.")


class Changes(_Answer):
    """A page of the changes feed: the current answer of each person whose answer changed
    after the cursor asked, oldest change first, each person once."""

    changes: list[Clearance] = Field(
        description=(
            "Current answers, in the order they changed. Someone who has left appears with "
            "`cleared: false` and the reason `inactive`."
        )
    )
    cursor: str = Field(
        description=(
            "Opaque: ask with it for what changed after this page. Kept even when nothing "
            "did: poll with it."
        )
    )
    has_more: bool = Field(description="More changes wait: ask again at once with `cursor`.")
