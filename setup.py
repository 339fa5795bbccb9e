"""The one compiled module of loudong: the division engine's repair DP (see its README, "CPU").

Everything else is declared in pyproject.toml. ``make setup`` builds the module in place with
the editable install; without a C compiler it is skipped (``optional``) and the engine uses the
same loop in Python — the division tests check that the module is there and gives the same
results as the Python loop.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "loudong.grids.division._core",
            ["loudong/grids/division/_core.c"],
            # the same doubles as Python: no fused multiply-add, no reassociation
            extra_compile_args=["-O2", "-ffp-contract=off", "-fno-fast-math"],
            optional=True,
        )
    ]
)
