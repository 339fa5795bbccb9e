"""业务培训: sessions with invitees, attendance and materials; who is untrained this year.

Seed 000 §三.5: "由各社区居委会负责推选、日常管理、业务培训和工作评议". Who must attend and how
often is the profile's ``training`` section (``post_kinds``, ``sessions_per_year``).
"""

import datetime as dt
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from loudong.accounts.access import scope_for
from loudong.accounts.audit import AuditAction, record
from loudong.accounts.roles import Cap
from loudong.community.models import TrainingInvitee, TrainingMaterial, TrainingSession
from loudong.fieldwork.actions.common import Refused
from loudong.lib.filenames import fit_filename
from loudong.lib.sealed_files import read_sealed, save_sealed
from loudong.policy.profile import profile_for

MATERIAL_PURPOSE = "training_material"
MATERIAL_TYPES = {
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".ppt": "application/vnd.ms-powerpoint",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
}
MAX_MATERIALS = 10


def _require_edit(user, community):
    if not scope_for(user, Cap.EDIT).allows(community):
        raise PermissionDenied("您在该社区只能查看，不能登记培训")


def people_in_post(community, *, kinds, day: dt.date):
    """Persons holding a leader post of ``kinds`` in the community on ``day``."""
    from loudong.roster.models import Appointment, Person

    posts = Appointment.objects.filter(
        community=community,
        status=Appointment.Status.ACTIVE,
        is_legacy=False,
        post__kind__in=list(kinds),
        start__lte=day,
    ).filter(Q(end__isnull=True) | Q(end__gte=day))
    return Person.objects.filter(pk__in=posts.values("person_id")).order_by("name", "pk")


def invitable(community, day: dt.date):
    """Whom a session may invite: the 三长 and 一格多员 in post."""
    return people_in_post(
        community, kinds=("grid_head", "building_leader", "unit_leader", "attachment"), day=day
    )


@transaction.atomic
def create_session(
    *,
    community,
    date: dt.date,
    topic: str,
    trainer: str,
    acting_user,
    place: str = "",
    notes: str = "",
    invitees=(),
    request=None,
) -> TrainingSession:
    _require_edit(acting_user, community)
    allowed = set(invitable(community, date).values_list("pk", flat=True))
    people = list(invitees)
    strangers = [p.name for p in people if p.pk not in allowed]
    if strangers:
        raise Refused("培训对象：" + "、".join(strangers) + " 不是本社区在岗的“三长”")
    session = TrainingSession.objects.create(
        community=community,
        date=date,
        topic=topic.strip(),
        trainer=trainer.strip(),
        place=place.strip(),
        notes=notes.strip(),
        created_by=acting_user,
    )
    TrainingInvitee.objects.bulk_create(
        [TrainingInvitee(session=session, person=p) for p in people]
    )
    record(
        actor=acting_user,
        action=AuditAction.COMMUNITY_TRAINING,
        target=session,
        region=community,
        new={"date": str(date), "topic": session.topic, "invitees": len(people)},
        request=request,
    )
    return session


@transaction.atomic
def record_attendance(
    *, session: TrainingSession, attended_ids, acting_user, now=None, request=None
) -> int:
    """Mark who came (everyone else invited: absent); returns how many attended."""
    now = now or timezone.now()
    _require_edit(acting_user, session.community)
    if timezone.localdate(now) < session.date:
        raise Refused(f"签到：培训在 {session.date:%Y-%m-%d}，尚未举行")
    invitees = TrainingInvitee.objects.select_for_update().filter(session=session)
    ids = {int(i) for i in attended_ids}
    if ids - set(invitees.values_list("pk", flat=True)):
        raise Refused("出席人员：只能勾选本次培训的培训对象")
    invitees.filter(pk__in=ids).update(attended=True)
    invitees.exclude(pk__in=ids).update(attended=False)
    session.attendance_recorded = now
    session.save(update_fields=["attendance_recorded"])
    record(
        actor=acting_user,
        action=AuditAction.COMMUNITY_TRAINING_ATTENDANCE,
        target=session,
        region=session.community,
        new={"attended": len(ids), "invited": invitees.count()},
        request=request,
    )
    return len(ids)


@transaction.atomic
def add_material(*, session: TrainingSession, upload, acting_user, request=None):
    _require_edit(acting_user, session.community)
    name = fit_filename(PurePath(upload.name or "材料").name)
    suffix = PurePath(name).suffix.lower()
    if suffix not in MATERIAL_TYPES:
        raise Refused("培训材料：只接受 PDF、Word、PPT、Excel、JPG 或 PNG 文件")
    if upload.size > settings.LOUDONG_MAX_UPLOAD_BYTES:
        limit = settings.LOUDONG_MAX_UPLOAD_BYTES // (1024 * 1024)
        raise Refused(f"培训材料：文件不能超过 {limit} MB")
    if session.materials.count() >= MAX_MATERIALS:
        raise Refused(f"培训材料：每次培训最多 {MAX_MATERIALS} 个文件")
    data = upload.read()
    material = TrainingMaterial.objects.create(
        session=session,
        name=name,
        sealed_file=save_sealed(data, purpose=MATERIAL_PURPOSE, folder="training"),
        size=len(data),
        uploaded_by=acting_user,
    )
    record(
        actor=acting_user,
        action=AuditAction.COMMUNITY_TRAINING_MATERIAL,
        target=material,
        region=session.community,
        new={"name": name, "size": len(data)},
        request=request,
    )
    return material


def material_content(material: TrainingMaterial) -> tuple[bytes, str]:
    suffix = PurePath(material.name).suffix.lower()
    return (
        read_sealed(material.sealed_file, purpose=MATERIAL_PURPOSE),
        MATERIAL_TYPES.get(suffix, "application/octet-stream"),
    )


@dataclass
class Untrained:
    person: object
    posts: str
    attended: int
    required: int


def untrained(community, *, year: int, today: dt.date) -> list[Untrained]:
    """Leaders in post today (the profile's ``training.post_kinds``) who attended fewer than
    ``training.sessions_per_year`` sessions in ``year``. Three queries."""
    from loudong.roster.models import Appointment

    rules = profile_for(community, on=today).training
    people = list(people_in_post(community, kinds=rules.post_kinds, day=today))
    counts = dict(
        TrainingInvitee.objects.filter(
            person__in=people, attended=True, session__date__year=year, session__community=community
        )
        .values("person_id")
        .annotate(n=Count("id"))
        .values_list("person_id", "n")
    )
    posts: dict[int, list[str]] = {}
    for person_id, title in (
        Appointment.objects.filter(
            person__in=people, status=Appointment.Status.ACTIVE, post__kind__in=rules.post_kinds
        )
        .order_by("post__title")
        .values_list("person_id", "post__title")
    ):
        posts.setdefault(person_id, []).append(title)
    return [
        Untrained(p, "、".join(posts.get(p.pk, [])), counts.get(p.pk, 0), rules.sessions_per_year)
        for p in people
        if counts.get(p.pk, 0) < rules.sessions_per_year
    ]


def history(person):
    """A person's trainings, newest first: invited, attended or not."""
    return (
        TrainingInvitee.objects.filter(person=person)
        .select_related("session")
        .order_by("-session__date", "-session_id")
    )
