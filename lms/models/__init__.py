"""Database models (SQLAlchemy 2 style). Import them from here."""

from lms.models.api_token import ApiToken
from lms.models.assignment import AssignmentRule
from lms.models.assignment import ReminderSent
from lms.models.attestation import Attestation
from lms.models.audit import AuditEvent
from lms.models.authoring import CourseDraft
from lms.models.authoring import CourseDraftFile
from lms.models.certification import Certification
from lms.models.certification import Clearance
from lms.models.certification import ClearanceFeed
from lms.models.company import CompanySetting
from lms.models.company import CompanySettingsVersion
from lms.models.course import Course
from lms.models.course import CourseVersion
from lms.models.course import CourseVersionFile
from lms.models.event import OutboxEvent
from lms.models.exemption import AssignmentNotice
from lms.models.exemption import Exemption
from lms.models.handle import HandleLookupCount
from lms.models.handle import SocialHandle
from lms.models.job import Job
from lms.models.job_file import JobFile
from lms.models.learning import Enrollment
from lms.models.learning import ModuleProgress
from lms.models.learning import QuizAttempt
from lms.models.manager_digest import ManagerDigest
from lms.models.password_link import PasswordLink
from lms.models.person_search import PersonSearchTerm
from lms.models.person_status import PersonCourseStatus
from lms.models.responses import AttemptResponse
from lms.models.roster import RosterUpload
from lms.models.scim import Group
from lms.models.scim import GroupMember
from lms.models.scim import ScimUser
from lms.models.scim_push import ScimPushAccount
from lms.models.scim_push import ScimPushTarget
from lms.models.session import UserSession
from lms.models.sign_in_attempt import SignInAttempt
from lms.models.signing_key import SigningKey
from lms.models.types import utcnow
from lms.models.user import LeadDepartment
from lms.models.user import Role
from lms.models.user import User
from lms.models.user import UserRole
from lms.models.webhook import WebhookAttempt
from lms.models.webhook import WebhookDelivery
from lms.models.webhook import WebhookEndpoint
from lms.models.webhook import WebhookSubscription
from lms.models.xapi import XapiProgress
from lms.models.xapi import XapiSend

__all__ = [
    "ApiToken",
    "AssignmentRule",
    "Attestation",
    "AttemptResponse",
    "AuditEvent",
    "Certification",
    "Clearance",
    "CompanySetting",
    "CompanySettingsVersion",
    "ClearanceFeed",
    "Course",
    "CourseDraft",
    "CourseDraftFile",
    "CourseVersion",
    "CourseVersionFile",
    "Enrollment",
    "PersonSearchTerm",
    "Group",
    "HandleLookupCount",
    "GroupMember",
    "LeadDepartment",
    "ManagerDigest",
    "Job",
    "JobFile",
    "ModuleProgress",
    "OutboxEvent",
    "PasswordLink",
    "PersonCourseStatus",
    "QuizAttempt",
    "ReminderSent",
    "AssignmentNotice",
    "Exemption",
    "Role",
    "RosterUpload",
    "ScimPushAccount",
    "ScimPushTarget",
    "ScimUser",
    "SigningKey",
    "SignInAttempt",
    "SocialHandle",
    "User",
    "UserRole",
    "UserSession",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookSubscription",
    "XapiProgress",
    "XapiSend",
    "utcnow",
]
