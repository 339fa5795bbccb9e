"""The compiled loops (``_core``) against the Python functions they replace, on random inputs."""

import dataclasses
import unittest

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loudong.grids.division import engine
from loudong.grids.division.engine import (
    _Atom,
    _batched_dp,
    _batched_dp_py,
    _Community,
    _connected_sets,
    _connected_sets_py,
    _Cost,
    _dp,
    _dp_py,
    _Run,
    _State,
)
from loudong.grids.division.models import Piece, Policy, Unit, get_policy


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


@st.composite
def graphs(draw, max_n=24):
    """Symmetric adjacency lists (sorted, no self-loops) of ``n`` vertices."""
    n = draw(st.integers(min_value=1, max_value=max_n))
    edges = draw(
        st.sets(
            st.tuples(
                st.integers(min_value=0, max_value=n - 1), st.integers(min_value=0, max_value=n - 1)
            ),
            max_size=3 * n,
        )
    )
    adj = [set() for _ in range(n)]
    for a, b in edges:
        if a != b:
            adj[a].add(b)
            adj[b].add(a)
    return [sorted(a) for a in adj]


class _Sites:
    """What ``_Community.connected`` reads: the site of each building and the site graph."""

    def __init__(self, site, sadj):
        self.site, self.sadj = site, sadj


class CoreGraphTestCase(unittest.TestCase):
    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(graphs(max_n=40), st.data())
    def test_connected_answers_as_the_python_search(self, sadj, data):
        n = len(sadj)
        site = data.draw(st.lists(st.integers(min_value=0, max_value=n - 1), max_size=60))
        blds = data.draw(st.sets(st.integers(min_value=0, max_value=max(0, len(site) - 1))))
        blds = {b for b in blds if b < len(site)}
        ctx = _Sites(site, sadj)
        want = _Community.connected_py(ctx, blds)
        self.assertIs(_Community.connected(ctx, blds), want)
        self.assertIs(_Community.connected(ctx, sorted(blds)), want)

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(graphs(), st.data())
    def test_connected_sets_are_the_python_enumeration(self, nbr, data):
        n = len(nbr)
        hs = data.draw(st.lists(st.integers(min_value=0, max_value=120), min_size=n, max_size=n))
        v = data.draw(st.integers(min_value=0, max_value=n - 1))
        taken = data.draw(st.integers(min_value=0, max_value=(1 << n) - 1)) & ~(1 << v)
        hi = data.draw(st.integers(min_value=0, max_value=400))
        self.assertEqual(
            _connected_sets(v, taken, nbr, hs, hi), _connected_sets_py(v, taken, nbr, hs, hi)
        )

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(chains(), st.sampled_from(range(len(POLICIES))))
    def test_a_grids_cost_is_the_python_cost(self, atoms, k):
        if not atoms:
            with self.assertRaises(IndexError):
                _Cost(POLICIES[k]).atoms(atoms)
            return
        cost = _Cost(POLICIES[k])
        self.assertEqual(cost.atoms(atoms).hex(), float(cost.atoms_py(atoms)).hex())

    def test_connected_sets_stop_as_the_python_enumeration_does(self):
        """Past MAX_SETS sets each pending branch still adds its one set, then stops."""
        n = 12
        nbr = [[j for j in range(n) if j != i] for i in range(n)]
        hs = [1] * n
        got = _connected_sets(0, 0, nbr, hs, 1000)
        self.assertGreater(len(got), engine.MAX_SETS + 1)
        self.assertEqual(got, _connected_sets_py(0, 0, nbr, hs, 1000))


class CoreChainTestCase(unittest.TestCase):
    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(chains(), min_size=2, max_size=3), st.data())
    def test_it_chains_grids_as_the_python_loops(self, grids, data):
        grids = [g for g in grids if g]
        if len(grids) < 2:
            return
        ids = data.draw(st.permutations(range(10, 10 + len(grids))))
        state = _ChainState(dict(zip(ids, grids, strict=True)))
        gs = list(ids)
        self.assertEqual(_State._chain(state, gs), _State._chain_py(state, gs))

    def test_it_breaks_ties_as_the_python_loops(self):
        """Grids of one atom each: both ways through a grid tie, and so do some chains."""
        grids = {
            g: [_Atom([(g, 1, 6, 50)], 50, [xy], [g], 0, g)]
            for g, xy in zip(range(3), [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0)], strict=True)
        }
        state = _ChainState(grids)
        for gs in ([0, 1], [1, 0], [0, 1, 2], [2, 0, 1], [1, 2, 0]):
            self.assertEqual(_State._chain(state, gs), _State._chain_py(state, gs))


