"""The write side: every change to the database goes through a service here.

Two kinds of function, and the docstring says which:

- an **operation** (called by a web view, a CLI command or a job) does one whole change
  and commits once at its end, or raises :class:`Refused` before writing anything;
- a **step** (called by operations) writes "in the caller's transaction" and never commits.

Both take the acting user as an argument (never ``current_user``), write the audit events
of what they change (:mod:`lms.services.audit`), and record the domain events other
systems consume (:mod:`lms.services.events`) in the same transaction. Reads that change
nothing belong in :mod:`lms.queries`.
"""


class Refused(Exception):
    """The operation was refused and nothing changed; ``message`` says why, to a person.

    The message stays lazy (translated when shown), so it reaches the reader in their
    language whether it is raised in a request, a CLI command or a job.
    """

    def __init__(self, message):
        super().__init__(message)
        self.message = message
