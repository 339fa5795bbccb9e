"""Domain verbs of the roster (STYLE.md item 3): posts, people, selections, appointments.

Each verb takes keyword-only arguments and ``acting_user``, checks who may do it *before*
opening its transaction (a refusal writes nothing but, when it concerns rights, one audit
row), then changes the rows and writes its audit row inside one ``transaction.atomic()``.

Refusals: :class:`Refused` (a ``ValidationError`` with a Chinese reason) for business rules;
``PermissionDenied`` for a user who may see the case but not do this step.
"""

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from loudong.accounts.access import scope_for
from loudong.accounts.audit import record
from loudong.accounts.roles import Cap, Role
from loudong.roster import eligibility
from loudong.roster.models import (
    CHANNEL_START,
    ENDINGS,
    Appointment,
    BallotToken,
    Objection,
    Person,
    Post,
    Selection,
    SelectionStep,
    Vote,
    status_label,
)
from loudong.roster.policy import Profile, current_profile, notice_period


class Refused(ValidationError):
    """A business rule refuses the move; the message says why, in Chinese."""


# -- who may do what --------------------------------------------------------------------------

COMMUNITY_STEPS = {
    "self_nomination",
    "resident_nomination",
    "community_recommendation",
    "public_notice",
    "filed",
}


def _deny(user, what: str, target=None, request=None):
    """Audit a refused attempt (security-relevant), then raise 403."""
    record(actor=user, action="roster.refused", target=target, reason=what[:200], request=request)
    raise PermissionDenied(what)


def can_edit(user, obj) -> bool:
    return scope_for(user, Cap.EDIT).allows(obj)


def is_committee_of(user, community_id: int) -> bool:
    """A 社区工作者 flagged as a 两委 member of this community."""
    return (
        any(
            a.role == Role.COMMUNITY_WORKER and a.is_committee and a.region_id == community_id
            for a in user.active_roles()
        )
        if getattr(user, "is_authenticated", False)
        else False
    )


def may_complete(user, selection: Selection, status: str | None = None) -> bool:
    """May ``user`` complete (move on from, or reject at) step ``status`` of ``selection``?

    Community steps: a 社区工作者 of that community (Cap.EDIT). 社区党组织审查: a 两委 member
    of the community or the 街道管理员. 街道党工委审批: Cap.APPROVE (the 街道管理员) only.
    """
    status = status or selection.status
    if status == Selection.Status.PARTY_REVIEW:
        return is_committee_of(user, selection.community_id) or scope_for(user, Cap.APPROVE).allows(
            selection
        )
    if status == Selection.Status.SUBDISTRICT_APPROVAL:
        return scope_for(user, Cap.APPROVE).allows(selection)
    return can_edit(user, selection)


def allowed_moves(user, selection: Selection) -> list[str]:
    """The moves ``user`` may make now: what the step buttons on the page show."""
    if not selection.is_open:
        return []
    moves = []
    nxt = selection.next_step()
    if nxt and may_complete(user, selection):
        moves.append(nxt)
    if may_complete(user, selection):
        moves.append(Selection.Status.REJECTED)
    if can_edit(user, selection):
        moves.append(Selection.Status.WITHDRAWN)
    return moves


def _require_edit(user, obj, what, request=None):
    if not can_edit(user, obj):
        _deny(user, f"无权{what}：需要该社区的编辑权限", obj, request)


# -- posts -------------------------------------------------------------------------------------


@dataclass
class SyncResult:
    created: list = field(default_factory=list)
    closed: list = field(default_factory=list)
    kept: int = 0
    ended: list = field(default_factory=list)
    division: object = None


def grid_post_kind(profile: Profile) -> str:
    """池阳: one 楼栋长 per grid. 长春 (seed 004 §一.2): "每个网格选配1名网格长"."""
    return Post.Kind.BUILDING_LEADER if profile.steps else Post.Kind.GRID_HEAD


