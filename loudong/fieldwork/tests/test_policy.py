"""The ``fieldwork`` section of both profiles, typed, and its cross-field rules."""

from loudong.policy.profile import profile_at
from loudong.policy.schema import read_builtin, validate_profile
from loudong.test import BaseTestCase


def _errors(change, name="chiyang"):
    data = read_builtin(name)
    change(data["fieldwork"])
    return validate_profile(data)


class FieldworkProfileTestCase(BaseTestCase):
    def test_it_reads_the_ladders_of_both_seeds(self):
        chiyang = profile_at("chiyang", 1).fieldwork
        self.assertEqual(chiyang.ladder, ("building_leader", "community", "subdistrict"))
        self.assertEqual(chiyang.urgent_levels, ("community", "subdistrict"))
        self.assertEqual(chiyang.above("building_leader"), "community")
        self.assertIsNone(chiyang.above("subdistrict"))
        self.assertEqual(chiyang.top, "subdistrict")
        changchun = profile_at("changchun", 1).fieldwork
        self.assertEqual(
            changchun.ladder,
            (
                "unit_leader",
                "building_leader",
                "grid_head",
                "party_branch",
                "community",
                "subdistrict",
            ),
        )
        self.assertEqual(changchun.below("party_branch"), "grid_head")

    def test_it_has_the_visit_quota_and_limits_as_defaults(self):
        data = read_builtin("chiyang")
        fw = profile_at("chiyang", 1).fieldwork
        self.assertEqual((fw.visit_period, fw.visits_per_period), ("quarter", 1))
        self.assertIn("fieldwork.visit_period", data["defaults"])
        self.assertIn("fieldwork.time_limits", data["defaults"])
        self.assertIn(
            "矛盾纠纷、安全隐患、疫情灾情防控、物业管理", data["sources"]["fieldwork.categories"]
        )

    def test_time_limits_take_the_category_override_then_the_level(self):
        fw = profile_at("chiyang", 1).fieldwork
        self.assertEqual(fw.time_limit("community", "dispute_neighbour", "dispute"), 3)
        self.assertEqual(fw.time_limit("community", "safety_gas", "safety"), 1)
        self.assertEqual(fw.time_limit("building_leader", "safety_gas", "safety"), 0)

    def test_categories_are_a_two_level_tree_with_the_seed_names(self):
        fw = profile_at("chiyang", 1).fieldwork
        tops = [c.label for c in fw.categories if c.parent is None]
        self.assertEqual(
            tops,
            [
                "矛盾纠纷",
                "安全隐患",
                "疫情灾情防控",
                "物业管理",
                "环境卫生",
                "居民诉求/意见建议",
                "舆情动态",
            ],
        )
        labels = {c.label for c in fw.categories if c.parent == "safety"}
        self.assertLessEqual({"消防", "燃气", "电动车充电", "高空坠物"}, labels)
        self.assertIn(
            "request_culture", {c.code for c in profile_at("changchun", 1).fieldwork.categories}
        )

    def test_it_names_the_field_of_each_broken_rule(self):
        cases = [
            (
                lambda f: f.update(ladder=["community", "building_leader", "subdistrict"]),
                "fieldwork.ladder：顺序必须是",
            ),
            (
                lambda f: f.update(ladder=["building_leader", "subdistrict"]),
                "fieldwork.ladder：必须包括“社区”",
            ),
            (
                lambda f: f.update(urgent_levels=["grid_head"]),
                "fieldwork.urgent_levels[0]：“grid_head”不在上报层级",
            ),
            (
                lambda f: f["time_limits"].pop("community"),
                "fieldwork.time_limits：缺少以下层级的时限 community",
            ),
            (
                lambda f: f["time_limits"].update(grid_head=1),
                "fieldwork.time_limits：以下层级不在上报层级中 grid_head",
            ),
            (
                lambda f: f["categories"][1]["children"].append(
                    {"code": "dispute", "label": "重复"}
                ),
                "类别代码“dispute”重复",
            ),
            (
                lambda f: f["category_time_limits"].update(weather={"community": 1}),
                "fieldwork.category_time_limits.weather：没有这个事件类别",
            ),
            (
                lambda f: f["canned_replies"].update(safety_gas=["好"]),
                "fieldwork.canned_replies.safety_gas：没有这个事件大类",
            ),
            (lambda f: f.update(visit_period="weekly"), "fieldwork.visit_period：只能是以下之一"),
            (lambda f: f.update(report_due_day=31), "fieldwork.report_due_day：不能大于 28"),
        ]
        for change, expected in cases:
            errors = _errors(change)
            self.assertTrue(any(expected in e for e in errors), f"{expected!r} not in {errors!r}")

    def test_both_builtin_profiles_are_valid(self):
        for name in ("chiyang", "changchun"):
            self.assertEqual(validate_profile(read_builtin(name)), [])
