"""Posterior sampling speed: bayesreg vs bambi and a hand-written PyMC model.

Metric: minimum bulk ESS over coef, intercept (and sigma) per second of wall time,
(a) including compilation (a cold first fit) and (b) excluding it (bayesreg: a warm second
fit of the same model, which reuses the compiled sampler; peers: PyMC's own
``sampling_time`` attribute (on ``sample_stats`` for PyMC's NUTS, on ``posterior`` when
``pm.sample`` ran nutpie), which excludes compilation and initialization).

Cases (the peers run the *same* model, same priors, except where noted):

1. ridge: gaussian, n = 100,000, p = 50. bayesreg ``sampler="exact"`` with sigma fixed
   (peer: PyMC with the same fixed sigma) and bayesreg NUTS on sufficient statistics with
   sigma unknown (peers: PyMC and bambi, sigma ~ HalfStudentT(3, sd(y))).
2. logistic: bernoulli, Gaussian(1) prior, n = 20,000, p = 50, correlated columns;
   bayesreg with ``sampler="numpyro"`` and ``sampler="nutpie"``.
3. diamonds (posteriordb): n = 5,000, p = 24, strongly correlated.

Every sampler is named explicitly. The peers:

* "PyMC": ``pm.sample(nuts_sampler="pymc")``, PyMC's own NUTS (pymc >= 6 would otherwise
  pick nutpie when it is installed), otherwise its defaults (chains = max(2, cores), with
  cores = PyMC's CPU count, capped at 4);
* "PyMC defaults (nutpie)": plain ``pm.sample()``, which in pymc >= 6 runs nutpie on the
  numba backend when nutpie is installed (``--no-pymc-default`` skips these rows);
* bambi: ``Model.fit`` defaults (bambi 0.21: ``inference_method="pymc"``, i.e.
  ``pm.sample(nuts_sampler="pymc")``), with the coefficient prior set to bayesreg's
  (Normal(0, tau)) and its automatic intercept and sigma priors (so its model differs
  slightly there).

Peers run fewer draws and tuning steps when slow (``--quick``: 150 draws after 150 tuning
steps, or after ``--peer-tune`` steps; ESS/s is a rate, so fewer draws estimate the same
rate with more noise).

BLAS (OpenBLAS, which PyTensor's default numba backend calls for dot products in
pytensor >= 3) is limited to ``--threads`` threads for every run (default 1, as in
``bench_map.py``): on the shared 2-core machine, OpenBLAS's own default of one thread per
core made PyMC's gradient ~13x slower under load from other jobs.

Run: ``python benchmarks/bench_sampling.py [--quick] [--cases ridge,logistic,diamonds]``
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np

warnings.filterwarnings("ignore")


def min_ess(idata, names):
    """Minimum bulk ESS over ``names`` (those present) of a fit (an ``xarray.DataTree``)."""
    import arviz as az

    post = idata.posterior.to_dataset()
    ess = az.ess(post[[n for n in names if n in post.data_vars]], method="bulk")
    return min(float(ess[v].min()) for v in ess.data_vars)


def sampling_time(idata, default):
    """PyMC's ``sampling_time`` (no compilation): on ``sample_stats`` after PyMC's NUTS,
    on ``posterior`` after ``pm.sample`` ran nutpie."""
    for grp in ("sample_stats", "posterior"):
        value = idata[grp].attrs.get("sampling_time")
        if value is not None:
            return float(value)
    return default


def versions():
    import importlib.metadata as md
    import platform

    import pytensor
    from pytensor.compile.mode import get_default_mode

    pkgs = ["bayesreg", "pymc", "pytensor", "arviz", "nutpie", "numpyro", "jax", "blackjax",
            "bambi", "numba", "numpy"]
    found = []
    for name in pkgs:
        try:
            found.append(f"{name} {md.version(name)}")
        except md.PackageNotFoundError:
            pass
    return (f"Python {platform.python_version()}; " + ", ".join(found)
            + f"; pytensor default linker: {type(get_default_mode().linker).__name__}, "
            f"blas__ldflags={pytensor.config.blas__ldflags!r}")


def run_bayesreg(model, label, names, **kw):
    t0 = time.perf_counter()
    idata = model.sample(progressbar=False, log_likelihood=False, **kw)
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    idata2 = model.sample(progressbar=False, log_likelihood=False,
                          **{**kw, "random_seed": kw.get("random_seed", 0) + 1})
    warm = time.perf_counter() - t0
    e1, e2 = min_ess(idata, names), min_ess(idata2, names)
    div = int(idata2.sample_stats["diverging"].sum())
    return dict(label=label, ess=e2, cold=cold, warm=warm, rate_cold=e1 / cold,
                rate_warm=e2 / warm, div=div, compile=max(cold - warm, 0.0))


def run_pymc(build, label, names, draws, tune, seed=0, nuts_sampler="pymc"):
    """``pm.sample`` on the model ``build()`` returns; ``nuts_sampler=None``: its defaults
    (nutpie when installed, in pymc >= 6)."""
    import pymc as pm

    t0 = time.perf_counter()
    with build():
        idata = pm.sample(draws=draws, tune=tune, random_seed=seed, progressbar=False,
                          compute_convergence_checks=False, nuts_sampler=nuts_sampler)
    cold = time.perf_counter() - t0
    samp = sampling_time(idata, cold)
    e = min_ess(idata, names)
    return dict(label=label, ess=e, cold=cold, warm=samp, rate_cold=e / cold,
                rate_warm=e / samp, div=int(idata.sample_stats["diverging"].sum()),
                compile=cold - samp)


def run_bambi(X, y, family, tau, label, draws, tune, seed=0):
    import bambi as bmb
    import pandas as pd

    cols = [f"x{j}" for j in range(X.shape[1])]
    df = pd.DataFrame(X, columns=cols)
    df["y"] = y
    t0 = time.perf_counter()
    model = bmb.Model("y ~ " + " + ".join(cols), df, family=family,
                      priors={"common": bmb.Prior("Normal", mu=0.0, sigma=tau)})
    # bambi 0.21 defaults: inference_method="pymc" -> pm.sample(nuts_sampler="pymc")
    idata = model.fit(draws=draws, tune=tune, random_seed=seed, progressbar=False)
    cold = time.perf_counter() - t0
    samp = sampling_time(idata, cold)
    ess = min_ess(idata, cols + ["Intercept", "sigma"])
    return dict(label=label, ess=ess, cold=cold, warm=samp, rate_cold=ess / cold,
                rate_warm=ess / samp, div=int(idata.sample_stats["diverging"].sum()),
                compile=cold - samp)


def pymc_linear(X, y, tau, sigma=None, family="gaussian"):
    import pymc as pm

    def build():
        with pm.Model() as m:
            coef = pm.Normal("coef", 0.0, tau, shape=X.shape[1])
            intercept = pm.Flat("intercept")
            eta = intercept + pm.math.dot(X, coef)
            if family == "gaussian":
                s = sigma if sigma is not None else pm.HalfStudentT("sigma", 3, np.std(y))
                pm.Normal("y", eta, s, observed=y)
            else:
                pm.Bernoulli("y", logit_p=eta, observed=y)
        return m

    return build


def grouped(row, group):
    return {**row, "group": group}


def table(case, rows, target):
    print(f"\n### {case}\n")
    print("| run | min bulk ESS | wall incl. compile (s) | sampling only (s) | compile (s) "
          "| ESS/s incl. | ESS/s excl. | divergences |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['label']} | {r['ess']:.0f} | {r['cold']:.1f} | {r['warm']:.2f} | "
              f"{r['compile']:.1f} | {r['rate_cold']:.1f} | {r['rate_warm']:.1f} | {r['div']} |")
    ours = [r for r in rows if r["label"].startswith("bayesreg")]
    peers = [r for r in rows if not r["label"].startswith("bayesreg")]
    for o in ours:
        for p in peers:
            if o.get("group") != p.get("group"):  # only the same model
                continue
            print(f"- {o['label']} / {p['label']}: {o['rate_cold'] / p['rate_cold']:.1f}x incl. "
                  f"compile, {o['rate_warm'] / p['rate_warm']:.1f}x excl. (target >= {target}x)")
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer peer draws (slow peers)")
    ap.add_argument("--cases", default="ridge,logistic,diamonds")
    ap.add_argument("--no-bambi", action="store_true")
    ap.add_argument("--no-pymc-default", action="store_true",
                    help="skip the plain pm.sample() (= nutpie in pymc >= 6) peer rows")
    ap.add_argument("--peer-tune", type=int, default=None,
                    help="tuning steps of the peers (default: as many as their draws)")
    ap.add_argument("--threads", type=int, default=1,
                    help="BLAS threads for every run (threadpoolctl); default 1, 0 = leave "
                         "the BLAS libraries' own default")
    args = ap.parse_args(argv)
    # load every BLAS library first: threadpoolctl limits only those already loaded
    import pymc  # noqa: F401
    import scipy.linalg  # noqa: F401
    from threadpoolctl import threadpool_limits

    import bayesreg  # noqa: F401

    with threadpool_limits(limits=args.threads if args.threads > 0 else None):
        return _run(args)


def _run(args):
    import bayesreg as br

    peer_draws = 150 if args.quick else 1000
    peer_tune = args.peer_tune or peer_draws
    cases = args.cases.split(",")
    print(versions())
    from threadpoolctl import threadpool_info

    blas = ", ".join(f"{d['filepath'].rsplit('/', 1)[-1]}: {d['num_threads']}"
                     for d in threadpool_info() if d["user_api"] == "blas")
    print(f"peers: {peer_draws} draws after {peer_tune} tuning steps; BLAS threads "
          f"({blas})")
    names = ["coef", "intercept", "sigma"]
    results = {}
    try:
        import bambi  # noqa: F401
        have_bambi = not args.no_bambi
    except ImportError:
        have_bambi = False
        print("bambi not importable: skipping it")

    def pymc_default(build, label, group=None, tune=None):
        """The plain ``pm.sample()`` row, unless --no-pymc-default."""
        if args.no_pymc_default:
            return []
        row = run_pymc(build, label, names, peer_draws, tune or peer_draws, nuts_sampler=None)
        return [row if group is None else grouped(row, group)]

    if "ridge" in cases:
        rng = np.random.default_rng(0)
        n, p, tau, sigma = 100_000, 50, 1.0, 2.0
        X = rng.standard_normal((n, p))
        y = 1.0 + X @ (rng.standard_normal(p) * 0.5) + sigma * rng.standard_normal(n)
        rows = [
            grouped(run_bayesreg(br.Model(X, y, prior=br.Gaussian(tau), sigma=sigma),
                                 "bayesreg exact (sigma fixed)", names, sampler="exact",
                                 draws=1000, chains=4, random_seed=1), "fixed"),
            grouped(run_bayesreg(br.Model(X, y, prior=br.Gaussian(tau)),
                                 "bayesreg nutpie, suff. stats (sigma unknown)", names,
                                 sampler="nutpie", draws=1000, tune=1000, chains=4,
                                 random_seed=1), "unknown"),
            grouped(run_pymc(pymc_linear(X, y, tau, sigma=sigma), "PyMC (sigma fixed)", names,
                             peer_draws, peer_draws), "fixed"),
            grouped(run_pymc(pymc_linear(X, y, tau), "PyMC (sigma unknown)", names,
                             peer_draws, peer_draws), "unknown"),
        ]
        rows += pymc_default(pymc_linear(X, y, tau, sigma=sigma),
                             "PyMC defaults = nutpie (sigma fixed)", "fixed")
        rows += pymc_default(pymc_linear(X, y, tau),
                             "PyMC defaults = nutpie (sigma unknown)", "unknown")
        if have_bambi:
            rows.append(grouped(run_bambi(X, y, "gaussian", tau, "bambi (sigma unknown)",
                                          peer_draws, peer_draws), "unknown"))
        results["ridge"] = table("Gaussian ridge, n = 100,000, p = 50", rows, 20)

    if "logistic" in cases:
        # its own generator: the data do not depend on which other cases run
        rng = np.random.default_rng(0)
        n, p = 20_000, 50
        X = rng.standard_normal((n, p))
        X[:, 1:] += 0.5 * X[:, :1]
        w = rng.standard_normal(p) * 0.3
        y = (rng.random(n) < 1 / (1 + np.exp(-(X @ w - 0.5)))).astype(float)
        m = br.Model(X, y, prior=br.Gaussian(1.0), family="bernoulli")
        rows = [run_bayesreg(m, "bayesreg numpyro", names, sampler="numpyro", draws=1000,
                             tune=1000, chains=4, random_seed=1),
                run_bayesreg(m, "bayesreg nutpie (low-rank mass matrix)", names,
                             sampler="nutpie", draws=1000, tune=1000, chains=4, random_seed=1),
                run_pymc(pymc_linear(X, y, 1.0, family="bernoulli"), "PyMC", names,
                         peer_draws, peer_draws)]
        rows += pymc_default(pymc_linear(X, y, 1.0, family="bernoulli"),
                             "PyMC defaults = nutpie")
        if have_bambi:
            rows.append(run_bambi(X, y, "bernoulli", 1.0, "bambi", peer_draws, peer_draws))
        results["logistic"] = table("Logistic, Gaussian prior, n = 20,000, p = 50", rows, 1.5)

    if "diamonds" in cases:
        pdb = Path(__file__).resolve().parents[2] / "shared" / "data" / "posteriordb"
        d = json.loads((pdb / "diamonds.json").read_text())
        X = np.asarray(d["X"], dtype=float)[:, 1:]
        X = X - X.mean(0)
        y = np.asarray(d["Y"], dtype=float)
        m = br.Model(X, y, prior=br.Gaussian(1.0), sigma=br.HalfStudentT(3.0, np.std(y)))
        rows = [run_bayesreg(m, "bayesreg nutpie (low-rank mass matrix)", names,
                             sampler="nutpie", draws=1000, tune=1000, chains=4, random_seed=1),
                run_pymc(pymc_linear(X, y, 1.0), "PyMC", names, peer_draws, peer_tune)]
        rows += pymc_default(pymc_linear(X, y, 1.0), "PyMC defaults = nutpie", tune=peer_tune)
        if have_bambi:
            rows.append(run_bambi(X, y, "gaussian", 1.0, "bambi", peer_draws, peer_tune))
        results["diamonds"] = table("diamonds, n = 5,000, p = 24 (correlated)", rows, 5)
    return results


if __name__ == "__main__":
    main()