def sync_grid_posts(
    *, community, acting_user, today: dt.date | None = None, request=None
) -> SyncResult:
    """Make the grid posts match the community's division in force.

    New grid codes get a post; a post whose grid code is gone is closed, its appointment ended
    (reason 岗位撤销) and the post flagged for attention. A grid that keeps its code keeps its
    post and leader. 长春 also gets a 楼栋长 post per building and a 单元长 post per unit.
    Idempotent: a second run changes nothing.
    """
    from loudong.grids.models import Division, GridPiece

    _require_edit(acting_user, community, "同步网格岗位", request)
    division = (
        Division.objects.in_force()
        .filter(community=community)
        .order_by("-frozen_at", "-id")
        .first()
    )
    if division is None:
        raise Refused(f"{community.name}还没有生效的网格划分，请先在“网格划分”中冻结一个方案。")
    profile = current_profile()
    kind = grid_post_kind(profile)
    today = today or timezone.localdate()
    grids = {g.code: g for g in division.grids.exclude(code="").order_by("sequence", "id")}
    places: dict[int, dict] = {}
    for grid_id, compound_id, compound_name, building in (
        GridPiece.objects.filter(grid__division=division)
        .values_list(
            "grid_id", "building__compound_id", "building__compound__name", "building__number"
        )
        .order_by("grid_id", "building_id")
        .distinct()
    ):
        place = places.setdefault(grid_id, {"compounds": {}, "buildings": []})
        place["compounds"][compound_id] = compound_name
        if building not in place["buildings"]:
            place["buildings"].append(building)
    result = SyncResult(division=division)
    with transaction.atomic():
        existing = {
            p.grid_code: p
            for p in Post.objects.filter(community=community, kind=kind, active=True).exclude(
                grid_code=""
            )
        }
        new_posts = []
        for code, grid in grids.items():
            if code in existing:
                result.kept += 1
                continue
            place = places.get(grid.pk, {"compounds": {}, "buildings": []})
            compounds = place["compounds"]
            where = "、".join(compounds.values()) or community.name
            buildings = "、".join(place["buildings"][:4]) + (
                "等" if len(place["buildings"]) > 4 else ""
            )
            title = f"{where}{buildings}（网格 {code[-2:]}）{Post.Kind(kind).label}"
            new_posts.append(
                Post(
                    kind=kind,
                    community=community,
                    grid_code=code,
                    compound_id=next(iter(compounds)) if len(compounds) == 1 else None,
                    title=title[:100],
                )
            )
        Post.objects.bulk_create(new_posts)
        result.created = new_posts
        gone = [p for c, p in existing.items() if c not in grids]
        for post in gone:
            post.active = False
            post.closed_on = today
            post.needs_attention = True
            post.attention_note = "网格编码已不在生效的划分中：请为原网格居民另行安排楼栋长"
            post.save(update_fields=["active", "closed_on", "needs_attention", "attention_note"])
            for appointment in post.appointments.filter(status=Appointment.Status.ACTIVE):
                _end(
                    appointment,
                    end=today,
                    reason=Appointment.EndReason.POST_CLOSED,
                    note="网格调整，岗位撤销",
                )
                result.ended.append(appointment)
            result.closed.append(post)
        if kind == Post.Kind.GRID_HEAD:
            result.created += _sync_building_and_unit_posts(community)
        record(
            actor=acting_user,
            action="roster.sync_posts",
            target=community,
            new={
                "division": division.pk,
                "created": len(result.created),
                "closed": [p.grid_code for p in result.closed],
                "kept": result.kept,
                "ended_appointments": [a.pk for a in result.ended],
            },
            request=request,
        )
    return result


def _sync_building_and_unit_posts(community) -> list:
    """长春: "每个楼栋、单元要…确定1名楼栋长、单元长" (seed 004 §一.2)."""
    from loudong.territory.models import Building, Unit

    have_b = set(
        Post.objects.filter(
            community=community, kind=Post.Kind.BUILDING_LEADER, active=True
        ).values_list("building_id", flat=True)
    )
    have_u = set(
        Post.objects.filter(
            community=community, kind=Post.Kind.UNIT_LEADER, active=True
        ).values_list("unit_id", flat=True)
    )
    posts = [
        Post(
            kind=Post.Kind.BUILDING_LEADER,
            community=community,
            compound=b.compound,
            building=b,
            title=f"{b.compound.name}{b.number}楼栋长"[:100],
        )
        for b in Building.objects.filter(community=community).select_related("compound")
        if b.pk not in have_b
    ]
    posts += [
        Post(
            kind=Post.Kind.UNIT_LEADER,
            community=community,
            compound=u.compound,
            building=u.building,
            unit=u,
            title=f"{u.compound.name}{u.building.number}{u.number}单元长"[:100],
        )
        for u in Unit.objects.filter(community=community).select_related("compound", "building")
        if u.pk not in have_u
    ]
    Post.objects.bulk_create(posts)
    return posts


