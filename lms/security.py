"""HTTP security headers and the session cookie rules.

Five headers do not justify a dependency (Flask-Talisman is unmaintained); the cookie
flags are Flask's own settings in :mod:`lms.config`.

Images load from this site only (``img-src 'self' data:``): authored Markdown could
otherwise embed a remote image that tells its owner who read which module, and when (a
tracking pixel). The sanitiser turns remote images into links (:mod:`lms.content.render`);
the policy holds even for HTML that did not pass through it.
"""

from flask import Flask
from flask import request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "script-src 'self'",
        "style-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def init_app(app: Flask) -> None:
    production = app.config["LMS_ENV"] == "production"

    @app.after_request
    def add_security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if production:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.path.startswith("/api/"):
            # Clearance answers change as people certify and leave: no cache may keep one.
            headers["Cache-Control"] = "no-store"
        return response


def local_path_or(target: str | None, default: str) -> str:
    """``target`` if it is a path on this site, else ``default``: redirects after sign-in
    or a language switch must never send people to another site."""
    from urllib.parse import urlsplit

    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return default
