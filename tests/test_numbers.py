"""Vietnamese number text: read only when it cannot mean two things."""
import pytest

from cotmoc.core.numbers import parse_number


@pytest.mark.parametrize("text, column, integer, value", [
    ("2.789", "households", True, 2789), ("2.789 hộ", "households", True, 2789), ("21.790", "persons", True, 21790),
    ("3.816 người", "persons", True, 3816), ("365,861km", "length_km", False, 365.861),
    ("365,861 km", "length_km", False, 365.861), ("1.234,5", "length_km", False, 1234.5),
    ("12.5", "length_km", False, 12.5), ("  42 ", "teams", True, 42), ("1.000.000", "persons", True, 1_000_000),
    (12.0, "teams", True, 12), (3.125, "length_km", False, 3.125),
])
def test_readable_text_is_repaired(text, column, integer, value):
    parsed = parse_number(text, column=column, integer=integer)
    assert parsed.error is None and parsed.value == value
    assert parsed.repaired == isinstance(text, str)


@pytest.mark.parametrize("text, column, integer, error", [
    ("3.8 16", "persons", True, "ambiguous"), ("12,5,3", "persons", True, "ambiguous"),
    ("1.23.4", "persons", True, "ambiguous"), ("365.861", "length_km", False, "ambiguous"),
    ("2,789", "persons", True, "ambiguous"), ("2,5", "teams", True, "fraction"), (2.5, "households", True, "fraction"),
    ("abc", "teams", True, "not_a_number"), ("12 tổ viên", "teams", True, "not_a_number"), (True, "teams", True, "not_a_number"),
])
def test_text_that_needs_a_guess_is_an_error(text, column, integer, error):
    assert parse_number(text, column=column, integer=integer).error == error


def test_blank_is_no_number_and_no_error():
    assert parse_number(None, column="teams", integer=True).value is None
    assert parse_number("  ", column="teams", integer=True).error is None
