import datetime as dt
import unittest

from hypothesis import given
from hypothesis import strategies as st

from loudong.lib.idnumber import (
    PROVINCE_CODES,
    IDNumberError,
    check_digit,
    make_id_number,
    sex_of,
    validate_id_number,
)

provinces = st.sampled_from([*sorted(PROVINCE_CODES), "91", "93"])
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2025, 12, 31))
valid_numbers = st.builds(
    lambda p, rest, born, seq: make_id_number(f"{p}{rest:04d}", born, seq),
    provinces,
    st.integers(0, 9999),
    births,
    st.integers(0, 999),
)


class IDNumberTestCase(unittest.TestCase):
    @given(valid_numbers)
    def test_it_accepts_every_valid_number(self, number):
        self.assertEqual(validate_id_number(number, today=dt.date(2026, 11, 23)), number)

    @given(valid_numbers, st.integers(0, 16), st.integers(1, 9))
    def test_it_rejects_any_single_digit_change(self, number, position, delta):
        digit = (int(number[position]) + delta) % 10
        changed = number[:position] + str(digit) + number[position + 1 :]
        with self.assertRaises(IDNumberError):
            validate_id_number(changed, today=dt.date(2026, 11, 23))

    @given(valid_numbers)
    def test_it_accepts_lowercase_x_and_spaces(self, number):
        first17 = number[:17]
        if check_digit(first17) == "X":
            self.assertEqual(validate_id_number(f" {first17[:6]} {first17[6:]}x "), number)

    def test_it_keeps_abolished_county_codes(self):
        # 341721 was 东至县's old code when part of 安庆; any county part is accepted.
        number = make_id_number("342921", dt.date(1958, 3, 2), 123)
        self.assertEqual(validate_id_number(number), number)

    def test_it_accepts_special_provinces(self):
        for prefix in ("710000", "810000", "820000", "830000", "913101"):
            number = make_id_number(prefix, dt.date(1990, 1, 1), 1)
            self.assertEqual(validate_id_number(number), number)

    def test_it_rejects_15_digit_numbers_with_a_clear_message(self):
        with self.assertRaisesRegex(IDNumberError, "15 位"):
            validate_id_number("341702580302123")

    def test_it_names_each_reason(self):
        cases = {
            "": "为空",
            "12345": "应为 18 位",
            "34170219580302A234": "前 17 位须为数字",
            "001702195803021234": "省级行政区划代码",
            "341702195802301231": "不是有效日期",
            "341702290001011231": "不合理",
        }
        for value, reason in cases.items():
            with self.assertRaisesRegex(IDNumberError, reason, msg=value):
                validate_id_number(value)
        good = make_id_number("341702", dt.date(1958, 3, 2), 123)
        bad = good[:17] + ("0" if good[17] != "0" else "1")
        with self.assertRaisesRegex(IDNumberError, "校验码错误"):
            validate_id_number(bad)

    def test_it_reads_full_width_digits(self):
        number = make_id_number("341702", dt.date(1958, 3, 2), 123)
        wide = number.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
        self.assertEqual(validate_id_number(wide), number)

    def test_it_derives_sex(self):
        self.assertEqual(sex_of(make_id_number("341702", dt.date(1958, 3, 2), 123)), "M")
        self.assertEqual(sex_of(make_id_number("341702", dt.date(1958, 3, 2), 124)), "F")