@transaction.atomic
def acknowledge_post(*, post, note: str, acting_user, request=None) -> Post:
    """A worker has dealt with a closed grid's residents: clear the attention flag."""
    post.needs_attention = False
    post.attention_note = note[:200]
    post.save(update_fields=["needs_attention", "attention_note"])
    record(
        actor=acting_user,
        action="roster.post_acknowledge",
        target=post,
        reason=note,
        request=request,
    )
    return post


def create_post(
    *,
    community,
    kind,
    title,
    acting_user,
    grid_code="",
    attachment="",
    building=None,
    unit=None,
    request=None,
) -> Post:
    """A post added by hand: 一格多员 attachments (seed 004 §一.1) or a missing building post."""
    _require_edit(acting_user, community, "新增岗位", request)
    if kind == Post.Kind.ATTACHMENT and not attachment:
        raise Refused("一格多员岗位须注明类别（民警、公益岗、水电热气等）")
    with transaction.atomic():
        post = Post.objects.create(
            community=community,
            kind=kind,
            title=title,
            grid_code=grid_code,
            attachment=attachment,
            building=building,
            unit=unit,
            compound=building.compound if building else None,
        )
        record(
            actor=acting_user,
            action="roster.post_create",
            target=post,
            new={"kind": kind, "title": title, "grid_code": grid_code},
            request=request,
        )
    return post


# -- people ------------------------------------------------------------------------------------

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
    "is_party_group_leader",
    "consents_to_publish_phone",
    "notes",
    "compound",
    "resident",
)


def _person_snapshot(person) -> dict:
    return {name: getattr(person, name) for name in PERSON_FIELDS if hasattr(person, name)}


def save_person(*, person: Person, acting_user, request=None) -> Person:
    """Create or update a person (a registry resident or not); audited with masked values."""
    _require_edit(acting_user, person, "编辑人员", request)
    with transaction.atomic():
        created = person.pk is None
        old = {} if created else _person_snapshot(Person.objects.get(pk=person.pk))
        person.save()
        record(
            actor=acting_user,
            action="roster.person_create" if created else "roster.person_update",
            target=person,
            old=old,
            new=_person_snapshot(person),
            request=request,
        )
    return person


def person_from_resident(*, resident, acting_user, request=None) -> Person:
    """A Person for a registry resident (seed 000: "可以是本楼栋内常住居民也可以是其他楼栋居民")."""
    existing = Person.objects.filter(resident=resident).first()
    if existing:
        return existing
    person = Person(
        community=resident.community,
        compound=resident.compound,
        resident=resident,
        name=resident.name,
        sex=resident.sex,
        birth_date=resident.birth_date,
        id_number=resident.id_number.reveal(),
        phone=resident.phone.reveal(),
        is_party_member=resident.political_status in ("中共党员", "中共预备党员", "党员"),
        political_status=resident.political_status,
    )
    return save_person(person=person, acting_user=acting_user, request=request)


# -- selections --------------------------------------------------------------------------------


def held_posts(person, kind: str) -> int:
    """Posts of ``kind`` the person holds now (legacy appointments included)."""
    return person.appointments.filter(status=Appointment.Status.ACTIVE, post__kind=kind).count()


def findings_for(person, post, *, on: dt.date, profile: Profile | None = None) -> list[dict]:
    profile = profile or current_profile()
    found = eligibility.check(
        person, profile, held_posts=held_posts(person, post.kind), on=on, kind=post.kind
    )
    return [f.as_dict() for f in found]


def start_selection(*, post, candidate, channel, acting_user, notes="", request=None) -> Selection:
    """Open a case for one candidate to one post, at the step its channel starts at."""
    _require_edit(acting_user, post, "发起选配", request)
    if not post.active:
        raise Refused("该岗位已撤销，不能再选配")
    if candidate.community_id != post.community_id and not can_edit(acting_user, candidate):
        raise Refused("候选人不在您的管辖范围内")
    if channel not in CHANNEL_START:
        raise Refused("推选方式无效")
    if (
        Selection.objects.filter(post=post, candidate=candidate)
        .exclude(status__in=["appointed", *ENDINGS])
        .exists()
    ):
        raise Refused(f"{candidate.name}已有该岗位进行中的选配")
    profile = current_profile()
    status = CHANNEL_START[channel]
    if profile.steps and status not in profile.steps:
        status = profile.steps[0]
    with transaction.atomic():
        selection = Selection.objects.create(
            post=post,
            candidate=candidate,
            community=post.community,
            compound=post.compound,
            channel=channel,
            status=status,
            profile_name=profile.name,
            profile_version=profile.version,
            created_by=acting_user,
            eligibility=findings_for(candidate, post, on=timezone.localdate(), profile=profile),
        )
        SelectionStep.objects.create(
            selection=selection,
            from_status="",
            to_status=status,
            outcome="发起",
            notes=notes,
            actor=acting_user,
        )
        record(
            actor=acting_user,
            action="roster.selection_start",
            target=selection,
            new={"post": post.pk, "candidate": candidate.pk, "channel": channel, "status": status},
            request=request,
        )
    return selection


