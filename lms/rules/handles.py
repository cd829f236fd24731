"""Social media handles: the platforms we know, and one written form per account.

People write the same account many ways: ``@Foo``, ``foo``, ``https://x.com/Foo``,
``twitter.com/foo?s=20``. :func:`normalise` reduces each to one key (no leading @, lower
case, the profile's name taken out of a profile URL), so a handle is registered once
across the company and the public check finds it however it is typed.
"""

import re
from urllib.parse import urlsplit

#: The platforms, in the order the forms list them; stored by these keys.
PLATFORMS = (
    "linkedin",
    "x",
    "instagram",
    "facebook",
    "tiktok",
    "youtube",
    "threads",
    "bluesky",
    "mastodon",
    "weibo",
    "wechat",
    "other",
)
MAX_LENGTH = 100

#: Profile URLs' hosts per platform; a URL on another host is refused, not guessed at.
HOSTS = {
    "linkedin": {"linkedin.com"},
    "x": {"x.com", "twitter.com"},
    "instagram": {"instagram.com"},
    "facebook": {"facebook.com", "fb.com"},
    "tiktok": {"tiktok.com"},
    "youtube": {"youtube.com"},
    "threads": {"threads.net", "threads.com"},
    "bluesky": {"bsky.app"},
    "weibo": {"weibo.com"},
}
#: Path words that come before the name in a profile URL (linkedin.com/in/name,
#: youtube.com/c/name, bsky.app/profile/name, weibo.com/u/123).
PREFIXES = {"in", "company", "c", "user", "channel", "profile", "u", "pub", "school"}
#: What a handle may hold once reduced: letters and digits of any script, and . _ -
#: (Mastodon adds user@server; "other" platforms may use any of these too).
ALLOWED = re.compile(r"^[\w.\-]+$")
MASTODON = re.compile(r"^[\w.\-]+@[a-z0-9.\-]+\.[a-z]{2,}$")


class HandleProblem(ValueError):
    """Why a handle cannot be registered or looked up; ``code`` names the rule."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def normalise(platform: str, text: str) -> str:
    """The handle's key: ``@Foo`` and ``https://x.com/Foo`` are both ``foo`` on X.

    :raise HandleProblem: ``platform`` (unknown platform), ``empty``, ``too_long``,
        ``url`` (a URL we cannot read a profile from, or another platform's),
        ``characters`` (spaces or punctuation no handle holds).
    """
    if platform not in PLATFORMS:
        raise HandleProblem("platform")
    text = text.strip()
    if not text:
        raise HandleProblem("empty")
    if len(text) > 2 * MAX_LENGTH:
        raise HandleProblem("too_long")
    if _looks_like_url(text):
        text = _from_url(platform, text)
    handle = text.removeprefix("@").casefold()
    if not handle:
        raise HandleProblem("empty")
    if len(handle) > MAX_LENGTH:
        raise HandleProblem("too_long")
    pattern = MASTODON if platform == "mastodon" else ALLOWED
    if not pattern.match(handle):
        raise HandleProblem("characters")
    return handle


def _looks_like_url(text: str) -> bool:
    if text.casefold().startswith(("http://", "https://")):
        return True
    head = text.split("/", 1)[0].casefold().removeprefix("www.")
    return "/" in text and any(head in hosts for hosts in HOSTS.values())


def _from_url(platform: str, text: str) -> str:
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    host = (parts.hostname or "").casefold().removeprefix("www.").removeprefix("m.")
    names = [segment for segment in parts.path.split("/") if segment]
    if platform == "mastodon":
        # https://mastodon.social/@Foo is foo@mastodon.social
        if len(names) != 1 or not names[0].startswith("@") or not host:
            raise HandleProblem("url")
        return f"{names[0].removeprefix('@')}@{host}"
    if host not in HOSTS.get(platform, set()):
        raise HandleProblem("url")
    if names == ["profile.php"] and parts.query.startswith("id="):
        return parts.query.removeprefix("id=").split("&", 1)[0]  # facebook.com/profile.php?id=…
    if names and names[0].casefold() in PREFIXES:
        names = names[1:]
    if not names:
        raise HandleProblem("url")
    return names[0]
