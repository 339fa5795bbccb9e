import io

from openpyxl import load_workbook

from loudong.accounts.models import AuditEvent
from loudong.grids.tests.helpers import GridTestCase


class ExportTestCase(GridTestCase):
    def test_it_exports_the_grid_list_and_audits(self):
        division = self.freeze(self.propose())
        r = self.client.get(f"/grids/divisions/{division.pk}/export.xlsx")
        self.assertEqual(r.status_code, 200)
        sheet = load_workbook(io.BytesIO(r.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        self.assertEqual(rows[0][:3], ("网格编码", "社区", "户数"))
        self.assertEqual(len(rows), 5)
        self.assertEqual(
            {row[0] for row in rows[1:]}, set(division.grids.values_list("code", flat=True))
        )
        event = AuditEvent.objects.get(action="grids.division.export")
        self.assertEqual(event.actor, self.shequ_a)
        self.assertEqual(event.new["rows"], 4)

    def test_it_refuses_roles_without_export(self):
        division = self.propose()
        self.login(self.leader)
        r = self.client.get(f"/grids/divisions/{division.pk}/export.xlsx")
        self.assertEqual(r.status_code, 403)
        self.assertFalse(AuditEvent.objects.filter(action="grids.division.export").exists())

    def test_it_hides_other_communities(self):
        division = self.propose()
        self.login(self.shequ_b)
        r = self.client.get(f"/grids/divisions/{division.pk}/export.xlsx")
        self.assertEqual(r.status_code, 404)
