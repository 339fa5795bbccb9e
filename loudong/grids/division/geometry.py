"""Plane geometry shared by the engine and the metrics: sites, neighbour graphs, hulls, Polsby–Popper.

PRODUCT.md: a grid is *contiguous* when its buildings are connected in the Delaunay triangulation
of building centres within the community; where centres are co-circular any valid triangulation
counts, and buildings whose centres coincide are adjacent to each other and to that point's
neighbours. So both sides first collapse coincident centres into *sites* (``sites``), then:

- the metrics triangulate the sites with scipy (``delaunay_neighbours``), as the definition says;
- the engine keeps only the Delaunay edges that are in *every* triangulation
  (``strict_delaunay_neighbours``: co-circular diagonals dropped), so a grid connected in them is
  contiguous whichever triangulation a checker picks.

scipy is imported lazily, and only its qhull module (``qhull``): the whole of scipy.spatial costs
~0.28 s of CPU over numpy, the qhull module alone ~0.09 s.
"""

from __future__ import annotations

import itertools
import math
import sys

try:  # compiled by make setup (setup.py); the division tests check that it is there
    from . import _core
except ImportError:  # pragma: no cover - no C compiler where it was installed
    _core = None

BUFFER_M = 8.0

_QHULL: tuple | None = None


def qhull() -> tuple:
    """(Delaunay, QhullError) of scipy, importing as little of scipy as it can.

    ``import scipy.spatial`` runs the package's ``__init__``, which imports k-d trees, distance
    functions, rotations, scipy.sparse, scipy.linalg, scipy.special and numpy.f2py — ~0.28 s of
    CPU over numpy, as much as dividing a 500k city's largest step, for one class. The qhull
    extension needs from scipy.spatial and scipy.linalg only their package directories (it
    loads ``scipy.linalg.cython_lapack``), so while it loads both packages stand in
    ``sys.modules`` as bare packages whose ``__init__`` has not run, and are removed right after:
    a later ``import scipy.spatial`` runs the real ``__init__`` and finds the loaded qhull module.
    If anything in that differs in another scipy release, the plain import is used.
    """
    global _QHULL
    if _QHULL is None:
        _QHULL = _lean_qhull() or _plain_qhull()
    return _QHULL


def _plain_qhull() -> tuple:
    from scipy.spatial import Delaunay, QhullError

    return Delaunay, QhullError


def _lean_qhull() -> tuple | None:
    if "scipy.spatial" in sys.modules:
        return None
    import importlib.util
    import types

    import scipy

    bare: list[tuple[str, types.ModuleType]] = []
    try:
        for name in ("scipy.linalg", "scipy.spatial"):
            if name in sys.modules:
                continue
            spec = importlib.util.find_spec(name)
            if spec is None or not spec.submodule_search_locations:
                return None
            pkg = types.ModuleType(name)
            pkg.__spec__ = spec
            pkg.__path__ = list(spec.submodule_search_locations)
            pkg.__package__ = name
            sys.modules[name] = pkg
            bare.append((name, pkg))
        from scipy.spatial._qhull import Delaunay, QhullError
    except (ImportError, AttributeError):  # another scipy layout: the plain import below
        sys.modules.pop("scipy.spatial._qhull", None)
        return None
    finally:
        for name, pkg in bare:
            if sys.modules.get(name) is pkg:
                del sys.modules[name]
            child = name.rpartition(".")[2]
            if vars(scipy).get(child) is pkg:  # not getattr: scipy's __getattr__ imports
                delattr(scipy, child)
    return Delaunay, QhullError


def delaunay_neighbours(points: list[tuple[float, float]]) -> list[list[int]]:
    """Adjacency lists of the Delaunay triangulation of ``points`` (sorted, deterministic).

    Fewer than three points, or points qhull cannot triangulate (all collinear), fall back to a
    chain along the principal direction; duplicate points are linked to the vertex they coincide
    with. Where points are co-circular qhull picks one valid triangulation; any valid one counts.
    """
    n = len(points)
    if n <= 1:
        return [[] for _ in range(n)]
    if n == 2:
        return [[1], [0]]
    edges: set[tuple[int, int]] = set()
    import numpy as np

    _arr, tri = _qhull_triangulation(points)
    if tri is not None:
        s = tri.simplices
        for a, b in ((0, 1), (1, 2), (0, 2)):
            lo = np.minimum(s[:, a], s[:, b])
            hi = np.maximum(s[:, a], s[:, b])
            edges.update(zip(lo.tolist(), hi.tolist(), strict=True))
        for p, _simplex, vertex in tri.coplanar.tolist():
            edges.add((min(p, vertex), max(p, vertex)))
    if not edges:
        return _chain(points)
    adj: list[list[int]] = [[] for _ in range(n)]
    for a, b in edges:
        if a != b:
            adj[a].append(b)
            adj[b].append(a)
    # Points qhull left out entirely (should not happen) still get a link to their nearest point.
    for i in range(n):
        if not adj[i]:
            j = min((k for k in range(n) if k != i), key=lambda k: _d2(points[i], points[k]))
            adj[i].append(j)
            adj[j].append(i)
    return [sorted(set(a)) for a in adj]


