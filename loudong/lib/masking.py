"""How personal data looks on screen: ID first 3 + last 4, phone first 3 + **** + last 4."""


def mask_id_number(value: str) -> str:
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_phone(value: str) -> str:
    digits = "".join(c for c in value if c.isdigit())
    if not digits:
        return ""
    if len(digits) <= 7:
        return "*" * len(digits)
    return digits[:3] + "****" + digits[-4:]


def mask_text(value: str) -> str:
    """Names and addresses: keep the first character."""
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1)


def mask_address(value: str) -> str:
    if not value:
        return ""
    keep = min(4, max(1, len(value) // 3))
    return value[:keep] + "****"


def mask_all(value: str) -> str:
    return "****" if value else ""


def mask_account(value: str) -> str:
    """Bank account numbers: the last 4 digits only (``**** 1234``)."""
    digits = "".join(c for c in value if c.isalnum())
    if not digits:
        return ""
    return "**** " + digits[-4:] if len(digits) > 4 else "*" * len(digits)


def age_band(born, today=None) -> str:
    """Ten-year age band, e.g. ``60–69 岁``: shown instead of a birth date to roles that may not
    reveal, so that an age and a masked ID number never sit side by side."""
    if born is None:
        return ""
    import datetime as dt

    today = today or dt.date.today()
    years = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if years < 0:
        return ""
    if years >= 90:
        return "90 岁及以上"
    low = years // 10 * 10
    return f"{low}–{low + 9} 岁"
