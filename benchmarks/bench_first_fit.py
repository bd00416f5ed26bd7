"""The first fit of a new model, in fresh processes (issue 21, item 3).

gaussian, n = 5,000, p = 50, ``Model(X, y, prior=..., sigma=HalfNormal(2.0)).sample()``
with every default (``random_seed`` only), BLAS on one thread. Each process imports
bayesreg first (not timed) and then fits three prior families in turn, timing each whole
``sample()`` call:

1. process A, **empty caches** (a fresh PyTensor/numba cache directory, as a new user's):
   ``Laplace(1.0)``, then ``Gaussian(1.0)`` and ``StudentT(3.0, 1.0)`` -- the first fit,
   then another prior family in the same process;
2. process B, the caches process A left: the same three -- a later process;
3. processes C and D: the same as A and B with ``sampler="nutpie"`` named (NUTS compiled
   from the PyMC model, bayesreg's default before the Gibbs sampler), in another fresh
   cache directory: the side-by-side reference.

It prints one JSON line per process and a Markdown table.

``--widths P1 P2 ...`` instead times ``Laplace(1.0)`` at each width (n = 5,000), Gibbs
against nutpie, each in a fresh process with warm caches, cold and warm calls with their
minimum bulk ESS: where the O(p^3) Gibbs sweep stops paying (``GIBBS_MAX_FEATURES``).

Usage::

    python benchmarks/bench_first_fit.py
    python benchmarks/bench_first_fit.py --widths 50 100 200 400
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

THREADS = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
PRIORS = ("Laplace(1.0)", "Gaussian(1.0)", "StudentT(3.0, 1.0)")


def child(sampler: str, n: int, p: int) -> dict:
    t0 = time.perf_counter()
    import warnings

    import arviz as az
    import numpy as np

    import bayesreg as br

    out = {"sampler": sampler, "import_s": time.perf_counter() - t0}
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, p))
    y = X @ np.linspace(-1.0, 1.0, p) + 1.0 + rng.standard_normal(n)
    warnings.simplefilter("ignore")  # convergence notes are not what is timed
    kw = {} if sampler == "auto" else {"sampler": sampler}
    for text in PRIORS:
        prior = eval(text, {"Laplace": br.Laplace, "Gaussian": br.Gaussian,
                            "StudentT": br.StudentT})
        t = time.perf_counter()
        fit = br.Model(X, y, prior=prior, sigma=br.HalfNormal(2.0)).sample(
            random_seed=1, progressbar=False, **kw)
        out[text] = time.perf_counter() - t
        out[text + " sampler"] = fit.posterior.attrs["bayesreg_sampler"]
        ess = az.ess(fit.posterior.to_dataset(), method="bulk")
        out[text + " min ess"] = min(float(v.min()) for v in ess.data_vars.values())
    return out


def width_child(sampler: str, n: int, p: int) -> dict:
    import warnings

    import arviz as az
    import numpy as np

    import bayesreg as br

    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, p))
    y = X @ np.linspace(-1.0, 1.0, p) + 1.0 + rng.standard_normal(n)
    warnings.simplefilter("ignore")
    model = br.Model(X, y, prior=br.Laplace(1.0), sigma=br.HalfNormal(2.0))
    out = {"sampler": sampler, "p": p}
    for label, seed in (("cold", 1), ("warm", 2)):
        t = time.perf_counter()
        fit = model.sample(sampler=sampler, random_seed=seed, progressbar=False)
        out[f"{label}_s"] = time.perf_counter() - t
        ess = az.ess(fit.posterior.to_dataset(), method="bulk")
        out[f"{label}_min_ess"] = min(float(v.min()) for v in ess.data_vars.values())
    return out


def run(sampler: str, cache: str, n: int, p: int, mode: str = "--child") -> dict:
    env = {**os.environ, **THREADS, "PYTENSOR_FLAGS": f"base_compiledir={cache}"}
    cmd = [sys.executable, __file__, mode, sampler, "--n", str(n), "--p", str(p)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    return json.loads([ln for ln in proc.stdout.splitlines() if ln.startswith("{")][-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--p", type=int, default=50)
    parser.add_argument("--widths", type=int, nargs="+", default=None)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--width-child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(child(args.child, args.n, args.p)), flush=True)
        return
    if args.width_child is not None:
        print(json.dumps(width_child(args.width_child, args.n, args.p)), flush=True)
        return
    if args.widths:
        print("| p | sampler | cold s | warm s | min bulk ESS (cold, warm) | ESS/s cold | "
              "ESS/s warm |\n|---|---|---|---|---|---|---|")
        for p in args.widths:
            for sampler in ("gibbs", "nutpie"):
                # the default PyTensor cache (warm after a first run): the cost of a new
                # model's compilation, not of an empty cache
                r = run(sampler, os.path.expanduser("~/.pytensor"), args.n, p, "--width-child")
                print(f"| {p} | {sampler} | {r['cold_s']:.2f} | {r['warm_s']:.2f} | "
                      f"{r['cold_min_ess']:.0f}, {r['warm_min_ess']:.0f} | "
                      f"{r['cold_min_ess'] / r['cold_s']:.0f} | "
                      f"{r['warm_min_ess'] / r['warm_s']:.0f} |", flush=True)
        return
    rows = []
    for sampler in ("auto", "nutpie"):
        with tempfile.TemporaryDirectory() as cache:
            for label in ("empty caches", "later process"):
                row = {"process": label, **run(sampler, cache, args.n, args.p)}
                print(json.dumps(row), flush=True)
                rows.append(row)
    print(f"\n| sampler | process | import s | {' | '.join(PRIORS)} |")
    print("|---|---|---|" + "---|" * len(PRIORS))
    for r in rows:
        cells = " | ".join(f"{r[t]:.2f} ({r[t + ' sampler']}, ESS {r[t + ' min ess']:.0f})"
                           for t in PRIORS)
        print(f"| {r['sampler']} | {r['process']} | {r['import_s']:.1f} | {cells} |")


if __name__ == "__main__":
    main()
