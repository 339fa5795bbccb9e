"""Registering the 三长's work groups (seed 004 §三.10)."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from loudong.accounts.access import scope_for
from loudong.accounts.audit import AuditAction, record
from loudong.accounts.roles import Cap
from loudong.community.models import ChatGroup
from loudong.fieldwork.actions.common import Refused
from loudong.lib import images, sealed_files

QR_PURPOSE = "community-group-qr"
QR_MAX_BYTES = 5 * 1024 * 1024


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
    owner: str = "",
    member_count: int | None = None,
    qr=None,
    request=None,
) -> ChatGroup:
    _require_edit(acting_user, community)
    qr_name = _store_qr(qr)
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
        owner=owner,
        member_count=member_count,
        qr_image=qr_name,
        created_by=acting_user,
    )
    record(
        actor=acting_user,
        action=AuditAction.COMMUNITY_GROUP_REGISTER,
        target=group,
        new={
            "name": name,
            "level": level,
            "kind": kind,
            "webhook": bool(webhook),
            "owner": owner,
            "member_count": member_count,
            "qr": bool(qr_name),
        },
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


def _store_qr(upload) -> str:
    """The group's QR image, checked by content and re-encoded (lib.images), sealed at rest."""
    if upload is None:
        return ""
    try:
        clean = images.clean_image(upload.read(), max_bytes=QR_MAX_BYTES, max_side=800)
    except images.ImageRejected as exc:
        raise Refused(f"群二维码：{exc}") from None
    return sealed_files.save_sealed(clean, purpose=QR_PURPOSE, folder="group-qr", suffix=".jpg")


def read_qr(group: ChatGroup) -> bytes:
    return sealed_files.read_sealed(group.qr_image, purpose=QR_PURPOSE)


@transaction.atomic
def update_group(
    *, group: ChatGroup, owner: str, member_count, qr=None, acting_user, request=None
) -> ChatGroup:
    """群主, 成员数 and (optionally) a new QR image; the old image file is removed after commit."""
    _require_edit(acting_user, group.community)
    if member_count is not None and not 0 <= member_count <= 100000:
        raise Refused("群成员数：请填写 0 到 100000 之间的整数")
    owner = (owner or "").strip()
    if "\x00" in owner or len(owner) > 50:
        raise Refused("群主：不超过 50 个字，不能包含空字符")
    group = ChatGroup.objects.select_for_update().get(pk=group.pk)
    old = {"owner": group.owner, "member_count": group.member_count, "qr": bool(group.qr_image)}
    fields = ["owner", "member_count"]
    previous = ""
    if qr is not None:
        previous = group.qr_image
        group.qr_image = _store_qr(qr)
        fields.append("qr_image")
    group.owner, group.member_count = owner, member_count
    group.save(update_fields=fields)
    if previous:
        transaction.on_commit(lambda: sealed_files.delete_sealed(previous))
    record(
        actor=acting_user,
        action=AuditAction.COMMUNITY_GROUP_UPDATE,
        target=group,
        old=old,
        new={"owner": owner, "member_count": member_count, "qr": bool(group.qr_image)},
        request=request,
    )
    return group


def coverage(community) -> dict:
    """Units, buildings and grids (in force) of the community without an active group, and
    whether the community has its 网格长 group (seed 004 §三.10)."""
    from loudong.grids.models import Grid
    from loudong.territory.models import Building, Unit

    groups = ChatGroup.objects.filter(community=community, active=True)
    unit_ids = set(groups.filter(level="unit").values_list("unit_id", flat=True))
    building_ids = set(groups.filter(level="building").values_list("building_id", flat=True))
    grid_codes = set(groups.filter(level="grid").values_list("grid_code", flat=True))
    units = (
        Unit.objects.filter(community=community)
        .exclude(pk__in=unit_ids)
        .select_related("building__compound")
        .order_by("building__compound__name", "building__number", "number")
    )
    buildings = (
        Building.objects.filter(community=community)
        .exclude(pk__in=building_ids)
        .select_related("compound")
        .order_by("compound__name", "number")
    )
    grids = (
        Grid.objects.in_force()
        .filter(community=community)
        .exclude(code="")
        .exclude(code__in=grid_codes)
        .order_by("code")
    )
    return {
        "units": units,
        "buildings": buildings,
        "grids": grids,
        "community_group": groups.filter(level="community").exists(),
        "totals": {
            "units": Unit.objects.filter(community=community).count(),
            "buildings": Building.objects.filter(community=community).count(),
            "grids": Grid.objects.in_force().filter(community=community).exclude(code="").count(),
        },
    }
