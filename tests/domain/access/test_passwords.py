"""The password rule: long enough to resist guessing, short enough to hash."""

from __future__ import annotations

import pytest

from bluepool.domain.access.passwords import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    check_password,
)
from bluepool.domain.shared.errors import Invalid


@pytest.mark.parametrize("password", ["x" * MIN_PASSWORD_LENGTH, "x" * MAX_PASSWORD_LENGTH])
def test_accepts_a_password_within_the_lengths(password: str) -> None:
    check_password(password)


def test_refuses_a_short_password_with_the_minimum() -> None:
    with pytest.raises(Invalid) as err:
        check_password("x" * (MIN_PASSWORD_LENGTH - 1))
    assert err.value.code == "weak_password"
    assert err.value.detail == "a password needs at least 8 characters"


def test_refuses_a_password_too_long_to_hash() -> None:
    with pytest.raises(Invalid) as err:
        check_password("x" * (MAX_PASSWORD_LENGTH + 1))
    assert err.value.code == "long_password"
    assert str(MAX_PASSWORD_LENGTH) in err.value.detail


@pytest.mark.parametrize(
    ("password", "username"),
    [("dispatcher-2", "Dispatcher-2"), ("PassWord", None), ("changeme", "ann"), ("12345678", "")],
)
def test_refuses_the_user_name_and_known_defaults(password: str, username: str | None) -> None:
    with pytest.raises(Invalid) as err:
        check_password(password, username)
    assert err.value.code == "default_password"


def test_a_password_that_only_contains_the_name_is_fine() -> None:
    check_password("ann-likes-long-walks", "ann")