def move_selection(
    *,
    selection: Selection,
    to_status: str,
    acting_user,
    outcome: str = "",
    notes: str = "",
    notice_start: dt.date | None = None,
    override_reason: str = "",
    request=None,
) -> Selection:
    """One step of the workflow, by the role that step belongs to; one history and audit row.

    Moving into 楼栋公示 needs its start date; the end is the profile's number of working days
    later (``public_notice.working_days``), with any calendar warnings kept. Leaving
    社区党组织审查 records its opinion as the resolution of objections sent back to it.
    Rejections and withdrawals end the case and need a reason.
    """
    if to_status == Selection.Status.APPOINTED:
        raise Refused("任命请使用“任命”操作（需公示期满）")
    if to_status == Selection.Status.WITHDRAWN:
        if not can_edit(acting_user, selection):
            _deny(acting_user, "无权撤回该选配：需要该社区的编辑权限", selection, request)
    elif not may_complete(acting_user, selection):
        label = Selection.Status(selection.status).label if selection.is_open else "该环节"
        _deny(acting_user, f"无权办理“{label}”环节", selection, request)
    if not selection.can_move_to(to_status):
        raise Refused(
            f"当前环节为“{selection.get_status_display()}”，不能直接转到“{status_label(to_status)}”"
        )
    if to_status == "party_review" and selection.status == "public_notice":
        raise Refused("公示期间退回审查须登记异议")
    if to_status in ENDINGS and not (outcome or notes):
        raise Refused("请填写结束原因")
    profile = current_profile(selection.profile_name)
    fields = ["status"]
    old_status = selection.status
    if to_status == Selection.Status.PUBLIC_NOTICE:
        if notice_start is None:
            raise Refused("请填写公示开始日期")
        end, warnings = notice_period(notice_start, profile)
        selection.notice_start, selection.notice_end = notice_start, end
        selection.notice_warnings = warnings
        fields += ["notice_start", "notice_end", "notice_warnings"]
    if override_reason:
        selection.override_reason = override_reason[:300]
        fields.append("override_reason")
    if to_status in ENDINGS:
        selection.end_reason = (outcome or notes)[:200]
        fields.append("end_reason")
    with transaction.atomic():
        selection.status = to_status
        selection.save(update_fields=fields)
        if old_status == Selection.Status.PARTY_REVIEW:
            selection.objections.filter(resolved__isnull=True).update(
                resolution=notes or outcome or "已审查", resolved=timezone.now()
            )
        if to_status == Selection.Status.PUBLIC_NOTICE and selection.notice_warnings:
            notes = (
                (notes + "\n" if notes else "")
                + "日历提示："
                + "；".join(selection.notice_warnings)
            )
        SelectionStep.objects.create(
            selection=selection,
            from_status=old_status,
            to_status=to_status,
            outcome=outcome[:200],
            notes=notes,
            actor=acting_user,
        )
        record(
            actor=acting_user,
            action="roster.selection_move",
            target=selection,
            old={"status": old_status},
            new={
                "status": to_status,
                "outcome": outcome,
                "notice_start": selection.notice_start,
                "notice_end": selection.notice_end,
                "override_reason": override_reason,
            },
            request=request,
        )
    return selection


