from django import forms

from loudong.grids.actions import DEFAULT_PROFILE, PROFILE_CHOICES
from loudong.lib.widgets import DateInput


class ProposeForm(forms.Form):
    profile_name = forms.ChoiceField(
        label="政策方案", choices=PROFILE_CHOICES, initial=DEFAULT_PROFILE
    )
    note = forms.CharField(label="说明", max_length=500, required=False, widget=forms.TextInput)


class MoveForm(forms.Form):
    piece = forms.IntegerField(widget=forms.HiddenInput)
    to_grid = forms.IntegerField(label="移到网格")
    whole_building = forms.BooleanField(label="整栋移动", required=False)


class FreezeForm(forms.Form):
    effective_date = forms.DateField(label="生效日期", widget=DateInput())
