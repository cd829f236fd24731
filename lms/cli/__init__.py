"""``flask lms …``: one module per group of commands, all under the ``lms`` group."""

from flask import Flask
from flask.cli import AppGroup

lms_cli = AppGroup("lms", help="Brand-ambassador LMS administration.")


def init_app(app: Flask) -> None:
    # Each module adds its commands to lms_cli when imported.
    from lms.cli import access  # noqa: F401
    from lms.cli import accounts  # noqa: F401
    from lms.cli import company  # noqa: F401
    from lms.cli import content  # noqa: F401
    from lms.cli import hr  # noqa: F401
    from lms.cli import jobs  # noqa: F401
    from lms.cli import keys  # noqa: F401
    from lms.cli import privacy  # noqa: F401
    from lms.cli import translate  # noqa: F401
    from lms.cli import user_admin  # noqa: F401
    from lms.cli import webhooks  # noqa: F401

    app.cli.add_command(lms_cli)
