"""公民身份号码 (GB 11643-1999) validation, written here on purpose.

Third-party validators check the first six digits against a *current* county list
and so reject valid numbers whose county code was abolished since (people keep
their number for life). PRODUCT.md "Decisions": 18 characters, GB 11643 checksum,
a real birth date, and a valid *province* code — including 71 (台湾), 81–83
(香港, 澳门, 台湾居民居住证) and the 9-prefixed 外国人永久居留身份证 (2023 edition).
"""

import datetime as dt

# GB/T 2260 province-level codes, plus 83 and 9x as above.
PROVINCE_CODES = frozenset(
    {
        "11", "12", "13", "14", "15",
        "21", "22", "23",
        "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46",
        "50", "51", "52", "53", "54",
        "61", "62", "63", "64", "65",
        "71", "81", "82", "83",
    }
)  # fmt: skip
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"

_FULLWIDTH = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789XX")


class IDNumberError(ValueError):
    """Raised with a Chinese message saying exactly what is wrong."""


def normalize_id_number(value: str) -> str:
    """Strip spaces, turn full-width digits half-width and a lowercase x upper."""
    return "".join(str(value).split()).translate(_FULLWIDTH).upper()


def check_digit(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def validate_id_number(value: str, today: dt.date | None = None) -> str:
    """Return the normalised number, or raise IDNumberError naming the reason."""
    number = normalize_id_number(value)
    if not number:
        raise IDNumberError("身份证号为空")
    if len(number) == 15 and number.isdigit():
        raise IDNumberError("15 位旧身份证号不再受理，请填写 18 位公民身份号码")
    if len(number) != 18:
        raise IDNumberError(f"身份证号应为 18 位，实际 {len(number)} 位")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise IDNumberError("身份证号前 17 位须为数字，最后一位为数字或 X")
    province = number[:2]
    if province not in PROVINCE_CODES and province[0] != "9":
        raise IDNumberError(f"身份证号前两位 {province} 不是有效的省级行政区划代码")
    born = birth_date(number)
    if born is None:
        raise IDNumberError(f"身份证号中的出生日期 {number[6:14]} 不是有效日期")
    today = today or dt.date.today()
    if born > today or born.year < 1880:
        raise IDNumberError(f"身份证号中的出生日期 {born:%Y-%m-%d} 不合理")
    expected = check_digit(number[:17])
    if number[17] != expected:
        raise IDNumberError(f"身份证号校验码错误（末位应为 {expected}）")
    return number


def birth_date(number: str) -> dt.date | None:
    try:
        return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def sex_of(number: str) -> str:
    """'M' or 'F' from the 17th digit (odd: male)."""
    return "M" if int(number[16]) % 2 else "F"


def make_id_number(region6: str, born: dt.date, sequence: int) -> str:
    """A checksum-valid number, for generated fake data only. ``sequence`` 0–999."""
    first17 = f"{region6}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_digit(first17)
