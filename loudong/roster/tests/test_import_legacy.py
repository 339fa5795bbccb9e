import tempfile

from django.core.management import CommandError, call_command

from loudong.roster.models import Appointment
from loudong.roster.tests.helpers import RosterTestCase
from loudong.test import make_id


class ImportLegacyTestCase(RosterTestCase):
    def run_csv(self, text, *args):
        with tempfile.NamedTemporaryFile(
            "w", suffix=".csv", delete=False, encoding="utf-8"
        ) as handle:
            handle.write(text)
        call_command("import_legacy_leaders", handle.name, *args)

    def test_it_imports_legacy_leaders_idempotently(self):
        header = "社区代码,网格编码,姓名,身份证号,联系电话,任职日期,离任日期\n"
        row = f"{self.community_a.code},{self.code_a1},老楼长,{make_id()},13900001111,2017-03-01,2021-09-08\n"
        self.run_csv(header + row)
        a = Appointment.objects.get()
        self.assertTrue(a.is_legacy)
        self.assertEqual(a.status, "ended")
        self.run_csv(header + row)
        self.assertEqual(Appointment.objects.count(), 1)

    def test_it_lists_bad_rows_and_writes_nothing(self):
        header = "社区代码,网格编码,姓名,身份证号,联系电话,任职日期\n"
        rows = (
            f"{self.community_a.code},{self.code_a1},甲,{make_id()},,2017-03-01\n"
            f"{self.community_a.code},{self.code_a1},乙,123,,2017-03-01\n"
        )
        with self.assertRaisesMessage(CommandError, "第3行"):
            self.run_csv(header + rows)
        self.assertFalse(Appointment.objects.exists())
