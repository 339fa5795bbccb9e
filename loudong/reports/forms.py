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
            field = self.fields["grid"]
            field.queryset = grids  # what validates: any grid in scope, looked up by its code
            field.widget.choices = self._grid_options(grids, communities)

    def _grid_options(self, grids, communities):
        """What the grid box offers: the grids of the chosen community (or of the user's only
        one), plus the grid asked for. A subdistrict has thousands of grids — listing them all
        made the page take seconds to render and the box useless — so without a community the
        box asks for one first."""
        community = str(self.data.get("community") or "")
        if community.isdigit() and len(community) <= 18:
            shown = grids.filter(community_id=int(community))
        elif communities.count() == 1:
            shown = grids
        else:
            shown = grids.none()
        asked = str(self.data.get("grid") or "")[:20]
        if asked:
            shown = shown | grids.filter(code=asked)
        empty = (
            "全部网格" if community or communities.count() == 1 else "全部网格（先选社区再选网格）"
        )
        return [("", empty)] + [
            (g.code, f"{g.community.name} 第{g.number}网格") for g in shown.distinct()
        ]

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