def sites(points: list[tuple[float, float]]) -> tuple[list[int], list[tuple[float, float]]]:
    """Collapse coincident points (to 1 µm): the site of each point, and each site's point.

    Sites are numbered in order of first appearance, so the result is deterministic.
    """
    index: dict[tuple[float, float], int] = {}
    site_of: list[int] = []
    out: list[tuple[float, float]] = []
    for x, y in points:
        key = (round(x, 6), round(y, 6))
        s = index.get(key)
        if s is None:
            s = index[key] = len(out)
            out.append((x, y))
        site_of.append(s)
    return site_of, out


def strict_delaunay_neighbours(points: list[tuple[float, float]]) -> list[list[int]]:
    """Adjacency lists (sorted) of the Delaunay edges of distinct ``points`` that lie in *every*
    Delaunay triangulation: an edge whose two triangles are co-circular (the diagonal of a
    rectangle of a perfect lattice, say) is one a triangulation may or may not pick, so it is
    left out. Fewer than three points, or all collinear, give the chain along the line.

    With the C module, ``_core.strict_delaunay`` triangulates the points itself (exact
    predicates) and applies the same co-circularity test, so dividing imports neither numpy nor
    qhull; an edge within a factor 2 of the co-circularity threshold is dropped too (some
    triangulation of the points moved by a rounding error lacks it), and where the answer
    hangs on qhull's own tolerance (a needle; dropping would cut the graph) it declines and
    qhull decides (``_strict_delaunay_qhull``, also the tests' reference; README "The C
    module").
    """
    n = len(points)
    if n <= 1:
        return [[] for _ in range(n)]
    if n == 2:
        return [[1], [0]]
    if _core is not None:
        adj = _core.strict_delaunay(points)
        if type(adj) is list:
            return adj
        if adj == 0:  # all collinear: qhull's error, the chain
            return _chain(points)
    return _strict_delaunay_qhull(points)


def _qhull_triangulation(points: list[tuple[float, float]]):
    """(the points centred as numpy centres them, qhull's Delaunay of them), the triangulation
    None when qhull finds them collinear: its error, or its point at infinity (option Qz)
    left in the simplices, as for (0, 0), (749, 0), (-1831, 0), (-3441, 6e-11)."""
    import numpy as np

    Delaunay, QhullError = qhull()
    arr = np.asarray(points, dtype=float)
    arr = arr - arr.mean(axis=0)
    try:
        tri = Delaunay(arr)
    except QhullError:
        return arr, None
    if int(tri.simplices.max()) >= len(points):
        return arr, None
    return arr, tri


def _strict_delaunay_qhull(points: list[tuple[float, float]]) -> list[list[int]]:
    """``strict_delaunay_neighbours`` of three or more points with scipy's qhull."""
    n = len(points)
    import numpy as np

    arr, tri = _qhull_triangulation(points)
    if tri is None:
        return _chain(points)
    if _core is not None:
        return _core.strict_adjacency(
            arr,
            np.ascontiguousarray(tri.simplices, dtype=np.intc),
            np.ascontiguousarray(tri.neighbors, dtype=np.intc),
        )
    return _strict_adjacency_py(arr, tri, n)


