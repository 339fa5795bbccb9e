"""Grid division: split a 街道's units (单元) into grids (网格) of about ``policy.target`` households.

Seed 000 §三.1: "实行街道-社区-小区-楼栋四级治理网格，按实际居民居住户数每 80 户左右划分一个网格".
So a grid never crosses a 社区, keeps 小区 (compounds) whole and together where it can, and counts
actually resident households. PRODUCT.md "Decisions": the indivisible piece is a 单元, except that a
unit above the upper bound may be cut into floor ranges, and a building that fits in one grid is
never split ("needless split").

Algorithm, per community:

0. *Sites and groups.* Units without a position are placed by building, then compound, then
   community (``geometry.place_missing``); buildings whose centres coincide share a *site*,
   adjacent to each other and to the site's neighbours; the site graph keeps the Delaunay
   edges that are in every triangulation (co-circular diagonals dropped). Compounds below the
   lower bound that touch each other form one group, divided together however many compounds
   it holds (a 小区 is crossed "when it must"; a 社区 never).
1. *Atoms.* A building whose households fit under the upper bound is one atom (so it is never
   split). A larger building contributes its units (if the policy allows splitting buildings),
   and a unit above the upper bound contributes floor ranges (if allowed), households spread
   evenly over floors. Runs of tiny atoms (villas) are glued into pseudo-atoms of ≥ target/8.
2. *Exact core.* Each compound (or group) is ordered as four serpentines (boustrophedon by
   rows or by columns, starting either way) and, when a grid holds many small buildings, two
   sweeps of square-making bands (villa fields); a group of compounds is walked compound by
   compound. A dynamic programme chooses the cut points along each order that
   minimise Σ cost(grid), cost = 1000 per grid outside the band (plus the distance to it) ≫
   squared deviation from the target + compactness (1 − Polsby–Popper of the buffered bounding
   box) + a small cost per cut inside a building. All orders of all compounds are solved in one
   batched DP (C; numpy without the C module); the cheapest order wins per compound.
3. *Contiguity.* A grid whose buildings are not connected in the site graph is split into its
   connected parts (every grid is then contiguous).
4. *Repair.* Single-atom moves and swaps across grid boundaries first (cheap); then each grid
   still outside the band is re-partitioned together with one or two neighbouring grids: the
   union is ordered as a chain of the grids, re-cut by the same DP with a penalty per extra
   compound, and the best candidate whose grids are all contiguous replaces the old grids if it
   lowers the total cost; then moves again. Needless splits (cutting a building that fits in
   one grid into its units) and crossings between compounds that could stand alone are only
   spent from street-wide budgets, shared out in rounds in proportion to the grids each
   community still has out of range (``_allocate``). A failed repair is not retried until
   something around the grid or its budgets changed.
5. *Stability.* Given the previous division, grids that do not touch a changed compound are
   kept verbatim; only the changed compounds are re-divided, and the repair may pull in at most
   one kept neighbouring grid. New grids inherit the id of the old grid they overlap most.

Pure Python and the C module ``_core`` (numpy/scipy only without it); no Django. Communities
are independent, so inputs above 1M households use two forked workers (see README.md for
measurements and where the time goes).
"""

from __future__ import annotations

import dataclasses
import gc
import math
import os
import signal
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable
from operator import itemgetter

from .geometry import components, place_missing, qhull, site_graph
from .models import Division, Grid, Piece, Policy, Unit, get_policy, natural_key

try:  # compiled by make setup (setup.py); the division tests check that it is there
    from . import _core
except ImportError:  # pragma: no cover - no C compiler where it was installed
    _core = None

BIG = 1000.0  # cost of one grid outside the band: dominates every other term
PARALLEL_ABOVE = 1_000_000  # households; above, two forked workers (wall time; CPU +8-22 %)
MAX_PAIRS = 6  # repair candidates per out-of-range grid (nearest first)
MAX_TRIPLES = 6
MAX_SETS = 100  # connected sets enumerated per step of the exact search
CHAIN_DEPTH = 5  # grids an ejection chain passes atoms through (``_State.chains``)
CHAIN_WIDTH = 400  # open chains per step
EXACT_ATOMS = 24  # compounds of at most this many atoms get the exact search
EXACT_NODES = 3000  # search steps per compound (the search runs in C)
LOCAL_SIZES = (2, 3, 4, 6, 8)  # nearest neighbouring grids exact_local re-partitions a grid with
LOCAL_RING = 6  # grids of the next ring it tries, one at a time, when a grid has
LOCAL_RING_BELOW = 4  # fewer neighbours than this
CUT_UNIT = 2.0  # a big building divided between grids at a unit boundary
CUT_FLOOR = 3.0  # a unit divided between grids at a floor boundary
INF = float("inf")
_PI = math.pi


class DivisionError(ValueError):
    """Invalid input for a division (duplicate unit, negative households, …); message in Chinese."""


# --------------------------------------------------------------------------------------------
# atoms


class _Atom:
    """A piece the DP never cuts: whole building, unit, or floor range (or a run of tiny ones)."""

    __slots__ = (
        "blds",
        "comp",
        "cx",
        "cy",
        "first",
        "h",
        "last",
        "maxx",
        "maxy",
        "minx",
        "miny",
        "parts",
        "rank",
        "small",
        "tiny",
    )

    def __init__(self, parts, h, pts, blds, comp, rank, small=False, tiny=False):
        self.tiny = tiny  # its compound is smaller than the lower bound: it must join another
        self.small = small  # a unit of a building that fits in one grid (cutting it is needless)
        self.parts = parts  # list of (unit index, floor_from, floor_to, households)
        self.h = h
        if len(pts) == 1:  # most atoms: one building's or one unit's point
            x, y = pts[0]
            self.minx = self.maxx = self.cx = x / 1
            self.miny = self.maxy = self.cy = y / 1
        else:
            xs = [p[0] for p in pts]
            ys = [p[1] for p in pts]
            self.minx, self.maxx, self.miny, self.maxy = min(xs), max(xs), min(ys), max(ys)
            self.cx = sum(xs) / len(xs)
            self.cy = sum(ys) / len(ys)
        self.blds = blds  # building indices, in order
        self.comp = comp
        self.first = (blds[0], parts[0][0])
        self.last = (blds[-1], parts[-1][0])
        self.rank = rank

    def copy(self) -> _Atom:
        new = _Atom.__new__(_Atom)
        new.blds, new.comp, new.cx, new.cy = self.blds, self.comp, self.cx, self.cy
        new.first, new.h, new.last, new.parts = self.first, self.h, self.last, self.parts
        new.maxx, new.maxy, new.minx, new.miny = self.maxx, self.maxy, self.minx, self.miny
        new.rank, new.small, new.tiny = self.rank, self.small, self.tiny
        return new


def _cut_cost(a: _Atom, b: _Atom, needless: float = INF) -> float:
    if a.last[1] == b.first[1]:
        return CUT_FLOOR
    if a.last[0] == b.first[0]:
        return needless if a.small else CUT_UNIT
    return 0.0


def _floor_households(ff: int, ft: int, h: int) -> list[int]:
    """Households of each floor ff..ft when ``h`` are spread evenly (lower floors take the rest)."""
    n = ft - ff + 1
    q, r = divmod(h, n)
    return [q + (1 if i < r else 0) for i in range(n)]


# --------------------------------------------------------------------------------------------
# cost


class _Cost:
    def __init__(self, policy: Policy):
        self.t = float(policy.target)
        self.lo = policy.lower
        self.hi = policy.upper
        self.dev = policy.deviation_weight
        self.comp = policy.compactness_weight
        self.cross = policy.compound_cross_penalty
        self.cross_tiny = policy.tiny_compound_cross_penalty
        self.needless = INF if policy.needless_split_penalty < 0 else policy.needless_split_penalty
        # What _core.dp and _core.recut take after the atoms.
        self.dp_args = (
            *(self.lo, self.hi, self.t, self.dev, self.comp, self.cross, self.cross_tiny),
            *(self.needless, BIG, CUT_FLOOR, CUT_UNIT),
        )

    def band(self, s: float) -> float:
        if s < self.lo:
            return BIG + 100.0 * (self.lo - s) / self.t
        if s > self.hi:
            return BIG + 100.0 * (s - self.hi) / self.t
        d = (s - self.t) / self.t
        return self.dev * d * d

    def compact(self, w: float, h: float) -> float:
        # Polsby–Popper of the bounding box grown by 8 m (rounded corners), a cheap proxy of the
        # buffered hull the metrics use.
        a = (w + 16.0) * (h + 16.0) - (4.0 - _PI) * 64.0
        p = 2.0 * (w + h) + 16.0 * _PI
        return self.comp * (1.0 - 4.0 * _PI * a / (p * p))

    def crossing(self, n_big: int, n_tiny: int) -> float:
        """A grid may take in a compound below the lower bound cheaply (it must join someone);
        joining two compounds that could each stand alone costs ``compound_cross_penalty``."""
        if n_big:
            return self.cross * (n_big - 1) + self.cross_tiny * n_tiny
        # Small compounds joining each other make one crossing grid where joining big
        # neighbours would make two: cheaper still.
        return 0.25 * self.cross_tiny * max(0, n_tiny - 1)

    def segment(self, s, w, h, n_big=1, n_tiny=0) -> float:
        return self.band(s) + self.compact(w, h) + self.crossing(n_big, n_tiny)

    def atoms(self, atoms: list[_Atom]) -> float:
        """``segment`` of a grid's atoms (in C when ``_core`` is built: ``atoms_py``)."""
        if _core is None:
            return self.atoms_py(atoms)
        return _core.cost_atoms(
            atoms, self.lo, self.hi, self.t, self.dev, self.comp, self.cross, self.cross_tiny, BIG
        )

    def atoms_py(self, atoms: list[_Atom]) -> float:
        first = atoms[0]
        s = 0
        minx, maxx, miny, maxy = first.minx, first.maxx, first.miny, first.maxy
        comps = {}
        for a in atoms:  # one pass (this is called for every grid and every candidate)
            s += a.h
            if a.minx < minx:
                minx = a.minx
            if a.maxx > maxx:
                maxx = a.maxx
            if a.miny < miny:
                miny = a.miny
            if a.maxy > maxy:
                maxy = a.maxy
            comps[a.comp] = a.tiny
        n_tiny = sum(comps.values())
        return self.segment(s, maxx - minx, maxy - miny, len(comps) - n_tiny, n_tiny)


def _dp(seq: list[_Atom], cost: _Cost) -> tuple[float, list[tuple[int, int]]]:
    """``_dp_py`` in C (``_core.dp``, built by ``make setup``): the same doubles in the same
    order, so the same cuts; ~6× faster on the repair's chains. Without the module, the loop."""
    if _core is None:
        return _dp_py(seq, cost)
    return _core.dp(seq, *cost.dp_args)


def _dp_py(seq: list[_Atom], cost: _Cost) -> tuple[float, list[tuple[int, int]]]:
    """Exact optimal cut of a sequence into consecutive segments (pure Python, for short chains).

    f[j] = min_i f[i] + cost(atoms i..j-1) + cut(i); a segment may exceed the upper bound only
    by its first atom, which keeps the inner loop short.
    """
    n = len(seq)
    hi = cost.hi
    lo = cost.lo
    t = cost.t
    dev = cost.dev
    cw = cost.comp
    four_pi = 4.0 * _PI
    pi16 = 16.0 * _PI
    big = BIG
    f = [0.0] + [INF] * n
    back = [0] * (n + 1)
    cuts = [0.0] + [_cut_cost(seq[i - 1], seq[i], cost.needless) for i in range(1, n)]
    # f[i] + cuts[i], filled in as f[i] becomes known (the same sum, computed once per i)
    fc = [0.0] * (n + 1)
    fc[0] = cuts[0]
    boxes = [(a.h, a.minx, a.maxx, a.miny, a.maxy) for a in seq]
    cs = [a.comp for a in seq]
    single = len(set(cs)) == 1
    tiny = [a.tiny for a in seq]
    crossing = cost.crossing
    for j in range(1, n + 1):
        s = 0.0
        minx = miny = INF
        maxx = maxy = -INF
        comps: dict[int, bool] = {}
        best = INF
        arg = j - 1
        for i in range(j - 1, -1, -1):
            if s > hi and i < j - 1:
                break
            ah, ax0, ax1, ay0, ay1 = boxes[i]
            s += ah
            if ax0 < minx:
                minx = ax0
            if ax1 > maxx:
                maxx = ax1
            if ay0 < miny:
                miny = ay0
            if ay1 > maxy:
                maxy = ay1
            if s < lo:
                c = big + 100.0 * (lo - s) / t
            elif s > hi:
                c = big + 100.0 * (s - hi) / t
            else:
                d = (s - t) / t
                c = dev * d * d
            w = maxx - minx
            h = maxy - miny
            p = 2.0 * (w + h) + pi16
            c += cw * (1.0 - four_pi * ((w + 16.0) * (h + 16.0) - 54.93) / (p * p))
            if not single:
                comps[cs[i]] = tiny[i]
                if len(comps) > 1:
                    n_tiny = sum(comps.values())
                    c += crossing(len(comps) - n_tiny, n_tiny)
            c += fc[i]
            if c < best:
                best = c
                arg = i
        f[j] = best
        back[j] = arg
        if j < n:
            fc[j] = best + cuts[j]
    segs = []
    j = n
    while j > 0:
        segs.append((back[j], j))
        j = back[j]
    segs.reverse()
    return f[n], segs


