"""The ``<id:…>`` path converter: a database id, at most 18 digits.

Django's ``<id:…>`` accepts any run of digits; 2**63 and beyond reached the database and
overflowed SQLite's INTEGER — a 500 on every detail page. Eighteen digits stay below 2**63, and
a longer number does not match the route at all (a 404).
"""

from django.urls import register_converter


class IdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))


register_converter(IdConverter, "id")
