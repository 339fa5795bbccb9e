"""A 长春 community for the 三长 mechanisms' tests (issue 14, community branch).

On top of the field-work fixture (社区 A: 翠微小区 1号楼 grid …01 held by ``leader`` 陈德明,
2号楼 grid …02 by ``leader2`` 王建国; 社区 B), under the ``changchun`` profile: ``head`` is
the 网格长 of grid …01 (user ``wanggezhang``, person 刘网格, a party member), ``unit`` the
单元长 of 1号楼's unit (``danyuanzhang``, 赵单元).
"""

import datetime as dt

from django.test import override_settings

from loudong.accounts.roles import Role
from loudong.fieldwork.tests.helpers import FieldworkTestCase
from loudong.policy.actions import create_profile_version
from loudong.policy.models import PolicyProfile
from loudong.roster.models import Post
from loudong.roster.tests.helpers import make_appointment, make_person
from loudong.test import make_user


def flip(name: str, path: str, value, acting_user):
    """A new version of profile ``name`` with ``path`` (dotted) set to ``value``."""
    current = PolicyProfile.current(name)
    data = dict(current.data)
    data = __import__("copy").deepcopy(data)
    node = data
    *parents, last = path.split(".")
    for key in parents:
        node = node[key]
    node[last] = value
    return create_profile_version(
        name=name, data=data, note=f"测试：{path}", acting_user=acting_user
    )


@override_settings(LOUDONG_POLICY="changchun")
class LifeTestCase(FieldworkTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.head_user = make_user("wanggezhang", Role.GRID_HEAD, cls.community_a)
        cls.head = make_person(cls.community_a, "刘网格", user=cls.head_user, is_party_member=True)
        cls.head_post = Post.objects.create(
            community=cls.community_a,
            compound=cls.compound_a,
            kind=Post.Kind.GRID_HEAD,
            grid_code=cls.code_a1,
            title="翠微小区网格长（网格 01）",
        )
        make_appointment(cls.head, cls.head_post, start=dt.date(2022, 1, 1))
        cls.unit_user = make_user("danyuanzhang", Role.UNIT_LEADER, cls.community_a)
        cls.unit_person = make_person(cls.community_a, "赵单元", user=cls.unit_user)
        cls.unit_a = cls.homes[0].unit
        cls.unit_post = Post.objects.create(
            community=cls.community_a,
            compound=cls.compound_a,
            building=cls.b1,
            unit=cls.unit_a,
            kind=Post.Kind.UNIT_LEADER,
            title="翠微小区1号楼1单元单元长",
        )
        make_appointment(cls.unit_person, cls.unit_post, start=dt.date(2022, 1, 1))
