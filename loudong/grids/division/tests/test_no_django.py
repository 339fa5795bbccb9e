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
        proc = _python(code)
        self.assertEqual(proc.returncode, 0, proc.stderr)

    def test_it_divides_without_loading_django(self):
        code = (
            "import sys\n"
            "from loudong.grids.division import Unit, divide\n"
            "d = divide([Unit('A', 'B', '1栋', '1单元', 80, 6, 0.0, 0.0)], 'chiyang')\n"
            "assert len(d.grids) == 1\n"
            "assert 'django' not in sys.modules\n"
        )
        proc = _python(code)
        self.assertEqual(proc.returncode, 0, proc.stderr)

    def test_it_loads_only_the_qhull_module_of_scipy(self):
        """geometry.qhull: scipy.spatial's and scipy.linalg's __init__ (~0.2 s of CPU) never run
        for a division, and a later plain import still works and gives the same class."""
        code = (
            "import sys\n"
            "from loudong.grids.division import Unit, divide\n"
            "from loudong.grids.division.geometry import qhull\n"
            "units = [Unit('A', 'B', f'{i}栋', '1单元', 30, 6, 20.0 * (i % 3), 25.0 * (i // 3))\n"
            "         for i in range(9)]\n"
            "d = divide(units, 'chiyang')\n"
            "assert d.metrics['contiguous_pct'] == 100.0\n"
            "assert 'scipy.spatial._qhull' in sys.modules\n"
            "assert 'scipy.spatial' not in sys.modules and 'scipy.linalg' not in sys.modules\n"
            "import scipy.spatial, scipy.linalg\n"
            "assert scipy.spatial.Delaunay is qhull()[0]\n"
            "assert scipy.spatial.QhullError is qhull()[1]\n"
            "assert scipy.spatial.cKDTree([[0, 0], [1, 1]]).query([0.9, 0.9])[1] == 1\n"
            "from scipy.linalg import cython_lapack\n"
            "assert scipy.linalg.solve([[2.0]], [4.0])[0] == 2.0\n"
        )
        proc = _python(code)
        self.assertEqual(proc.returncode, 0, proc.stderr)

    def test_it_divides_without_numpy_or_scipy(self):
        """With the C module the site graphs are triangulated in C (``_core.strict_delaunay``)
        and the batched DP is C: dividing without metrics (the CLI without --report), with two
        forked workers too, loads neither."""
        code = (
            "import sys\n"
            "from loudong.grids.division import cases, divide, geometry\n"
            "assert geometry._core is not None, 'the C module is not built'\n"
            "units = cases.citygen_units(30_000, 3)\n"
            "assert len({u.community for u in units}) > 1\n"
            "for workers in (1, 2):\n"
            "    d = divide(units, 'chiyang', workers=workers, with_metrics=False)\n"
            "    assert d.grids\n"
            "loaded = [m for m in sys.modules if m.split('.')[0] in ('numpy', 'scipy')]\n"
            "assert not loaded, loaded[:5]\n"
        )
        proc = _python(code)
        self.assertEqual(proc.returncode, 0, proc.stderr)

    def test_it_falls_back_to_the_plain_scipy_import(self):
        code = (
            "import sys\n"
            "import scipy.spatial\n"
            "from loudong.grids.division import geometry\n"
            "assert geometry._lean_qhull() is None  # scipy.spatial already loaded\n"
            "assert geometry.qhull()[0] is scipy.spatial.Delaunay\n"
        )
        proc = _python(code)
        self.assertEqual(proc.returncode, 0, proc.stderr)


def _python(code: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter from the checkout, with no Django settings around."""
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        cwd=_root(),
    )


def _root():
    from pathlib import Path

    return str(Path(__file__).resolve().parents[4])
