"""Demo step: a frozen division for every demo community, approved by the 街道管理员."""

import datetime as dt

from loudong.grids.actions import freeze_division, in_force, propose_division
from loudong.territory.models import Region


def build_grids(subdistrict, *, approver, stdout) -> None:
    communities = Region.objects.filter(parent=subdistrict, level=Region.Level.COMMUNITY)
    effective = dt.date(2021, 9, 8)  # seed 000: "9 月 8 号前全面完成整合任务"
    for community in communities.order_by("code", "name"):
        if in_force(community) is not None:
            continue
        draft = propose_division(
            community=community,
            acting_user=approver,
            note="演示数据：按本街道政策方案自动划分",
        )
        division = freeze_division(
            division=draft,
            acting_user=approver,
            effective_date=effective,
            reason="个别小区户数较少且相距较远，经街道党工委审定保留",
        )
        grids = division.grids.count()
        stdout.write(f"  {community.name}：划分 {grids} 个网格并冻结")
