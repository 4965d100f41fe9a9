"""Money, percentages and multipliers: exact parsing to ints, and formats that parse back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storectl.errors import StoreError
from storectl.money import (
    format_money,
    format_money_human,
    format_multiplier,
    format_percent,
    parse_money,
    parse_multiplier,
    parse_percent,
)

MAX_CENTS = 10**14 - 1  # twelve integer digits and two decimals

cents = st.integers(min_value=-MAX_CENTS, max_value=MAX_CENTS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4999", 499900),
        ("4999.5", 499950),
        ("4999.50", 499950),
        ("4,999.00", 499900),
        ("¥4999", 499900),
        ("￥4,999.50", 499950),
        ("  4999  ", 499900),
        ("0", 0),
        ("0.01", 1),
        ("1,234,567.89", 123456789),
        ("007", 700),
        ("999999999999.99", MAX_CENTS),
        ("４９９９", 499900),
    ],
)
def test_the_accepted_ways_of_typing_an_amount_give_cents(text, expected):
    assert parse_money(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "-5",
        "1.234",
        "nan",
        "NaN",
        "inf",
        "-inf",
        "Infinity",
        "1e3",
        "1e309",
        "49,99",
        "4,9999",
        ",499",
        "499,",
        "",
        "   ",
        "¥",
        "--5",
        "+5",
        "4999.",
        ".5",
        "4 999",
        "1.2.3",
        "RMB4999",
        "$4999",
        "¥¥5",
        "5¥",
        "1_000",
        "٤٩٩٩",  # Arabic-Indic digits, which Decimal would take
        "1000000000000",  # thirteen integer digits
        "9" * 5000,
    ],
)
def test_a_malformed_amount_is_refused_as_invalid_input(text):
    with pytest.raises(StoreError) as err:
        parse_money(text)
    assert err.value.code == "invalid_input"
    assert err.value.hint


def test_an_amount_with_three_decimals_is_refused():
    with pytest.raises(StoreError) as err:
        parse_money("1.234")
    assert "two decimals" in err.value.message


def test_a_negative_amount_is_accepted_only_where_allowed():
    assert parse_money("-12.50", allow_negative=True) == -1250
    assert parse_money("-¥12.50", allow_negative=True) == -1250
    with pytest.raises(StoreError) as err:
        parse_money("-12.50")
    assert "negative" in err.value.message


def test_a_double_minus_is_refused_even_where_negatives_are_allowed():
    with pytest.raises(StoreError) as err:
        parse_money("--5", allow_negative=True)
    assert err.value.code == "invalid_input"


def test_zero_is_refused_where_it_makes_no_sense():
    with pytest.raises(StoreError) as err:
        parse_money("0.00", allow_zero=False, what="price")
    assert err.value.code == "invalid_input"
    assert "price" in err.value.message


def test_the_error_message_names_what_was_being_typed():
    with pytest.raises(StoreError) as err:
        parse_money("abc", what="cost")
    assert "cost" in err.value.message and "abc" in err.value.message


@pytest.mark.parametrize(
    ("value", "json_form", "human_form"),
    [
        (499950, "4999.50", "¥4,999.50"),
        (-1250, "-12.50", "-¥12.50"),
        (0, "0.00", "¥0.00"),
        (5, "0.05", "¥0.05"),
        (123456789, "1234567.89", "¥1,234,567.89"),
    ],
)
def test_money_is_formatted_with_exactly_two_decimals(value, json_form, human_form):
    assert format_money(value) == json_form
    assert format_money_human(value) == human_form


@given(cents)
def test_the_json_form_of_any_amount_parses_back_to_the_same_cents(value):
    assert parse_money(format_money(value), allow_negative=True) == value


@given(cents)
def test_the_human_form_with_yen_sign_and_separators_parses_back(value):
    assert parse_money(format_money_human(value), allow_negative=True) == value


@given(cents)
def test_the_json_form_with_a_yen_sign_in_front_parses_back(value):
    text = format_money(abs(value))
    assert parse_money("¥" + text) == abs(value)
    assert parse_money("￥" + text) == abs(value)


@pytest.mark.parametrize(
    ("text", "bp"),
    [("5", 500), ("7.5", 750), ("12.25", 1225), ("5%", 500), ("0", 0), ("100", 10000), (" 3.05 ", 305)],
)
def test_a_percentage_becomes_basis_points(text, bp):
    assert parse_percent(text) == bp


@pytest.mark.parametrize("text", ["", "abc", "-5", "100.01", "101", "7.125", "nan", "1e2", "5%%", "%"])
def test_a_bad_percentage_is_refused(text):
    with pytest.raises(StoreError) as err:
        parse_percent(text)
    assert err.value.code == "invalid_input"


@pytest.mark.parametrize(("bp", "text"), [(500, "5"), (750, "7.5"), (1225, "12.25"), (5, "0.05"), (0, "0")])
def test_basis_points_are_formatted_without_trailing_zeros(bp, text):
    assert format_percent(bp) == text


@given(st.integers(min_value=0, max_value=10000))
def test_any_percentage_round_trips(bp):
    assert parse_percent(format_percent(bp)) == bp


@pytest.mark.parametrize(
    ("text", "milli"), [("1", 1000), ("1.5", 1500), ("2.25", 2250), ("1.125", 1125), ("0.001", 1), ("100", 100000)]
)
def test_a_multiplier_becomes_thousandths(text, milli):
    assert parse_multiplier(text) == milli


@pytest.mark.parametrize("text", ["", "0", "0.000", "-1", "100.001", "1.1234", "x2", "inf", "1e2"])
def test_a_bad_multiplier_is_refused(text):
    with pytest.raises(StoreError) as err:
        parse_multiplier(text)
    assert err.value.code == "invalid_input"


@pytest.mark.parametrize(("milli", "text"), [(1500, "1.5"), (1000, "1"), (1125, "1.125"), (2250, "2.25")])
def test_thousandths_are_formatted_without_trailing_zeros(milli, text):
    assert format_multiplier(milli) == text


@given(st.integers(min_value=1, max_value=100000))
def test_any_multiplier_round_trips(milli):
    assert parse_multiplier(format_multiplier(milli)) == milli


@given(st.text(max_size=30), st.booleans(), st.booleans())
def test_parse_money_never_raises_anything_but_invalid_input(text, allow_negative, allow_zero):
    try:
        value = parse_money(text, allow_negative=allow_negative, allow_zero=allow_zero)
    except StoreError as err:
        assert err.code == "invalid_input"
    else:
        assert isinstance(value, int)


@given(st.text(max_size=20))
def test_percent_and_multiplier_parsers_never_raise_anything_but_invalid_input(text):
    for parse in (parse_percent, parse_multiplier):
        try:
            parse(text)
        except StoreError as err:
            assert err.code == "invalid_input"