class _ChainState:
    """What ``_State._chain`` reads: the grids' atoms by id."""

    def __init__(self, grids):
        self.grids = grids

    def _chain_py(self, gs):
        return _State._chain_py(self, gs)


class CoreBatchedDpTestCase(unittest.TestCase):
    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(chains(), max_size=6), st.sampled_from(range(len(POLICIES))), st.data())
    def test_it_gives_numpys_costs_and_cuts(self, seqs, k, data):
        """Runs of atoms (``_Run``, as the exact core passes them) included."""
        glued = []
        for seq in seqs:
            out = []
            i = 0
            while i < len(seq):
                w = data.draw(st.integers(min_value=1, max_value=3))
                run = seq[i : i + w]
                out.append(run[0] if len(run) == 1 else _Run(run, sum(a.h for a in run)))
                i += w
            glued.append(out)
        cost = _Cost(POLICIES[k])
        got = _batched_dp(glued, cost)
        want = _batched_dp_py(glued, cost)
        self.assertEqual([segs for _c, segs in got], [segs for _c, segs in want])
        self.assertEqual([c.hex() for c, _s in got], [float(c).hex() for c, _s in want])


class CoreBuildTestCase(unittest.TestCase):
    def test_it_builds_the_pieces_the_dataclass_would(self):
        units = [
            Unit("社区A", "小区", f"{i}栋", "1单元", 12 * i, 6 + i, 0.0, 0.0) for i in range(5)
        ]
        rows = [(i, 1, 6 + i, 12 * i, f"社区A-G{i:03d}") for i in (4, 0, 2, 2)]
        got = engine._pieces(units, rows)
        want = [Piece(*units[i].key, *rest) for i, *rest in rows]
        self.assertEqual(got, want)
        self.assertEqual([hash(p) for p in got], [hash(p) for p in want])
        self.assertTrue(all(type(p) is Piece for p in got))
        with self.assertRaises(dataclasses.FrozenInstanceError):
            got[0].grid = "x"
        self.assertEqual(engine._pieces(units, []), [])
        with self.assertRaises(IndexError):
            engine._pieces(units, [(5, 1, 6, 12, "G")])


class CorePitchTestCase(unittest.TestCase):
    def test_it_gives_every_compounds_threshold_as_python(self):
        from loudong.grids.division.cases import at_compound_point
        from loudong.grids.division.tests.helpers import make_city_units

        city = make_city_units(6000, seed=5)
        for units in (city, at_compound_point(city)):
            by_comm = {}
            for u in sorted(units, key=engine._unit_sort_key):
                by_comm.setdefault(u.community, []).append(u)
            for name, us in by_comm.items():
                ctx = _Community(name, us, get_policy("chiyang"))
                for c in range(len(ctx.compounds)):
                    want = engine._pitch_py(ctx, c)
                    ctx.comp_pitch.clear()
                    self.assertEqual(engine._pitch(ctx, c).hex(), want.hex())
                    ctx.comp_pitch.clear()
                for blds in (list(range(len(ctx.bld_xy))), list(range(0, len(ctx.bld_xy), 3))):
                    self.assertEqual(
                        engine._group_pitch(ctx, blds).hex(),
                        engine._group_pitch_py(ctx, blds).hex(),
                    )


class CoreStrictDelaunayTestCase(unittest.TestCase):
    def test_it_keeps_the_edges_numpy_keeps(self):
        """After qhull: random points, perfect lattices (co-circular everywhere) and lattices off
        by 1e-7 m (test_delaunay.py compares the C triangulation's graph with this one)."""
        import random

        import numpy as np

        from loudong.grids.division import geometry

        delaunay, qhull_error = geometry.qhull()
        rng = random.Random(7)
        checked = 0
        for trial in range(240):
            n = rng.randint(3, 250)
            if trial % 3 == 0:
                pts = {(rng.uniform(0, 500), rng.uniform(0, 500)) for _ in range(n)}
            elif trial % 3 == 1:
                pts = {(rng.randint(0, 20) * 13.0, rng.randint(0, 20) * 30.0) for _ in range(n)}
            else:
                pts = {
                    (rng.randint(0, 20) * 13 + rng.choice([0.0, 1e-7]), rng.randint(0, 20) * 30.0)
                    for _ in range(n)
                }
            pts = sorted(pts)
            if len(pts) < 3:
                continue
            arr = np.asarray(pts, dtype=float)
            arr = arr - arr.mean(axis=0)
            try:
                tri = delaunay(arr)
            except qhull_error:
                continue
            want = geometry._strict_adjacency_py(arr, tri, len(pts))
            self.assertEqual(geometry._strict_delaunay_qhull(pts), want)
            checked += 1
        self.assertGreater(checked, 200)


