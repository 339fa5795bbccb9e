"""Grid division engine (网格划分): pure Python + numpy/scipy, no Django.

    from loudong.grids.division import Unit, divide
    division = divide(units, "chiyang")
    division.pieces, division.grids, division.report()

See README.md in this package for the algorithm, the CLI and the measured figures.
"""

from .engine import DivisionError, divide
from .models import POLICIES, Division, Grid, Piece, Policy, Unit, get_policy

__all__ = [
    "POLICIES",
    "Division",
    "DivisionError",
    "Grid",
    "Piece",
    "Policy",
    "Unit",
    "compute_metrics",
    "divide",
    "get_policy",
    "ideal_grid_count",
]


def __getattr__(name: str):
    # metrics (and its statistics import) only when asked for: ``loudong divide`` without
    # --report never needs it
    if name in ("compute_metrics", "ideal_grid_count"):
        from . import metrics

        return getattr(metrics, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