def _strict_adjacency_py(arr, tri, n: int) -> list[list[int]]:
    """The co-circularity test and adjacency lists of ``strict_delaunay_neighbours`` after
    qhull, in numpy (``_core.strict_adjacency`` does the same per edge in C)."""
    import numpy as np

    simp = tri.simplices
    m = len(simp)
    # every (triangle, edge) once: edge a-b opposite vertex c, and the triangle across it
    a = np.concatenate([simp[:, 1], simp[:, 2], simp[:, 0]])
    b = np.concatenate([simp[:, 2], simp[:, 0], simp[:, 1]])
    c = np.concatenate([simp[:, 0], simp[:, 1], simp[:, 2]])
    other = tri.neighbors.T.reshape(-1)
    own = np.tile(np.arange(m), 3)
    # each inner edge is seen from both of its triangles: test it once, from the lower one
    keep = (other < 0) | (own < other)
    a, b, c, other = a[keep], b[keep], c[keep], other[keep]
    inner = other >= 0
    ok = np.ones(len(a), dtype=bool)
    if inner.any():
        t = other[inner]
        ai, bi, ci = a[inner], b[inner], c[inner]
        d = simp[t].sum(axis=1) - ai - bi  # the vertex of the other triangle off the edge
        pts = arr / (float(np.abs(arr).max()) or 1.0)
        pd = pts[d]
        mm = np.stack([pts[ai] - pd, pts[bi] - pd, pts[ci] - pd], axis=1)  # (t, 3, 2)
        lift = (mm**2).sum(axis=2)
        det = (
            mm[:, 0, 0] * (mm[:, 1, 1] * lift[:, 2] - lift[:, 1] * mm[:, 2, 1])
            - mm[:, 0, 1] * (mm[:, 1, 0] * lift[:, 2] - lift[:, 1] * mm[:, 2, 0])
            + lift[:, 0] * (mm[:, 1, 0] * mm[:, 2, 1] - mm[:, 1, 1] * mm[:, 2, 0])
        )
        size = np.maximum((mm**2).sum(axis=(1, 2)), 1e-30) ** 2
        ok[np.nonzero(inner)[0]] = np.abs(det) > 1e-9 * size
    # A co-circular edge is dropped from both sides, so the rest stays connected: each
    # co-circular polygon keeps its boundary edges. Each kept edge appears once; both
    # directions sorted by (from, to) give every point's sorted neighbours in one slice.
    src = np.concatenate([a[ok], b[ok]])
    dst = np.concatenate([b[ok], a[ok]])
    order = np.lexsort((dst, src))
    ends = np.cumsum(np.bincount(src, minlength=n)).tolist()
    dst_l = dst[order].tolist()
    return [dst_l[lo:hi] for lo, hi in zip([0, *ends[:-1]], ends, strict=True)]


def site_graph(points: list[tuple[float, float]], exact: bool = False):
    """(site of each point, adjacency of the sites): Delaunay edges in every triangulation (engine) or, with ``exact``,
    Delaunay via scipy (metrics). Points at one site are adjacent to each other and to the
    site's neighbours."""
    site_of, pts = sites(points)
    adj = delaunay_neighbours(pts) if exact else strict_delaunay_neighbours(pts)
    return site_of, adj


def _missing(v) -> bool:
    return v is None or v != v  # None or NaN


def place_missing(units) -> tuple[list[tuple[float, float]], dict]:
    """Positions of ``units`` (objects with community, compound, building, x, y), in order,
    with missing ones placed, and counts of what was missing or shared.

    A unit without x/y (None or NaN) takes its building's centre (mean of the building's
    positioned units); a building with no position at all takes its compound's centre (mean
    of the compound's positioned buildings), a compound with none its community's centre (mean
    of the positioned compounds), a community with none (0, 0). Buildings at one point are then
    ordered by building number (the engine's building order is the natural sort).
    """
    if not any(_missing(u.x) or _missing(u.y) for u in units):
        counts = dict.fromkeys(
            ["units_without_position", "buildings_without_position", "compounds_without_position"],
            0,
        )
        return [(u.x, u.y) for u in units], counts
    bld_pts: dict[tuple, list] = {}
    for u in units:
        key = (u.community, u.compound, u.building)
        pts = bld_pts.setdefault(key, [])
        if not (_missing(u.x) or _missing(u.y)):
            pts.append((u.x, u.y))
    bld_c: dict[tuple, tuple[float, float]] = {}
    comp_pts: dict[tuple, list] = {}
    for key, pts in bld_pts.items():
        comp_pts.setdefault(key[:2], [])
        if pts:
            c = (sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts))
            bld_c[key] = c
            comp_pts[key[:2]].append(c)
    comp_c: dict[tuple, tuple[float, float]] = {}
    comm_pts: dict[str, list] = {}
    for key, pts in comp_pts.items():
        comm_pts.setdefault(key[0], [])
        if pts:
            c = (sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts))
            comp_c[key] = c
            comm_pts[key[0]].append(c)
    comm_c = {
        k: (sum(p[0] for p in v) / len(v), sum(p[1] for p in v) / len(v)) if v else (0.0, 0.0)
        for k, v in comm_pts.items()
    }
    out = []
    missing_units = 0
    for u in units:
        if not (_missing(u.x) or _missing(u.y)):
            out.append((u.x, u.y))
            continue
        missing_units += 1
        key = (u.community, u.compound, u.building)
        c = bld_c.get(key) or comp_c.get(key[:2]) or comm_c[key[0]]
        out.append(c)
    counts = {
        "units_without_position": missing_units,
        "buildings_without_position": sum(1 for v in bld_pts.values() if not v),
        "compounds_without_position": sum(1 for v in comp_pts.values() if not v),
    }
    return out, counts


