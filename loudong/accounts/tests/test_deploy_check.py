import os
import subprocess
import sys
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


class DeployCheckTestCase(unittest.TestCase):
    def test_it_passes_check_deploy_with_production_settings(self):
        env = {
            "PATH": os.environ.get("PATH", ""),
            "DEBUG": "0",
            "SECRET_KEY": "k" * 20 + "Production-secret-key-for-the-check-0123456789",
            "LOUDONG_DATA_KEY": "p1:" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODk=",
            "LOUDONG_INDEX_KEY": "index-key-for-the-check",
            "ALLOWED_HOSTS": "loudong.example.org",
            "SECURE_SSL_REDIRECT": "1",
            "SECURE_HSTS_SECONDS": "31536000",
            "DATABASE_URL": "sqlite:///:memory:",
            "LOUDONG_VAR_DIR": str(ROOT / "var" / "deploy-check"),
        }
        result = subprocess.run(
            [sys.executable, "-m", "loudong", "check", "--deploy", "--fail-level", "WARNING"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("no issues", result.stdout)
