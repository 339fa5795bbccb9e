"""Registering the 三长's work groups (seed 004 §三.10)."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from loudong.accounts.access import scope_for
from loudong.accounts.audit import AuditAction, record
from loudong.accounts.roles import Cap
from loudong.community.models import ChatGroup


def _require_edit(user, community):
    if not scope_for(user, Cap.EDIT).allows(community):
        raise PermissionDenied("无权登记该社区的工作群")


@transaction.atomic
def register_group(
    *,
    community,
    name: str,
    level: str,
    kind: str,
    acting_user,
    grid_code: str = "",
    building=None,
    unit=None,
    webhook: str = "",
    request=None,
) -> ChatGroup:
    _require_edit(acting_user, community)
    compound = unit.compound if unit else building.compound if building else None
    if unit is not None:
        building = unit.building
    group = ChatGroup.objects.create(
        community=community,
        compound=compound,
        name=name,
        level=level,
        kind=kind,
        grid_code=grid_code if level == ChatGroup.Level.GRID else "",
        building=building if level in (ChatGroup.Level.BUILDING, ChatGroup.Level.UNIT) else None,
        unit=unit if level == ChatGroup.Level.UNIT else None,
        webhook=webhook,
        created_by=acting_user,
    )
    record(
        actor=acting_user,
        action=AuditAction.COMMUNITY_GROUP_REGISTER,
        target=group,
        new={"name": name, "level": level, "kind": kind, "webhook": bool(webhook)},
        request=request,
    )
    return group


@transaction.atomic
def deactivate_group(*, group: ChatGroup, acting_user, request=None) -> ChatGroup:
    _require_edit(acting_user, group.community)
    group.active = False
    group.save(update_fields=["active"])
    record(
        actor=acting_user,
        action=AuditAction.COMMUNITY_GROUP_DEACTIVATE,
        target=group,
        old={"is_active": True},
        new={"is_active": False},
        request=request,
    )
    return group
