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

With ``--peers`` each size instead runs each tool in its own fresh process (the same
data, BLAS on one thread) and times what a user waits for, the whole call, cold (the
first in the process, compilation included) and warm (a second call in that process),
with the minimum bulk ESS over every parameter and the peak RSS:

* ``bayesreg``: ``Model(X, y, prior=Gaussian(1.0), sigma=HalfNormal(2.0)).sample()``
  (``family="bernoulli"`` and no ``sigma`` for ``--family logistic``), defaults;
* ``pymc``: plain ``pm.sample()`` (PyMC 6 runs nutpie when it is installed) on the model
  a PyMC user writes: ``coef ~ Normal(0, 1)``, a flat intercept, ``sigma ~
  HalfNormal(2)``, ``y ~ Normal(intercept + X @ coef, sigma)`` observed row by row
  (``Bernoulli(logit_p=...)`` for logistic): the same posterior;
* ``bambi``: ``bmb.Model("y ~ x0 + ... + x49", df, priors=...)`` with the same coefficient
  and sigma priors (bambi's default intercept prior), ``.fit()`` with its defaults;
* ``sklearn`` (gaussian only): ``BayesianRidge().fit(X, y)``, the conjugate peer (type-II
  maximum likelihood of its scales: not the same posterior; time only).

``--skip-peers-above N`` leaves out the MCMC peers above ``N`` rows (their cost per
gradient grows with n; the table says which were left out).

Usage::

    python benchmarks/bench_time_to_posterior.py                    # n = 1e3 ... 1e6
    python benchmarks/bench_time_to_posterior.py --sizes 1000000 --p 50
    python benchmarks/bench_time_to_posterior.py --peers --sizes 1000 10000 100000
    python benchmarks/bench_time_to_posterior.py --peers --family logistic --sizes 1000 10000
    python benchmarks/bench_time_to_posterior.py --peers --family logistic --sizes 1000000 \
        --tools bayesreg pymc bambi --skip-peers-above 1000000 --peers-cold-only-above 100000
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


# ------------------------------------------------------------------ the peers, side by side
def _data(family: str, n: int, p: int, seed: int):
    import numpy as np

    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    eta = X @ np.linspace(-1.0, 1.0, p) * (0.3 if family == "logistic" else 1.0) + 1.0
    if family == "logistic":
        y = (rng.uniform(size=n) < 1.0 / (1.0 + np.exp(-eta))).astype(float)
    else:
        y = eta + rng.standard_normal(n)
    return X, y


def _min_ess(posterior) -> float:
    import arviz as az

    ess = az.ess(posterior, method="bulk")
    return min(float(v.min()) for v in ess.data_vars.values())


def peer_child(tool: str, family: str, n: int, p: int, seed: int, warm: bool = True) -> dict:
    """One tool, one size, in this (fresh) process: cold and (unless ``warm=False``) warm."""
    import warnings

    warnings.simplefilter("ignore")
    t = time.perf_counter()
    if tool == "bayesreg":
        import bayesreg as br
    elif tool == "pymc":
        import pymc as pm
    elif tool == "bambi":
        import bambi as bmb
        import pandas as pd
    else:
        from sklearn.linear_model import BayesianRidge
    out = {"tool": tool, "family": family, "n": n, "p": p, "import_s": time.perf_counter() - t}
    X, y = _data(family, n, p, seed)
    out["peak_data_gb"] = _peak_gb()

    def fit_once(run_seed):
        if tool == "bayesreg":
            kw = {"family": "bernoulli"} if family == "logistic" else {"sigma": br.HalfNormal(2.0)}
            fit = br.Model(X, y, prior=br.Gaussian(1.0), **kw).sample(
                random_seed=run_seed, progressbar=False)
            return fit.posterior.to_dataset(), fit.posterior.attrs["bayesreg_sampler"]
        if tool == "pymc":
            with pm.Model():
                coef = pm.Normal("coef", 0.0, 1.0, shape=p)
                intercept = pm.Flat("intercept")
                eta = intercept + pm.math.dot(X, coef)
                if family == "logistic":
                    pm.Bernoulli("y", logit_p=eta, observed=y)
                else:
                    pm.Normal("y", eta, pm.HalfNormal("sigma", 2.0), observed=y)
                idata = pm.sample(random_seed=run_seed, progressbar=False)
            return idata.posterior.to_dataset(), "pm.sample()"
        if tool == "bambi":
            cols = [f"x{j}" for j in range(p)]
            df = pd.DataFrame(X, columns=cols).assign(y=y)
            priors = {"common": bmb.Prior("Normal", mu=0.0, sigma=1.0)}
            if family == "gaussian":
                priors["sigma"] = bmb.Prior("HalfNormal", sigma=2.0)
            model = bmb.Model("y ~ " + " + ".join(cols), df, priors=priors,
                              family="bernoulli" if family == "logistic" else "gaussian")
            idata = model.fit(random_seed=run_seed, progressbar=False)
            return idata.posterior.to_dataset(), "bambi fit()"
        BayesianRidge().fit(X, y)
        return None, "BayesianRidge"

    for label, run_seed in (("cold", seed + 1), ("warm", seed + 2))[:2 if warm else 1]:
        t = time.perf_counter()
        post, ran = fit_once(run_seed)
        out[f"{label}_s"] = time.perf_counter() - t
        out[f"peak_{label}_gb"] = _peak_gb()
        out["ran"] = ran
        if post is not None:
            out[f"{label}_min_ess"] = _min_ess(post)
    return out


def run_peer(tool: str, family: str, n: int, p: int, seed: int, warm: bool = True) -> dict:
    env = {**os.environ, **THREADS}
    cmd = [sys.executable, __file__, "--peer-child", tool, "--family", family,
           "--sizes", str(n), "--p", str(p), "--seed", str(seed)]
    if not warm:
        cmd.append("--cold-only")
    t = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{tool} n={n} failed:\n{proc.stderr[-3000:]}")
    out = json.loads([ln for ln in proc.stdout.splitlines() if ln.startswith("{")][-1])
    out["process_wall_s"] = time.perf_counter() - t
    return out


def slope(rows: list[dict], key: str) -> float | None:
    """The least-squares slope of log(time) against log(n): cost grows as n**slope."""
    import numpy as np

    pts = [(r["n"], r[key]) for r in rows if r.get(key)]
    if len(pts) < 2:
        return None
    n, t = np.log(np.array(pts, dtype=float)).T
    return float(np.polyfit(n, t, 1)[0])


def peer_table(rows: list[dict], skipped: list[str]) -> str:
    lines = ["| n | tool (what ran) | cold s | warm s | min bulk ESS (cold) | ESS/s cold | "
             "ESS/s warm | bayesreg's ESS/s cold / the tool's | peak RSS GB |",
             "|---|---|---|---|---|---|---|---|---|"]
    by_n: dict[int, dict[str, dict]] = {}
    for r in rows:
        by_n.setdefault(r["n"], {})[r["tool"]] = r
    for n, tools in by_n.items():
        ours = tools.get("bayesreg")
        for tool, r in tools.items():
            ess_c = r.get("cold_min_ess")
            rate_c = ess_c / r["cold_s"] if ess_c else None
            rate_w = r["warm_min_ess"] / r["warm_s"] if r.get("warm_min_ess") else None
            warm_s = f"{r['warm_s']:.2f}" if "warm_s" in r else "not run"
            ratio = ""
            if ours and rate_c and tool != "bayesreg":
                ratio = f"{ours['cold_min_ess'] / ours['cold_s'] / rate_c:.1f}x"
            lines.append(
                f"| {n:,} | {tool} ({r['ran']}) | {r['cold_s']:.2f} | {warm_s} | "
                f"{'' if ess_c is None else f'{ess_c:.0f}'} | "
                f"{'' if rate_c is None else f'{rate_c:.0f}'} | "
                f"{'' if rate_w is None else f'{rate_w:.0f}'} | {ratio} | "
                f"{max(r['peak_cold_gb'], r.get('peak_warm_gb', 0.0)):.2f} |")
    tools = sorted({r["tool"] for r in rows})
    lines.append("")
    for tool in tools:
        mine = [r for r in rows if r["tool"] == tool]
        for key in ("cold_s", "warm_s"):
            b = slope(mine, key)
            if b is not None:
                lines.append(f"* {tool}: {key} grows as n^{b:.2f} "
                             f"(n = {mine[0]['n']:,} ... {mine[-1]['n']:,})")
    for s_ in skipped:
        lines.append(f"* left out: {s_}")
    return "\n".join(lines)


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
    parser.add_argument("--peers", action="store_true",
                        help="run bayesreg, pm.sample(), bambi and BayesianRidge side by side")
    parser.add_argument("--family", choices=("gaussian", "logistic"), default="gaussian")
    parser.add_argument("--tools", nargs="+", default=["bayesreg", "pymc", "bambi", "sklearn"])
    parser.add_argument("--skip-peers-above", type=int, default=100_000)
    parser.add_argument("--peers-cold-only-above", type=int, default=None,
                        help="above this n, time only the cold call of pymc and bambi (at "
                             "large n their compile is a small part of the call)")
    parser.add_argument("--peer-child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--cold-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(child(args.child, args.p, args.seed)), flush=True)
        return
    if args.peer_child is not None:
        print(json.dumps(peer_child(args.peer_child, args.family, args.sizes[0], args.p,
                                    args.seed, warm=not args.cold_only)), flush=True)
        return
    if args.peers:
        rows, skipped = [], []
        for n in args.sizes:
            for tool in args.tools:
                if tool == "sklearn" and args.family != "gaussian":
                    continue
                if tool in ("pymc", "bambi") and n > args.skip_peers_above:
                    skipped.append(f"{tool} at n = {n:,} (above --skip-peers-above)")
                    continue
                warm = not (tool in ("pymc", "bambi") and args.peers_cold_only_above is not None
                            and n > args.peers_cold_only_above)
                row = run_peer(tool, args.family, n, args.p, args.seed, warm=warm)
                print(json.dumps(row), flush=True)
                rows.append(row)
        print(peer_table(rows, skipped))
        return
    rows = []
    for n in args.sizes:
        row = run_size(n, args.p, args.seed)
        print(json.dumps(row), flush=True)
        rows.append(row)
    print(table(rows))


if __name__ == "__main__":
    main()
