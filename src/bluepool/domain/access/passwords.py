"""What a password must be before it is hashed: the one rule for the API and the services.

The minimum keeps out the shortest guessable passwords; the maximum bounds the work of
hashing (argon2id) a request can ask for. The collective file's demo passwords are not held
to this rule: they equal the usernames on purpose, and ``bluepool serve`` refuses to start in
production while any are left.
"""

from __future__ import annotations

from bluepool.domain.shared.errors import Invalid

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256
#: Passwords that are the first guess of anyone (compared ignoring case), beside the user
#: name itself: a password set by a person is never one of them, so a production server,
#: which refuses to start while a user's password is their name, always restarts.
KNOWN_DEFAULTS = frozenset(
    {
        "password",
        "password1",
        "passw0rd",
        "changeme",
        "change-me",
        "12345678",
        "123456789",
        "1234567890",
        "qwertyui",
        "letmein1",
        "bluepool",
        "dispatcher",
        "administrator",
    }
)


def check_password(password: str, username: str | None = None) -> None:
    """Raise ``Invalid`` unless ``password`` is long enough (code ``weak_password``), not
    too long to hash (code ``long_password``), and neither the user's name nor a known
    default (code ``default_password``)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(
            f"a password needs at least {MIN_PASSWORD_LENGTH} characters", code="weak_password"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise Invalid(
            f"a password may have at most {MAX_PASSWORD_LENGTH} characters", code="long_password"
        )
    folded = password.casefold()
    if username is not None and folded == username.casefold():
        raise Invalid("a password must not be the user name", code="default_password")
    if folded in KNOWN_DEFAULTS:
        raise Invalid(
            "that password is a well-known default: choose another", code="default_password"
        )
