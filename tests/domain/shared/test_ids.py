"""The one id grammar: what it accepts, how it refuses, and that slugify always meets it."""

from __future__ import annotations

from typing import Annotated

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import Field, TypeAdapter, ValidationError

from bluepool.domain.shared.errors import Invalid
from bluepool.domain.shared.ids import ID_PATTERN, MAX_ID_LENGTH, check_id, slugify


@pytest.mark.parametrize(
    "value",
    [
        "vaduz",
        "vaduz-p1",
        "armed_robbery",
        "k9",
        "7",
        "East.PD",  # the API has always taken capitals and dots
        "a--b",
        "ends-",
        "x" * MAX_ID_LENGTH,
    ],
)
def test_accepts(value: str) -> None:
    assert check_id("unit id", value) == value


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("", "it is empty"),
        ("-vaduz", "it begins with '-'"),
        (".hidden", "it begins with '.'"),
        ("East PD", "it contains ' '"),
        ("vaduz/p1", "it contains '/'"),
        ("schaan-süd", "it contains 'ü'"),
        ("p1\n", "it contains '\\n'"),
        ("x" * (MAX_ID_LENGTH + 1), f"it has {MAX_ID_LENGTH + 1} characters, at most 64"),
    ],
)
def test_refuses_saying_what_and_why(value: str, why: str) -> None:
    with pytest.raises(Invalid) as err:
        check_id("unit id", value)
    assert err.value.code == "bad_id"
    assert "is not a valid unit id: " + why in err.value.detail
    assert "\n" not in err.value.detail  # one problem, one line


def test_the_refusal_says_what_an_id_may_be() -> None:
    with pytest.raises(Invalid) as err:
        check_id("username", "Dana Dispatcher")
    assert err.value.detail == (
        "\"Dana Dispatcher\" is not a valid username: it contains ' '; use letters, digits, "
        '"-", "_" and ".", beginning with a letter or digit, at most 64 characters'
    )


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Vaduz", "vaduz"),
        ("Schaan-Süd (Ost)", "schaan-sud-ost"),
        ("  Triesen / Triesenberg  ", "triesen-triesenberg"),
        ("Saint-Étienne-du-Rouvray", "saint-etienne-du-rouvray"),
        ("東京", "jurisdiction"),
        ("a" * 63 + " b", "a" * 63),  # cut to the longest id, with no dangling "-"
    ],
)
def test_slugify_makes_an_id_from_a_name(name: str, slug: str) -> None:
    assert slugify(name, default="jurisdiction") == slug


def test_slugify_refuses_a_default_that_is_not_an_id() -> None:
    with pytest.raises(Invalid) as err:
        slugify("東京", default="no id")
    assert err.value.code == "bad_id"


#: Names as people write them (letters, accents, spaces, punctuation), some long, and any text.
NAMES = st.text(st.sampled_from("aZé9 -_./(") | st.characters(), max_size=120)


@given(NAMES)
@example("-" * 70)
@example("a" * 64 + "-b")
def test_slugify_always_gives_a_valid_id(name: str) -> None:
    assert check_id("id", slugify(name)) == slugify(name)


API_ID = TypeAdapter(Annotated[str, Field(max_length=MAX_ID_LENGTH, pattern=ID_PATTERN)])


#: Ids and any text; the examples add the edges: a newline after an id (which Python's ``$``
#: would let through), and the longest id and one character more.
ID_LIKE = st.from_regex(ID_PATTERN, fullmatch=True) | st.text()


@given(ID_LIKE)
@example("p1\n")
@example("x" * MAX_ID_LENGTH)
@example("x" * (MAX_ID_LENGTH + 1))
def test_pydantic_reads_the_pattern_as_check_id_does(value: str) -> None:
    # The API hands ID_PATTERN to pydantic, whose regex engine is not Python's.
    try:
        check_id("id", value)
        python_accepts = True
    except Invalid:
        python_accepts = False
    try:
        API_ID.validate_python(value)
        pydantic_accepts = True
    except ValidationError:
        pydantic_accepts = False
    assert pydantic_accepts == python_accepts
