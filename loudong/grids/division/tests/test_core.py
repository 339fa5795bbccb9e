"""The compiled repair DP (``_core.dp``) against the Python loop it replaces (``engine._dp_py``)."""

import unittest

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loudong.grids.division import engine
from loudong.grids.division.engine import _Atom, _Cost, _dp, _dp_py
from loudong.grids.division.models import Policy, get_policy


@st.composite
def chains(draw):
    """A chain of atoms as the repair builds them: whole buildings, units of a building cut
    anyway (or needlessly: ``small``), floor ranges of one unit, from one or more compounds,
    some of them below the lower bound (``tiny``), at integer or fractional positions."""
    n = draw(st.integers(min_value=0, max_value=28))
    comps = draw(st.integers(min_value=1, max_value=4))
    tiny = [draw(st.booleans()) for _ in range(comps)]
    atoms = []
    bld = unit = 0
    for k in range(n):
        step = draw(st.sampled_from(["building", "unit", "floors"])) if k else "building"
        if step == "building":
            bld += 1
            unit += 1
        elif step == "unit":
            unit += 1
        comp = draw(st.integers(min_value=0, max_value=comps - 1))
        h = draw(st.integers(min_value=0, max_value=260))
        points = draw(
            st.lists(
                st.tuples(
                    st.floats(min_value=-3000, max_value=3000, allow_nan=False),
                    st.integers(min_value=-3000, max_value=3000),
                ),
                min_size=1,
                max_size=3,
            )
        )
        small = step != "building" and draw(st.booleans())
        parts = [(unit, 1, 6, h)]
        atoms.append(_Atom(parts, h, points, [bld], comp, k, small=small, tiny=tiny[comp]))
    return atoms


POLICIES = [
    get_policy("chiyang"),
    get_policy("changchun"),
    Policy.from_dict({"target": 80, "lower": 60, "upper": 100, "needless_split_penalty": 40}),
    Policy.from_dict(
        {"target": 50, "lower": 30, "upper": 75, "deviation_weight": 3, "compactness_weight": 1}
    ),
]


class CoreDpTestCase(unittest.TestCase):
    def test_it_is_built(self):
        """make setup compiles it (setup.py); without it the repair is ~0.13 s slower at 500k."""
        self.assertIsNotNone(engine._core)

    @settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(chains(), st.sampled_from(range(len(POLICIES))))
    def test_it_gives_the_python_loops_cost_and_cuts(self, atoms, k):
        cost = _Cost(POLICIES[k])
        want = _dp_py(atoms, cost)
        got = _dp(atoms, cost)
        self.assertEqual(got[1], want[1])
        self.assertEqual(got[0].hex(), float(want[0]).hex())  # the same double, bit for bit

    def test_it_cuts_a_chain_of_three_grids(self):
        atoms = [
            _Atom([(i, 1, 6, h)], h, [(13.0 * i, 0.0)], [i], 0, i)
            for i, h in enumerate([40, 45, 30, 50, 38, 44])
        ]
        cost = _Cost(get_policy("chiyang"))
        self.assertEqual(_dp(atoms, cost), _dp_py(atoms, cost))
        self.assertEqual(
            [sum(a.h for a in atoms[i:j]) for i, j in _dp(atoms, cost)[1]], [85, 80, 82]
        )
