"""Evidence packs: one ZIP proving what a person studied and affirmed, for one
certification, one person's whole history, or a department's certifications in a period.

Read side only: :mod:`.records` reads, :mod:`.writer` writes the ZIP incrementally,
:mod:`.pack` assembles it. The web room sends small packs at once; a period's pack is a
job (``lms.services.evidence``) that stores the ZIP in ``job_files``.
"""

from lms.queries.evidence.pack import build
from lms.queries.evidence.records import Selection

__all__ = ["Selection", "build"]
