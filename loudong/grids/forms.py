from django import forms

from loudong.lib.fields import DateField


class ProposeForm(forms.Form):
    """The profile is the 街道's (policy.profile.profile_for), not a worker's choice."""

    note = forms.CharField(label="说明", max_length=500, required=False, widget=forms.TextInput)


class MoveForm(forms.Form):
    piece = forms.IntegerField(widget=forms.HiddenInput)
    to_grid = forms.IntegerField(label="移到网格")
    whole_building = forms.BooleanField(label="整栋移动", required=False)


class FreezeForm(forms.Form):
    effective_date = DateField(label="生效日期")
    reason = forms.CharField(
        label="超出户数范围的网格：批准理由",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="方案中有网格户数不在规定范围内时必填，将记入划分记录。",
    )
