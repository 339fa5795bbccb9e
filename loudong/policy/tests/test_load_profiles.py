"""``loudong load_profiles``: a new version only when the file changed; says what it did."""

from io import StringIO
from unittest import mock

from django.core.management import call_command

from loudong.accounts.models import AuditEvent
from loudong.policy.actions import create_profile_version
from loudong.policy.models import PolicyProfile
from loudong.policy.schema import read_builtin
from loudong.test import BaseTestCase


def run(*args):
    out = StringIO()
    call_command("load_profiles", *args, stdout=out)
    return out.getvalue()


def changed_file(name):
    data = read_builtin(name)
    if name == "chiyang":
        data["division"]["upper"] = 105
    return data


class LoadProfilesTestCase(BaseTestCase):
    def test_it_does_nothing_when_the_files_match(self):
        self.assertEqual(
            run(),
            "changchun：与当前第 1 版相同，未改动\nchiyang：与当前第 1 版相同，未改动\n",
        )
        self.assertEqual(PolicyProfile.objects.count(), 2)

    def test_it_adds_a_version_once_when_a_file_changed(self):
        with mock.patch(
            "loudong.policy.management.commands.load_profiles.read_builtin", changed_file
        ):
            self.assertIn("chiyang：已新建第 2 版（1 项参数有变化）", run())
            self.assertIn("chiyang：与当前第 2 版相同，未改动", run())
        profile = PolicyProfile.current("chiyang")
        self.assertIsNone(profile.created_by)
        self.assertEqual(profile.data["division"]["upper"], 105)
        self.assertEqual(PolicyProfile.objects.filter(name="changchun").count(), 1)
        event = AuditEvent.objects.get(action="policy.version")
        self.assertEqual(event.actor_username, "load_profiles")

    def test_it_keeps_an_edit_made_on_the_website(self):
        data = read_builtin("chiyang")
        data["division"]["upper"] = 110
        create_profile_version(name="chiyang", data=data, note="网页修改", acting_user=self.jiedao)
        self.assertIn("当前第 2 版是网页上修改的，保留不动", run("chiyang"))
        self.assertEqual(PolicyProfile.current("chiyang").version, 2)
        self.assertIn("chiyang：已新建第 3 版", run("chiyang", "--force"))
        self.assertEqual(PolicyProfile.current("chiyang").data, read_builtin("chiyang"))
