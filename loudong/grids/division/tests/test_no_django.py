import subprocess
import sys
import unittest


class NoDjangoTestCase(unittest.TestCase):
    def test_it_imports_without_loading_django(self):
        """STYLE.md item 9: the algorithm stays Django-free (and starts fast: no scipy on import)."""
        code = (
            "import sys\n"
            "import loudong.grids.division, loudong.grids.division.engine\n"
            "import loudong.grids.division.cli, loudong.grids.division.metrics\n"
            "import loudong.grids.division.bench, loudong.lib.citygen\n"
            "bad = [m for m in sys.modules if m == 'django' or m.startswith('django.')]\n"
            "assert not bad, bad\n"
            "assert 'scipy' not in sys.modules\n"
        )
        env = {"PATH": "/usr/bin:/bin"}
        proc = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=_root()
        )
        self.assertEqual(proc.returncode, 0, proc.stderr)

    def test_it_divides_without_loading_django(self):
        code = (
            "import sys\n"
            "from loudong.grids.division import Unit, divide\n"
            "d = divide([Unit('A', 'B', '1栋', '1单元', 80, 6, 0.0, 0.0)], 'chiyang')\n"
            "assert len(d.grids) == 1\n"
            "assert 'django' not in sys.modules\n"
        )
        proc = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env={"PATH": "/usr/bin:/bin"},
            cwd=_root(),
        )
        self.assertEqual(proc.returncode, 0, proc.stderr)


def _root():
    from pathlib import Path

    return str(Path(__file__).resolve().parents[4])
