"""Built-in profiles, the schema's Chinese messages, and the model's versioning rule."""

import copy

from loudong.policy.models import PolicyProfile
from loudong.policy.profile import ProfileMissing, profile_at
from loudong.policy.schema import leaf_paths, read_builtin, validate_profile
from loudong.test import BaseTestCase


def _broken(change):
    data = read_builtin("chiyang")
    change(data)
    return validate_profile(data)


class BuiltinProfilesTestCase(BaseTestCase):
    def test_it_loads_both_profiles_as_version_1(self):
        for name in ("chiyang", "changchun"):
            profile = PolicyProfile.current(name)
            self.assertEqual(profile.version, 1)
            self.assertIsNone(profile.created_by)
            self.assertEqual(profile.data, read_builtin(name))
            self.assertEqual(validate_profile(profile.data), [])
            self.assertEqual(profile_at(name, 1).data, profile.data)

    def test_it_has_the_numbers_of_the_seeds(self):
        chiyang = PolicyProfile.current("chiyang").data
        self.assertEqual(
            [chiyang["division"][k] for k in ("target", "lower", "upper")], [80, 60, 100]
        )
        self.assertEqual(chiyang["concurrency"]["max_grids"], 5)
        self.assertEqual(chiyang["eligibility"]["max_age"], 65)
        self.assertTrue(chiyang["eligibility"]["max_age_is_soft"])
        self.assertEqual(chiyang["public_notice"]["working_days"], 5)
        self.assertEqual(
            [
                chiyang["subsidy"][k]
                for k in ("per_grid_monthly", "paid_monthly", "year_end_accrued")
            ],
            ["300.00", "200.00", "100.00"],
        )
        self.assertEqual(
            [g["factor"] for g in chiyang["evaluation"]["grades"]], ["1.00", "0.50", "0.00"]
        )
        self.assertIn("division.lower", chiyang["defaults"])
        changchun = PolicyProfile.current("changchun").data
        self.assertEqual(
            [changchun["division"][k] for k in ("lower", "target", "upper")], [400, 550, 700]
        )
        self.assertEqual(changchun["concurrency"]["max_grids"], 1)
        self.assertEqual(changchun["selection"]["steps"], [])
        self.assertEqual(changchun["filing"]["to"], "community_party_org")
        self.assertTrue(changchun["rotation"]["unit_leader_monthly"])
        self.assertIn("division.target", changchun["defaults"])

    def test_it_marks_only_real_parameters_as_defaults_or_sources(self):
        for name in ("chiyang", "changchun"):
            data = read_builtin(name)
            self.assertLessEqual(set(data["defaults"]) | set(data["sources"]), set(leaf_paths()))

    def test_it_never_edits_a_saved_version(self):
        profile = PolicyProfile.current("chiyang")
        profile.note = "改写"
        with self.assertRaises(ValueError):
            profile.save()

    def test_it_answers_none_for_an_unknown_profile(self):
        self.assertIsNone(PolicyProfile.current("shanghai"))
        with self.assertRaises(ProfileMissing):
            profile_at("chiyang", 99)