def record_objection(
    *,
    selection: Selection,
    text: str,
    raised_by: str = "",
    acting_user=None,
    today: dt.date | None = None,
    request=None,
) -> Objection:
    """An objection during 公示 sends the case back to 社区党组织审查.

    ``acting_user`` None means a resident through the objection link.
    """
    if acting_user is not None:
        _require_edit(acting_user, selection, "登记异议", request)
    today = today or timezone.localdate()
    if selection.status != Selection.Status.PUBLIC_NOTICE:
        raise Refused("只有公示期间才能登记异议")
    if not (selection.notice_start <= today <= selection.notice_end):
        raise Refused(
            f"公示期为 {selection.notice_start:%Y-%m-%d} 至 "
            f"{selection.notice_end:%Y-%m-%d}，不在公示期内"
        )
    if not text.strip():
        raise Refused("请填写异议内容")
    with transaction.atomic():
        objection = Objection.objects.create(
            selection=selection,
            text=text.strip(),
            raised_by=raised_by[:50],
            recorded_by=acting_user,
        )
        selection.status = Selection.Status.PARTY_REVIEW
        selection.save(update_fields=["status"])
        SelectionStep.objects.create(
            selection=selection,
            from_status="public_notice",
            to_status="party_review",
            outcome="公示期间有异议，退回审查",
            notes=text.strip(),
            actor=acting_user,
        )
        record(
            actor=acting_user,
            actor_username="居民（异议链接）" if acting_user is None else "",
            action="roster.objection",
            target=selection,
            new={"objection": objection.pk},
            request=request,
        )
    return objection


# -- residents' nomination (ballot) ------------------------------------------------------------


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def post_households(post):
    """Occupied households of the post's area: its unit, building, or grid in force."""
    from loudong.territory.models import Household

    households = Household.objects.filter(community=post.community, occupied=True)
    if post.unit_id:
        return households.filter(unit_id=post.unit_id)
    if post.building_id:
        return households.filter(building_id=post.building_id)
    if post.grid_code:
        from loudong.grids.models import GridPiece

        pieces = GridPiece.objects.filter(
            grid__code=post.grid_code,
            grid__division__status="frozen",
            grid__community=post.community,
        )
        units = [(u, a, b) for u, a, b in pieces.values_list("unit_id", "floor_from", "floor_to")]
        from django.db.models import Q

        q = Q(pk__in=[])
        for unit_id, low, high in units:
            q |= Q(unit_id=unit_id) & (Q(floor__isnull=True) | Q(floor__gte=low, floor__lte=high))
        return households.filter(q)
    return households.none()


@dataclass
class IssuedToken:
    household: object
    key: str


def issue_ballot_tokens(*, post, acting_user, days: int = 14, request=None) -> list[IssuedToken]:
    """One token per occupied household of the post's area, for the candidates in 居民推选.

    Only the hash is stored: the links are shown once, to print and hand out.
    """
    _require_edit(acting_user, post, "生成推选链接", request)
    if not post.selections.filter(status=Selection.Status.RESIDENT_NOMINATION).exists():
        raise Refused("该岗位没有处于“居民推选”环节的候选人")
    households = list(
        post_households(post)
        .select_related("building", "unit")
        .order_by("building_id", "unit_id", "floor", "room")
    )
    if not households:
        raise Refused("该岗位范围内没有实际居住的住户")
    now = timezone.now()
    round_id = f"p{post.pk}-{now:%Y%m%d%H%M%S}"
    expires = now + dt.timedelta(days=days)
    issued, rows = [], []
    for household in households:
        key = secrets.token_urlsafe(18)
        rows.append(
            BallotToken(
                selection_round=round_id,
                post=post,
                household=household,
                key_hash=hash_key(key),
                expires=expires,
            )
        )
        issued.append(IssuedToken(household, key))
    with transaction.atomic():
        BallotToken.objects.bulk_create(rows)
        record(
            actor=acting_user,
            action="roster.ballot_issue",
            target=post,
            new={"round": round_id, "tokens": len(rows), "expires": expires},
            request=request,
        )
    return issued


class BallotError(Exception):
    """Shown to the resident as is."""


def ballot_token(key: str) -> BallotToken:
    token = BallotToken.objects.select_related("post").filter(key_hash=hash_key(key)).first()
    if token is None:
        raise BallotError("链接无效，请核对或向社区索取新的推选链接。")
    if token.expires <= timezone.now():
        raise BallotError("该推选链接已过期，请联系社区工作人员。")
    return token


def ballot_candidates(token: BallotToken):
    return (
        Selection.objects.filter(post_id=token.post_id, status=Selection.Status.RESIDENT_NOMINATION)
        .select_related("candidate")
        .order_by("id")
    )


