"""防护物资: the community's stock, receipts, and issues to the 三长 with their signature.

Seed 004 §四.14: "在疫情防控期间，要加强“三长”安全防护，为其配备防护物资". Read only where the
profile's ``insurance.protective_supplies`` is on. An issue checks and lowers the stock with the
item's row locked (``select_for_update``), so two issues at once never take more than there is.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Sum

from loudong.accounts.access import scope_for
from loudong.accounts.audit import AuditAction, record
from loudong.accounts.roles import Cap
from loudong.community.models import SupplyItem, SupplyMovement
from loudong.community.training import people_in_post
from loudong.fieldwork.actions.common import Refused
from loudong.policy.profile import profile_for

LEADER_KINDS = ("grid_head", "building_leader", "unit_leader")


def _check(community, user, day):
    if not scope_for(user, Cap.EDIT).allows(community):
        raise PermissionDenied("您在该社区只能查看，不能登记防护物资")
    if not profile_for(community, on=day).insurance.protective_supplies:
        raise Refused("本街道的政策方案未规定为“三长”配备防护物资")


def receivers(community, day: dt.date):
    """Who may receive: the 三长 in post (004 §四.14 "为其配备")."""
    return people_in_post(community, kinds=LEADER_KINDS, day=day)


@transaction.atomic
def receive(
    *,
    community,
    name: str,
    quantity: int,
    date: dt.date,
    acting_user,
    unit_label: str = "个",
    note: str = "",
    request=None,
) -> SupplyMovement:
    """Stock in (入库): creates the item the first time its name is used."""
    _check(community, acting_user, date)
    name = " ".join((name or "").split())
    if not name:
        raise Refused("物资名称：请填写")
    if not 1 <= quantity <= 1_000_000:
        raise Refused("入库数量：须为 1–1000000")
    item, _ = SupplyItem.objects.get_or_create(
        community=community, name=name, defaults={"unit_label": unit_label.strip() or "个"}
    )
    item = SupplyItem.objects.select_for_update().get(pk=item.pk)
    item.stock += quantity
    item.save(update_fields=["stock"])
    movement = SupplyMovement.objects.create(
        item=item,
        community=community,
        kind=SupplyMovement.Kind.RECEIPT,
        quantity=quantity,
        date=date,
        note=note[:200],
        stock_after=item.stock,
        created_by=acting_user,
    )
    record(
        actor=acting_user,
        action=AuditAction.COMMUNITY_SUPPLY_RECEIPT,
        target=movement,
        region=community,
        new={"item": item.name, "quantity": quantity, "stock": item.stock},
        request=request,
    )
    return movement


@transaction.atomic
def issue(
    *,
    item: SupplyItem,
    person,
    quantity: int,
    date: dt.date,
    acting_user,
    signed: bool = False,
    note: str = "",
    request=None,
) -> SupplyMovement:
    """Issue to a 三长 in post; refused beyond stock, nothing written."""
    community = item.community
    _check(community, acting_user, date)
    if not receivers(community, date).filter(pk=person.pk).exists():
        raise Refused(f"领取人：{person.name} 不是本社区在岗的“三长”")
    if not 1 <= quantity <= 1_000_000:
        raise Refused("数量：须为 1–1000000")
    locked = SupplyItem.objects.select_for_update().get(pk=item.pk)
    if quantity > locked.stock:
        raise Refused(
            f"数量：{locked.name}库存只有 {locked.stock} {locked.unit_label}，"
            f"不能发放 {quantity} {locked.unit_label}"
        )
    locked.stock -= quantity
    locked.save(update_fields=["stock"])
    movement = SupplyMovement.objects.create(
        item=locked,
        community=community,
        kind=SupplyMovement.Kind.ISSUE,
        quantity=quantity,
        date=date,
        person=person,
        signed=signed,
        note=note[:200],
        stock_after=locked.stock,
        created_by=acting_user,
    )
    record(
        actor=acting_user,
        action=AuditAction.COMMUNITY_SUPPLY_ISSUE,
        target=movement,
        region=community,
        new={"item": locked.name, "quantity": quantity, "person": person.pk, "signed": signed},
        request=request,
    )
    return movement


def received_by(community):
    """What each leader has received: {person id: [(item name, unit, total)]}, one query."""
    out: dict[int, list] = {}
    rows = (
        SupplyMovement.objects.filter(community=community, kind=SupplyMovement.Kind.ISSUE)
        .values("person_id", "person__name", "item__name", "item__unit_label")
        .annotate(total=Sum("quantity"))
        .order_by("person__name", "item__name")
    )
    for row in rows:
        out.setdefault((row["person_id"], row["person__name"]), []).append(
            (row["item__name"], row["item__unit_label"], row["total"])
        )
    return out
