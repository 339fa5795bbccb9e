import csv
import io
import tempfile
from pathlib import Path

from django.core.management import call_command

from loudong.lib.idnumber import validate_id_number
from loudong.territory.importer import TEMPLATE_HEADERS
from loudong.territory.models import Household, Region, Resident
from loudong.test import BaseTestCase


class GenerateCityTestCase(BaseTestCase):
    def test_it_writes_a_registry_the_importer_accepts(self):
        from python_calamine import CalamineWorkbook

        with tempfile.TemporaryDirectory() as out:
            call_command(
                "generate_city",
                "--households",
                "400",
                "--seed",
                "3",
                "--out",
                out,
                stdout=io.StringIO(),
            )
            files = sorted(p.name for p in Path(out).iterdir())
            self.assertEqual(files, ["registry.xlsx", "units.csv"])
            book = CalamineWorkbook.from_path(str(Path(out) / "registry.xlsx"))
            self.assertEqual(book.sheet_names, ["居民登记", "楼栋"])
            rows = book.get_sheet_by_index(0).to_python()
            self.assertEqual(rows[0], ["街道", *TEMPLATE_HEADERS])
            people = [r for r in rows[1:] if r[7]]
            for row in people[:200]:
                self.assertEqual(validate_id_number(row[9]), row[9])
                self.assertIn(row[9][:6], {"341702", "341721", "341722", "341723"})
            with open(Path(out) / "units.csv", encoding="utf-8") as fh:
                units = list(csv.DictReader(fh))
            self.assertEqual(sum(int(u["households"]) for u in units), 400)
            out_text = io.StringIO()
            call_command(
                "import_registry",
                str(Path(out) / "registry.xlsx"),
                "--create-regions",
                stdout=out_text,
            )
        self.assertEqual(Household.objects.filter(occupied=True).count(), 400)
        self.assertEqual(Resident.objects.count(), len(people))
        community = Region.objects.get(level="community", name=units[0]["community"])
        self.assertEqual(community.parent, self.subdistrict)
