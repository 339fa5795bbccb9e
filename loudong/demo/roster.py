"""Demo step: posts, leaders, appointments and selections in mid-life, under the 街道's profile.

Per community with a division in force: the posts of the profile (``sync_grid_posts``); leaders
drawn from registry residents (so all personal data is the registry's valid fake data).

- 池阳 (000): ~88 % of grids staffed, some leaders holding 2–3 grids (兼任, with reason and
  consent), a few aged 66–68 with a written override reason; the leaders in post before the
  integration (调查摸底) as legacy appointments — most ended by it on 2021-09-08 (优化整合), a
  few kept on; later replacements. Terms run past today, a few end within 60 days and two have
  ended (shown as expired, still serving). Vacancies stay listed (宁缺毋滥), most with no case.
- 长春 (004): a 网格长 per grid from the 两委 (one community worker with a written reason), a
  楼栋长 for ~90 % of buildings, a 单元长 for ~80 % of units, one 一格多员 police officer per grid.

In 社区 A and B, cases at every step, each step done by its own body: the community worker,
the party-organisation member (审查), the 街道管理员 (审批); exactly one in 公示 from today and one
sent back by an objection. The demo leaders' accounts are linked to their roster person and take
its name. Deterministic for ``seed``; bulk inserts.
"""

import datetime as dt
import itertools
import random
import secrets

from django.db import transaction
from django.utils import timezone

from loudong.accounts.audit import AuditAction, record
from loudong.accounts.models import User
from loudong.policy.profile import profile_for
from loudong.policy.workdays import notice_end
from loudong.roster.actions.posts import sync_grid_posts
from loudong.roster.models import (
    CHANNEL_START,
    Appointment,
    Objection,
    Person,
    Post,
    Selection,
    SelectionStep,
)
from loudong.territory.models import Region, Resident

INTEGRATION = dt.date(2021, 9, 8)  # seed 000 §四.2: "9 月 8 号前全面完成整合任务"
LEGACY_START = dt.date(2017, 3, 1)
POOLS = ["party_member", "retired", "retired", "volunteer", "enterprise", "property"]
CHANGCHUN_POOLS = ["party_member", "civil_servant", "teacher", "veteran", "volunteer"]
EDUCATION = ["junior", "senior", "senior", "college", "bachelor"]
CONCURRENT_REASON = "该网格楼栋长配备难，本人自愿兼任"
OVER_AGE_REASON = "居民一致推选，身体健康，街道党工委同意"


def build_roster(regions: dict, *, seed: int, stdout) -> None:
    from loudong.grids.models import Division

    rng = random.Random(seed)
    actors = _actors()
    if actors["jiedao"] is None:
        stdout.write("  楼栋长队伍：缺少演示账号 jiedao，跳过")
        return
    today = timezone.localdate()
    communities = Region.objects.filter(parent=regions["subdistrict"], level="community")
    for community in communities.order_by("code", "name"):
        if not Division.objects.in_force().filter(community=community).exists():
            stdout.write(f"  {community.name}：没有生效的网格划分，跳过楼栋长队伍")
            continue
        sync_grid_posts(community=community, acting_user=actors["jiedao"], today=INTEGRATION)
        if Appointment.objects.filter(community=community).exists():
            continue  # already built: idempotent
        label = (
            "A" if community == regions.get("A") else "B" if community == regions.get("B") else ""
        )
        with transaction.atomic():
            profile = profile_for(community, on=today)
            builder = ChangchunBuilder if profile.posts.grid_head else ChiyangBuilder
            summary = builder(community, rng, today, actors, label).build()
            record(
                actor=actors["jiedao"],
                action=AuditAction.ROSTER_DEMO_BUILD,
                target=community,
                new=summary,
            )
        stdout.write(f"  {community.name}：" + "，".join(f"{k} {v}" for k, v in summary.items()))


def _actors() -> dict:
    names = ("jiedao", "shequ_a", "dangwei_a", "shequ_b", "dangwei_b")
    users = {u.username: u for u in User.objects.filter(username__in=names)}
    return {name: users.get(name) for name in names}