def _batched_dp(seqs: list[list[_Atom]], cost: _Cost) -> list[tuple[float, list[tuple[int, int]]]]:
    """``_batched_dp_py`` in C (``_core.batch_dp``), one sequence at a time with each element's
    arithmetic as numpy does it: the same costs and cuts, without numpy's per-step overhead."""
    if _core is None:
        return _batched_dp_py(seqs, cost)
    return _core.batch_dp(
        seqs, cost.lo, cost.hi, cost.t, cost.dev, cost.comp, BIG, CUT_FLOOR, CUT_UNIT
    )


def _batched_dp_py(
    seqs: list[list[_Atom]], cost: _Cost
) -> list[tuple[float, list[tuple[int, int]]]]:
    """The same DP for many independent sequences at once, vectorised with numpy.

    Sequences are bucketed by length; within a bucket every position j is one numpy step over
    all sequences and all segment lengths w (segment = atoms j-w..j-1).
    """
    import numpy as np

    out: list = [None] * len(seqs)
    order = sorted(range(len(seqs)), key=lambda k: len(seqs[k]))
    buckets: list[list[int]] = []
    for k in order:
        n = len(seqs[k])
        if n == 0:
            out[k] = (0.0, [])
            continue
        if buckets and n <= 2 * max(1, len(seqs[buckets[-1][0]])) and len(buckets[-1]) < 4000:
            buckets[-1].append(k)
        else:
            buckets.append([k])
    t, lo, hi = cost.t, cost.lo, cost.hi
    for bucket in buckets:
        C = len(bucket)
        L = max(len(seqs[k]) for k in bucket)
        h = np.zeros((C, L))
        ax0 = np.zeros((C, L))
        ax1 = np.zeros((C, L))
        ay0 = np.zeros((C, L))
        ay1 = np.zeros((C, L))
        cut = np.zeros((C, L))
        lens = np.array([len(seqs[k]) for k in bucket], dtype=np.int64)
        # every atom of the bucket at once: (row, position) -> its fields, one scatter each
        flat = [a for k in bucket for a in seqs[k]]
        rows_i = np.repeat(np.arange(C), lens)
        pos_i = np.arange(len(flat)) - np.repeat(np.cumsum(lens) - lens, lens)
        h[rows_i, pos_i] = [a.h for a in flat]
        ax0[rows_i, pos_i] = [a.minx for a in flat]
        ax1[rows_i, pos_i] = [a.maxx for a in flat]
        ay0[rows_i, pos_i] = [a.miny for a in flat]
        ay1[rows_i, pos_i] = [a.maxy for a in flat]
        cuts: list[float] = []
        for k in bucket:
            seq = seqs[k]
            cuts.append(0.0)  # before the first atom of a sequence: none
            cuts.extend([_cut_cost(seq[i - 1], seq[i]) for i in range(1, len(seq))])
        cut[rows_i, pos_i] = cuts
        P = np.zeros((C, L + 1))
        np.cumsum(h, axis=1, out=P[:, 1:])
        starts = np.arange(L)
        cost_w = []
        mnx, mxx, mny, mxy = ax0, ax1, ay0, ay1
        for w in range(1, L + 1):
            m = L - w + 1
            if w > 1:
                mnx = np.minimum(mnx[:, :m], ax0[:, w - 1 :])
                mxx = np.maximum(mxx[:, :m], ax1[:, w - 1 :])
                mny = np.minimum(mny[:, :m], ay0[:, w - 1 :])
                mxy = np.maximum(mxy[:, :m], ay1[:, w - 1 :])
            s = P[:, w:] - P[:, :m]
            valid = (starts[None, :m] + w) <= lens[:, None]
            if w > 1:
                valid &= (P[:, w:] - P[:, 1 : m + 1]) <= hi
            if not valid.any():
                break
            d = (s - t) / t
            band = np.where(
                s < lo,
                BIG + 100.0 * (lo - s) / t,
                np.where(s > hi, BIG + 100.0 * (s - hi) / t, cost.dev * d * d),
            )
            ww = mxx - mnx
            hh = mxy - mny
            area = (ww + 16.0) * (hh + 16.0) - (4.0 - _PI) * 64.0
            per = 2.0 * (ww + hh) + 16.0 * _PI
            c = band + cost.comp * (1.0 - 4.0 * _PI * area / (per * per)) + cut[:, :m]
            full = np.full((C, L + 1), INF)
            full[:, w:] = np.where(valid, c, INF)
            cost_w.append(full)
        W = len(cost_w)
        COST = np.stack(
            cost_w, axis=2
        )  # (C, L+1, W): COST[:, j, w-1] = segment of length w ending at j
        del cost_w
        f = np.full((C, L + 1), INF)
        f[:, 0] = 0.0
        arg = np.zeros((C, L + 1), dtype=np.int32)
        rows = np.arange(C)
        for j in range(1, L + 1):
            wj = min(W, j)
            cand = f[:, j - wj : j][:, ::-1] + COST[:, j, :wj]
            k = cand.argmin(axis=1)
            arg[:, j] = k + 1
            f[:, j] = cand[rows, k]
        arg_l = arg.tolist()
        f_l = f.tolist()
        for r, k in enumerate(bucket):
            n = int(lens[r])
            segs = []
            j = n
            row = arg_l[r]
            while j > 0:
                w = row[j]
                segs.append((j - w, j))
                j -= w
            segs.reverse()
            out[k] = (f_l[r][n], segs)
    return out


# --------------------------------------------------------------------------------------------
# community context


class _Community:
    def __init__(self, name: str, units: list[Unit], policy: Policy):
        self.name = name
        self.units = units
        self.policy = policy
        self.uxy, self.position_counts = place_missing(units)
        if _core is not None:
            (
                self.compounds,
                self.bld_names,
                self.bld_units,
                self.bld_comp,
                self.unit_bld,
                self.bld_h,
                self.bld_xy,
            ) = _core.community_index(units, self.uxy)
        else:
            self._index_py()
        self.comp_blds: list[list[int]] = [[] for _ in self.compounds]
        for b, c in enumerate(self.bld_comp):
            self.comp_blds[c].append(b)
        # Buildings whose centres coincide share a site: adjacent to each other and to the
        # site's neighbours (PRODUCT.md "contiguous"). Contiguity is decided on sites.
        self.site, self.sadj = site_graph(self.bld_xy)
        self.site_blds: list[list[int]] = [[] for _ in self.sadj]
        for b, s in enumerate(self.site):
            self.site_blds[s].append(b)
        self.shared = sum(len(bs) for bs in self.site_blds if len(bs) > 1)
        self.households = sum(self.bld_h)
        self.comp_h = [sum(self.bld_h[b] for b in bs) for bs in self.comp_blds]
        self.comp_tiny = [h < policy.lower for h in self.comp_h]
        self.comp_pitch: dict[int, float] = {}
        self.nbrs_memo: dict[int, list[int]] = {}
        self.groups = self._tiny_groups()

    def _index_py(self) -> None:
        """Compounds and buildings in order of first appearance, each building's households
        and centre (``_core.community_index`` in C, the test's reference)."""
        units, uxy = self.units, self.uxy
        bld_index: dict[tuple[str, str], int] = {}
        comp_index: dict[str, int] = {}
        self.compounds: list[str] = []
        self.bld_names: list[tuple[str, str]] = []
        self.bld_units: list[list[int]] = []
        self.bld_comp: list[int] = []
        self.unit_bld: list[int] = []
        for i, u in enumerate(units):
            if u.compound not in comp_index:
                comp_index[u.compound] = len(self.compounds)
                self.compounds.append(u.compound)
            key = (u.compound, u.building)
            b = bld_index.get(key)
            if b is None:
                b = bld_index[key] = len(self.bld_names)
                self.bld_names.append(key)
                self.bld_units.append([])
                self.bld_comp.append(comp_index[u.compound])
            self.bld_units[b].append(i)
            self.unit_bld.append(b)
        self.bld_h = [sum(units[i].households for i in us) for us in self.bld_units]
        self.bld_xy = []
        for us in self.bld_units:
            if len(us) == 1:
                x, y = uxy[us[0]]
                self.bld_xy.append(((0 + x) / 1, (0 + y) / 1))  # what sum([x]) / 1 gives
                continue
            sx = sy = 0
            for i in us:
                x, y = uxy[i]
                sx += x
                sy += y
            self.bld_xy.append((sx / len(us), sy / len(us)))

    def _tiny_groups(self) -> list[list[int]]:
        """Compounds divided together: each compound of at least the lower bound alone, and
        each connected cluster of smaller ones (adjacent in the site graph) as one group,
        however many compounds it takes — seed 000 crosses a 小区 "when it must", never a 社区."""
        tiny = self.comp_tiny
        parent = list(range(len(self.compounds)))

        def find(c):
            while parent[c] != c:
                parent[c] = parent[parent[c]]
                c = parent[c]
            return c

        if not any(tiny):
            return [[c] for c in range(len(self.compounds))]
        bld_comp = self.bld_comp
        # the tiny compounds at each site (sorted), [] at most sites
        near_of = [sorted({bld_comp[b] for b in bs if tiny[bld_comp[b]]}) for bs in self.site_blds]
        for s, near in enumerate(near_of):
            if not near:
                continue
            for t in self.sadj[s]:
                if t > s:
                    near_t = near_of[t]
                    if near_t:
                        for c in near_t:
                            a, b = find(near[0]), find(c)
                            if a != b:
                                parent[max(a, b)] = min(a, b)
            for c in near[1:]:
                a, b = find(near[0]), find(c)
                if a != b:
                    parent[max(a, b)] = min(a, b)
        groups: dict[int, list[int]] = defaultdict(list)
        for c in range(len(self.compounds)):
            groups[find(c)].append(c)
        return [groups[k] for k in sorted(groups)]

    def bld_nbrs(self, b: int) -> list[int]:
        """Buildings adjacent to ``b``: those at its site and at the neighbouring sites
        (computed once per building; callers must not change the list)."""
        out = self.nbrs_memo.get(b)
        if out is None:
            s = self.site[b]
            out = [c for c in self.site_blds[s] if c != b]
            for t in self.sadj[s]:
                out.extend(self.site_blds[t])
            self.nbrs_memo[b] = out
        return out

    def connected(self, blds) -> bool:
        """Whether ``blds`` are connected in the site graph (a search from any of their sites:
        the answer does not depend on where it starts). In C when ``_core`` is built."""
        if _core is not None:
            return _core.connected(self.site, self.sadj, blds)
        return self.connected_py(blds)

    def connected_py(self, blds) -> bool:
        site = self.site
        wanted = {site[b] for b in blds}
        if len(wanted) <= 1:
            return True
        sadj = self.sadj
        start = wanted.pop()
        stack = [start]
        while stack and wanted:
            for t in sadj[stack.pop()]:
                if t in wanted:
                    wanted.discard(t)
                    stack.append(t)
        return not wanted

    def components(self, blds) -> list[list[int]]:
        """Connected parts of ``blds`` (sorted lists of buildings), in order of first site."""
        site = self.site
        by_site: dict[int, list[int]] = defaultdict(list)
        for b in blds:
            by_site[site[b]].append(b)
        return [
            sorted(b for s in comp for b in by_site[s])
            for comp in components(sorted(by_site), self.sadj)
        ]


def _pitch(ctx: _Community, comp: int) -> float:
    """Row-gap threshold of a compound: 0.35 × the median distance to the nearest neighbour
    (computed once per compound; in C when ``_core`` is built)."""
    thr = ctx.comp_pitch.get(comp)
    if thr is None and _core is not None:
        thr = ctx.comp_pitch[comp] = _core.pitch(
            ctx.comp_blds[comp], ctx.bld_xy, ctx.site, ctx.sadj, ctx.site_blds, ctx.bld_comp, comp
        )
    return _pitch_py(ctx, comp) if thr is None else thr


