"""A plain numpy version of the planner's 100-point wind x solar coverage grid, used only as a
benchmark against fleetsim's C++ (bench/bench_planner.cpp, bm_coverage_grid_100): the same
year of hours (a 70 MW load, a daily solar shape, a random-walk wind), the same grid of
10 wind x 10 solar capacities, and the same figure: procured coverage
sum_h min(load, wind x wind_cf + solar x solar_cf) / sum_h load, with no battery.

    PYTHONPATH=analysis python3 -m fleetsim_analysis.bench_planner_numpy

prints the best and median time of the vectorised grid (docs/performance.md, "Planner").
"""
from __future__ import annotations

import time

import numpy as np


def year_inputs(seed: int = 42) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    h = np.arange(8760)
    load = 70.0 + 1.75 * np.sin(h / 4.0)
    solar = np.maximum(0.0, np.sin(((h % 24) - 6) / 12.0 * np.pi)) * (0.6 + 0.4 * rng.random(8760))
    wind = np.clip(0.3 + np.cumsum(0.1 * (rng.random(8760) - 0.5)), 0.0, 1.0)
    return load, solar, wind


def coverage_grid(load: np.ndarray, solar_cf: np.ndarray, wind_cf: np.ndarray, wind_mw: np.ndarray,
                  solar_mw: np.ndarray) -> np.ndarray:
    """[wind][solar] procured coverage, all points at once (a 10 x 10 x 8760 array)."""
    supply = wind_mw[:, None, None] * wind_cf[None, None, :] + solar_mw[None, :, None] * solar_cf[None, None, :]
    return np.minimum(load[None, None, :], supply).sum(axis=-1) / load.sum()


def main(repeats: int = 30) -> None:
    load, solar, wind = year_inputs()
    axis = 35.0 * np.arange(10)
    coverage_grid(load, solar, wind, axis, axis)  # warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        coverage_grid(load, solar, wind, axis, axis)
        times.append(time.perf_counter() - start)
    times.sort()
    print(f"numpy 100-point coverage grid, one year: best {1e3 * times[0]:.2f} ms, "
          f"median {1e3 * times[len(times) // 2]:.2f} ms ({repeats} repeats, numpy {np.__version__})")


if __name__ == "__main__":
    main()