class CommunityBuilder:
    """What both cities share: people from the registry, appointments, cases, account links."""

    def __init__(self, community, rng, today, actors, label: str):
        self.community, self.rng, self.today, self.actors = community, rng, today, actors
        self.label = label  # "A", "B" or "" (the demo accounts' communities)
        self.profile = profile_for(community, on=today)
        self.pinned = profile_for(community, on=INTEGRATION)
        self.appointments: list[Appointment] = []
        self._residents = self._candidates()
        self._used: set[int] = set()

    # -- people --------------------------------------------------------------------------------

    def _candidates(self) -> list[Resident]:
        today = self.today
        rows = list(
            Resident.objects.filter(
                community=self.community,
                moved_out=False,
                birth_date__isnull=False,
                birth_date__lte=today.replace(year=today.year - 35),
                birth_date__gt=today.replace(year=today.year - 69),
            )
            .select_related("household__unit", "household__building", "compound")
            .order_by("id")
        )
        self.rng.shuffle(rows)
        return rows

    def people(self, n: int, *, old: int = 0, **flags) -> list[Person]:
        """``n`` new persons from residents, ``old`` of them aged 66 or more."""
        today = self.today
        chosen = []
        for wants_old in [True] * old + [False] * (n - old):
            for r in self._residents:
                if r.pk in self._used:
                    continue
                age = (today - r.birth_date).days // 365
                if (age >= 66) == wants_old and (wants_old or age <= 64):
                    chosen.append(r)
                    self._used.add(r.pk)
                    break
        pools = CHANGCHUN_POOLS if self.profile.posts.grid_head else POOLS
        persons = [
            Person(
                community=self.community,
                compound=r.compound,
                resident=r,
                name=r.name,
                sex=r.sex,
                birth_date=r.birth_date,
                id_number=r.id_number.reveal(),
                phone=r.phone.reveal(),
                address=_address(r.household),
                political_status=r.political_status.reveal(),
                is_party_member=r.is_party_member,
                education=self.rng.choice(EDUCATION),
                pool=self.rng.choice(pools),
                consents_to_publish_phone=self.rng.random() < 0.85,
                consent_changed_on=INTEGRATION,
                **flags,
            )
            for r in chosen
        ]
        return Person.objects.bulk_create(persons)

    # -- appointments --------------------------------------------------------------------------

    def term_end(self, start: dt.date) -> dt.date:
        """Most terms run well past today; a few end within 60 days; two have ended."""
        roll = self.rng.random()
        if roll < 0.03:
            return self.today - dt.timedelta(days=self.rng.randint(5, 60))
        if roll < 0.10:
            return self.today + dt.timedelta(days=self.rng.randint(5, 58))
        return max(start.replace(year=start.year + 5), self.today) + dt.timedelta(
            days=self.rng.randint(90, 800)
        )

    def appoint(self, person, post, start, **fields) -> Appointment:
        appointment = Appointment(
            person=person,
            post=post,
            community=self.community,
            compound=post.compound,
            start=start,
            term_end=fields.pop("term_end", self.term_end(start)),
            created_by=self.actors["jiedao"],
            profile_name=self.pinned.name,
            profile_version=self.pinned.version,
            **fields,
        )
        if (person.age_on(start) or 0) > 65 and not appointment.override_reason:
            appointment.override_reason = OVER_AGE_REASON
        self.appointments.append(appointment)
        return appointment

    def save(self) -> None:
        Appointment.objects.bulk_create(self.appointments)

    def link(self, username: str, person: Person) -> None:
        user = User.objects.filter(username=username).first()
        if user is None or Person.objects.filter(user=user).exists():
            return
        person.user = user
        person.save(update_fields=["user"])
        user.full_name = person.name  # the account and its person agree
        user.save(update_fields=["full_name"])

    # -- cases (社区 A and B) --------------------------------------------------------------------

    def cases(self, vacant: list[Post], people: list[Person]) -> int:
        """Open cases for some vacancies, each step by its own body; returns how many."""
        if self.label not in ("A", "B") or not vacant or not people:
            return 0
        worker = self.actors["shequ_a" if self.label == "A" else "shequ_b"]
        party = self.actors["dangwei_a" if self.label == "A" else "dangwei_b"]
        approver = self.actors["jiedao"]
        steps = list(self.profile.selection.steps)
        by_step = {
            "self_nomination": worker,
            "resident_nomination": worker,
            "community_recommendation": worker,
            "party_review": party,
            "subdistrict_approval": approver,
            "public_notice": worker,
        }
        channels = list(self.profile.selection.channels)
        if steps:  # 池阳: every case runs the steps; the channel records how it came forward
            # 公示 and the objection first: they must exist even in a small community.
            order = ["public_notice", "party_review", "subdistrict_approval",
                     "resident_nomination", "community_recommendation", "self_nomination"]  # fmt: skip
            ordered = sorted(steps, key=lambda s: order.index(s) if s in order else 99)
            stops = [(status, channels[i % len(channels)]) for i, status in enumerate(ordered)]
        else:  # 长春: a case starts at its channel's step, then 备案
            stops = [(CHANNEL_START[c], c) for c in channels] + [("filed", "organization")]
        if self.label == "B":
            # Fewer cases in B; 公示 and the objection are in A only.
            stops = [s for s in stops if s[0] not in ("public_notice", "party_review")][:3]
        made = 0
        for i, (status, channel) in enumerate(stops):
            if i >= len(vacant) or i >= len(people):
                break
            selection = Selection.objects.create(
                post=vacant[i],
                candidate=people[i],
                community=self.community,
                compound=vacant[i].compound,
                channel=channel,
                status=status,
                profile_name=self.profile.name,
                profile_version=self.profile.version,
                created_by=worker,
            )
            if steps:
                path = steps[: steps.index(status) + 1]
            else:
                path = [CHANNEL_START[channel], "filed"] if status == "filed" else [status]
            rows = [
                SelectionStep(
                    selection=selection,
                    from_status="",
                    to_status=path[0],
                    actor=worker,
                    outcome="发起",
                )
            ]
            rows += [
                SelectionStep(
                    selection=selection,
                    from_status=a,
                    to_status=b,
                    actor=by_step[a],
                    outcome="同意",
                )
                for a, b in itertools.pairwise(path)
            ]
            if status == "public_notice":
                end, warnings = notice_end(self.today, self.profile.notice_working_days)
                selection.notice_start, selection.notice_end = self.today, end
                selection.notice_warnings = warnings
                selection.notice_token = secrets.token_urlsafe(18)
                selection.save(
                    update_fields=["notice_start", "notice_end", "notice_warnings", "notice_token"]
                )
            if status == "party_review" and self.label == "A":
                # Sent back by an objection during an earlier 公示.
                rows += [
                    SelectionStep(
                        selection=selection,
                        from_status="party_review",
                        to_status="subdistrict_approval",
                        actor=party,
                        outcome="同意",
                    ),
                    SelectionStep(
                        selection=selection,
                        from_status="subdistrict_approval",
                        to_status="public_notice",
                        actor=approver,
                        outcome="同意",
                    ),
                    SelectionStep(
                        selection=selection,
                        from_status="public_notice",
                        to_status="party_review",
                        outcome="公示期间有异议，退回审查",
                        notes="有居民反映候选人长期不在本小区居住",
                    ),
                ]
                Objection.objects.create(
                    selection=selection,
                    raised_by="本楼居民",
                    text="有居民反映候选人长期不在本小区居住",
                    recorded_by=worker,
                )
            SelectionStep.objects.bulk_create(rows)
            made += 1
        return made


