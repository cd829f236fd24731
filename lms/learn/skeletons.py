"""Pages rendered once per published version, then filled with the request's own values.

The module page is the page learners open most, and almost all of it is the same for
everyone who reads the same module of the same published version in the same language
with the same navigation (roles) and reading state. Jinja renders that once per process
with placeholders where the request's own values go (the session's CSRF token, the signed
time the page was served); later requests only join the pieces.

What is cached is immutable: the key names the published version (id and content hash),
so publishing a new version makes new keys and the next request renders it, and the hash
of the company settings filled in (``Course.company``), so changing one does too; it holds
no user data and no "which version is current". A second server renders its own copy.
"""

import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from collections.abc import Hashable
from collections.abc import Mapping
from dataclasses import dataclass

from markupsafe import Markup
from markupsafe import escape

# Private-use characters, which no template escapes, around a random word: a course may
# well use private-use characters (icon fonts do), but not this process's word.
_OPEN, _CLOSE = f"\ue000{secrets.token_hex(8)}:", "\ue001"
_HOLE = re.compile(f"{re.escape(_OPEN)}(\\w+){re.escape(_CLOSE)}")


def hole(name: str) -> Markup:
    """The placeholder a render leaves where the request's value ``name`` goes."""
    return Markup(f"{_OPEN}{name}{_CLOSE}")


@dataclass(frozen=True)
class Skeleton:
    """A rendered page cut at its placeholders: text, hole name, text, …, text."""

    pieces: tuple[str, ...]

    @classmethod
    def of(cls, rendered: str) -> "Skeleton":
        return cls(tuple(_HOLE.split(rendered)))

    def fill(self, values: Mapping[str, str]) -> str:
        """The page with each hole replaced by its value, escaped as the template would."""
        parts = list(self.pieces)
        parts[1::2] = [escape(values[name]) for name in self.pieces[1::2]]
        return "".join(parts)


class SkeletonCache:
    """Skeletons by key, the least recently used dropped beyond ``size``."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._found: OrderedDict[Hashable, Skeleton] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, render: Callable[[], str]) -> Skeleton:
        with self._lock:
            found = self._found.get(key)
            if found is not None:
                self._found.move_to_end(key)
                return found
        found = Skeleton.of(render())
        with self._lock:
            self._found[key] = found
            while len(self._found) > self.size:
                self._found.popitem(last=False)
        return found