def cast_vote(*, key: str, selection_id: int) -> Vote:
    """One anonymous vote per household and round; a second one is refused.

    The token is marked spent with the day only (no time), and the vote does not name the
    household, so which household voted how cannot be read back.
    """
    token = ballot_token(key)
    selection = ballot_candidates(token).filter(pk=selection_id).first()
    if selection is None:
        raise BallotError("所选候选人不在本次推选名单中，或推选已结束。")
    with transaction.atomic():
        today = timezone.localdate()
        midnight = timezone.make_aware(dt.datetime.combine(today, dt.time()))
        spent = BallotToken.objects.filter(pk=token.pk, used__isnull=True).update(used=midnight)
        if not spent:
            raise BallotError("本户已经投过票，每户只能投一次。")
        vote = Vote.objects.create(
            selection_round=token.selection_round, selection=selection, cast=today
        )
    return vote


def tallies(post) -> dict:
    """Counted votes per candidate of the post, and tokens issued/used. Anonymous."""
    counts = dict(
        Vote.objects.filter(selection__post=post)
        .values_list("selection_id")
        .annotate(n=Count("id"))
        .values_list("selection_id", "n")
    )
    tokens = BallotToken.objects.filter(post=post)
    return {
        "votes": counts,
        "issued": tokens.count(),
        "used": tokens.filter(used__isnull=False).count(),
    }


# -- appointments ------------------------------------------------------------------------------


def _active_on_post(post) -> bool:
    return post.appointments.filter(status=Appointment.Status.ACTIVE).exists()


def _check_findings(findings: list[dict], override_reason: str) -> None:
    hard = eligibility.hard(findings)
    if hard:
        raise Refused("不符合任职条件：" + "；".join(f["message"] for f in hard))
    soft = eligibility.soft(findings)
    if soft and not override_reason.strip():
        raise Refused(
            "以下条件需由审批人书面说明理由后方可任命：" + "；".join(f["message"] for f in soft)
        )


def _check_concurrent(held: int, reason: str, consent: bool) -> bool:
    """兼任 (seed 000 §三.1): "可由其他楼栋长根据自愿和能力情况兼任" — reason and consent."""
    if held == 0:
        return False
    if not reason.strip() or not consent:
        raise Refused("该人员已担任其他网格岗位，兼任须填写兼任原因并经本人同意（自愿）")
    return True


def appoint(
    *,
    selection: Selection,
    start: dt.date,
    term_end: dt.date | None,
    acting_user,
    override_reason: str = "",
    concurrent_reason: str = "",
    concurrent_consent: bool = False,
    today: dt.date | None = None,
    request=None,
) -> Appointment:
    """Appoint the candidate of a finished selection to its post.

    Refuses: a post already held; a case not through 公示 (池阳: today after the last day of
    公示 and no open objection) or not filed (长春); a hard finding (more than
    ``concurrency.max_grids`` posts — seed 000 "兼任楼栋网格最多不能超过 5 个"); soft findings
    without a written reason; a concurrent post without reason and consent.
    """
    _require_edit(acting_user, selection, "任命", request)
    today = today or timezone.localdate()
    post, person = selection.post, selection.candidate
    if not selection.can_move_to(Selection.Status.APPOINTED):
        raise Refused(f"当前环节为“{selection.get_status_display()}”，尚不能任命")
    if selection.status == Selection.Status.PUBLIC_NOTICE and not selection.notice_over(today):
        if selection.objections.filter(resolved__isnull=True).exists():
            raise Refused("公示期间有未处理的异议，不能任命")
        raise Refused(f"公示至 {selection.notice_end:%Y-%m-%d} 结束，公示期满后方可任命")
    if not post.active:
        raise Refused("该岗位已撤销")
    if _active_on_post(post):
        raise Refused("该岗位已有在任人员，请先办理离任或调整")
    if term_end and term_end < start:
        raise Refused("任期截止日期早于任职日期")
    profile = current_profile(selection.profile_name)
    findings = findings_for(person, post, on=start, profile=profile)
    override = override_reason or selection.override_reason
    _check_findings(findings, override)
    concurrent = _check_concurrent(
        held_posts(person, post.kind), concurrent_reason, concurrent_consent
    )
    with transaction.atomic():
        appointment = Appointment.objects.create(
            person=person,
            post=post,
            community=post.community,
            compound=post.compound,
            selection=selection,
            start=start,
            term_end=term_end,
            is_concurrent=concurrent,
            concurrent_reason=concurrent_reason[:200] if concurrent else "",
            concurrent_consent=concurrent_consent if concurrent else False,
            override_reason=override[:300] if eligibility.soft(findings) else "",
            created_by=acting_user,
        )
        old = selection.status
        selection.status = Selection.Status.APPOINTED
        selection.eligibility = findings
        selection.save(update_fields=["status", "eligibility"])
        SelectionStep.objects.create(
            selection=selection,
            from_status=old,
            to_status="appointed",
            outcome="任命",
            actor=acting_user,
            notes=f"任职 {start:%Y-%m-%d}",
        )
        _clear_attention(post)
        record(
            actor=acting_user,
            action="roster.appoint",
            target=appointment,
            new=_appointment_snapshot(appointment),
            reason=override[:200],
            request=request,
        )
    return appointment


