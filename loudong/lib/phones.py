"""Phone numbers as community sheets write them: mobiles, landlines, +86, spaces."""

import re

_FULLWIDTH = str.maketrans("０１２３４５６７８９＋－（）", "0123456789+-()")
# ASCII digits only (re.ASCII): full-width ones are translated first, other scripts' digits
# are not a phone number a search or a dialler would match.
MOBILE = re.compile(r"^1[3-9]\d{9}$", re.ASCII)
# Area code 3–4 digits starting with 0, then a 7–8 digit number, optional extension.
LANDLINE = re.compile(r"^(0\d{2,3})-?(\d{7,8})(?:-(\d{1,6}))?$", re.ASCII)
# Service numbers (12345 hotlines, 95xxx, 400/800): an organisation's, never a resident's.
SERVICE = re.compile(r"^(?:95\d{3,6}|96\d{3,6}|400\d{7}|800\d{7}|1\d{2,4})$", re.ASCII)


class PhoneError(ValueError):
    pass


def normalize_phone(value: str) -> str:
    """The stored form: 13912345678, 0566-1234567, 0566-1234567-123, or "".

    Raises PhoneError with a Chinese reason when it is not a phone number.
    """
    text = str(value or "").translate(_FULLWIDTH).strip()
    if not text:
        return ""
    text = re.sub(r"[\s()]", "", text)
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    text = text.lstrip("-")
    digits = text.replace("-", "")
    if MOBILE.match(digits):
        return digits
    match = LANDLINE.match(text) or LANDLINE.match(digits)
    if match and digits.startswith("0"):
        area, number, ext = match.groups()
        return f"{area}-{number}" + (f"-{ext}" if ext else "")
    if SERVICE.match(digits):
        raise PhoneError(
            f"联系电话“{value}”是服务热线或企业号码（如 12345、95xxx、400/800），"
            "请填写本人的手机号或固定电话"
        )
    raise PhoneError(f"联系电话“{value}”不是有效的手机号或固定电话")


def is_mobile(value: str) -> bool:
    return bool(MOBILE.match(value))