_COORDS = {"cx", "cy", "minx", "maxx", "miny", "maxy"}


def _atom_fields(a):
    """Every slot; coordinates as the exact double (the C atom holds floats where Python's
    min() of integer positions keeps an int: the same number)."""
    return tuple(
        (k, float(getattr(a, k)).hex() if k in _COORDS else getattr(a, k)) for k in _Atom.__slots__
    )


class CoreBuildingAtomTestCase(unittest.TestCase):
    def test_it_makes_every_buildings_atoms_as_python(self):
        """Whole buildings, buildings with some floors or units taken (kept grids), buildings
        above the upper bound (cut in Python), both policies, positions as read and shared."""
        import random

        from loudong.grids.division.cases import at_compound_point, towers
        from loudong.grids.division.tests.helpers import make_city_units

        rng = random.Random(3)
        city = make_city_units(5000, seed=8)
        for ctx, us, full in _communities((city, at_compound_point(city), towers())):
            part = dict(full)
            for i in rng.sample(range(len(us)), len(us) // 4):
                u = us[i]
                if rng.random() < 0.3:
                    del part[i]
                elif u.floors > 1:
                    part[i] = [(2, u.floors, max(0, u.households - 2))]
            for portions in (full, part):
                for b in range(len(ctx.bld_xy)):
                    got = engine._building_atoms(ctx, b, portions, 7 + b)
                    want = engine._building_atoms_py(ctx, b, portions, 7 + b)
                    self.assertEqual(
                        [_atom_fields(a) for a in got], [_atom_fields(a) for a in want]
                    )
                    self.assertTrue(all(type(a) is _Atom for a in got))


class CoreRunTestCase(unittest.TestCase):
    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(chains())
    def test_a_run_is_the_python_run(self, atoms):
        if not atoms:
            return
        h = sum(a.h for a in atoms)
        got, want = engine._new_run(atoms, h), _Run(atoms, h)
        for k in _Run.__slots__:
            self.assertIs(type(getattr(got, k)), type(getattr(want, k)), k)
            self.assertEqual(getattr(got, k), getattr(want, k), k)
        self.assertIs(got.run, atoms)


def _glued_fields(a):
    if type(a) is _Run:
        return ("run", [_atom_fields(x) for x in a.run], a.h, a.first, a.last, a.minx, a.maxy)
    return _atom_fields(a)


class CoreAtomsForTestCase(unittest.TestCase):
    def test_it_glues_every_compounds_atoms_as_python(self):
        """Whole compounds in building order and in reverse, villas (runs glued) and towers,
        both policies; the cache is filled the same way."""
        from loudong.grids.division.cases import towers, villa_field
        from loudong.grids.division.tests.helpers import make_city_units

        runs = 0
        for ctx, _us, full in _communities(
            (make_city_units(5000, seed=5), villa_field()[:1500], towers())
        ):
            small = max(1.0, ctx.policy.target / 8.0)
            for blds in ctx.comp_blds:
                for order in (blds, blds[::-1]):
                    c1, c2 = {}, {}
                    got = engine._atoms_for(ctx, order, full, 100, c1)
                    want = engine._atoms_for_py(ctx, order, full, 100, c2, small)
                    self.assertEqual(
                        [_glued_fields(a) for a in got], [_glued_fields(a) for a in want]
                    )
                    self.assertEqual(sorted(c1), sorted(c2))
                    runs += sum(type(a) is _Run for a in got)
        self.assertGreater(runs, 10)


class CoreCommunityIndexTestCase(unittest.TestCase):
    def test_it_indexes_every_community_as_python(self):
        """Buildings and compounds in order of first appearance, households, centres (the
        exact doubles; integer positions stay Python's int arithmetic), positions missing."""
        from loudong.grids.division.cases import missing_positions
        from loudong.grids.division.tests.helpers import make_city_units

        city = make_city_units(4000, seed=6)
        ints = [dataclasses.replace(u, x=round(u.x), y=round(u.y)) for u in city[:300]]
        fields = ("compounds", "bld_names", "bld_units", "bld_comp", "unit_bld", "bld_h")
        for units in (city, missing_positions(city), ints):
            by_comm = {}
            for u in units:  # unsorted: the order of first appearance matters
                by_comm.setdefault(u.community, []).append(u)
            for name, us in by_comm.items():
                ctx = _Community(name, us, get_policy("chiyang"))
                got = {k: getattr(ctx, k) for k in (*fields, "bld_xy")}
                ctx._index_py()
                for k in fields:
                    self.assertEqual(got[k], getattr(ctx, k), k)
                self.assertEqual(
                    [(type(x), float(x).hex(), float(y).hex()) for x, y in got["bld_xy"]],
                    [(type(x), float(x).hex(), float(y).hex()) for x, y in ctx.bld_xy],
                )


class CoreGridRowsTestCase(unittest.TestCase):
    @settings(max_examples=300, deadline=None)
    @given(
        st.lists(
            st.lists(
                st.tuples(
                    st.integers(0, 5), st.integers(1, 6), st.integers(0, 4), st.integers(0, 9)
                ).map(lambda t: (t[0], t[1], t[1] + t[2], t[3])),
                min_size=1,
                max_size=6,
            ),
            max_size=5,
        )
    )
    def test_it_emits_a_grids_rows_as_python(self, parts_of_atoms):
        import types

        atoms = [types.SimpleNamespace(parts=ps) for ps in parts_of_atoms]
        got, want = [], []
        self.assertTrue(engine._core.grid_rows(atoms, "G-1", got))
        engine._grid_rows_py(atoms, "G-1", want)
        self.assertEqual(got, want)

    def test_it_declines_parts_that_are_not_ints(self):
        import types

        out = []
        atoms = [types.SimpleNamespace(parts=[(0, 1.0, 2, 3)])]
        self.assertFalse(engine._core.grid_rows(atoms, "G-1", out))
        self.assertEqual(out, [])


class CoreGluedTestCase(unittest.TestCase):
    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(chains())
    def test_a_glued_atom_is_the_python_atom(self, atoms):
        if not atoms:
            return
        got, want = engine._glued(atoms), engine._glued_py(atoms)
        self.assertIs(type(got), _Atom)
        for k in _Atom.__slots__:
            self.assertIs(type(getattr(got, k)), type(getattr(want, k)), k)
        self.assertEqual(_atom_fields(got), _atom_fields(want))
        self.assertEqual(
            [float(getattr(got, k)).hex() for k in ("cx", "cy")],
            [float(getattr(want, k)).hex() for k in ("cx", "cy")],
        )


def _communities(unit_sets):
    """(community, its units, every unit whole) for each community of each set, both policies."""
    for units in unit_sets:
        by_comm = {}
        for u in sorted(units, key=engine._unit_sort_key):
            by_comm.setdefault(u.community, []).append(u)
        for policy in ("chiyang", "changchun"):
            for name, us in by_comm.items():
                ctx = _Community(name, us, get_policy(policy))
                yield ctx, us, {i: [(1, u.floors, u.households)] for i, u in enumerate(us)}


class _SearchCtx(_Sites):
    """What ``_State._search`` reads of a community: the site graph (and a building count)."""

    def __init__(self, site, sadj):
        super().__init__(site, sadj)
        self.bld_xy = [(0.0, 0.0)] * len(site)


def _groups_as_indices(groups, atoms):
    if groups is None:
        return None
    where = {id(a): k for k, a in enumerate(atoms)}
    return [[where[id(a)] for a in grp] for grp in groups]


def _draw_sites(atoms, data):
    """A site for each building of ``atoms`` and a site graph, drawn."""
    nb = max(b for a in atoms for b in a.blds) + 1
    ns = data.draw(st.integers(min_value=1, max_value=nb))
    site = data.draw(st.lists(st.integers(0, ns - 1), min_size=nb, max_size=nb))
    sadj = data.draw(graphs(max_n=ns).filter(lambda g: len(g) == ns)) if ns > 1 else [[]]
    return site, sadj


class CoreExactSearchTestCase(unittest.TestCase):
    """``_core.exact_search`` against ``_State._search_py``: the same partition (or none), the
    same step limit, the same ties, costs bit for bit (through the groups chosen)."""

    def _assert_same(self, state, atoms, max_nodes):
        got = state._search(atoms, max_nodes)
        want = state._search_py(atoms, max_nodes)
        self.assertEqual(_groups_as_indices(got, atoms), _groups_as_indices(want, atoms))
        return want

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(chains(), st.sampled_from(range(len(POLICIES))), st.data())
    def test_it_partitions_as_the_python_search(self, atoms, k, data):
        if not atoms:
            return
        site, sadj = _draw_sites(atoms, data)
        state = _State(_SearchCtx(site, sadj), _Cost(POLICIES[k]))
        max_nodes = data.draw(st.sampled_from([1, 3, 20, 300, 5000]))
        self._assert_same(state, atoms, max_nodes)

    def test_it_partitions_every_compound_as_the_python_search(self):
        """Every compound of a small city, exploded as exact_compounds does, at the engine's
        step limit and at limits that stop the search part-way."""
        from loudong.grids.division.tests.helpers import make_city_units

        found = none = 0
        for ctx, _us, full in _communities([make_city_units(3000, seed=4)]):
            state = _State(ctx, _Cost(ctx.policy))
            for c, blds in enumerate(ctx.comp_blds):
                seq = engine._atoms_for(ctx, blds, full, c * 1000, {})
                atoms = engine._explode(ctx, [a.atom() if type(a) is _Run else a for a in seq])
                for part in (atoms[:30], atoms[:7], atoms[3:12]):
                    if not part:
                        continue
                    for max_nodes in (5, engine.EXACT_NODES):
                        if self._assert_same(state, part, max_nodes) is None:
                            none += 1
                        else:
                            found += 1
        self.assertGreater(found, 15)
        self.assertGreater(none, 30)

    def test_an_atom_of_very_many_sites_goes_to_the_python_search(self):
        """Past 128 sites around one atom the C search declines (False) and the original runs."""
        n = 300
        sadj = [[j for j in (i - 1, i + 1) if 0 <= j < n] for i in range(n)]
        ctx = _SearchCtx(list(range(n)), sadj)
        big = _Atom([(0, 1, 6, 70)], 70, [(0.0, 0.0)], list(range(200)), 0, 0)
        small = _Atom([(1, 1, 6, 20)], 20, [(5.0, 0.0)], [200], 0, 1)
        state = _State(ctx, _Cost(get_policy("chiyang")))
        c = state.cost
        args = (ctx.site, ctx.sadj, c.lo, c.hi, c.t, c.dev, c.comp, c.cross, c.cross_tiny)
        self.assertIs(
            engine._core.exact_search([big, small], *args, engine.BIG, 300, engine.MAX_SETS), False
        )
        got = self._assert_same(state, [big, small], 300)
        self.assertEqual(_groups_as_indices(got, [big, small]), [[0, 1]])


class _RecutCtx(_SearchCtx):
    connected = _Community.connected_py


class CoreRecutTestCase(unittest.TestCase):
    """``_core.recut`` against ``_State._recut_py``: the same groups (or None when one is not
    contiguous), their cost bit for bit, the groups holding each building, the crossings."""

    @settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(chains(), st.sampled_from(range(len(POLICIES))), st.data())
    def test_it_recuts_as_the_python_loops(self, atoms, k, data):
        if not atoms:
            return
        site, sadj = _draw_sites(atoms, data)
        state = _State(_RecutCtx(site, sadj), _Cost(POLICIES[k]))
        want = state._recut_py(atoms)
        got = engine._core.recut(atoms, *state.cost.dp_args, site, sadj)
        if want is None:
            self.assertIsNone(got)
            return
        segs, cost, inside, multi = got
        self.assertEqual(_groups_as_indices([atoms[i:j] for i, j in segs], atoms),
                         _groups_as_indices(want[0], atoms))  # fmt: skip
        self.assertEqual(cost.hex(), float(want[1]).hex())
        self.assertEqual(inside, want[2])
        self.assertEqual(multi, want[3])

    def test_a_building_cut_between_groups_counts_in_each(self):
        """Units of 70 and 30 households of one building and a 50-household neighbour in
        another compound: 70 | 80, the building in both groups, the second spanning two
        compounds; with the two sites not linked the re-cut is None."""
        a = _Atom([(0, 1, 6, 70)], 70, [(0.0, 0.0)], [0], 0, 0)
        b = _Atom([(1, 1, 6, 30)], 30, [(10.0, 0.0)], [0], 0, 1)
        c = _Atom([(2, 1, 6, 50)], 50, [(20.0, 0.0)], [1], 1, 2)
        state = _State(_RecutCtx([0, 1], [[1], [0]]), _Cost(get_policy("chiyang")))
        segs, _cost, inside, multi = engine._core.recut([a, b, c], *state.cost.dp_args,
                                                        [0, 1], [[1], [0]])  # fmt: skip
        self.assertEqual(segs, [(0, 1), (1, 3)])
        self.assertEqual(inside, {0: 2, 1: 1})
        self.assertEqual(multi, 1)
        self.assertIsNone(engine._core.recut([a, b, c], *state.cost.dp_args, [0, 1], [[], []]))
