import unittest

from loudong.lib.masking import mask_id_number, mask_phone
from loudong.lib.phones import PhoneError, normalize_phone


class PhoneTestCase(unittest.TestCase):
    def test_it_normalises_what_sheets_contain(self):
        cases = {
            "13912345678": "13912345678",
            "+86 139 1234 5678": "13912345678",
            "+8613912345678": "13912345678",
            "139-1234-5678": "13912345678",
            "１３９１２３４５６７８": "13912345678",
            "139１２３４５６７８": "13912345678",  # half typed in full width
            "0566-1234567": "0566-1234567",
            "05661234567": "0566-1234567",
            "(0566)1234567": "0566-1234567",
            "010-12345678": "010-12345678",
            "0566-1234567-801": "0566-1234567-801",
            "": "",
            "  ": "",
        }
        for raw, expected in cases.items():
            self.assertEqual(normalize_phone(raw), expected, raw)

    def test_it_rejects_non_phones(self):
        # digits of another script (Arabic-Indic) are not a number a dialler or a search takes
        for raw in ("1234", "23912345678", "139123456789", "abc", "0566-12", "١٣٩١٢٣٤٥٦٧٨"):
            with self.assertRaises(PhoneError, msg=raw):
                normalize_phone(raw)

    def test_it_refuses_service_numbers_as_a_residents_phone(self):
        for raw in ("12345", "110", "95588", "95105555", "4008123123", "8008208820", "96110"):
            with self.assertRaisesRegex(PhoneError, "服务热线", msg=raw):
                normalize_phone(raw)

    def test_it_masks(self):
        self.assertEqual(mask_phone("13912345678"), "139****5678")
        self.assertEqual(mask_phone("0566-1234567"), "056****4567")
        self.assertEqual(mask_id_number("34170219580302123X"), "341***********123X")
