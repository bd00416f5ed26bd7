"""Scale grids compile once: ``scale_grid`` and ``regularization_path`` over 9 prior
scales of a non-conjugate model, against one cold fit of that model.

Model: scikit-learn's diabetes data (442 x 10, standardized), Laplace(b) prior on the
coefficients, fixed sigma = 54 (the residual scale), flat intercept. "Cold fit" is
``Model.sample()`` on a new model in this process after a warm-up of a *different*
model (so the libraries are loaded, but this model's sampler is compiled from scratch):
nutpie, 4 chains x (1000 tune + 1000 draws). The grid: 9 scales from 10^-0.5 to 10^1.5,
each sampled through the one compiled sampler (2 chains x (500 tune + 500 draws)), with
bridge-sampling evidence and PSIS-LOO from the same draws, plus LassoCV on the grid.
The path: 9 scales, 2 chains x (300 tune + 300 draws), HDIs and the MAP per scale. As a
reference, the grid is also timed the old way: a new model, compiled, per scale.

Run: ``python benchmarks/bench_grid.py [--repeats 3]``
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from sklearn.datasets import load_diabetes

import bayesreg as br

warnings.simplefilter("ignore")


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    X = (X - X.mean()) / X.std()
    scales = np.logspace(-0.5, 1.5, 9)

    def model(b=5.0):
        return br.Model(X, y, prior=br.Laplace(b), sigma=54.0)

    # warm-up: load and JIT the libraries on another model (a Gaussian prior)
    br.Model(X, y, prior=br.Gaussian(3.0), sigma=br.HalfNormal(100.0)).sample(
        sampler="nutpie", draws=100, tune=100, chains=2, progressbar=False)
    rows = []
    for rep in range(args.repeats):
        t0 = time.perf_counter()
        model().sample(sampler="nutpie", random_seed=rep, progressbar=False)
        cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        br.scale_grid(model(), scales, random_seed=rep, sample_kwargs={"sampler": "nutpie"})
        grid = time.perf_counter() - t0
        t0 = time.perf_counter()
        br.regularization_path(model(), scales, sampler="nutpie", random_seed=rep)
        path = time.perf_counter() - t0
        t0 = time.perf_counter()
        for s in scales:  # the old way: one new model, compiled, per scale (sampling only)
            model(float(s)).sample(sampler="nutpie", draws=500, tune=500, chains=2,
                                   random_seed=rep, progressbar=False)
        old = time.perf_counter() - t0
        rows.append((cold, grid, path, old))
        print(f"repeat {rep}: cold fit {cold:6.2f} s | scale_grid {grid:6.2f} s "
              f"({grid / cold:4.2f}x) | regularization_path {path:6.2f} s "
              f"({path / cold:4.2f}x) | old way, per-scale compile, sampling only "
              f"{old:6.2f} s ({old / cold:4.2f}x)", flush=True)
    med = np.median(np.array(rows), axis=0)
    print(f"median of {args.repeats}: cold {med[0]:.2f} s, scale_grid {med[1]:.2f} s = "
          f"{med[1] / med[0]:.2f}x, regularization_path {med[2]:.2f} s = "
          f"{med[2] / med[0]:.2f}x, old per-scale compile {med[3]:.2f} s = "
          f"{med[3] / med[0]:.2f}x")


if __name__ == "__main__":
    main()
