"""Leaders and candidates: records, registry links and the badge photo."""

from django.conf import settings
from django.db import transaction

from loudong.accounts.audit import AuditAction, record
from loudong.lib import images, sealed_files
from loudong.roster.actions.common import Refused, require_edit
from loudong.roster.models import Person

PERSON_FIELDS = (
    "name",
    "sex",
    "birth_date",
    "id_number",
    "phone",
    "address",
    "political_status",
    "is_party_member",
    "health_note",
    "education",
    "pool",
    "employer",
    "is_committee",
    "is_community_worker",
    "is_party_group_leader",
    "consents_to_publish_phone",
    "notes",
    "compound",
    "resident",
)
PARTY_STATUSES = ("中共党员", "中共预备党员", "党员")
PHOTO_PURPOSE = "person_photo"
# A badge photo is a 3:4 portrait (二寸 proportions), stored at most 600 px high.
PHOTO_ASPECT = 0.75


def _person_snapshot(person) -> dict:
    return {name: getattr(person, name) for name in PERSON_FIELDS if hasattr(person, name)}


def save_person(*, person: Person, acting_user, request=None) -> Person:
    """Create or update a person (a registry resident or not); audited with masked values."""
    require_edit(acting_user, person, "编辑人员", request)
    with transaction.atomic():
        created = person.pk is None
        old = {} if created else _person_snapshot(Person.objects.get(pk=person.pk))
        person.save()
        record(
            actor=acting_user,
            action=AuditAction.ROSTER_PERSON_CREATE
            if created
            else AuditAction.ROSTER_PERSON_UPDATE,
            target=person,
            old=old,
            new=_person_snapshot(person),
            request=request,
        )
    return person


def household_address(household) -> str:
    """「翠微小区3号楼2单元501室」: the registry address Attachment 1's 家庭住址 asks for."""
    unit = household.unit.number if household.unit_id else ""
    room = household.room
    return f"{household.compound.name}{household.building.number}{unit}{room}{'' if room.endswith('室') else '室'}"


def person_from_resident(*, resident, acting_user, request=None) -> Person:
    """A Person for a registry resident (seed 000: "可以是本楼栋内常住居民也可以是其他楼栋居民")."""
    existing = Person.objects.filter(resident=resident).first()
    if existing:
        return existing
    political = resident.political_status.reveal()
    person = Person(
        community=resident.community,
        compound=resident.compound,
        resident=resident,
        name=resident.name,
        sex=resident.sex,
        birth_date=resident.birth_date,
        id_number=resident.id_number.reveal(),
        phone=resident.phone.reveal(),
        address=household_address(resident.household),
        is_party_member=resident.is_party_member or political in PARTY_STATUSES,
        political_status=political,
    )
    return save_person(person=person, acting_user=acting_user, request=request)


def set_photo(*, person: Person, data: bytes, acting_user, request=None) -> Person:
    """The badge photo (000 §三.5: "社区要统一制作工作牌，楼栋长上门入户服务要佩戴工作胸牌").

    Checked by content, cropped to the badge's 3:4, EXIF dropped, sealed at rest; it is shown
    only on the badge and the person's page.
    """
    require_edit(acting_user, person, "上传照片", request)
    try:
        clean = images.clean_image(
            data,
            max_bytes=settings.LOUDONG_MAX_PHOTO_BYTES,
            max_side=600,
            aspect=PHOTO_ASPECT,
        )
    except images.ImageRejected as exc:
        raise Refused(str(exc)) from None
    with transaction.atomic():
        old = person.photo
        person.photo = sealed_files.save_sealed(clean, purpose=PHOTO_PURPOSE, folder="photos")
        person.save(update_fields=["photo"])
        record(
            actor=acting_user,
            action=AuditAction.ROSTER_PERSON_PHOTO,
            target=person,
            new={"photo": "已更新" if old else "已上传"},
            request=request,
        )
        if old:
            transaction.on_commit(lambda: sealed_files.delete_sealed(old))
    return person


def read_photo(person: Person) -> bytes:
    return sealed_files.read_sealed(person.photo, purpose=PHOTO_PURPOSE)