def shared_sites(centres_by_community: dict) -> int:
    """How many buildings share their centre with another building of the same community."""
    shared = 0
    for centres in centres_by_community.values():
        site_of, pts = sites(centres)
        count = [0] * len(pts)
        for s in site_of:
            count[s] += 1
        shared += sum(c for c in count if c > 1)
    return shared


def _d2(p, q) -> float:
    return (p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2


def _chain(points: list[tuple[float, float]]) -> list[list[int]]:
    n = len(points)
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    use_x = (max(xs) - min(xs)) >= (max(ys) - min(ys))
    order = sorted(
        range(n),
        key=lambda i: (points[i][0], points[i][1]) if use_x else (points[i][1], points[i][0]),
    )
    adj: list[list[int]] = [[] for _ in range(n)]
    for a, b in itertools.pairwise(order):
        adj[a].append(b)
        adj[b].append(a)
    return [sorted(a) for a in adj]


def convex_hull(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Andrew's monotone chain; returns hull vertices counter-clockwise (1 or 2 for degenerate sets)."""
    pts = sorted(set(points))
    if len(pts) <= 2:
        return pts

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[tuple[float, float]] = []
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def hull_area_perimeter(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Area and perimeter of the convex hull; a segment has area 0 and perimeter twice its length."""
    hull = convex_hull(points)
    if len(hull) <= 1:
        return 0.0, 0.0
    if len(hull) == 2:
        return 0.0, 2.0 * math.dist(hull[0], hull[1])
    area = 0.0
    perimeter = 0.0
    for i, p in enumerate(hull):
        q = hull[(i + 1) % len(hull)]
        area += p[0] * q[1] - q[0] * p[1]
        perimeter += math.dist(p, q)
    return abs(area) / 2.0, perimeter


def buffered_polsby_popper(points: list[tuple[float, float]], buffer: float = BUFFER_M) -> float:
    """Polsby–Popper 4πA/P² of the convex hull of ``points`` grown by ``buffer`` metres.

    Buffering a convex set by r adds perimeter·r + πr² to its area and 2πr to its perimeter, so a
    single point scores 1.0 and a line of points is handled by the same formula.
    """
    if not points:
        return 0.0
    area, perimeter = hull_area_perimeter(points)
    a = area + perimeter * buffer + math.pi * buffer * buffer
    p = perimeter + 2.0 * math.pi * buffer
    return 4.0 * math.pi * a / (p * p)


def connected(nodes: list[int], adj: list[list[int]]) -> bool:
    """True when ``nodes`` form one connected piece of the graph ``adj``."""
    if len(nodes) <= 1:
        return True
    wanted = set(nodes)
    start = nodes[0]
    seen = {start}
    stack = [start]
    while stack:
        v = stack.pop()
        for w in adj[v]:
            if w in wanted and w not in seen:
                seen.add(w)
                stack.append(w)
    return len(seen) == len(wanted)


def components(nodes: list[int], adj: list[list[int]]) -> list[list[int]]:
    """Connected components of the subgraph induced by ``nodes``, each sorted, in order of first node."""
    wanted = set(nodes)
    seen: set[int] = set()
    out = []
    for start in sorted(wanted):
        if start in seen:
            continue
        comp = [start]
        seen.add(start)
        stack = [start]
        while stack:
            v = stack.pop()
            for w in adj[v]:
                if w in wanted and w not in seen:
                    seen.add(w)
                    comp.append(w)
                    stack.append(w)
        out.append(sorted(comp))
    return out
