"""Time and memory from data to posterior and LOO (issue 21): the gaussian rows.

For each ``n`` in ``--sizes`` (``p = --p`` columns), in a fresh subprocess with BLAS on one
thread (``OMP_NUM_THREADS=OPENBLAS_NUM_THREADS=MKL_NUM_THREADS=1``), run under
``/usr/bin/time -v`` when it exists (its "Maximum resident set size" is the peak RSS):

1. the data: ``X`` standard normal ``(n, p)``, ``y = X beta + 1 + N(0, 1)``;
2. the first fit, ``Model(X, y, prior=Gaussian(1.0), sigma=HalfNormal(2.0)).sample()``
   with every default (nutpie where installed, 4 chains x 1000 draws, 1000 tuning steps,
   the default ``log_likelihood`` rule), compilation included;
3. a second, warm fit of the same model (its compiled sampler reused);
4. ``bayesreg.loo(fit)`` (exact PSIS-LOO, blocks of observations).

It prints one JSON line per size (seconds per stage, peak RSS after each stage from
``getrusage``, the peak from ``/usr/bin/time``, the fit's groups and their sizes, and
whether the ``log_likelihood`` group was stored) and a Markdown table at the end.

Usage::

    python benchmarks/bench_time_to_posterior.py                    # n = 1e3 ... 1e6
    python benchmarks/bench_time_to_posterior.py --sizes 1000000 --p 50
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time

THREADS = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _peak_gb() -> float:
    """Peak resident set size of this process so far, GB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9


def child(n: int, p: int, seed: int) -> dict:
    """One size, in this (fresh) process."""
    import warnings

    import numpy as np

    import bayesreg as br

    out = {"n": n, "p": p, "peak_imports_gb": _peak_gb()}
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    y = X @ np.linspace(-1.0, 1.0, p) + 1.0 + rng.standard_normal(n)
    out["X_gb"] = X.nbytes / 1e9
    out["peak_data_gb"] = _peak_gb()

    warnings.simplefilter("ignore")  # convergence notes are not what is timed
    t = time.perf_counter()
    model = br.Model(X, y, prior=br.Gaussian(1.0), sigma=br.HalfNormal(2.0))
    fit = model.sample(random_seed=seed, progressbar=False)
    out["first_fit_s"] = time.perf_counter() - t
    out["peak_first_fit_gb"] = _peak_gb()

    t = time.perf_counter()
    fit = model.sample(random_seed=seed + 1, progressbar=False)
    out["warm_fit_s"] = time.perf_counter() - t
    out["peak_warm_fit_gb"] = _peak_gb()
    out["sampler"] = fit.posterior.attrs.get("bayesreg_sampler")
    out["log_likelihood_stored"] = "log_likelihood" in fit.children
    out["log_likelihood_attr"] = fit.posterior.attrs.get("bayesreg_log_likelihood")
    out["groups_gb"] = {name: fit[name].to_dataset().nbytes / 1e9 for name in fit.children}

    t = time.perf_counter()
    res = br.loo(fit)  # the model rebuilt from the fit (Model.from_idata)
    out["loo_s"] = time.perf_counter() - t
    out["peak_loo_gb"] = _peak_gb()
    out["elpd_loo"] = float(res.elpd)
    out["se"] = float(res.se)
    out["pareto_k_max"] = float(np.max(res.pareto_k))
    return out


def run_size(n: int, p: int, seed: int) -> dict:
    """Run :func:`child` for one size in a fresh process; add /usr/bin/time's peak."""
    env = {**os.environ, **THREADS}
    cmd = [sys.executable, __file__, "--child", str(n), "--p", str(p), "--seed", str(seed)]
    timer = os.path.exists("/usr/bin/time")
    if timer:
        cmd = ["/usr/bin/time", "-v", *cmd]
    t = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"n={n} failed:\n{proc.stderr[-3000:]}")
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")][-1]
    out = json.loads(line)
    out["process_wall_s"] = wall
    if timer:
        found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
        out["time_v_peak_gb"] = int(found.group(1)) * 1024 / 1e9 if found else None
    return out


def table(rows: list[dict]) -> str:
    head = ("| n | X GB | first fit s | warm fit s | loo s | peak RSS GB (after fit, warm, "
            "loo; /usr/bin/time) | log_likelihood stored | process s |\n"
            "|---|---|---|---|---|---|---|---|")
    lines = [head]
    for r in rows:
        lines.append(
            f"| {r['n']:,} | {r['X_gb']:.3g} | {r['first_fit_s']:.1f} | {r['warm_fit_s']:.2f} "
            f"| {r['loo_s']:.1f} | {r['peak_first_fit_gb']:.2f}, {r['peak_warm_fit_gb']:.2f}, "
            f"{r['peak_loo_gb']:.2f}; {r.get('time_v_peak_gb') or float('nan'):.2f} "
            f"| {'yes' if r['log_likelihood_stored'] else 'no'} | {r['process_wall_s']:.0f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+",
                        default=[1_000, 10_000, 100_000, 1_000_000])
    parser.add_argument("--p", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(child(args.child, args.p, args.seed)), flush=True)
        return
    rows = []
    for n in args.sizes:
        row = run_size(n, args.p, args.seed)
        print(json.dumps(row), flush=True)
        rows.append(row)
    print(table(rows))


if __name__ == "__main__":
    main()
