"""Audited changes to the registry: one function per verb, keyword-only, acting_user required."""

import datetime as dt

from django.db import transaction

from loudong.accounts.audit import record
from loudong.territory.models import Household, Resident

RESIDENT_FIELDS = [
    "name",
    "relation",
    "is_householder",
    "id_number",
    "phone",
    "sex",
    "birth_date",
    "political_status",
    "notes",
]


def _snapshot(resident: Resident) -> dict:
    """Audit values: protected fields go in masked (audit.safe_value masks Protected)."""
    return {name: getattr(resident, name) for name in RESIDENT_FIELDS}


@transaction.atomic
def create_household(
    *, unit, room: str, floor: int | None, residence: str, acting_user, request=None
) -> Household:
    household = Household(
        community_id=unit.community_id,
        compound_id=unit.compound_id,
        building_id=unit.building_id,
        unit=unit,
        room=room,
        floor=floor,
        residence=residence,
    )
    household.save()
    record(
        actor=acting_user,
        action="household.create",
        target=household,
        new={"unit": unit.pk, "room": room, "floor": floor, "residence": residence},
        request=request,
    )
    return household


@transaction.atomic
def update_household(*, household: Household, acting_user, request=None, **values) -> Household:
    old = {k: getattr(household, k) for k in values}
    for key, value in values.items():
        setattr(household, key, value)
    household.save(update_fields=[*values, "occupied"])
    changed = {k: v for k, v in values.items() if old[k] != v}
    if changed:
        record(
            actor=acting_user,
            action="household.update",
            target=household,
            old={k: old[k] for k in changed},
            new=changed,
            request=request,
        )
    return household


@transaction.atomic
def create_resident(*, household: Household, acting_user, request=None, **values) -> Resident:
    resident = Resident(
        community_id=household.community_id,
        compound_id=household.compound_id,
        household=household,
        **values,
    )
    resident.save()
    record(
        actor=acting_user,
        action="resident.create",
        target=resident,
        new=_snapshot(resident),
        request=request,
    )
    return resident


@transaction.atomic
def update_resident(*, resident: Resident, acting_user, request=None, **values) -> Resident:
    """Only the fields given change; an empty id_number/phone in ``values`` is not passed."""
    before = _snapshot(resident)
    for key, value in values.items():
        setattr(resident, key, value)
    after = _snapshot(resident)
    changed = [k for k in RESIDENT_FIELDS if before[k] != after[k]]
    if not changed:
        return resident
    from loudong.lib.protected import sync_indexes

    index_fields = sync_indexes(resident)
    resident.save(update_fields=[*changed, *index_fields])
    record(
        actor=acting_user,
        action="resident.update",
        target=resident,
        old={k: before[k] for k in changed},
        new={k: after[k] for k in changed},
        request=request,
    )
    return resident


@transaction.atomic
def move_out_resident(
    *, resident: Resident, on: dt.date, reason: str = "", acting_user, request=None
) -> Resident:
    """A soft end: the record stays, marked 已迁出 with the date (never deleted)."""
    resident.moved_out = True
    resident.moved_out_on = on
    resident.save(update_fields=["moved_out", "moved_out_on"])
    record(
        actor=acting_user,
        action="resident.move_out",
        target=resident,
        reason=reason,
        new={"moved_out_on": on},
        request=request,
    )
    return resident


def record_export(
    *, what: str, rows: int, revealed: bool, region=None, acting_user, request=None
) -> None:
    with transaction.atomic():
        record(
            actor=acting_user,
            action="registry.export",
            region=region,
            target_repr=what,
            new={"rows": rows, "revealed": revealed},
            request=request,
        )
