"""policy.profile: the one reader of the rules in force, by place and day, and pinned versions."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from loudong.policy.actions import create_profile_version
from loudong.policy.profile import ProfileMissing, memoised, profile_at, profile_for
from loudong.policy.schema import read_builtin
from loudong.test import BaseTestCase


def edited(name="chiyang", **changes):
    data = read_builtin(name)
    for dotted, value in changes.items():
        section, key = dotted.split("__")
        data[section][key] = value
    return data


class ProfileForTestCase(BaseTestCase):
    def test_it_reads_the_subdistricts_profile_as_typed_sections(self):
        profile = profile_for(self.community_a)
        self.assertEqual((profile.name, profile.version), ("chiyang", 1))
        self.assertEqual(profile.concurrency.max_grids, 5)
        self.assertEqual(profile.eligibility.max_age, 65)
        self.assertEqual(profile.subsidy.per_grid_monthly, profile.subsidy.paid_monthly * 3 / 2)
        self.assertEqual(profile.duties[0].label, "政策宣传员")
        self.assertEqual(profile.campaign.deadline, dt.date(2021, 9, 8))
        self.assertEqual(profile.posts.grid_post_kind, "building_leader")

    def test_it_follows_the_subdistricts_own_profile_name(self):
        self.subdistrict.policy_name = "changchun"
        self.subdistrict.save()
        self.assertEqual(profile_for(self.compound_a).name, "changchun")
        self.assertEqual(profile_for(self.community_a).posts.grid_post_kind, "grid_head")
        self.assertIsNone(profile_for(self.community_a).campaign)

    @override_settings(LOUDONG_POLICY="changchun")
    def test_it_falls_back_to_the_deployments_profile(self):
        self.assertEqual(profile_for(self.community_a).name, "changchun")
        self.assertEqual(profile_for(None).name, "changchun")

    def test_it_picks_the_version_in_force_on_a_day(self):
        today = timezone.localdate()
        later = today + dt.timedelta(days=30)
        create_profile_version(
            name="chiyang",
            data=edited(concurrency__max_grids=4),
            note="下月起兼任上限 4 个",
            acting_user=self.jiedao,
            effective_from=later,
        )
        self.assertEqual(profile_for(self.community_a, on=today).concurrency.max_grids, 5)
        self.assertEqual(profile_for(self.community_a, on=later).concurrency.max_grids, 4)
        self.assertEqual(profile_at("chiyang", 1).concurrency.max_grids, 5)
        # Before the first version's day, the first version answers.
        self.assertEqual(profile_for(self.community_a, on=dt.date(2005, 1, 1)).version, 1)

    def test_it_refuses_a_version_in_force_from_the_past(self):
        with self.assertRaises(ValidationError):
            create_profile_version(
                name="chiyang",
                data=edited(concurrency__max_grids=4),
                note="倒签",
                acting_user=self.jiedao,
                effective_from=timezone.localdate() - dt.timedelta(days=1),
            )

    def test_it_raises_for_a_missing_profile_instead_of_defaulting(self):
        self.subdistrict.policy_name = "shanghai"
        self.subdistrict.save()
        with self.assertRaises(ProfileMissing):
            profile_for(self.community_a)
        with self.assertRaises(ProfileMissing):
            profile_at("chiyang", 42)


class MemoTestCase(BaseTestCase):
    def test_a_read_only_block_looks_each_profile_up_once(self):
        with memoised():
            with self.assertNumQueries(2):  # the 街道 above the community, the version in force
                first = profile_for(self.community_a)
            with self.assertNumQueries(0):
                self.assertIs(profile_for(self.community_a), first)
                self.assertIs(profile_for(self.community_a, on=timezone.localdate()), first)
            with self.assertNumQueries(1):  # a pinned version is its own lookup
                pinned = profile_at("chiyang", 1)
                self.assertIs(profile_at("chiyang", 1), pinned)
        with self.assertNumQueries(2):  # outside the block: every call asks again
            profile_for(self.community_a)

    def test_a_get_is_memoised_and_a_post_is_not(self):
        from django.http import HttpResponse
        from django.test import RequestFactory

        from loudong.policy.middleware import ProfileMemoMiddleware

        def view(request):
            profile_for(self.community_a)
            profile_for(self.community_a)
            return HttpResponse()

        middleware = ProfileMemoMiddleware(view)
        with self.assertNumQueries(2):
            middleware(RequestFactory().get("/"))
        with self.assertNumQueries(4):
            middleware(RequestFactory().post("/"))


class NoPrivateDefaultsTestCase(BaseTestCase):
    """No module keeps its own copy of the rules (STYLE.md item 17)."""

    def test_no_app_reads_profile_rows_or_guards_imports(self):
        from pathlib import Path

        root = Path(__file__).resolve().parents[2]
        offenders = []
        for path in root.rglob("*.py"):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            rel = path.relative_to(root).as_posix()
            if rel.startswith("policy/"):
                continue
            if "PolicyProfile" in text:
                offenders.append(f"{rel}: reads PolicyProfile rows")
            if "except ImportError" in text and not rel.startswith("grids/division/"):
                offenders.append(f"{rel}: except ImportError")
            if "LOUDONG_POLICY" in text and rel != "settings.py":
                offenders.append(f"{rel}: reads LOUDONG_POLICY")
        self.assertEqual(offenders, [])