def take_over(
    *,
    post,
    person,
    start: dt.date,
    term_end: dt.date | None,
    reason: str,
    consent: bool,
    acting_user,
    override_reason: str = "",
    request=None,
) -> Appointment:
    """An existing 楼栋长 takes over a grid that is hard to staff (兼任).

    Seed 000 §三.1: "对网格内楼栋长配备难、作用发挥不好的以及不能胜任工作的，可由其他楼栋长
    根据自愿和能力情况兼任，但兼任楼栋网格最多不能超过 5 个". Only a person already holding a
    post of this kind may take over; reason and consent are required.
    """
    _require_edit(acting_user, post, "安排兼任", request)
    if not post.active:
        raise Refused("该岗位已撤销")
    if _active_on_post(post):
        raise Refused("该岗位已有在任人员，请先办理离任或调整")
    held = held_posts(person, post.kind)
    if held == 0:
        raise Refused(f"只有现任{post.get_kind_display()}才能兼任配备困难的网格")
    findings = findings_for(person, post, on=start)
    _check_findings(findings, override_reason)
    _check_concurrent(held, reason, consent)
    with transaction.atomic():
        appointment = Appointment.objects.create(
            person=person,
            post=post,
            community=post.community,
            compound=post.compound,
            start=start,
            term_end=term_end,
            is_concurrent=True,
            concurrent_reason=reason[:200],
            concurrent_consent=True,
            created_by=acting_user,
            override_reason=override_reason[:300] if eligibility.soft(findings) else "",
        )
        _clear_attention(post)
        record(
            actor=acting_user,
            action="roster.take_over",
            target=appointment,
            new=_appointment_snapshot(appointment),
            reason=reason,
            request=request,
        )
    return appointment


def _clear_attention(post):
    if post.needs_attention:
        post.needs_attention = False
        post.save(update_fields=["needs_attention"])


def _appointment_snapshot(a: Appointment) -> dict:
    return {
        "person": a.person_id,
        "post": a.post_id,
        "start": a.start,
        "term_end": a.term_end,
        "end": a.end,
        "status": a.status,
        "end_reason": a.end_reason,
        "is_concurrent": a.is_concurrent,
        "is_legacy": a.is_legacy,
        "override_reason": a.override_reason,
    }


def _end(
    appointment: Appointment,
    *,
    end: dt.date,
    reason: str,
    note: str = "",
    notice_date: dt.date | None = None,
) -> None:
    appointment.status = Appointment.Status.ENDED
    appointment.end = end
    appointment.end_reason = reason
    appointment.end_note = note[:200]
    appointment.notice_date = notice_date
    appointment.save(update_fields=["status", "end", "end_reason", "end_note", "notice_date"])


def _check_end(appointment, end):
    if not appointment.is_active:
        raise Refused("该任职已结束")
    if end < appointment.start:
        raise Refused("离任日期早于任职日期")


def resign(
    *,
    appointment: Appointment,
    notice_date: dt.date,
    end: dt.date,
    note: str,
    acting_user,
    request=None,
) -> Appointment:
    """The leader resigns. Attachment 1 §五: "双方均可以随时解除本协议，但应提前告知对方"."""
    _require_edit(acting_user, appointment, "办理辞任", request)
    _check_end(appointment, end)
    if notice_date > end:
        raise Refused("告知日期应不晚于离任日期（须提前告知）")
    with transaction.atomic():
        old = _appointment_snapshot(appointment)
        _end(
            appointment,
            end=end,
            reason=Appointment.EndReason.RESIGNATION,
            note=note,
            notice_date=notice_date,
        )
        record(
            actor=acting_user,
            action="roster.resign",
            target=appointment,
            old=old,
            new=_appointment_snapshot(appointment),
            reason=note,
            request=request,
        )
    return appointment


