"""Operations that change state. Each takes the acting user as an argument (never reads
``current_user``), writes its audit events, and commits or raises before writing.
"""


class Refused(Exception):
    """The operation was refused and nothing changed; ``message`` says why, to a person.

    The message stays lazy (translated when shown), so it reaches the reader in their
    language whether it is raised in a request, a CLI command or a job.
    """

    def __init__(self, message):
        super().__init__(message)
        self.message = message
