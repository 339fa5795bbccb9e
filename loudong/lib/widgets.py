"""Form widgets shared by every app."""

from django import forms


class DateInput(forms.DateInput):
    """A browser date picker. ``<input type=date>`` needs ISO dates whatever the locale
    (zh-hans would otherwise render 2026/11/23, which the browser rejects)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")
