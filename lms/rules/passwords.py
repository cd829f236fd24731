"""What makes a password acceptable. Pure: the services turn a problem into a message."""

#: The shortest password accepted: length is what makes a password hard to guess.
MIN_LENGTH = 12
MAX_LENGTH = 200
SHORTEST_PART = 4  # parts of a name or address shorter than this are too common to refuse


def problem(password: str, *personal: str | None) -> str | None:
    """Why ``password`` is refused, or None: "too_short", "too_long", "one_character"
    (the same character repeated) or "personal" (it contains the person's email address,
    employee id or name, or a part of them, such as the address before the @)."""
    if len(password) < MIN_LENGTH:
        return "too_short"
    if len(password) > MAX_LENGTH:
        return "too_long"
    if len(set(password)) == 1:
        return "one_character"
    lowered = password.casefold()
    if any(part in lowered for part in _parts(personal)):
        return "personal"
    return None


def _parts(personal: tuple[str | None, ...]) -> set[str]:
    parts = set()
    for value in personal:
        if not value:
            continue
        value = value.casefold().strip()
        local = value.split("@")[0]
        for part in (value, local, *local.replace(".", " ").replace("_", " ").split()):
            if len(part) >= SHORTEST_PART:
                parts.add(part)
    return parts
