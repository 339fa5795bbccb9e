"""Form fields with the project's sane windows (lib/dates.py) built in."""

import datetime as dt

from django import forms

from loudong.lib.dates import DateOutOfRange, check_window
from loudong.lib.widgets import DateInput

BIRTH_EARLIEST = dt.date(1900, 1, 1)


class DateField(forms.DateField):
    """A date typed by a person: ISO input, and never outside the records' window.

    ``past_only`` for a date that has happened (a meeting held); ``earliest`` replaces the
    records' floor for a date that is not a record (``BIRTH_EARLIEST`` for a birth date).
    """

    widget = DateInput

    def __init__(self, *args, past_only: bool = False, earliest=None, **kwargs):
        self.past_only = past_only
        self.earliest = earliest
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value is None:
            return value
        from django.utils import timezone

        try:
            check_window(
                value,
                self.label or "日期",
                not_after=timezone.localdate() if self.past_only else None,
                earliest=self.earliest,
            )
        except DateOutOfRange as exc:
            raise forms.ValidationError(str(exc)) from None
        return value
