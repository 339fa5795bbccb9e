"""Plane geometry shared by the engine and the metrics: Delaunay neighbours, hulls, Polsby–Popper.

Both sides must agree on what "contiguous" means, so both call ``delaunay_neighbours`` here.
scipy is imported lazily (it costs ~0.4 s of start-up).
"""

from __future__ import annotations

import itertools
import math

BUFFER_M = 8.0


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
    try:
        import numpy as np
        from scipy.spatial import Delaunay, QhullError

        arr = np.asarray(points, dtype=float)
        arr = arr - arr.mean(axis=0)
        try:
            tri = Delaunay(arr)
        except QhullError:
            tri = None
        if tri is not None:
            s = tri.simplices
            for a, b in ((0, 1), (1, 2), (0, 2)):
                lo = np.minimum(s[:, a], s[:, b])
                hi = np.maximum(s[:, a], s[:, b])
                edges.update(zip(lo.tolist(), hi.tolist(), strict=True))
            for p, _simplex, vertex in tri.coplanar.tolist():
                edges.add((min(p, vertex), max(p, vertex)))
    except ImportError:  # pragma: no cover - scipy is a dependency
        pass
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