def _pitch_py(ctx: _Community, comp: int) -> float:
    thr = ctx.comp_pitch.get(comp)
    if thr is None:
        pts = ctx.bld_xy
        bld_comp = ctx.bld_comp
        site = ctx.site
        nn = []
        for b in ctx.comp_blds[comp]:
            # Nearest neighbours within the compound are (nearly always) Delaunay neighbours.
            bx, by = pts[b]
            sb = site[b]
            d = [
                (bx - pts[c][0]) ** 2 + (by - pts[c][1]) ** 2
                for c in ctx.bld_nbrs(b)
                if bld_comp[c] == comp and site[c] != sb
            ]
            if d:
                nn.append(math.sqrt(min(d)))
        nn.sort()
        thr = max(4.0, 0.35 * nn[len(nn) // 2]) if nn else 4.0
        ctx.comp_pitch[comp] = thr
    return thr


def _walk(items: list[int], pts, thr: float, family: tuple, band_h: float = 0.0) -> list[int]:
    """Order ``items`` (indices into ``pts``) by one family: (by rows, flip, sweep).

    Serpentine (``sweep`` false): boustrophedon by rows (or columns) found from gaps above
    ``thr`` along y (or x). Sweep: bands of height ``band_h`` walked column by column, so that a
    run of consecutive items is a compact block rather than a one-row strip (villa fields).
    Items at one point keep their order (the building-number order).
    """
    return _walks(items, pts, thr, [family], band_h)[0]


def _walks(items: list[int], pts, thr: float, families: list[tuple], band_h: float = 0.0):
    """``_walk`` for several families at once: the lines of (by rows, sweep) are found and
    sorted once and walked both ways for the two flips. Keys end with the item itself, so no
    two tie, and a line sorted backwards is the line sorted forwards, reversed."""
    if len(items) <= 2:
        two = sorted(items, key=lambda b: (pts[b][0], pts[b][1], b))
        return [list(two) for _ in families]
    memo: dict[tuple, list[list[int]]] = {}
    out = []
    for by_rows, flip, sweep in families:
        sweep = bool(sweep and band_h > 0)
        lines = memo.get((by_rows, sweep))
        if lines is None:
            lines = memo[by_rows, sweep] = _lines(items, pts, thr, by_rows, sweep, band_h)
        order = []
        for k, line in enumerate(lines):
            if (k + flip) % 2:
                order.extend(reversed(line))
            else:
                order.extend(line)
        out.append(order)
    return out


def _lines(items, pts, thr, by_rows, sweep, band_h) -> list[list[int]]:
    """The rows (or columns, or sweep bands) of ``items``, each sorted along the line."""
    a, o = (1, 0) if by_rows else (0, 1)
    if sweep:
        base = min(pts[b][a] for b in items)
        bands: dict[int, list[int]] = defaultdict(list)
        for b in items:
            bands[int((pts[b][a] - base) / band_h)].append(b)
        lines = [bands[key] for key in sorted(bands)]
    else:
        srt = sorted(items, key=lambda b: (pts[b][a], pts[b][o], b))
        lines = [[srt[0]]]
        for b in srt[1:]:
            if pts[b][a] - pts[lines[-1][0]][a] > thr:
                lines.append([b])
            else:
                lines[-1].append(b)
    for line in lines:
        line.sort(key=lambda b: (pts[b][o], pts[b][a], b))
    return lines


def _serpentine(ctx: _Community, blds: list[int], by_rows: bool, flip: bool = False) -> list[int]:
    """Boustrophedon order of the buildings of one compound (see ``_walk``)."""
    if not blds:
        return []
    return _walk(blds, ctx.bld_xy, _pitch(ctx, ctx.bld_comp[blds[0]]), (by_rows, flip, False))


def _band_height(ctx: _Community, blds: list[int]) -> float:
    """Height of a sweep band that makes a grid's block about square: √(buildings per grid ×
    area per building); 0 when a grid holds few buildings (plain serpentines do well)."""
    h = sum(ctx.bld_h[b] for b in blds)
    if len(blds) < 12 or h <= 0:
        return 0.0
    per_grid = ctx.policy.target * len(blds) / h
    if per_grid < 6:
        return 0.0
    xs = [ctx.bld_xy[b][0] for b in blds]
    ys = [ctx.bld_xy[b][1] for b in blds]
    area = max(1.0, (max(xs) - min(xs)) * (max(ys) - min(ys)))
    return math.sqrt(per_grid * area / len(blds))


def _group_orders(ctx: _Community, comps: list[int]) -> list[list[int]]:
    """Candidate building orders of a group of compounds (one compound, or tiny compounds that
    merge): the four serpentines, plus two sweeps when grids hold many small buildings. A group
    of several compounds is walked compound by compound (by the compounds' centres), each
    compound's buildings in the same family, so that a grid takes whole compounds."""
    blds_all = [b for c in comps for b in ctx.comp_blds[c]]
    band_h = _band_height(ctx, blds_all)
    families = [
        (r, f, False) for r, f in ((True, False), (False, False), (True, True), (False, True))
    ]
    if band_h > 0:
        families += [(True, False, True), (False, False, True)]
    if len(comps) == 1:
        blds = ctx.comp_blds[comps[0]]
        thr = _pitch(ctx, comps[0])
        return _walks(blds, ctx.bld_xy, thr, families, band_h)
    single = all(len(ctx.comp_blds[c]) == 1 for c in comps)
    if single:
        thr = _group_pitch(ctx, blds_all)
        return _walks(blds_all, ctx.bld_xy, thr, families, band_h)
    centres = {
        c: (
            sum(ctx.bld_xy[b][0] for b in ctx.comp_blds[c]) / len(ctx.comp_blds[c]),
            sum(ctx.bld_xy[b][1] for b in ctx.comp_blds[c]) / len(ctx.comp_blds[c]),
        )
        for c in comps
    }
    thr = _group_pitch(ctx, [ctx.comp_blds[c][0] for c in comps], centres=centres, comps=comps)
    inner = [(*fam[:2], False) for fam in families]  # each compound walked in the family
    walks = {c: _walks(ctx.comp_blds[c], ctx.bld_xy, _pitch(ctx, c), inner) for c in comps}
    out = []
    for k, order in enumerate(_walks(comps, centres, thr, families, band_h)):
        seq = []
        for c in order:
            seq.extend(walks[c][k])
        out.append(seq)
    return out


def _group_pitch(ctx, blds, centres=None, comps=None) -> float:
    """Row-gap threshold among points of a group: 0.35 × median nearest-neighbour distance
    (sampled on the site graph for buildings — in C when ``_core`` is built —, brute force
    over ≤ 400 compound centres)."""
    if centres is None and _core is not None:
        return _core.pitch(
            list(blds), ctx.bld_xy, ctx.site, ctx.sadj, ctx.site_blds, ctx.bld_comp, -1
        )
    return _group_pitch_py(ctx, blds, centres, comps)


def _group_pitch_py(ctx, blds, centres=None, comps=None) -> float:
    if centres is not None:
        pts = [centres[c] for c in comps]
        if len(pts) > 400:
            pts = pts[:: len(pts) // 400 + 1]
        nn = []
        for i, p in enumerate(pts):
            d = [(p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2 for j, q in enumerate(pts) if j != i]
            if d:
                nn.append(math.sqrt(min(d)))
    else:
        pts = ctx.bld_xy
        nn = []
        for b in blds:
            d = [
                (pts[b][0] - pts[c][0]) ** 2 + (pts[b][1] - pts[c][1]) ** 2
                for c in ctx.bld_nbrs(b)
                if ctx.site[c] != ctx.site[b]
            ]
            if d:
                nn.append(math.sqrt(min(d)))
    nn.sort()
    return max(4.0, 0.35 * nn[len(nn) // 2]) if nn else 4.0


def _building_atoms(
    ctx: _Community, b: int, portions: dict[int, list[tuple[int, int, int]]], rank: int
) -> list[_Atom]:
    """Atoms of building ``b`` restricted to the free ``portions`` of its units (a building
    that is not cut, nearly all of them, is made in C when ``_core`` is built)."""
    if _core is not None:
        pol = ctx.policy
        comp = ctx.bld_comp[b]
        one = _core.building_atom(
            _Atom,
            ctx.bld_units[b],
            portions,
            ctx.uxy,
            ctx.units,
            b,
            comp,
            rank,
            ctx.comp_tiny[comp],
            pol.upper,
            pol.allow_building_split,
            ctx.bld_h[b],
        )
        if one is not None:
            return one
    return _building_atoms_py(ctx, b, portions, rank)


def _building_atoms_py(
    ctx: _Community, b: int, portions: dict[int, list[tuple[int, int, int]]], rank: int
) -> list[_Atom]:
    pol = ctx.policy
    hi = pol.upper
    units = ctx.units
    comp = ctx.bld_comp[b]
    tiny = ctx.comp_tiny[comp]
    parts = [(u, ff, ft, hh) for u in ctx.bld_units[b] for ff, ft, hh in portions.get(u, ())]
    if not parts:
        return []
    total = 0
    for p in parts:
        total += p[3]
    # one atom when its households fit, or the policy never splits a building, or the whole
    # building (every unit, every floor) fits (the cheap tests first)
    if (
        total <= hi
        or not pol.allow_building_split
        or (
            ctx.bld_h[b] <= hi
            and all(
                len(portions.get(u, ())) == 1 and portions[u][0][:2] == (1, units[u].floors)
                for u in ctx.bld_units[b]
            )
        )
    ):
        pts = [ctx.uxy[p[0]] for p in parts]
        return [_Atom(parts, total, pts, [b], comp, rank, tiny=tiny)]
    chunk = max(1, round(pol.target / 5))
    atoms = []
    for p in parts:
        u, ff, ft, hh = p
        pt = [ctx.uxy[u]]
        if hh <= hi or not pol.allow_unit_floor_split or ft <= ff:
            atoms.append(_Atom([p], hh, pt, [b], comp, rank, tiny=tiny))
            continue
        start = ff
        acc = 0
        for k, x in enumerate(_floor_households(ff, ft, hh)):
            acc += x
            floor = ff + k
            if acc >= chunk or floor == ft:
                atoms.append(_Atom([(u, start, floor, acc)], acc, pt, [b], comp, rank, tiny=tiny))
                start = floor + 1
                acc = 0
    return atoms


def _atoms_for(
    ctx: _Community,
    blds: list[int],
    portions: dict[int, list[tuple[int, int, int]]],
    rank0: int,
    cache: dict[int, list[_Atom]] | None = None,
) -> list[_Atom]:
    """Atoms of buildings ``blds`` in this order; runs of tiny atoms (villas, vacant buildings)
    are glued into pseudo-atoms of ≥ target/8 households so the DP window stays short.

    A run comes back as a ``_Run``: what the DP reads of it (households, bounding box, ends),
    glued into an ``_Atom`` by ``_Run.atom()`` only if its order wins (most orders lose)."""
    cache = {} if cache is None else cache
    small = max(1.0, ctx.policy.target / 8.0)
    if _core is not None:
        return _core.atoms_for(
            blds,
            cache,
            lambda b: _building_atoms(ctx, b, portions, rank0 + b),
            small,
            2 * small,
            _Run,
        )
    return _atoms_for_py(ctx, blds, portions, rank0, cache, small)


def _atoms_for_py(ctx, blds, portions, rank0, cache, small) -> list[_Atom]:
    new_run = _Run
    glued: list[_Atom] = []
    run: list[_Atom] = []  # atoms to glue into one (cached atoms are never mutated)
    small2 = 2 * small
    run_h = 0
    run_parts = 0
    for b in blds:
        atoms = cache.get(b)
        if atoms is None:
            atoms = cache[b] = _building_atoms(ctx, b, portions, rank0 + b)
        for a in atoms:
            if run and run_h < small and run_h + a.h <= small2 and run_parts < 64:
                run.append(a)
                run_h += a.h
                run_parts += len(a.parts)
                continue
            if run:
                glued.append(run[0] if len(run) == 1 else new_run(run, run_h))
            run = [a]
            run_h = a.h
            run_parts = len(a.parts)
    if run:
        glued.append(run[0] if len(run) == 1 else new_run(run, run_h))
    return glued


class _Run:
    """A run of atoms to be glued, as the batched DP sees it (see ``_atoms_for``)."""

    __slots__ = ("first", "h", "last", "maxx", "maxy", "minx", "miny", "run", "small")

    def __init__(self, run: list[_Atom], h: int):
        first = run[0]
        self.run = run
        self.h = h
        self.first = first.first
        self.last = run[-1].last
        self.small = first.small
        minx, maxx, miny, maxy = first.minx, first.maxx, first.miny, first.maxy
        for a in run:
            if a.minx < minx:
                minx = a.minx
            if a.maxx > maxx:
                maxx = a.maxx
            if a.miny < miny:
                miny = a.miny
            if a.maxy > maxy:
                maxy = a.maxy
        self.minx, self.maxx, self.miny, self.maxy = minx, maxx, miny, maxy

    def atom(self) -> _Atom:
        return _glued(self.run)


def _new_run(run: list[_Atom], h: int) -> _Run:
    """``_Run(run, h)``, made in C (its bounding box without the Python loop)."""
    return _core.new_run(_Run, run, h)


def _glued(run: list[_Atom]) -> _Atom:
    """One atom of a run of atoms: centres averaged step by step, each step weighted by
    the buildings so far and the next atom's buildings; buildings kept once, in order
    (in C when ``_core`` is built: ``_glued_py``)."""
    if _core is not None:
        one = _core.glued(_Atom, run)
        if one is not None:
            return one
    return _glued_py(run)


def _glued_py(run: list[_Atom]) -> _Atom:
    new = run[0].copy()
    parts = list(new.parts)
    blds = list(new.blds)
    seen = set(blds)
    h, cx, cy, rank = new.h, new.cx, new.cy, new.rank
    minx, maxx, miny, maxy = new.minx, new.maxx, new.miny, new.maxy
    for k in range(1, len(run)):
        a = run[k]
        parts.extend(a.parts)
        ab = a.blds
        n1, n2 = len(blds), len(ab)
        cx = (cx * n1 + a.cx * n2) / (n1 + n2)
        cy = (cy * n1 + a.cy * n2) / (n1 + n2)
        h += a.h
        if a.minx < minx:
            minx = a.minx
        if a.maxx > maxx:
            maxx = a.maxx
        if a.miny < miny:
            miny = a.miny
        if a.maxy > maxy:
            maxy = a.maxy
        if n2 == 1:
            b = ab[0]
            if b not in seen:
                seen.add(b)
                blds.append(b)
        else:
            for b in ab:
                if b not in seen:
                    seen.add(b)
                    blds.append(b)
        if a.rank < rank:
            rank = a.rank
    new.parts, new.blds, new.h, new.cx, new.cy, new.rank = parts, blds, h, cx, cy, rank
    new.minx, new.maxx, new.miny, new.maxy = minx, maxx, miny, maxy
    new.last = run[-1].last
    return new


def _explode(ctx: _Community, atoms: Iterable[_Atom], units_too: bool = False) -> list[_Atom]:
    """One atom per building (needed when a glued atom straddles components); with
    ``units_too``, buildings that fit in one grid are further cut into their units, marked
    ``small`` so that the DP charges the needless-split penalty for cutting between them."""
    out = []
    for a in atoms:
        if len(a.blds) == 1 and not (units_too and len(a.parts) > 1):
            out.append(a)
            continue
        by_b: dict[int, list] = {}
        for p in a.parts:
            by_b.setdefault(ctx.unit_bld[p[0]], []).append(p)
        for b, parts in by_b.items():
            if units_too and len(parts) > 1 and ctx.bld_h[b] <= ctx.policy.upper:
                for p in parts:
                    out.append(
                        _Atom(
                            [p],
                            p[3],
                            [ctx.uxy[p[0]]],
                            [b],
                            a.comp,
                            a.rank,
                            small=True,
                            tiny=a.tiny,
                        )
                    )
                continue
            pts = [ctx.uxy[p[0]] for p in parts]
            out.append(
                _Atom(parts, sum(p[3] for p in parts), pts, [b], a.comp, a.rank, tiny=a.tiny)
            )
    return out


def _connected_sets(v: int, taken: int, nbr: list[list[int]], hs: list[int], hi: int):
    """Connected sets (bit masks, with their households) containing ``v``, avoiding ``taken``
    and summing to at most ``hi``; each set once (ESU enumeration from the lowest vertex).
    In C when ``_core`` is built (searches have at most 30 atoms; the C loop takes 62)."""
    if _core is not None and len(hs) <= 62:
        return _core.connected_sets(v, taken, nbr, hs, hi, MAX_SETS)
    return _connected_sets_py(v, taken, nbr, hs, hi)


def _connected_sets_py(v: int, taken: int, nbr: list[list[int]], hs: list[int], hi: int):
    out = []

    def extend(sub: int, ext: list[int], closed: int, s: int):
        out.append((sub, s))
        if len(out) > MAX_SETS:
            return
        ext = list(ext)
        while ext:
            w = ext.pop()
            if s + hs[w] > hi:
                continue
            new_ext = list(ext)
            new_closed = closed
            for u in nbr[w]:
                bit = 1 << u
                if not (taken & bit) and not (closed & bit):
                    new_ext.append(u)
                    new_closed |= bit
            extend(sub | (1 << w), new_ext, new_closed | (1 << w), s + hs[w])

    start_closed = 1 << v
    ext = []
    for u in nbr[v]:
        bit = 1 << u
        if not (taken & bit):
            ext.append(u)
            start_closed |= bit
    extend(1 << v, ext, start_closed, hs[v])
    return out


# --------------------------------------------------------------------------------------------
# grids state and repair


class _State:
    def __init__(self, ctx: _Community, cost: _Cost):
        self.ctx = ctx
        self.cost = cost
        self.grids: dict[int, list[_Atom]] = {}
        self.gcost: dict[int, float] = {}
        self.gh: dict[int, int] = {}
        self.kept: dict[int, str] = {}  # grid -> previous id, for grids kept verbatim
        self.bld_grids: list[set[int]] = [set() for _ in ctx.bld_xy]
        self.next_id = 0
        self.kept_budget = 0
        # Budgets of needless splits and of grids spanning two compounds (see _allocate).
        self.needless_left = 0
        self.cross_left = 0
        self.needless_used = 0
        self.failed: dict[int, tuple] = {}
        self.move_failed: dict[int, tuple] = {}  # grid -> (neighbours, budgets) of a failed move
        self.exact_failed: set[tuple] = set()
        # A grid's atoms never change under its id (ids are never reused), so what depends on
        # them alone is computed once: buildings, whether it spans compounds, its centre, the
        # buildings around it, and the chained re-cuts tried on it (``_recut``).
        self.gblds: dict[int, list[int]] = {}
        self.gmulti: dict[int, bool] = {}
        self.gcentre: dict[int, tuple[float, float]] = {}
        self.gsites: dict[int, set[int]] = {}
        self.garound: dict[int, list[int]] = {}
        self.recuts: dict[tuple, tuple | None] = {}
        # The grids around each grid, valid until the next add or remove (repairs try many
        # candidates between two changes).
        self.gnbrs: dict[int, list[int]] = {}
        self.bad: set[int] = set()  # the grids out of range (kept ones included)

    def add(self, atoms: list[_Atom], kept_id: str | None = None) -> int:
        if self.gnbrs:
            self.gnbrs.clear()
        g = self.next_id
        self.next_id += 1
        self.grids[g] = atoms
        self.gcost[g] = self.cost.atoms(atoms)
        bld_grids = self.bld_grids
        blds = set()
        h = 0
        cx = cy = 0.0
        comp = atoms[0].comp
        multi = False
        for a in atoms:  # one pass: every repair step adds grids
            h += a.h
            cx += a.cx
            cy += a.cy
            if a.comp != comp:
                multi = True
            for b in a.blds:
                bld_grids[b].add(g)
                blds.add(b)
        self.gh[g] = h
        if not (self.cost.lo <= h <= self.cost.hi):
            self.bad.add(g)
        self.gblds[g] = sorted(blds)
        self.gmulti[g] = multi
        n = len(atoms)
        self.gcentre[g] = (cx / n, cy / n)
        if kept_id is not None:
            self.kept[g] = kept_id
        return g

    def remove(self, g: int) -> list[_Atom]:
        if self.gnbrs:
            self.gnbrs.clear()
        atoms = self.grids.pop(g)
        del self.gcost[g], self.gh[g], self.gblds[g], self.gmulti[g], self.gcentre[g]
        self.bad.discard(g)
        self.gsites.pop(g, None)
        self.garound.pop(g, None)
        self.kept.pop(g, None)
        for a in atoms:
            for b in a.blds:
                self.bld_grids[b].discard(g)
        return atoms

    def blds(self, g: int) -> list[int]:
        return self.gblds[g]

    def neighbours(self, g: int) -> list[int]:
        """The grids next to ``g``, sorted (the list is shared: do not change it)."""
        known = self.gnbrs.get(g)
        if known is not None:
            return known
        around = self.garound.get(g)
        if around is None:
            site_blds = self.ctx.site_blds
            around = self.garound[g] = [b for s in self.sites_around(g) for b in site_blds[s]]
        bld_grids = self.bld_grids
        out: set[int] = set()
        for b in around:
            out |= bld_grids[b]
        out.discard(g)
        known = self.gnbrs[g] = sorted(out)
        return known

    def sites_around(self, g: int) -> set[int]:
        """The sites of grid ``g``'s buildings and the sites next to them: a building touches
        ``g`` when it stands on one (the set is shared: do not change it)."""
        known = self.gsites.get(g)
        if known is None:
            ctx = self.ctx
            known = {ctx.site[b] for b in self.gblds[g]}
            for s in list(known):
                known.update(ctx.sadj[s])
            self.gsites[g] = known
        return known

    def _out_of_range(self):
        """The grids out of range and not kept, smallest first, each one only if it is still
        there and still out of range when its turn comes (repairs change grids as they go)."""
        gh, kept = self.gh, self.kept
        bad = sorted((g for g in self.bad if g not in kept), key=lambda g: (gh[g], g))
        for g in bad:
            if g in self.bad:  # a grid's households never change under its id
                yield g

    @property
    def crosses_freely(self) -> bool:
        """The policy lets grids span compounds without a budget (``cross_left`` starts at
        _UNLIMITED then, and each crossing made counts it down)."""
        return self.ctx.policy.compound_cross_budget_pct >= 100

    def out_of_band(self, g: int) -> bool:
        return g in self.bad

    def make_contiguous(self) -> None:
        ctx = self.ctx
        for g in sorted(self.grids):
            blds = self.blds(g)
            if ctx.connected(blds):
                continue
            atoms = _explode(self.ctx, self.remove(g))
            comps = ctx.components(blds)
            where = {b: k for k, comp in enumerate(comps) for b in comp}
            groups: list[list[_Atom]] = [[] for _ in comps]
            for a in atoms:
                groups[where[a.blds[0]]].append(a)
            for grp in groups:
                if grp:
                    self.add(grp)

    # ---- exact re-partition of a compound

    def exact_compounds(self, split_one: bool = False) -> int:
        """Re-divide, exactly, each compound whose grids are its own and not all in the band.

        The serpentine DP only cuts runs of one order, and the repair re-cuts chains of two or
        three grids; some compounds have a partition into connected in-band grids that neither
        finds (e.g. 45 | 62+67 … where 45 must pair with one unit of a 114-household building
        two rows away). A depth-first search over connected groups of the compound's atoms
        (buildings, or units of buildings over the upper bound) finds the cheapest partition
        with every grid in the band, within ``max_nodes`` search steps; the compound's grids are
        replaced only when one is found. No needless split, no crossing. Returns the number of
        compounds re-divided.
        """
        ctx = self.ctx
        max_atoms, max_nodes = EXACT_ATOMS, EXACT_NODES
        by_comp: dict[int, list[int]] = defaultdict(list)
        for g, atoms in self.grids.items():
            comps = {a.comp for a in atoms}
            if len(comps) == 1:
                by_comp[next(iter(comps))].append(g)
            else:
                for c in comps:
                    by_comp[c].append(-1)  # shared with another compound: leave it
        done = 0
        for c in sorted(by_comp):
            gs = by_comp[c]
            if -1 in gs or any(g in self.kept for g in gs):
                continue
            if not any(self.out_of_band(g) for g in gs):
                continue
            split_one = split_one and self.needless_left > 0 and self.cost.needless < INF
            key = (tuple(gs), split_one)
            if key in self.exact_failed:
                continue  # same grids, same means: it would fail again
            atoms = _explode(ctx, [a for g in gs for a in self.grids[g]])
            if len(atoms) > max_atoms or sum(a.h for a in atoms) < self.cost.lo:
                continue
            if sorted(a.h for a in atoms)[len(atoms) // 2] < self.cost.t / 6:
                continue  # many small atoms per grid: too many sets, and the DP does well there
            groups = None
            if (tuple(gs), False) not in self.exact_failed:
                groups = self._search(atoms, max_nodes)
                if groups is None:
                    self.exact_failed.add((tuple(gs), False))
            split = 0
            if groups is None and split_one:
                groups, split = self._search_split_one(atoms, max_nodes)
            if groups is None:
                self.exact_failed.add(key)
                continue
            for g in gs:
                self.remove(g)
            for grp in groups:
                self.add(grp)
            self.needless_left -= split
            self.needless_used += split
            done += 1
        return done

    def exact_local(self) -> int:
        """For each grid still out of range, search exactly for a connected in-band partition
        of it together with its 2, 3, 4, 6 or 8 nearest neighbouring grids of the same
        compound (all its own, none kept; any neighbours when the policy crosses compounds
        freely): the 2-D counterpart of the chained re-cut, for compounds too big for
        ``exact_compounds`` (tower units of 36–59 households want partners from several grids
        around). A grid with fewer than four neighbours (a building enclosed by one grid) is
        also tried with them and each grid of the next ring, nearest first. No needless
        split, no new crossing under a crossing budget."""
        made = 0
        for g in self._out_of_range():
            comps = {a.comp for a in self.grids[g]}
            free = self.crosses_freely
            if len(comps) != 1 and not free:
                continue

            def usable(n: int, free=free, comps=comps) -> bool:
                return n not in self.kept and (free or {a.comp for a in self.grids[n]} == comps)

            def nearest(n: int, g=g) -> tuple[float, int]:
                return self._dist(g, n), n

            nbrs = sorted((n for n in self.neighbours(g) if usable(n)), key=nearest)
            sets = [[g, *nbrs[:k]] for k in LOCAL_SIZES if k <= len(nbrs)]
            if nbrs and len(nbrs) < LOCAL_RING_BELOW:
                ring = {m for n in nbrs for m in self.neighbours(n)} - {g, *nbrs}
                ring_near = sorted((m for m in ring if usable(m)), key=nearest)
                sets += [[g, *nbrs, m] for m in ring_near[:LOCAL_RING]]
            for gs in sets:
                key = (tuple(sorted(gs)), "local")
                if key in self.exact_failed:
                    continue
                groups = self._search_grids(gs)
                if groups is None:
                    self.exact_failed.add(key)
                    continue
                for x in gs:
                    self.remove(x)
                for grp in groups:
                    self.add(grp)
                made += 1
                break
        return made

    def _search_grids(self, gs: list[int]):
        """``_search`` on the buildings of grids ``gs``, or, when they are more than
        EXACT_ATOMS, on the grids' own atoms (runs of buildings), each group's buildings then
        checked (a run need not be connected in itself); None when neither fits or finds."""
        atoms = [a for x in gs for a in self.grids[x]]
        if len(atoms) > EXACT_ATOMS:
            return None
        single = _explode(self.ctx, atoms)
        if len(single) <= EXACT_ATOMS:
            return self._search(single, EXACT_NODES)
        groups = self._search(atoms, EXACT_NODES)
        if groups is None:
            return None
        connected = self.ctx.connected
        if all(connected({b for a in grp for b in a.blds}) for grp in groups):
            return groups
        return None

    def _search_split_one(self, atoms: list[_Atom], max_nodes: int):
        """Like ``_search``, allowing one building that fits in one grid to be cut into its
        units (one needless split), tried building by building, biggest first. Returns
        (groups, needless splits made) or (None, 0)."""
        ctx = self.ctx
        hi = self.cost.hi
        whole = [
            k
            for k, a in enumerate(atoms)
            if len(a.blds) == 1 and len(a.parts) > 1 and ctx.bld_h[a.blds[0]] <= hi
        ]
        whole.sort(key=lambda k: (-atoms[k].h, k))
        for k in whole[:3]:
            cut = _explode(ctx, [atoms[k]], units_too=True)
            trial = [*atoms[:k], *cut, *atoms[k + 1 :]]
            if len(trial) > 30:
                continue
            groups = self._search(trial, max_nodes // 3)
            if groups is not None:
                b = atoms[k].blds[0]
                parts = sum(1 for grp in groups if any(b in a.blds for a in grp))
                return groups, int(parts > 1)
        return None, 0

    def _search(self, atoms: list[_Atom], max_nodes: int):
        """Cheapest partition of ``atoms`` into connected groups all within the band, or None
        (in C when ``_core`` is built: ``_search_py``)."""
        if _core is not None and len(atoms) <= 62:
            c = self.cost
            masks = _core.exact_search(
                atoms, self.ctx.site, self.ctx.sadj, c.lo, c.hi, c.t, c.dev, c.comp,
                c.cross, c.cross_tiny, BIG, max_nodes, MAX_SETS,
            )  # fmt: skip
            if masks is None:
                return None
            if masks is not False:  # False: an atom of too many sites, for the original
                n = len(atoms)
                return [[atoms[k] for k in range(n) if grp >> k & 1] for grp in masks]
        return self._search_py(atoms, max_nodes)

    def _search_py(self, atoms: list[_Atom], max_nodes: int):
        ctx = self.ctx
        lo, hi = self.cost.lo, self.cost.hi
        n = len(atoms)
        site = ctx.site
        near: list[set[int]] = []
        for a in atoms:
            s = set()
            for b in a.blds:
                s.add(site[b])
                s.update(ctx.sadj[site[b]])
            near.append(s)
        own = [{site[b] for b in a.blds} for a in atoms]
        nbr = [
            [j for j in range(n) if j != i and (own[j] & near[i] or own[i] & near[j])]
            for i in range(n)
        ]
        hs = [a.h for a in atoms]
        full = (1 << n) - 1
        memo: dict[int, tuple[float, list[int]] | None] = {}
        steps = [0]

        def solve(mask: int):
            if mask == full:
                return 0.0, []
            if mask in memo:
                return memo[mask]
            steps[0] += 1
            if steps[0] > max_nodes:
                return None
            i = (~mask & (mask + 1)).bit_length() - 1  # lowest unassigned atom
            best = None
            for grp, s in _connected_sets(i, mask, nbr, hs, hi):
                if s < lo:
                    continue
                sub = solve(mask | grp)
                if sub is None:
                    if steps[0] > max_nodes:
                        return None
                    continue
                members = [k for k in range(n) if grp >> k & 1]
                cost = self.cost.atoms([atoms[k] for k in members]) + sub[0]
                if best is None or cost < best[0] - 1e-9:
                    best = (cost, [grp, *sub[1]])
            memo[mask] = best
            return best

        res = solve(0)
        if res is None:
            return None
        return [[atoms[k] for k in range(n) if grp >> k & 1] for grp in res[1]]

    # ---- repair

    def _chain(self, gs: list[int]) -> list[_Atom]:
        """Order the atoms of grids ``gs`` as a chain of the grids, each oriented to meet the next
        (shortest sum of squared gaps; ties to the first in permutation, then flip, order).
        The order of two or three grids is found in C when ``_core`` is built."""
        if _core is None or len(gs) not in (2, 3):
            return self._chain_py(gs)
        seqs = [self.grids[g] for g in gs]
        perm, flips = _core.chain_order(seqs, gs)
        out: list[_Atom] = []
        for i, fl in zip(perm, flips, strict=True):
            out.extend(reversed(seqs[i]) if fl else seqs[i])
        return out

    def _chain_py(self, gs: list[int]) -> list[_Atom]:
        import itertools

        seqs = [self.grids[g] for g in gs]
        k = len(gs)
        if k == 2:  # one permutation (the other is its reverse), four orientations
            i, j = (0, 1) if gs[0] <= gs[1] else (1, 0)
            a, b = seqs[i], seqs[j]
            best, out = None, None
            for last, first, fa, fb in (
                (a[-1], b[0], False, False),
                (a[-1], b[-1], False, True),
                (a[0], b[0], True, False),
                (a[0], b[-1], True, True),
            ):
                total = 0.0 + ((last.cx - first.cx) ** 2 + (last.cy - first.cy) ** 2)
                if best is None or total < best - 1e-9:
                    best, out = total, (fa, fb)
            fa, fb = out
            return [*(reversed(a) if fa else a), *(reversed(b) if fb else b)]
        # ends[i][fl] = (first atom, last atom) of grid i walked forwards or backwards
        ends = [((s[0], s[-1]), (s[-1], s[0])) for s in seqs]
        # gap[i * 2 + fi][j * 2 + fj]: squared gap from grid i's last atom to grid j's first
        gap = [[0.0] * (2 * k) for _ in range(2 * k)]
        for i in range(k):
            for fi in (0, 1):
                last = ends[i][fi][1]
                row = gap[i * 2 + fi]
                for j in range(k):
                    if j != i:
                        for fj in (0, 1):
                            first = ends[j][fj][0]
                            row[j * 2 + fj] = (last.cx - first.cx) ** 2 + (last.cy - first.cy) ** 2
        best = None
        best_total = INF
        if k == 3:  # the repair's triples: the general loops below, unrolled
            for perm in itertools.permutations(range(3)):
                i, j, m = perm
                if gs[i] > gs[m]:
                    continue
                for fi in (0, 1):
                    row_i = gap[i * 2 + fi]
                    for fj in (0, 1):
                        g1 = 0.0 + row_i[j * 2 + fj]
                        row_j = gap[j * 2 + fj]
                        for fm in (0, 1):
                            total = g1 + row_j[m * 2 + fm]
                            if best is None or total < best_total - 1e-9:
                                best = (total, perm, (fi, fj, fm))
                                best_total = total
        else:
            all_flips = list(itertools.product((0, 1), repeat=k))
            for perm in itertools.permutations(range(k)):
                if gs[perm[0]] > gs[perm[-1]]:
                    continue  # a chain and its reverse are the same
                for flips in all_flips:
                    total = 0.0
                    prev = perm[0] * 2 + flips[0]
                    for step in range(1, k):
                        cur = perm[step] * 2 + flips[step]
                        total += gap[prev][cur]
                        prev = cur
                    if best is None or total < best_total - 1e-9:
                        best = (total, perm, flips)
                        best_total = total
        _, perm, flips = best
        out: list[_Atom] = []
        for i, fl in zip(perm, flips, strict=True):
            out.extend(reversed(seqs[i]) if fl else seqs[i])
        return out

    def _split_weight(self, b: int) -> float:
        return self.cost.needless if self.ctx.bld_h[b] <= self.cost.hi else CUT_UNIT

    def _recut(self, gs: list[int], unlock: bool):
        """The chained re-cut of grids ``gs`` (see ``try_union``): (groups, their cost, the
        number of groups holding each building, groups spanning compounds), or None when a
        group is not contiguous. Depends on the grids' atoms alone, so it is memoised by ids."""
        # A pair's chain does not depend on the order the two grids are named in.
        key = (*(sorted(gs) if len(gs) == 2 else gs), unlock)
        if key in self.recuts:
            return self.recuts[key]
        seq = self._chain(gs)
        if unlock:
            seq = _explode(self.ctx, seq, units_too=True)
        if _core is None:
            res = self.recuts[key] = self._recut_py(seq)
            return res
        got = _core.recut(seq, *self.cost.dp_args, self.ctx.site, self.ctx.sadj)
        res = None
        if got is not None:
            segs, new, inside, multi = got
            res = ([seq[i:j] for i, j in segs], new, inside, multi)
        self.recuts[key] = res
        return res

    def _recut_py(self, seq: list[_Atom]):
        """``_recut`` after the chain: the DP's groups of ``seq`` and what ``try_union`` needs
        of them (``_core.recut`` in C)."""
        _, segs = _dp(seq, self.cost)
        groups = [seq[i:j] for i, j in segs]
        ctx = self.ctx
        res = None
        blds = [{b for a in grp for b in a.blds} for grp in groups]
        if all(ctx.connected(bs) for bs in blds):
            inside: dict[int, int] = defaultdict(int)
            for bs in blds:
                for b in bs:
                    inside[b] += 1
            new = sum(self.cost.atoms(grp) for grp in groups)
            multi = sum(len({a.comp for a in grp}) > 1 for grp in groups)
            res = (groups, new, dict(inside), multi)
        return res

    def try_union(self, gs: list[int], unlock: bool = False):
        """Re-cut grids ``gs`` together; return (delta cost, new groups) if all groups contiguous.

        With ``unlock`` the buildings that fit in one grid may be cut too (needless splits, each
        charged ``needless_split_penalty``).
        """
        recut = self._recut(gs, unlock)
        if recut is None:
            return None
        groups, new, inside, multi = recut
        old = sum(self.gcost[g] for g in gs)
        gs_set = set(gs)
        split = 0.0
        needless = 0
        hi = self.cost.hi
        bld_h = self.ctx.bld_h
        bld_grids = self.bld_grids
        for b, k in inside.items():
            grids_b = bld_grids[b]
            before = len(grids_b)
            if before == 1:  # most buildings: in one grid, one of gs (the union covers it)
                after = k
            else:
                after = before - len(grids_b & gs_set) + k
            if after != before:
                d = max(0, after - 1) - max(0, before - 1)
                split += self._split_weight(b) * d
                if bld_h[b] <= hi:
                    needless += (after > 1) - (before > 1)
        if split == INF or needless > self.needless_left:
            return None
        cross = multi - sum(self.gmulti[g] for g in gs)
        if cross > 0 and cross > self.cross_left:
            must = any(a.tiny and self.gh[g] < self.cost.lo for g in gs for a in self.grids[g])
            if not must:
                return None
        return new - old + split, groups, needless, cross

    def apply(
        self, gs: list[int], groups: list[list[_Atom]], needless: int = 0, cross: int = 0
    ) -> None:
        if any(g in self.kept for g in gs):
            self.kept_budget -= 1
        self.needless_left -= needless
        self.needless_used += needless
        self.cross_left -= cross
        for g in gs:
            self.remove(g)
        for grp in groups:
            self.add(grp)

    def moves(self) -> int:
        """Move single atoms (a building, or a unit of a building that is cut anyway) across a
        grid boundary when that brings an out-of-range grid into the band without pushing its
        neighbour out: moves the chained re-cut of ``repair`` cannot express, at a fraction of
        its cost. No new compound crossing or needless split beyond the budgets; kept grids are
        left alone. Returns the number of moves made."""
        ctx = self.ctx
        site = ctx.site
        lo, hi = self.cost.lo, self.cost.hi
        made = 0
        move_failed = self.move_failed
        for g in self._out_of_range():
            nbrs = self.neighbours(g)
            # Neither a move nor a swap fixed g last time: with the same neighbours (ids are
            # never reused, so the same atoms) and no more budget, none would now.
            seen = move_failed.get(g)
            if (
                seen is not None
                and seen[0] == nbrs
                and self.needless_left <= seen[1]
                and self.cross_left <= seen[2]
            ):
                continue
            hg = self.gh[g]
            best = None
            rest_ok: dict[tuple[int, int], bool] = {}  # (grid, atom) -> the rest connected
            # grid -> its buildings, ``sites_around`` it and whether it is connected, when needed
            around: dict[int, tuple[set[int], set[int], bool]] = {}
            helds: dict[int, tuple] = {}  # grid -> _held(grid), when needed
            for n in nbrs:
                if n in self.kept:
                    continue
                hn = self.gh[n]
                if hg < lo:
                    src_g, dst_g = n, g  # take an atom from the neighbour
                else:
                    src_g, dst_g = g, n  # give one away
                src_atoms = self.grids[src_g]
                if len(src_atoms) < 2:
                    continue
                near = None
                for k, a in enumerate(src_atoms):
                    h_src = self.gh[src_g] - a.h
                    h_dst = self.gh[dst_g] + a.h
                    if not (lo <= h_dst <= hi):
                        continue
                    was_in = lo <= hn <= hi
                    if not (lo <= h_src <= hi) and (was_in or src_g == g):
                        continue
                    if near is None:
                        known = around.get(dst_g)
                        if known is None:
                            dst_blds = set(self.blds(dst_g))
                            near = self.sites_around(dst_g)
                            whole = ctx.connected(dst_blds)
                            known = around[dst_g] = (dst_blds, near, whole)
                        dst_blds, near, dst_whole = known
                    if near.isdisjoint(map(site.__getitem__, a.blds)):
                        continue  # a touches none of dst_g's buildings
                    rest = src_atoms[:k] + src_atoms[k + 1 :]
                    ok = rest_ok.get((src_g, k))
                    if ok is None:
                        ok = rest_ok[src_g, k] = ctx.connected({b for x in rest for b in x.blds})
                    if not ok:
                        continue
                    # One building touching a connected grid leaves it connected.
                    if not (dst_whole and len(a.blds) == 1) and not ctx.connected(
                        dst_blds | set(a.blds)
                    ):
                        continue
                    held = helds.get(src_g)
                    if held is None:
                        held = helds[src_g] = self._held(src_g)
                    res = self._move_delta(src_g, dst_g, a, rest, held)
                    if res is None:
                        continue
                    key = (res[0], k, n)
                    if best is None or key < best[0]:
                        best = (key, src_g, dst_g, a, rest, res)
            if best is not None:
                _key, src_g, dst_g, a, rest, (_d, needless, cross) = best
                self.apply([src_g, dst_g], [rest, [*self.grids[dst_g], a]], needless, cross)
                made += 1
            elif self._swap(g):
                made += 1
            else:
                move_failed[g] = (nbrs, self.needless_left, self.cross_left)
        return made

    def _swap(self, g: int) -> bool:
        """Exchange one atom of out-of-range grid ``g`` with one of a neighbour so that both end
        in the band (two buildings of 55 and 50 beside two of 40: 105 | 80 → 95 | 90)."""
        ctx = self.ctx
        lo, hi = self.cost.lo, self.cost.hi
        hg = self.gh[g]
        mine = self.grids[g]
        mine_comps = len({a.comp for a in mine})
        best = None
        for n in self.neighbours(g):
            if n in self.kept or not (lo <= self.gh[n] <= hi):
                continue
            theirs = self.grids[n]
            theirs_comps = len({a.comp for a in theirs})
            hn = self.gh[n]
            for i, x in enumerate(mine):
                for j, y in enumerate(theirs):
                    d = y.h - x.h
                    if not (lo <= hg + d <= hi and lo <= hn - d <= hi):
                        continue
                    new_g = [*mine[:i], *mine[i + 1 :], y]
                    new_n = [*theirs[:j], *theirs[j + 1 :], x]
                    if (
                        len({a.comp for a in new_g}) > mine_comps
                        or len({a.comp for a in new_n}) > theirs_comps
                    ):
                        continue  # no new compound in either grid
                    if any(
                        b in bl
                        for a in (x, y)
                        for b in a.blds
                        for bl in ({c for z in new_g for c in z.blds if z is not y},)
                    ) or any(b in {c for z in new_n for c in z.blds if z is not x} for b in y.blds):
                        continue  # a building split between the two: keep it simple
                    if not (
                        ctx.connected({b for a in new_g for b in a.blds})
                        and ctx.connected({b for a in new_n for b in a.blds})
                    ):
                        continue
                    delta = (
                        self.cost.atoms(new_g)
                        + self.cost.atoms(new_n)
                        - self.gcost[g]
                        - self.gcost[n]
                    )
                    key = (delta, i, j, n)
                    if best is None or key < best[0]:
                        best = (key, n, new_g, new_n)
        if best is None:
            return False
        _key, n, new_g, new_n = best
        self.apply([g, n], [new_g, new_n])
        return True

    def _movable(self, g: int, a: _Atom) -> bool:
        """Whether atom ``a`` of grid ``g`` can change grids without a needless split: each of
        its buildings that fits in one grid lies wholly in ``a``."""
        hi = self.cost.hi
        for b in a.blds:
            if self.ctx.bld_h[b] <= hi and (
                len(self.bld_grids[b]) != 1
                or any(x is not a and b in x.blds for x in self.grids[g])
            ):
                return False
        return True

    def _grids_touching(self, blds) -> list[int]:
        bld_grids = self.bld_grids
        out: set[int] = set()
        for b in blds:
            for n in self.ctx.bld_nbrs(b):
                out |= bld_grids[n]
        return sorted(out)

    def chains(self) -> int:
        """Ejection chains: an out-of-range grid passes one atom to a neighbour, which passes
        one of its own on, and so on, until a grid can take it (a grid below the band pulls
        atoms the same way). Every grid of the chain ends in the band and contiguous; no
        needless split, no crossing (a crossing-free policy: any neighbours), kept grids left
        alone. Breadth first, at most ``CHAIN_DEPTH`` grids deep and ``CHAIN_WIDTH`` open
        chains a step: what a single move or swap cannot do (109 | 95 | 70 → 99 | 90 | 85,
        with the middle grid giving and taking one building each). Returns the chains made."""
        lo, hi = self.cost.lo, self.cost.hi
        free = self.crosses_freely
        made = 0
        for g in self._out_of_range():
            comp = self.grids[g][0].comp
            if self.gmulti[g] and not free:
                continue
            path = self._chain_path(g, comp, free, lo, hi)
            if path is None:
                continue
            new: dict[int, list[_Atom]] = {}
            for src, dst, a in path:
                new[src] = [x for x in new.get(src, self.grids[src]) if x is not a]
                new[dst] = [*new.get(dst, self.grids[dst]), a]
            gs = sorted(new)
            self.apply(gs, [new[x] for x in gs])
            made += 1
        return made

    def _chain_path(self, g: int, comp: int, free: bool, lo: int, hi: int):
        """The first chain of ``chains`` for grid ``g``: [(from grid, to grid, atom), …] or
        None."""
        ctx = self.ctx
        give = self.gh[g] > hi

        def usable(q: int) -> bool:
            return q not in self.kept and (
                free or (not self.gmulti[q] and self.grids[q][0].comp == comp)
            )

        def connected(atoms) -> bool:
            return ctx.connected({b for x in atoms for b in x.blds})

        frontier = [(g, list(self.grids[g]), [])]
        seen = {g}
        for _depth in range(CHAIN_DEPTH):
            grown = []
            for p, atoms_p, path in frontier:
                hp = sum(a.h for a in atoms_p)
                if give:  # p passes one of its atoms (not the one it was given) to a neighbour
                    if len(atoms_p) < 2:
                        continue
                    for k, a in enumerate(atoms_p):
                        if (path and a is path[-1][2]) or not (lo <= hp - a.h <= hi):
                            continue
                        if not self._movable(p, a):
                            continue
                        rest = atoms_p[:k] + atoms_p[k + 1 :]
                        if not connected(rest):
                            continue
                        for q in self._grids_touching(a.blds):
                            if q in seen or not usable(q):
                                continue
                            taken = [*self.grids[q], a]
                            step = [*path, (p, q, a)]
                            if lo <= self.gh[q] + a.h <= hi and connected(taken):
                                return step
                            grown.append((q, taken, step))
                else:  # p takes an atom from a neighbour
                    blds_p = {b for x in atoms_p for b in x.blds}
                    for q in self._grids_touching(blds_p):
                        if q in seen or not usable(q) or len(self.grids[q]) < 2:
                            continue
                        atoms_q = self.grids[q]
                        for k, a in enumerate(atoms_q):
                            if not (lo <= hp + a.h <= hi) or not self._movable(q, a):
                                continue
                            if not ctx.connected(blds_p | set(a.blds)):
                                continue
                            rest = atoms_q[:k] + atoms_q[k + 1 :]
                            if not connected(rest):
                                continue
                            step = [*path, (q, p, a)]
                            if lo <= self.gh[q] - a.h <= hi:
                                return step
                            grown.append((q, rest, step))
            for q, _atoms, _path in grown:
                seen.add(q)
            frontier = grown
            if not frontier or len(frontier) > CHAIN_WIDTH:
                return None
        return None

    def _move_delta(self, src_g: int, dst_g: int, a: _Atom, rest: list[_Atom], held):
        """(cost change, needless splits added, crossings added) of moving atom ``a`` from
        ``src_g`` to ``dst_g``, or None when a budget forbids it. ``held`` is ``_held(src_g)``."""
        by_bld, by_comp = held
        needless = 0
        hi = self.cost.hi
        bld_h = self.ctx.bld_h
        for b in a.blds:
            grids_b = self.bld_grids[b]
            before = len(grids_b)
            # src_g keeps b when another of its atoms holds it; dst_g may hold it already
            after = before - (by_bld[b] == 1) + (dst_g not in grids_b)
            if bld_h[b] <= hi:
                needless += (after > 1) - (before > 1)
        if needless > self.needless_left:
            return None
        rest_multi = len(by_comp) - (by_comp[a.comp] == 1) > 1
        dst_multi = self.gmulti[dst_g] or self.grids[dst_g][0].comp != a.comp
        cross = rest_multi + dst_multi - self.gmulti[src_g] - self.gmulti[dst_g]
        if cross > 0 and cross > self.cross_left:
            return None
        dst = [*self.grids[dst_g], a]
        delta = self.cost.atoms(rest) + self.cost.atoms(dst) - self.gcost[src_g] - self.gcost[dst_g]
        return delta, needless, cross

    def _held(self, g: int) -> tuple[dict[int, int], dict[int, int]]:
        """How many of grid ``g``'s atoms hold each of its buildings, and each compound."""
        by_bld: dict[int, int] = defaultdict(int)
        by_comp: dict[int, int] = defaultdict(int)
        for a in self.grids[g]:
            by_comp[a.comp] += 1
            for b in a.blds:
                by_bld[b] += 1
        return by_bld, by_comp

    def repair(self, passes: int = 3) -> None:
        self.moves()
        # grid -> (its neighbours, budgets) when it last could not be fixed: nothing around it
        # changed and the budgets are no larger, so trying again (in a later budget round,
        # say) would fail the same way. Grid ids are never reused, so the memo stays valid.
        failed = self.failed
        for _ in range(passes):
            changed = False
            for g in self._out_of_range():
                nbrs = self.neighbours(g)
                seen = failed.get(g)
                budgets = (min(self.needless_left, 2), min(self.cross_left, 2), self.kept_budget)
                if (
                    seen is not None
                    and seen[0] == nbrs
                    and all(b <= s for b, s in zip(budgets, seen[1], strict=True))
                ):
                    continue
                if self._repair_one(g, nbrs):
                    changed = True
                else:
                    failed[g] = (nbrs, budgets)
            if not changed:
                break
        self.moves()

    def _allowed(self, gs: list[int]) -> bool:
        k = sum(1 for g in gs if g in self.kept)
        return k == 0 or (k == 1 and self.kept_budget > 0)

    def _feasible(self, gs: list[int]) -> bool:
        """Could the union be cut into grids that are all within the band (by size alone)?"""
        s = sum(self.gh[g] for g in gs)
        lo, hi = self.cost.lo, self.cost.hi
        k = max(1, -(-s // hi))
        return k * lo <= s

    def _candidates(self, g: int, nbrs: list[int]):
        """(pairs, triples) to re-cut ``g`` with: the nearest neighbours, and triples of ``g``
        with one of its four nearest and one of that one's neighbours. ``triples`` is a
        function: most repairs end with a pair, and the triples cost more to list."""
        dist: dict[int, float] = {}  # distances from g, each computed once

        def nearest(m: int) -> tuple[float, int]:
            d = dist.get(m)
            if d is None:
                d = dist[m] = self._dist(g, m)
            return d, m

        by_dist = sorted(nbrs, key=nearest)
        pairs = []
        for n in by_dist:
            if self._allowed([g, n]) and self._feasible([g, n]):
                pairs.append([g, n])
                if len(pairs) == MAX_PAIRS:
                    break

        def triples() -> list[list[int]]:
            near = by_dist[:4]
            seen = set()
            out = []
            for n in near:
                third = sorted(set(near) | set(self.neighbours(n)), key=nearest)
                for m in third[:5]:
                    if m in (g, n):
                        continue
                    key = tuple(sorted((g, n, m)))
                    if key not in seen:
                        seen.add(key)
                        gs = list(key)
                        if self._allowed(gs) and self._feasible(gs):
                            out.append(gs)
                            if len(out) == MAX_TRIPLES:
                                return out
            return out

        return pairs, triples

    def _repair_one(self, g: int, nbrs: list[int]) -> bool:
        """Fix grid ``g`` by re-cutting it with one or two neighbours: first without splitting
        any building that fits in one grid, and only if that fails, with needless splits."""
        pairs, list_triples = self._candidates(g, nbrs)
        triples: list[list[int]] = []
        listed = False
        best = None
        unlock = self.cost.needless < INF and self.needless_left > 0
        stages = [(pairs, False), (pairs, True), (triples, False), (triples, True)]
        stages = [st for st in stages if unlock or not st[1]]
        for cands, unlock in stages:
            if cands is triples and not listed:
                triples.extend(list_triples())  # listed once, for both triple stages
                listed = True
            for gs in cands:
                res = self.try_union(gs, unlock)
                if res is not None and (best is None or res[0] < best[0] - 1e-9):
                    best = (res[0], gs, res[1], res[2], res[3])
                    if best[0] < -BIG / 2 or (
                        unlock
                        and best[0] < 0
                        and all(
                            self.cost.lo <= sum(a.h for a in grp) <= self.cost.hi for grp in best[2]
                        )
                    ):
                        break  # the nearest candidate that brings every grid in range will do
            if best is not None and best[0] < -BIG / 2:
                break
        if best is not None and best[0] < -1e-6:
            self.apply(best[1], best[2], best[3], best[4])
            return True
        return False

    def _dist(self, g: int, n: int) -> float:
        ax, ay = self.gcentre[g]
        bx, by = self.gcentre[n]
        return math.hypot(ax - bx, ay - by)


# --------------------------------------------------------------------------------------------
# driver


def _validate(units: list[Unit]) -> None:
    seen: set[tuple[str, str, str, str]] = set()
    for u in units:
        key = u.key
        if key in seen:
            raise DivisionError("单元重复：" + "/".join(key))
        seen.add(key)
        if u.households < 0 or u.floors < 1:
            raise DivisionError("户数不能为负、层数必须为正：" + "/".join(u.key))


def _unit_sort_key(u: Unit):
    return (
        natural_key(u.community),
        natural_key(u.compound),
        natural_key(u.building),
        natural_key(u.unit),
    )


def _sorted_units(units) -> list[Unit]:
    """``sorted(units, key=_unit_sort_key)`` with each name's natural key computed once: the
    key is one integer made of the names' ranks among the distinct names of their column
    (equal names, equal ranks; distinct names have distinct natural keys), so the order is
    the same and no tuple of tuples is built or compared per unit (0.029 → 0.016 s for 40k
    units)."""
    units = list(units)
    ranks = []
    for names in (
        {u.community for u in units},
        {u.compound for u in units},
        {u.building for u in units},
        {u.unit for u in units},
    ):
        ranks.append({s: k for k, s in enumerate(sorted(names, key=natural_key))})
    r_comm, r_comp, r_bld, r_unit = ranks
    n_comp, n_bld, n_unit = len(r_comp), len(r_bld), len(r_unit)
    return sorted(
        units,
        key=lambda u: (
            ((r_comm[u.community] * n_comp + r_comp[u.compound]) * n_bld + r_bld[u.building])
            * n_unit
            + r_unit[u.unit]
        ),
    )


def _previous_by_community(previous) -> dict[str, list[Piece]]:
    if previous is None:
        return {}
    pieces = previous.pieces if isinstance(previous, Division) else previous
    out: dict[str, list[Piece]] = defaultdict(list)
    for p in pieces:
        out[p.community].append(p)
    return out


def divide(
    units: Iterable[Unit],
    policy: str | dict | Policy,
    previous: Division | list[Piece] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    with_metrics: bool = True,
    workers: int | None = None,
    *,
    validated: bool = False,
) -> Division:
    """Divide ``units`` into grids under ``policy``; see the module docstring for the method.

    ``previous`` (a Division or its pieces) makes the result stable: only compounds whose units
    were added, removed or re-counted are re-divided. ``progress(done, total, community)`` is
    called as communities finish. Communities are independent, so large inputs are divided by
    ``workers`` forked processes (default: up to 2 above 1M households); the result does not
    depend on the number of workers. ``validated=True`` skips the check for duplicate units,
    negative households and floors below 1, for callers that made it (``cli.read_units``).

    The cyclic garbage collector is off while dividing (and in the forked workers): the engine
    allocates millions of short-lived lists and tuples, freed by reference counting, and the
    collector's passes over them cost ~18 % of the CPU of a 500k division. The few cycles it
    makes (the exact search's recursive closures) wait for the next collection once the
    collector is back on (switched back on, if it was on, before returning); peak RSS is
    unchanged (129 MB at 500k).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _divide(units, policy, previous, progress, with_metrics, workers, validated)
    finally:
        if enabled:
            gc.enable()


def _divide(units, policy, previous, progress, with_metrics, workers, validated) -> Division:
    pol = get_policy(policy)
    units = _sorted_units(units)
    if not validated:
        _validate(units)
    by_comm: dict[str, list[Unit]] = {}
    for u in units:
        by_comm.setdefault(u.community, []).append(u)
    prev = _previous_by_community(previous)
    jobs = [(name, by_comm[name], prev.get(name, [])) for name in by_comm]
    total_h = sum(u.households for u in units)
    if workers is None:
        workers = min(2, os.cpu_count() or 1) if total_h > PARALLEL_ABOVE else 1
    workers = max(1, min(workers, len(jobs)))
    results: dict[str, tuple] = {}
    if workers > 1 and hasattr(os, "fork"):
        # Largest communities first, dealt round-robin to the workers.
        order = sorted(range(len(jobs)), key=lambda k: (-len(jobs[k][1]), k))
        chunks = [order[k::workers] for k in range(workers)]
        global _JOBS
        _JOBS = (jobs, pol)
        # Imported once, before forking, not once per worker (with the C module the site
        # graphs need neither, and the batched DP is in C).
        if _core is None:
            import numpy  # noqa: F401

            qhull()

        procs = []
        failed = True
        try:
            for chunk in chunks:
                procs.append((*_fork_worker(chunk), chunk))
            demands: dict[str, tuple] = {}
            for _proc, conn, _chunk in procs:
                demands.update(conn.recv())
            for _round in range(BUDGET_ROUNDS):
                quotas = _allocate(jobs, demands, pol)
                if not any(q[0] or 0 < q[1] < _UNLIMITED for q in quotas.values()):
                    break
                for _proc, conn, chunk in procs:
                    conn.send({jobs[k][0]: quotas[jobs[k][0]] for k in chunk})
                for _proc, conn, _chunk in procs:
                    demands.update(conn.recv())
            for _proc, conn, _chunk in procs:
                conn.send(None)
            for _proc, conn, _chunk in procs:
                for name, res in conn.recv():
                    results[name] = res
                if progress is not None:
                    progress(len(results), len(jobs), name)
            failed = False
        finally:
            _JOBS = None
            for pid, conn, _chunk in procs:
                conn.close()
                if failed:  # pragma: no cover - only after an error in the parent
                    os.kill(pid, signal.SIGTERM)
                os.waitpid(pid, 0)
        if len(results) != len(jobs):  # pragma: no cover
            raise RuntimeError("division worker failed")
    else:
        stage = _Stage1(jobs, pol)
        demands = stage.demands()
        for _round in range(BUDGET_ROUNDS):
            quotas = _allocate(jobs, demands, pol)
            if not any(q[0] or 0 < q[1] < _UNLIMITED for q in quotas.values()):
                break
            stage.spend(quotas)
            demands = stage.demands()
        for name, res in stage.finish():
            results[name] = res
        if progress is not None and jobs:
            progress(len(jobs), len(jobs), jobs[-1][0])
    pieces: list[Piece] = []
    grids: list[Grid] = []
    warnings: list[str] = []
    positions = dict.fromkeys(
        [
            "units_without_position",
            "buildings_without_position",
            "compounds_without_position",
            "buildings_at_shared_position",
            "buildings",
        ],
        0,
    )
    for name, units_c, _prev in jobs:
        ps, gs, ws, counts = results[name]
        pieces.extend(_pieces(units_c, ps))
        grids.extend(gs)
        warnings.extend(ws)
        for k, v in counts.items():
            positions[k] += v
    if positions["buildings_without_position"] or positions["units_without_position"]:
        warnings.append(
            f"{positions['buildings_without_position']} 个楼栋（{positions['units_without_position']}"
            f" 个单元）没有坐标：按所在楼栋、小区（或社区）的中心放置，同一点上按楼栋号排序"
        )
    if positions["buildings_at_shared_position"]:
        warnings.append(
            f"{positions['buildings_at_shared_position']} 个楼栋与其他楼栋坐标相同："
            f"同一点上的楼栋彼此相邻，并与该点的相邻楼栋相邻"
        )
    division = Division(
        policy=pol, pieces=pieces, grids=grids, warnings=warnings, positions=positions
    )
    if with_metrics:
        from .metrics import compute_metrics

        division.metrics = compute_metrics(units, pieces, pol)
    return division


_PIECE_FIELDS = tuple(f.name for f in dataclasses.fields(Piece))


def _pieces(units: list[Unit], rows: list[tuple]) -> list[Piece]:
    """The ``Piece`` of each row (unit index, floor_from, floor_to, households, grid) of
    ``_emit``; in C when ``_core`` is built (``Piece`` is a frozen slots dataclass whose
    ``__init__`` only sets its fields, ~1 µs each; 40k pieces at 500k)."""
    if _core is None or hasattr(Piece, "__post_init__"):
        return [
            Piece(units[u].community, units[u].compound, units[u].building, units[u].unit, *rest)
            for u, *rest in rows
        ]
    return _core.build_pieces(Piece, _PIECE_FIELDS, units, rows)


_JOBS = None  # (jobs, policy) inherited by forked workers
_UNLIMITED = 10**9


class _Pipe:
    """Both ends of a worker's two pipes, as one connection: ``send`` and ``recv`` of pickled
    objects, each after its length (multiprocessing's ``Pipe`` does the same; importing
    multiprocessing and its connection module cost ~0.01 s of CPU a run)."""

    def __init__(self, read_fd: int, write_fd: int):
        self.rfile = os.fdopen(read_fd, "rb")
        self.wfile = os.fdopen(write_fd, "wb")

    def send(self, obj) -> None:
        import pickle

        data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
        self.wfile.write(len(data).to_bytes(8, "little"))
        self.wfile.write(data)
        self.wfile.flush()

    def recv(self):
        import pickle

        head = self.rfile.read(8)
        if len(head) < 8:
            raise EOFError("division worker: the other end closed its pipe")
        n = int.from_bytes(head, "little")
        data = self.rfile.read(n)
        if len(data) < n:
            raise EOFError("division worker: the other end closed its pipe")
        return pickle.loads(data)

    def close(self) -> None:
        for f in (self.wfile, self.rfile):
            try:
                f.close()
            except OSError:  # pragma: no cover - a worker that died mid-write
                pass


def _fork_worker(chunk: list[int]) -> tuple[int, _Pipe]:
    """Fork a process running ``_worker(chunk, …)``; (its pid, the parent's end)."""
    down_r, down_w = os.pipe()  # parent -> worker
    up_r, up_w = os.pipe()  # worker -> parent
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the worker (coverage does not follow forks)
        code = 1
        try:
            os.close(down_w)
            os.close(up_r)
            _worker(chunk, _Pipe(down_r, up_w))
            code = 0
        except BaseException:
            import traceback

            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    os.close(down_r)
    os.close(up_w)
    return pid, _Pipe(up_r, down_w)


def _worker(indices: list[int], conn) -> None:
    """Forked worker: first pass, then spend the budgets the parent hands out, then emit."""
    jobs, pol = _JOBS
    stage = _Stage1([jobs[k] for k in indices], pol)
    conn.send(stage.demands())
    while (quotas := conn.recv()) is not None:
        stage.spend(quotas)
        conn.send(stage.demands())
    conn.send(stage.finish())
    conn.close()


BUDGET_ROUNDS = 3


def _budgets(jobs, demands: dict[str, tuple], pol: Policy) -> tuple[int, int]:
    """Street-wide budgets left: needless splits, and grids that may span two compounds."""
    names = [name for name, _u, _p in jobs]
    buildings = sum(demands[n][1] for n in names)
    ideal = sum(demands[n][2] for n in names)
    crossing = sum(demands[n][3] for n in names)
    needless = sum(demands[n][4] for n in names)
    return (
        max(0, math.floor(pol.needless_split_budget_pct / 100 * buildings) - needless),
        max(0, math.floor(pol.compound_cross_budget_pct / 100 * ideal) - crossing),
    )


def _allocate(jobs, demands: dict[str, tuple], pol: Policy) -> dict[str, tuple[int, int]]:
    """Share what is left of the street-wide budgets of needless splits and of grids spanning
    two compounds among the communities that still have grids out of range.

    The quality bars are global (≤ 1 % of buildings, ≤ 5 % of grids), so budgets go to the
    communities in proportion to their grids still out of range (largest remainder, ties by
    community order); a community that could not spend its last share gets no more. Repeated
    ``BUDGET_ROUNDS`` times. Deterministic and independent of how workers shared communities.
    """
    names = [name for name, _u, _p in jobs]
    out = {}
    for r, total in enumerate(_budgets(jobs, demands, pol)):
        need = [demands[n][0] if not demands[n][5 + r] else 0 for n in names]
        total = min(total, 2 * sum(need))
        weight = sum(need)
        share = [0] * len(names)
        if weight and total:
            exact = [total * d / weight for d in need]
            share = [math.floor(e) for e in exact]
            rest = total - sum(share)
            for k in sorted(range(len(names)), key=lambda k: (-(exact[k] - share[k]), k))[:rest]:
                share[k] += 1
        for k, n in enumerate(names):
            out.setdefault(n, [0, 0])[r] = share[k]
    if pol.compound_cross_budget_pct >= 100:
        for n in names:
            out[n][1] = _UNLIMITED
    return {n: tuple(v) for n, v in out.items()}


class _Stage1:
    """Communities after the exact core, contiguity and a repair that spends no budget."""

    def __init__(self, jobs, pol: Policy):
        self.jobs = jobs
        self.pol = pol
        cost = _Cost(pol)
        self.contexts: list[_Community] = []
        self.states: list[_State] = []
        pending: list[tuple[int, list[list[_Atom]]]] = []  # (state idx, a sequence per family)
        for name, units, prev in jobs:
            ctx = _Community(name, units, pol)
            state = _State(ctx, cost)
            self.contexts.append(ctx)
            self.states.append(state)
            free = _restore_previous(ctx, state, prev)
            free_comps = {ctx.bld_comp[ctx.unit_bld[u]] for u in free}
            cache: dict[int, list[_Atom]] = {}
            for comps in ctx.groups:
                if not any(c in free_comps for c in comps):
                    continue
                # Small groups give the same order in several families: each distinct order
                # is cut once (a repeat could never win: ties go to the first order).
                orders = list(dict.fromkeys(tuple(o) for o in _group_orders(ctx, comps)))
                seqs = [_atoms_for(ctx, order, free, comps[0] * 100000, cache) for order in orders]
                pending.append((len(self.states) - 1, seqs))
        flat = [seq for _si, seqs in pending for seq in seqs]
        results = _batched_dp(flat, cost)
        k = 0
        for si, seqs in pending:
            res = results[k : k + len(seqs)]
            k += len(seqs)
            best = min(range(len(seqs)), key=lambda i: (res[i][0], i))
            seq, segs = seqs[best], res[best][1]
            seq = [a.atom() if type(a) is _Run else a for a in seq]
            for i, j in segs:
                self.states[si].add(seq[i:j])
        for state in self.states:
            state.make_contiguous()
            state.needless_left = 0
            state.cross_left = _UNLIMITED if pol.compound_cross_budget_pct >= 100 else 0
            state.repair()
            if state.exact_compounds() + state.exact_local():
                state.repair()
            if state.chains():
                state.repair()

    def demands(self) -> dict[str, tuple]:
        """Per community: grids out of range, buildings, ideal grid count, grids crossing
        compounds, needless splits made, and whether it left needless / crossing budget unspent."""
        out = {}
        for ctx, state in zip(self.contexts, self.states, strict=True):
            bad = sum(1 for g in state.bad if g not in state.kept)
            crossing = sum(state.gmulti.values())
            ideal = max(1, round(ctx.households / self.pol.target))
            out[ctx.name] = (
                bad,
                len(ctx.bld_xy),
                ideal,
                crossing,
                state.needless_used,
                state.needless_left > 0,
                0 < state.cross_left < _UNLIMITED,
            )
        return out

    def spend(self, quotas: dict[str, tuple[int, int]]) -> None:
        for ctx, state in zip(self.contexts, self.states, strict=True):
            state.needless_left, state.cross_left = quotas[ctx.name]
            if state.needless_left:
                state.exact_compounds(split_one=True)
            if state.needless_left or (0 < state.cross_left < _UNLIMITED):
                state.repair()

    def finish(self) -> list[tuple[str, tuple]]:
        out = []
        for (name, _units, prev), ctx, state in zip(
            self.jobs, self.contexts, self.states, strict=True
        ):
            pieces: list[tuple] = []
            grids: list[Grid] = []
            warnings: list[str] = []
            _emit(ctx, state, self.pol, pieces, grids, prev)
            if len(grids) > 99:
                warnings.append(
                    f"社区“{ctx.name}”有 {len(grids)} 个网格，超过 99 个："
                    f"CJ/T 349 网格编码的两位序号不够用"
                )
            counts = dict(
                ctx.position_counts,
                buildings_at_shared_position=ctx.shared,
                buildings=len(ctx.bld_names),
            )
            out.append((name, (pieces, grids, warnings, counts)))
        return out


def _restore_previous(ctx: _Community, state: _State, prev: list[Piece]):
    """Keep previous grids that touch no changed compound; return the free unit portions.

    Returns {unit index: [(floor_from, floor_to, households), …]} of everything not kept.
    """
    units = ctx.units
    full = {i: [(1, u.floors, u.households)] for i, u in enumerate(units)}
    if not prev:
        return full
    index = {(u.compound, u.building, u.unit): i for i, u in enumerate(units)}
    prev_units: dict[tuple[str, str, str], list[Piece]] = defaultdict(list)
    for p in prev:
        prev_units[(p.compound, p.building, p.unit)].append(p)
    changed_comps: set[str] = set()
    for key, ps in prev_units.items():
        i = index.get(key)
        if (
            i is None
            or sum(p.households for p in ps) != units[i].households
            or max(p.floor_to for p in ps) != units[i].floors
        ):
            changed_comps.add(key[0])
    for key in index:
        if key not in prev_units:
            changed_comps.add(key[0])
    by_grid: dict[str, list[Piece]] = defaultdict(list)
    for p in prev:
        by_grid[p.grid].append(p)
    free = {i: list(v) for i, v in full.items()}
    taken: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    freed = 0
    for gid in sorted(by_grid, key=natural_key):
        ps = by_grid[gid]
        if any(p.compound in changed_comps for p in ps):
            continue
        parts = []
        for p in ps:
            i = index[(p.compound, p.building, p.unit)]
            parts.append((i, p.floor_from, p.floor_to, p.households))
        blds = sorted({ctx.unit_bld[i] for i, *_ in parts})
        if not ctx.connected(blds):
            # A new building cut an edge of the triangulation this grid relied on: re-divide
            # it with the rest, and let it use up the one neighbouring grid an edit may change.
            freed += 1
            continue
        by_b: dict[int, list] = defaultdict(list)
        for part in parts:
            by_b[ctx.unit_bld[part[0]]].append(part)
        atoms = []
        for b in sorted(by_b):
            bp = sorted(by_b[b])
            pts = [ctx.uxy[q[0]] for q in bp]
            atoms.append(
                _Atom(
                    bp,
                    sum(q[3] for q in bp),
                    pts,
                    [b],
                    ctx.bld_comp[b],
                    min(q[0] for q in bp),
                    tiny=ctx.comp_tiny[ctx.bld_comp[b]],
                )
            )
        state.add(atoms, kept_id=gid)
        for i, ff, ft, hh in parts:
            taken[i].append((ff, ft, hh))
    state.kept_budget = max(0, 1 - freed)
    for i, ranges in taken.items():
        u = units[i]
        ranges.sort()
        left = u.households - sum(r[2] for r in ranges)
        gaps = []
        f = 1
        for ff, ft, _ in ranges:
            if ff > f:
                gaps.append((f, ff - 1))
            f = max(f, ft + 1)
        if f <= u.floors:
            gaps.append((f, u.floors))
        if not gaps:
            free.pop(i, None)
            continue
        nfl = sum(b - a + 1 for a, b in gaps)
        out = []
        for k, (a, b) in enumerate(gaps):
            share = (
                left * (b - a + 1) // nfl if k < len(gaps) - 1 else left - sum(o[2] for o in out)
            )
            out.append((a, b, share))
        free[i] = out
    return free


def _grid_ids(ctx: _Community, state: _State, order: list[int], prev: list[Piece]) -> dict:
    """Ids "<社区>-G001"…; after an edit, kept grids keep theirs and new grids inherit the id of
    the dropped old grid they share most households with (so a leader follows most of his homes)."""
    if not prev:
        return {g: f"{ctx.name}-G{k:03d}" for k, g in enumerate(order, start=1)}
    ids = {g: state.kept[g] for g in order if g in state.kept}
    old_ids = sorted({p.grid for p in prev}, key=natural_key)
    dropped = [i for i in old_ids if i not in set(ids.values())]
    old_unit: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for p in prev:
        if p.grid in dropped:
            old_unit[(p.compound, p.building, p.unit)][p.grid] += p.households
    pairs = []
    for g in order:
        if g in ids:
            continue
        new_unit: dict[int, int] = defaultdict(int)
        for a in state.grids[g]:
            for u, _ff, _ft, hh in a.parts:
                new_unit[u] += hh
        overlap: dict[str, int] = defaultdict(int)
        for u, hh in new_unit.items():
            unit = ctx.units[u]
            for gid, oh in old_unit.get((unit.compound, unit.building, unit.unit), {}).items():
                overlap[gid] += min(hh, oh)
        for gid, ov in overlap.items():
            if ov > 0:
                pairs.append((-ov, order.index(g), natural_key(gid), g, gid))
    pairs.sort()
    taken: set[str] = set()
    for _ov, _pos, _k, g, gid in pairs:
        if g not in ids and gid not in taken:
            ids[g] = gid
            taken.add(gid)
    numbers = [int(i.rsplit("-G", 1)[1]) for i in old_ids if i.rsplit("-G", 1)[-1].isdigit()]
    n = max(numbers, default=0)
    for g in order:
        if g not in ids:
            n += 1
            ids[g] = f"{ctx.name}-G{n:03d}"
    return ids


def _emit(
    ctx: _Community,
    state: _State,
    pol: Policy,
    pieces: list[tuple],
    grids: list[Grid],
    prev: list[Piece],
) -> None:
    """Append the community's pieces and grids. A piece is a row (unit index in the community,
    floor_from, floor_to, households, grid id): rows cross the workers' pipes, and integers
    pickle in a fraction of the time the unit's four names take (each unit's own string
    objects, 3 MB at 500k); ``divide`` makes each ``Piece`` from its row once."""
    order = sorted(state.grids, key=lambda g: (min(a.rank for a in state.grids[g]), g))
    ids = _grid_ids(ctx, state, order, prev)
    out_pieces: list[tuple[int, int, int, int, str]] = []
    out_grids: list[Grid] = []
    for g in order:
        gid = ids[g]
        if _core is None or not _core.grid_rows(state.grids[g], gid, out_pieces):
            _grid_rows_py(state.grids[g], gid, out_pieces)
        h = state.gh[g]
        comps = sorted({ctx.compounds[a.comp] for a in state.grids[g]}, key=natural_key)
        grid = Grid(
            id=gid,
            community=ctx.name,
            compounds=comps,
            buildings=len(state.blds(g)),
            households=h,
            in_range=pol.in_range(h),
        )
        if not grid.in_range:
            grid.reason_zh, grid.reason_en = _explain(ctx, state, g, pol)
        out_grids.append(grid)
    out_pieces.sort(key=itemgetter(0, 1))
    pieces.extend(out_pieces)
    grids.extend(sorted(out_grids, key=lambda g: natural_key(g.id)))


def _grid_rows_py(atoms, gid: str, out_pieces: list[tuple]) -> None:
    """A grid's rows: its units in order, each unit's touching floor ranges merged (in C:
    ``_core.grid_rows``, which sorts every part by (unit, floors, households) at once)."""
    merged: dict[int, list[list[int]]] = defaultdict(list)
    for a in atoms:
        for u, ff, ft, hh in a.parts:
            merged[u].append([ff, ft, hh])
    for u in sorted(merged):
        ranges = merged[u]
        if len(ranges) == 1:  # most units: one range, nothing to merge
            ff, ft, hh = ranges[0]
            out_pieces.append((u, ff, ft, hh, gid))
            continue
        ranges.sort()
        out = [ranges[0]]
        for r in ranges[1:]:
            if r[0] == out[-1][1] + 1:
                out[-1][1] = r[1]
                out[-1][2] += r[2]
            else:
                out.append(r)
        for ff, ft, hh in out:
            out_pieces.append((u, ff, ft, hh, gid))


def _explain(ctx: _Community, state: _State, g: int, pol: Policy) -> tuple[str, str]:
    """Why grid ``g`` stays outside the band, in Chinese and English."""
    h = state.gh[g]
    lo, hi = pol.lower, pol.upper
    blds = state.blds(g)
    comps = sorted({a.comp for a in state.grids[g]})
    if ctx.households < lo:
        return (
            f"社区“{ctx.name}”共有 {ctx.households} 户，低于下限 {lo} 户，只能划为一个网格",
            f"the community has only {ctx.households} households, below the lower bound {lo}",
        )
    if h > hi:
        if len(blds) == 1 and ctx.bld_h[blds[0]] > hi and not pol.allow_building_split:
            b = ctx.bld_names[blds[0]]
            return (
                f"楼栋“{b[0]}{b[1]}”有 {ctx.bld_h[blds[0]]} 户，超过上限 {hi} 户；"
                f"本方案不拆分楼栋，该楼栋单独成格",
                f"building {b[1]} has {ctx.bld_h[blds[0]]} households, above the upper bound "
                f"{hi}; this policy never splits a building, so it is a grid of its own",
            )
        units = {p[0] for a in state.grids[g] for p in a.parts}
        if len(units) == 1:
            u = ctx.units[next(iter(units))]
            return (
                f"单元“{u.building}{u.unit}”有 {u.households} 户，超过上限 {hi} 户，且不能按楼层拆分",
                f"unit {u.building} {u.unit} has {u.households} households, above the upper "
                f"bound {hi}, and cannot be split by floors",
            )
        return (
            f"网格有 {h} 户，超过上限 {hi} 户；再拆分会产生低于下限 {lo} 户的网格"
            f"或拆分本可整栋划入的楼栋，与相邻网格重新划分也不能使各网格都在区间内"
            f"（拆分楼栋和跨小区合并的名额有限，已用于其他网格）",
            f"{h} households is above the upper bound {hi}; splitting it would leave a grid "
            f"below {lo} or split a building that fits in one grid, and re-dividing with the "
            f"neighbouring grids does not bring every grid into range (the street-wide "
            f"allowance of building splits and compound crossings went to other grids)",
        )
    # below the lower bound
    comp_h = {c: sum(ctx.bld_h[b] for b in ctx.comp_blds[c]) for c in comps}
    whole = all(comp_h[c] == sum(a.h for a in state.grids[g] if a.comp == c) for c in comps)
    nbrs = state.neighbours(g)
    names = "、".join(ctx.compounds[c] for c in comps)
    if not nbrs:
        return (
            f"小区“{names}”仅有 {h} 户，周边没有可合并的网格（孤立）",
            f"the compound has only {h} households and no neighbouring grid to join (isolated)",
        )
    smallest = min(state.gh[n] for n in nbrs)
    if whole and h + smallest > hi:
        return (
            f"小区“{names}”仅有 {h} 户，且与相邻小区合并会超出上限 {hi} 户",
            f"the compound has only {h} households, and merging it with a neighbouring grid "
            f"(smallest has {smallest}) would exceed the upper bound {hi}",
        )
    if whole:
        return (
            f"小区“{names}”仅有 {h} 户；与相邻网格合并或重新划分会使网格不连片或其他网格超出区间",
            f"the compound has only {h} households; merging or re-dividing with its "
            f"neighbours would break contiguity or push another grid out of range",
        )
    return (
        f"网格仅有 {h} 户：所在小区按整栋楼划分无法使每个网格都达到下限 {lo} 户，"
        f"且与相邻网格重新划分也不能改善（拆分楼栋和跨小区合并的名额有限，已用于其他网格）",
        f"{h} households: the compound cannot be cut at building boundaries into grids that "
        f"all reach {lo}, and re-dividing with neighbouring grids does not help (the "
        f"street-wide allowance of building splits and compound crossings went to other grids)",
    )
