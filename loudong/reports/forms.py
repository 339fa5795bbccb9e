import datetime as dt

from django import forms

from loudong.lib.fields import DateField
from loudong.territory.models import Region

# The longest period one page aggregates (a 3-year term plus its neighbours).
MAX_PERIOD_DAYS = 5 * 366


class FilterForm(forms.Form):
    community = forms.ModelChoiceField(
        label="社区", queryset=Region.objects.none(), required=False, empty_label="全部社区"
    )
    since = DateField(label="起", required=False)
    until = DateField(label="止", required=False)
    grid = forms.ModelChoiceField(
        label="网格",
        queryset=None,
        required=False,
        empty_label="全部网格",
        to_field_name="code",
    )

    def __init__(self, *args, communities, grids=None, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["community"].queryset = communities
        if grids is None:
            del self.fields["grid"]
        else:
            self.fields["grid"].queryset = grids
            self.fields["grid"].label_from_instance = lambda g: (
                f"{g.community.name} 第{g.number}网格"
            )

    def clean(self):
        data = super().clean()
        since = data.get("since") or dt.date(self.today.year, 1, 1)
        until = data.get("until") or self.today
        if since > until:
            self.add_error("until", "“止”不能早于“起”")
        elif (until - since).days > MAX_PERIOD_DAYS:
            self.add_error("until", "统计期间最长 5 年，请缩短")
        data["since"], data["until"] = since, until
        grid, community = data.get("grid"), data.get("community")
        if grid is not None and community is not None and grid.community_id != community.pk:
            self.add_error("grid", "该网格不属于所选社区")
        return data
