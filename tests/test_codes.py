"""Codes: cleaning, unit-code normalisation, IMEI Luhn checks, code kinds and multi-code units."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storectl.codes import (
    clean_code,
    is_valid_imei,
    luhn_check_digit,
    normalize_unit_code,
    parse_code_kinds,
    split_unit_codes,
    validate_unit_code,
)
from storectl.errors import StoreError

IMEI_A = "356938035643809"
IMEI_B = "356938035643817"
bodies = st.text(alphabet="0123456789", min_size=14, max_size=14)


def refused(fn, *args):
    with pytest.raises(StoreError) as err:
        fn(*args)
    assert err.value.code == "invalid_input"
    assert err.value.hint
    return err.value


def test_a_code_keeps_its_leading_zeros_and_case_but_loses_surrounding_spaces():
    assert clean_code("  007aB \t") == "007aB"
    assert clean_code("\u3000门店01\u3000") == "门店01"  # ideographic spaces from Chinese keyboards


@pytest.mark.parametrize("text", ["", "   ", "a\x00b", "ab\x1bc", "a\u200bb", "a\u202eb", "x" * 65])
def test_an_empty_invisible_or_overlong_code_is_refused(text):
    refused(clean_code, text)


def test_the_refusal_names_what_kind_of_code_it_was():
    assert "store code" in refused(clean_code, "", "store code").message


def test_a_code_of_exactly_sixty_four_characters_is_accepted():
    assert clean_code("x" * 64) == "x" * 64


@pytest.mark.parametrize(
    ("text", "expected"),
    [("c02xk1zajg5j", "C02XK1ZAJG5J"), (" 0012-ab_c/d.e ", "0012-AB_C/D.E"), (IMEI_A, IMEI_A)],
)
def test_a_unit_code_is_upper_cased(text, expected):
    assert normalize_unit_code(text) == expected


@pytest.mark.parametrize("text", ["", "AB CD", "AB,CD", "序列号", "ǆ1", "ß1", "A+B", "A#1", "x" * 65])
def test_a_unit_code_with_characters_a_scanner_never_sends_is_refused(text):
    refused(normalize_unit_code, text)


def test_full_width_letters_and_digits_are_the_same_code_as_ascii():
    # issue 17: a Chinese input method types ＡＢ and ３５６…; NFKC makes them the ASCII code
    assert normalize_unit_code("ＡＢ１２") == "AB12"


def test_the_luhn_check_digit_of_a_known_imei_body():
    assert luhn_check_digit(IMEI_A[:14]) == IMEI_A[14]
    assert luhn_check_digit("7992739871") == "3"  # the textbook example


@pytest.mark.parametrize("body", ["", "12a4", "１２"])
def test_the_luhn_check_digit_needs_ascii_digits(body):
    refused(luhn_check_digit, body)


@pytest.mark.parametrize("code", [IMEI_A, IMEI_B])
def test_a_real_imei_is_valid(code):
    assert is_valid_imei(code)


@pytest.mark.parametrize("code", ["356938035643808", "35693803564380", "3569380356438090", "35693803564380A", ""])
def test_a_wrong_length_or_wrong_check_digit_is_not_an_imei(code):
    assert not is_valid_imei(code)


@given(bodies)
def test_a_body_plus_its_luhn_digit_is_always_a_valid_imei(body):
    assert is_valid_imei(body + luhn_check_digit(body))


@given(bodies, st.integers(min_value=0, max_value=14), st.integers(min_value=1, max_value=9))
def test_changing_any_single_digit_of_an_imei_makes_it_invalid(body, position, shift):
    imei = body + luhn_check_digit(body)
    changed = imei[:position] + str((int(imei[position]) + shift) % 10) + imei[position + 1 :]
    assert not is_valid_imei(changed)


def test_an_imei_kind_requires_a_valid_imei():
    assert validate_unit_code("IMEI1", f" {IMEI_A} ") == IMEI_A
    assert validate_unit_code("imei2", IMEI_B) == IMEI_B
    err = refused(validate_unit_code, "IMEI1", "356938035643808")
    assert "IMEI1" in err.message and "356938035643808" in err.message
    assert "15 digits" in err.hint


@pytest.mark.parametrize("code", ["35693803564380", "ABC", "3569380356438090"])
def test_an_imei_of_the_wrong_length_is_refused(code):
    refused(validate_unit_code, "IMEI", code)


def test_other_kinds_accept_any_well_formed_code():
    assert validate_unit_code("SN", "c02xk1zajg5j") == "C02XK1ZAJG5J"
    assert validate_unit_code("MEID", "123") == "123"


def test_code_kinds_are_upper_cased_and_stripped():
    assert parse_code_kinds("IMEI1,IMEI2,SN") == ["IMEI1", "IMEI2", "SN"]
    assert parse_code_kinds(" imei1 , sn ") == ["IMEI1", "SN"]
    assert parse_code_kinds("SN") == ["SN"]


@pytest.mark.parametrize(
    "text",
    ["", " ", "SN,SN", "sn,SN", "IMEI1,,SN", "1SN", "S N", "SN-1", "A,B,C,D,E,F", "A" * 17, "序列号", "SN,"],
)
def test_bad_code_kinds_are_refused(text):
    refused(parse_code_kinds, text)


def test_five_code_kinds_are_the_most_a_unit_carries():
    assert parse_code_kinds("A,B,C,D,E") == ["A", "B", "C", "D", "E"]


@pytest.mark.parametrize(
    "text",
    [
        f"{IMEI_A},{IMEI_B},c02xk1zajg5j",
        f"{IMEI_A}\t{IMEI_B}\tc02xk1zajg5j\r\n",
        f"{IMEI_A};{IMEI_B};C02XK1ZAJG5J",
        f" {IMEI_A} , {IMEI_B} , C02XK1ZAJG5J ",
        f"{IMEI_A}，{IMEI_B}，C02XK1ZAJG5J",
    ],
)
def test_a_unit_written_with_several_codes_is_split_and_normalised(text):
    assert split_unit_codes(text) == [IMEI_A, IMEI_B, "C02XK1ZAJG5J"]


def test_a_unit_with_one_code_is_a_list_of_one():
    assert split_unit_codes("0012ab") == ["0012AB"]


@pytest.mark.parametrize("text", ["", "  ", f"{IMEI_A},,SN1", f",{IMEI_A}", f"{IMEI_A};", "A, ,B", "A,B C"])
def test_an_empty_or_malformed_part_of_a_unit_is_refused(text):
    refused(split_unit_codes, text)


@given(st.text(max_size=80))
def test_code_functions_never_raise_anything_but_invalid_input(text):
    for fn in (clean_code, normalize_unit_code, parse_code_kinds, split_unit_codes):
        try:
            fn(text)
        except StoreError as err:
            assert err.code == "invalid_input"
    try:
        validate_unit_code("IMEI1", text)
    except StoreError as err:
        assert err.code == "invalid_input"