class SchemaMessagesTestCase(BaseTestCase):
    """Every rule answers in Chinese, naming the field path."""

    CASES = [
        (lambda d: d["division"].update(lower=120), "division.lower：必须小于 division.upper"),
        (lambda d: d["division"].update(target=50), "division.target：不能小于 division.lower"),
        (lambda d: d["division"].update(target=150), "division.target：不能大于 division.upper"),
        (lambda d: d["division"].update(target="80"), "division.target：必须是整数"),
        (lambda d: d["division"].update(lower=0), "division.lower：不能小于 1"),
        (lambda d: d["division"].update(upper=9000), "division.upper：不能大于 5000"),
        (
            lambda d: d["division"].update(cross_community=True),
            "division.cross_community：网格不得跨社区",
        ),
        (
            lambda d: d["division"].update(cross_compound="sometimes"),
            "division.cross_compound：只能是以下之一",
        ),
        (
            lambda d: d["division"].update(allow_building_split=False),
            "division.allow_building_split：必须与 division.split_building 一致",
        ),
        (
            lambda d: d["division"].update(weight_by_structure=True, structure_weights={}),
            "division.structure_weights：启用按居民结构加权时",
        ),
        (
            lambda d: d["division"]["structure_weights"].update(floating=0),
            "division.structure_weights.floating：必须大于 0",
        ),
        (
            lambda d: d["grid_code"].update(object_code="12345"),
            "grid_code.object_code：必须是 6 位数字",
        ),
        (lambda d: d["posts"].pop("grid_head"), "posts：缺少必填项 grid_head"),
        (lambda d: d["posts"].update(colour="red"), "posts：不认识的参数 colour"),
        (lambda d: d.pop("insurance"), "（整个方案）：缺少必填项 insurance"),
        (
            lambda d: d["concurrency"].update(max_grids=1),
            "concurrency.takeover_requires：每人最多 1 个网格时",
        ),
        (
            lambda d: d["concurrency"].update(takeover_requires=["reason", "reason"]),
            "concurrency.takeover_requires：不能有重复项",
        ),
        (
            lambda d: d["eligibility"].update(max_age=None),
            "eligibility.max_age_is_soft：未设年龄上限",
        ),
        (lambda d: d["eligibility"].update(max_age=12), "eligibility.max_age：不能小于 18"),
        (
            lambda d: d["eligibility"].update(preferred_pools=["aliens"]),
            "eligibility.preferred_pools[0]：只能是以下之一",
        ),
        (
            lambda d: d["selection"].update(steps=[], channels=[]),
            "selection：选配步骤（steps）和选配渠道（channels）至少要设一项",
        ),
        (lambda d: d["selection"]["steps"].reverse(), "selection.steps：顺序必须是"),
        (
            lambda d: d["public_notice"].update(working_days=0),
            "public_notice.working_days：选配步骤含“楼栋公示”时公示期至少 1 个工作日",
        ),
        (
            lambda d: d["public_notice"].update(working_days=31),
            "public_notice.working_days：不能大于 30",
        ),
        (lambda d: d["filing"].update(to="mayor"), "filing.to：只能是以下之一"),
        (
            lambda d: d["subsidy"].update(paid_monthly=200),
            'subsidy.paid_monthly：必须是带引号的金额文字（如 "300.00"），不能用数字',
        ),
        (
            lambda d: d["subsidy"].update(paid_monthly="200.005"),
            "subsidy.paid_monthly：必须是以元为单位、最多两位小数的金额",
        ),
        (
            lambda d: d["subsidy"].update(paid_monthly="250.00"),
            "subsidy.per_grid_monthly：必须等于按月发放与年终发放之和",
        ),
        (lambda d: d["subsidy"].update(currency="USD"), "subsidy.currency：币种只能是 CNY"),
        (
            lambda d: d["subsidy"]["allowances"].update(meal=15),
            "subsidy.allowances.meal：必须是带引号的金额文字",
        ),
        (
            lambda d: d["evaluation"]["grades"][1].update(factor="1.5"),
            "evaluation.grades[1].factor：必须是 0 到 1 之间",
        ),
        (
            lambda d: d["evaluation"]["grades"][1].update(code="satisfied"),
            "evaluation.grades[1].code：等次代码“satisfied”重复",
        ),
        (
            lambda d: d["evaluation"]["grades"][2].update(label=""),
            "evaluation.grades[2].label：不能为空",
        ),
        (lambda d: d["evaluation"].update(grades=[]), "evaluation.grades：至少要有 1 项"),
        (
            lambda d: d["evaluation"].update(
                awards=[{"code": "a", "label": "甲"}, {"code": "a", "label": "乙"}]
            ),
            "evaluation.awards[1].code：表彰代码“a”重复",
        ),
        (
            lambda d: d["evaluation"].update(awards=[{"code": "Best!", "label": "甲"}]),
            "evaluation.awards[0].code：格式不正确",
        ),
        (lambda d: d["insurance"].update(accident="yes"), "insurance.accident：必须是是/否"),
        (
            lambda d: d["rotation"].update(unit_leader_monthly=True),
            "rotation.unit_leader_monthly：未设单元长",
        ),
        (
            lambda d: d["rotation"].update(handover_required=True),
            "rotation.handover_required：不轮值",
        ),
        (
            lambda d: d["proration"].update(rounding="cents"),
            "proration.rounding：只能是以下之一：fen（四舍五入到分）、jiao（四舍五入到角）",
        ),
        (lambda d: d.update(defaults=["division.colour"]), "defaults[0]：没有参数 division.colour"),
        (lambda d: d.update(title=""), "title：不能为空"),
    ]

    def test_it_names_the_field_of_every_rule_in_chinese(self):
        for change, expected in self.CASES:
            errors = _broken(change)
            self.assertTrue(
                any(e.startswith(expected) for e in errors), f"{expected!r} not in {errors!r}"
            )

    def test_it_accepts_a_profile_for_changchun_with_channels_only(self):
        data = copy.deepcopy(read_builtin("changchun"))
        self.assertEqual(validate_profile(data), [])
        data["public_notice"]["working_days"] = 3
        self.assertEqual(
            validate_profile(data),
            ["public_notice.working_days：选配步骤不含“楼栋公示”时应为 0"],
        )

    def test_it_refuses_something_that_is_not_an_object(self):
        self.assertEqual(validate_profile([1]), ["（整个方案）：必须是 JSON 对象（{…}）"])