def adjust(
    *,
    appointment: Appointment,
    end: dt.date,
    reason: str,
    acting_user,
    after_evaluation: bool = False,
    request=None,
) -> Appointment:
    """The community replaces the leader. Seed 000 §三.6: "对当年评议不满意的楼栋长，由社区居委会
    予以调整"; also the 优化整合 of leaders in post before it (调查摸底)."""
    _require_edit(acting_user, appointment, "办理调整", request)
    _check_end(appointment, end)
    if not reason.strip():
        raise Refused("请填写调整原因")
    kind = (
        Appointment.EndReason.EVALUATION if after_evaluation else Appointment.EndReason.ADJUSTMENT
    )
    with transaction.atomic():
        old = _appointment_snapshot(appointment)
        _end(appointment, end=end, reason=kind, note=reason)
        record(
            actor=acting_user,
            action="roster.adjust",
            target=appointment,
            old=old,
            new=_appointment_snapshot(appointment),
            reason=reason,
            request=request,
        )
    return appointment


@dataclass
class LegacyRow:
    community_code: str
    grid_code: str
    name: str
    id_number: str
    phone: str
    start: dt.date
    end: dt.date | None = None


def import_legacy_leaders(
    *, rows: list[LegacyRow], acting_user=None, dry_run: bool = False, request=None
) -> dict:
    """Leaders in post before the integration (seed 000 §四.2 "调查摸底"), as ``is_legacy``
    appointments, so Attachment 2 can show 原配备楼栋长数. All or nothing; idempotent.

    Returns {"created": n, "unchanged": n, "errors": ["第N行：…"]}. Rows are 1-based after
    the header (line 2 is the first data row).
    """
    from loudong.lib.idnumber import IDNumberError, validate_id_number
    from loudong.lib.protected import lookup
    from loudong.territory.models import Region

    errors, plan = [], []
    communities = {}
    for line, row in enumerate(rows, start=2):
        community = (
            communities.get(row.community_code)
            or Region.objects.filter(level=Region.Level.COMMUNITY, code=row.community_code).first()
        )
        if community is None:
            errors.append(f"第{line}行：社区代码 {row.community_code} 不存在")
            continue
        communities[row.community_code] = community
        if acting_user is not None and not can_edit(acting_user, community):
            errors.append(f"第{line}行：社区 {community.name} 不在您的管辖范围内")
            continue
        post = (
            Post.objects.filter(community=community, grid_code=row.grid_code)
            .order_by("-active", "-id")
            .first()
        )
        if post is None:
            errors.append(f"第{line}行：网格编码 {row.grid_code} 没有对应岗位（请先同步网格岗位）")
            continue
        try:
            number = validate_id_number(row.id_number)
        except IDNumberError as exc:
            errors.append(f"第{line}行：身份证号 {exc}")
            continue
        if not row.name.strip():
            errors.append(f"第{line}行：姓名为空")
            continue
        plan.append((row, community, post, number))
    if errors or dry_run:
        return {"created": 0, "unchanged": 0, "errors": errors}
    created = unchanged = 0
    from loudong.lib.idnumber import birth_date

    with transaction.atomic():
        for row, community, post, number in plan:
            person = Person.objects.filter(
                community=community, id_number_index=lookup("id_number", number)
            ).first()
            if person is None:
                person = Person.objects.create(
                    community=community,
                    compound=post.compound,
                    name=row.name.strip(),
                    id_number=number,
                    phone=row.phone,
                    birth_date=birth_date(number),
                )
            if Appointment.objects.filter(
                person=person, post=post, is_legacy=True, start=row.start
            ).exists():
                unchanged += 1
                continue
            appointment = Appointment.objects.create(
                person=person,
                post=post,
                community=community,
                compound=post.compound,
                start=row.start,
                is_legacy=True,
                created_by=acting_user,
                status=Appointment.Status.ENDED if row.end else Appointment.Status.ACTIVE,
                end=row.end,
                end_reason=Appointment.EndReason.ADJUSTMENT if row.end else "",
                end_note="优化整合" if row.end else "",
            )
            record(
                actor=acting_user,
                actor_username="system",
                action="roster.legacy_import",
                target=appointment,
                new=_appointment_snapshot(appointment),
                request=request,
            )
            created += 1
    return {"created": created, "unchanged": unchanged, "errors": []}
