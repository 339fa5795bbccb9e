"""A small 社区 A for the evaluation and payroll tests (payroll's tests use it too).

社区 A has a frozen division of five grids (roster's helper: five occupied households each) and
a 楼栋长 post per grid: 王建国 holds grid 01 (the cast's ``loudongzhang`` is his account), 刘芳
grids 02–04 (兼任), 赵敏 grid 05. 社区 B has one grid and 李海. Nobody is appointed yet:
each test appoints and signs what it needs.
"""

import datetime as dt

from loudong.documents.actions import draw_up_agreement
from loudong.documents.models import Agreement
from loudong.roster.models import Appointment, Person
from loudong.roster.tests.helpers import OBJECT_CODE, make_division, make_person, make_post
from loudong.test import BaseTestCase


def appoint(person, post, start, end=None, **fields) -> Appointment:
    appointment = Appointment.objects.create(
        person=person,
        post=post,
        community=post.community,
        compound=post.compound,
        start=start,
        end=end,
        status="ended" if end else "active",
        end_reason="resignation" if end else "",
        **fields,
    )
    return appointment


def sign(appointment, on: dt.date, user) -> Agreement:
    """The agreement drawn up and in force from ``on`` (both signatures that day)."""
    if not appointment.is_active:
        Appointment.objects.filter(pk=appointment.pk).update(status="active")
        appointment.status = "active"
        agreement = draw_up_agreement(appointment=appointment, acting_user=user)
        Appointment.objects.filter(pk=appointment.pk).update(status="ended")
    else:
        agreement = draw_up_agreement(appointment=appointment, acting_user=user)
    Agreement.objects.filter(pk=agreement.pk).update(
        status=Agreement.Status.SIGNED, signed_by_a_on=on, signed_by_b_on=on, effective_on=on
    )
    return Agreement.objects.get(pk=agreement.pk)


class MoneyTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        make_division(cls.community_a, cls.compound_a, cls.jiedao, n=5)
        make_division(cls.community_b, cls.compound_b, cls.jiedao, n=1)
        cls.posts = [
            make_post(cls.community_a, f"{OBJECT_CODE}{cls.community_a.code}{i:02d}")
            for i in range(1, 6)
        ]
        for post in cls.posts:
            post.compound = cls.compound_a
            post.save(update_fields=["compound"])
        cls.post_b = make_post(cls.community_b, f"{OBJECT_CODE}{cls.community_b.code}01")
        cls.wang = make_person(cls.community_a, "王建国", compound=cls.compound_a, user=cls.leader)
        cls.liu = make_person(cls.community_a, "刘芳", compound=cls.compound_a)
        cls.zhao = make_person(cls.community_a, "赵敏", compound=cls.compound_a)
        cls.li = make_person(cls.community_b, "李海", compound=cls.compound_b)

    def login(self, user):
        if user in (self.xitong, self.anquan, self.shenji):
            return self.login_admin(user)
        return super().login(user)

    def staff(self, start=dt.date(2025, 1, 1), signed=True):
        """The usual cast in post from ``start``: 王 grid 01, 刘 grids 02–04, 赵 grid 05."""
        out = {
            "wang": appoint(self.wang, self.posts[0], start),
            "liu": [
                appoint(
                    self.liu,
                    post,
                    start,
                    is_concurrent=i > 0,
                    concurrent_reason="配备难" if i else "",
                    concurrent_consent=i > 0,
                )
                for i, post in enumerate(self.posts[1:4])
            ],
            "zhao": appoint(self.zhao, self.posts[4], start),
        }
        if signed:
            for a in [out["wang"], *out["liu"], out["zhao"]]:
                sign(a, start, self.jiedao)
        return out


__all__ = ["MoneyTestCase", "Person", "appoint", "sign"]


def patch_work(*, return_value=None, side_effect=None):
    """Stand in for field work's figures: ``return_value`` for every appointment, or
    ``side_effect(appointment, start, end)`` for each (the batched contract underneath)."""
    from unittest import mock

    def batched(appointments, start, end):
        return {
            a.pk: side_effect(a, start, end) if side_effect else return_value for a in appointments
        }

    return mock.patch("loudong.evaluation.results.work_figures_for", side_effect=batched)
