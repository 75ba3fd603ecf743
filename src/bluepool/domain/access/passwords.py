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


def check_password(password: str) -> None:
    """Raise ``Invalid`` unless ``password`` is long enough (code ``weak_password``) and not
    too long to hash (code ``long_password``)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(
            f"a password needs at least {MIN_PASSWORD_LENGTH} characters", code="weak_password"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise Invalid(
            f"a password may have at most {MAX_PASSWORD_LENGTH} characters", code="long_password"
        )
