"""小区党支部 and 交叉任职 (seed 004 §一.3): members, branch meetings with attendance, the
compliance view and its profile switch, the ladder's 小区党支部 level, /api/v1/party-branches."""

import datetime as dt

from loudong.community import branches as actions
from loudong.community.models import BranchMember, Meeting, PartyBranch, PartyOrgSeat
from loudong.community.tests.life import LifeTestCase, flip
from loudong.fieldwork.hooks import party_branch_members
from loudong.fieldwork.ladder import Place, holder

TODAY = dt.date(2026, 11, 10)


class BranchTestCase(LifeTestCase):
    def make_branch(self):
        self.login(self.shequ_a)
        r = self.client.post(
            f"/community/branches/new/?community={self.community_a.pk}",
            {"name": "翠微小区党支部", "compounds": [self.compound_a.pk], "founded": "2021-07-01"},
        )
        self.assertEqual(r.status_code, 302)
        return PartyBranch.objects.get()

    def test_it_records_a_branch_with_secretary_and_a_cross_appointed_leader(self):
        branch = self.make_branch()
        self.person.is_party_member = True
        self.person.save()
        for person, role in ((self.head, "secretary"), (self.person, "committee")):
            r = self.client.post(
                f"/community/branches/{branch.pk}/members/new/",
                {"person": person.pk, "role": role, "since": "2026-01-01"},
            )
            self.assertEqual(r.status_code, 302)
        self.assertEqual(branch.current_members().count(), 2)
        page = self.client.get(branch.get_absolute_url())
        self.assertContains(page, "刘网格")

    def test_a_non_party_member_cannot_be_on_the_committee(self):
        branch = self.make_branch()
        r = self.client.post(
            f"/community/branches/{branch.pk}/members/new/",
            {"person": self.unit_person.pk, "role": "committee", "since": "2026-01-01"},
            follow=True,
        )
        self.assertContains(r, "不是党员")
        self.assertFalse(BranchMember.objects.exists())

    def test_a_branch_meeting_invites_members_and_records_attendance(self):
        branch = self.make_branch()
        actions.set_member(
            branch=branch, person=self.head, role="secretary", since=TODAY, acting_user=self.shequ_a
        )
        r = self.client.post(
            f"/community/branches/{branch.pk}/meetings/new/",
            {"title": "支部委员会议", "starts": "2026-11-20T15:00"},
        )
        self.assertEqual(r.status_code, 302)
        meeting = Meeting.objects.get()
        self.assertEqual((meeting.kind, meeting.branch), ("branch", branch))
        invitee = meeting.invitees.get(person=self.head)
        self.client.post(
            f"/community/meetings/{meeting.pk}/attendance/", {f"att-{invitee.pk}": "present"}
        )
        page = self.client.get(branch.get_absolute_url())
        self.assertContains(page, "出席 1/1")

    def test_compliance_lists_party_member_leaders_not_cross_appointed(self):
        r = self.client_get_compliance()
        self.assertEqual([row["person"] for row in r.context["missing"]], [self.head])
        PartyOrgSeat.objects.create(
            community=self.community_a, person=self.head, kind="part_time", since=TODAY
        )
        self.assertEqual(self.client_get_compliance().context["missing"], [])

    def test_the_cross_appointment_switch_turns_the_requirement_off(self):
        flip("changchun", "eligibility.cross_appoint_party_branch", False, self.jiedao)
        r = self.client_get_compliance()
        self.assertFalse(r.context["required"])
        self.assertEqual(r.context["missing"], [])
        self.assertEqual(len(r.context["rows"]), 1)

    def client_get_compliance(self):
        self.login(self.shequ_a)
        return self.client.get(f"/community/branches/compliance/?community={self.community_a.pk}")

    def test_the_branch_committee_holds_the_ladders_party_branch_level(self):
        place = Place(community_id=self.community_a.pk, building_id=self.b1.pk)
        before = holder(place, "party_branch")
        self.assertIn(self.shequ_a.pk, before.user_ids)  # workers act until a branch exists
        branch = self.make_branch()
        actions.set_member(
            branch=branch, person=self.head, role="secretary", since=TODAY, acting_user=self.shequ_a
        )
        self.assertEqual(party_branch_members(place), {self.head_user.pk})
        self.assertEqual(holder(place, "party_branch").user_ids, frozenset({self.head_user.pk}))

    def test_refusals(self):
        branch = self.make_branch()
        for user, status in ((self.leader, 404), (self.shequ_b, 404), (self.minzheng, 404)):
            self.login(user)
            self.assertEqual(self.client.get(branch.get_absolute_url()).status_code, status)
            r = self.client.post(
                f"/community/branches/{branch.pk}/members/new/",
                {"person": self.head.pk, "role": "member", "since": "2026-01-01"},
            )
            self.assertEqual(r.status_code, status)
        self.assertFalse(BranchMember.objects.exists())

    def test_a_compound_belongs_to_one_branch(self):
        self.make_branch()
        r = self.client.post(
            f"/community/branches/new/?community={self.community_a.pk}",
            {"name": "第二支部", "compounds": [self.compound_a.pk]},
            follow=True,
        )
        self.assertContains(r, "已由“翠微小区党支部”负责")
        self.assertEqual(PartyBranch.objects.count(), 1)

    def test_api_lists_branches_in_scope(self):
        branch = self.make_branch()
        actions.set_member(
            branch=branch, person=self.head, role="secretary", since=TODAY, acting_user=self.shequ_a
        )
        body = self.client.get("/api/v1/party-branches").json()
        self.assertEqual(body["count"], 1)
        self.assertEqual(body["items"][0]["members"][0]["role"], "secretary")
        for user in (self.shequ_b, self.leader, self.minzheng):
            self.login(user)
            self.assertEqual(self.client.get("/api/v1/party-branches").json()["count"], 0)