class ChiyangBuilder(CommunityBuilder):
    def build(self) -> dict:
        rng = self.rng
        posts = list(
            Post.objects.filter(community=self.community, active=True, kind="building_leader")
            .exclude(grid_code="")
            .order_by("grid_code")
        )
        rng.shuffle(posts)
        n_staffed = round(len(posts) * rng.uniform(0.85, 0.90))
        staffed, vacant = posts[:n_staffed], posts[n_staffed:]
        n_people = max(1, round(len(staffed) * 0.86))
        leaders = self.people(n_people, old=min(3, n_people // 20 + 1))
        holdings: dict[int, int] = {}
        # 调查摸底: the leaders in post before the integration, about one grid in three.
        legacy_posts = rng.sample(posts, k=len(posts) // 3)
        legacy_people = self.people(len(legacy_posts))
        kept = set()
        for post, person in zip(legacy_posts, legacy_people, strict=False):
            if post in staffed and rng.random() < 0.12 and len(kept) < 4:
                kept.add(post.pk)  # kept on by the integration: still serving
                self.appoint(person, post, LEGACY_START, is_legacy=True)
                holdings[person.pk] = 1
                continue
            self.appoint(
                person,
                post,
                LEGACY_START,
                is_legacy=True,
                status=Appointment.Status.ENDED,
                end=INTEGRATION - dt.timedelta(days=1),
                end_reason=Appointment.EndReason.ADJUSTMENT,
                end_note="优化整合",
                notice_date=INTEGRATION - dt.timedelta(days=10),
                term_end=None,
            )
        for i, post in enumerate(p for p in staffed if p.pk not in kept):
            if not leaders:
                break
            if i < len(leaders):
                person = leaders[i]
            else:  # a concurrent grid for a leader holding fewer than 3
                person = rng.choice([p for p in leaders if holdings.get(p.pk, 0) < 3] or leaders)
            held = holdings.get(person.pk, 0)
            holdings[person.pk] = held + 1
            # A few grids changed hands since: a later start for the current leader.
            start = (
                INTEGRATION
                if rng.random() < 0.85
                else INTEGRATION.replace(year=rng.randint(2022, 2025))
            )
            self.appoint(
                person,
                post,
                start,
                is_concurrent=held > 0,
                concurrent_reason=CONCURRENT_REASON if held > 0 else "",
                concurrent_consent=held > 0,
            )
        self.save()
        spare = self.people(6)
        cases = self.cases(vacant, spare)
        if self.label == "A" and holdings:
            best = max(holdings, key=lambda pk: (holdings[pk], -pk))
            self.link("loudongzhang", Person.objects.get(pk=best))
        return {
            "岗位": len(posts),
            "在任": n_staffed,
            "空缺": len(vacant),
            "兼任": sum(1 for a in self.appointments if a.is_concurrent),
            "整合前原配备": len(legacy_posts),
            "选配中": cases,
        }


class ChangchunBuilder(CommunityBuilder):
    def build(self) -> dict:
        rng = self.rng
        posts = list(Post.objects.filter(community=self.community, active=True).order_by("id"))
        heads = [p for p in posts if p.kind == "grid_head"]
        buildings = [p for p in posts if p.kind == "building_leader"]
        units = [p for p in posts if p.kind == "unit_leader"]
        # 网格长 (004 §一.2): 两委 members; when too few, another community worker (a reason).
        committee = self.people(max(1, len(heads) - 1), is_committee=True)
        workers = self.people(1, is_community_worker=True)
        for i, post in enumerate(heads):
            if i < len(committee):
                self.appoint(committee[i], post, INTEGRATION)
            else:
                self.appoint(
                    workers[0],
                    post,
                    INTEGRATION,
                    override_reason="本社区“两委”成员不足，由社区工作者担任网格长",
                )
        staffed_b = [p for p in buildings if rng.random() < 0.9]
        for post, person in zip(staffed_b, self.people(len(staffed_b)), strict=False):
            self.appoint(person, post, INTEGRATION)
        staffed_u = [p for p in units if rng.random() < 0.8]
        unit_people = self.people(len(staffed_u))
        for post, person in zip(staffed_u, unit_people, strict=False):
            self.appoint(person, post, INTEGRATION)
        self.save()
        attached = 0
        if self.profile.posts.multi_staff:
            attached = self._attach_police(heads)
        vacant = [p for p in buildings if p not in staffed_b]
        cases = self.cases(vacant, self.people(3))
        if self.label == "A":
            head = next((a.person for a in self.appointments if a.post.kind == "grid_head"), None)
            if head:
                self.link("wanggezhang", head)
            leader = next(
                (a.person for a in self.appointments if a.post.kind == "building_leader"), None
            )
            if leader:
                self.link("loudongzhang", leader)
            unit = next((a.person for a in self.appointments if a.post.kind == "unit_leader"), None)
            if unit:
                self.link("danyuanzhang", unit)
        return {
            "网格长": len(heads),
            "楼栋长": len(staffed_b),
            "单元长": len(staffed_u),
            "空缺楼栋长": len(vacant),
            "一格多员": attached,
            "选配中": cases,
        }

    def _attach_police(self, heads) -> int:
        """社区民警 attached to each grid (004 §一.1 "一格多员"), straight rows like attach_staff."""
        n = 0
        for i, head in enumerate(heads):
            post = Post.objects.create(
                community=self.community,
                kind=Post.Kind.ATTACHMENT,
                grid_code=head.grid_code,
                attachment=Post.Attachment.POLICE,
                title=f"网格 {head.grid_code[-2:]} 社区民警（南湖派出所）",
            )
            person = Person.objects.create(
                community=self.community,
                name=f"{'李王张刘陈杨'[i % 6]}警官",
                phone=f"1380431{i:04d}",
                employer="南湖派出所",
                pool=Person.Pool.OTHER,
            )
            Appointment.objects.create(
                person=person,
                post=post,
                community=self.community,
                start=INTEGRATION,
                created_by=self.actors["jiedao"],
            )
            n += 1
        return n


def _address(household) -> str:
    unit = household.unit.number if household.unit_id else ""
    return f"{household.compound.name}{household.building.number}{unit}{household.room}室"
