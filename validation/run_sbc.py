"""Simulation-based calibration of every prior x family x sampler bayesreg offers.

Writes ``validation/sbc_results.json`` (one record per combination, appended as each
finishes) and an ECDF-difference plot per combination under ``validation/sbc/``;
``VALIDATION.md`` is the table of a run. Usage (from the repository root)::

    OMP_NUM_THREADS=1 python validation/run_sbc.py [--fast-sims 200] [--nuts-sims 40]
        [--only SUBSTRING] [--seed 2026]

Every model is small (n = 20 observations, p = 3 features, intercept prior
Gaussian(2.0), noise priors HalfNormal(1.0)), so that the prior is not swamped by the
data and a miscalibration shows. Exact fits draw L = 99 i.i.d.; Gibbs fits keep L = 99
of 2 x 400 after 200 burn-in steps (thinned 1 in 8); NUTS fits keep L = 19 of 2 x 100
after 300 tuning steps (thinned 1 in 10).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402

import bayesreg as br  # noqa: E402

HERE = Path(__file__).resolve().parent
OUT = HERE / "sbc"
RESULTS = HERE / "sbc_results.json"

N, P = 20, 3
HN = br.HalfNormal(1.0)
PRIORS = {
    "Gaussian(1)": br.Gaussian(1.0),
    "Gaussian(HalfNormal) non-centred": br.Gaussian(br.HalfNormal(1.0)),
    "Gaussian(HalfNormal) centred": br.Gaussian(br.HalfNormal(1.0), noncentered=False),
    "Laplace(1)": br.Laplace(1.0),
    "Laplace(HalfNormal)": br.Laplace(br.HalfNormal(1.0)),
    "StudentT(3, 1)": br.StudentT(3.0, 1.0),
    "ElasticNetPrior(1, 1)": br.ElasticNetPrior(1.0, 1.0),
    "Horseshoe": br.Horseshoe(),
    "RegularizedHorseshoe(p0=1)": br.RegularizedHorseshoe(1),
    "HorseshoePlus": br.HorseshoePlus(),
    "R2D2": br.R2D2(),
}
#: variants run on the gaussian family only (the GLMs keep the non-centred hyperprior)
GAUSSIAN_ONLY = ("Gaussian(HalfNormal) centred", "Laplace(HalfNormal)")
#: the horseshoes' default global scale (1, times the pseudo sigma) draws linear predictors
#: beyond exp() range for a log link (counts of 1e40 cannot be simulated): those families
#: run them with a global scale of 0.01 (0.1 still reached eta = 106 in 40 draws)
LOG_LINK = ("poisson", "negative_binomial")
LOG_LINK_PRIORS = {"Horseshoe": ("Horseshoe(scale_global=0.01)",
                                 br.Horseshoe(scale_global=0.01)),
                   "HorseshoePlus": ("HorseshoePlus(scale_global=0.01)",
                                     br.HorseshoePlus(scale_global=0.01))}
FAMILIES = ["gaussian", "bernoulli", "poisson", "student_t", "negative_binomial"]


def design(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, P))
    return X / np.sqrt(P), rng


def model(prior, family, **kw):
    X, rng = design()
    y = {"gaussian": rng.normal(size=N), "student_t": rng.normal(size=N),
         "bernoulli": rng.integers(0, 2, N).astype(float),
         "poisson": rng.poisson(2.0, N).astype(float),
         "negative_binomial": rng.poisson(2.0, N).astype(float)}[family]
    extra = {}
    if family in ("gaussian", "student_t"):
        extra["sigma"] = kw.pop("sigma", HN)
    if family == "student_t":
        extra["nu"] = br.Gamma(2.0, 0.1)
    if family == "negative_binomial":
        extra["dispersion"] = HN
    if kw.get("fit_intercept", True):
        kw["intercept_prior"] = br.Gaussian(2.0)
    return br.Model(X, y, prior=prior, family=family, **extra, **kw)


def dask_fit(sampler):
    """A fit through DaskModel (chunked data), for the DaskModel rows."""
    def fit(m, seed):
        import dask.array as da

        dm = br.DaskModel(da.from_array(m.X_original, chunks=(7, P)),
                          da.from_array(m.y, chunks=7), prior=m.prior, family=m.family.name,
                          intercept_prior=m.intercept_prior, sigma=m.sigma)
        return dm.sample(draws=200 if sampler != "exact" else 50, tune=300, chains=2,
                         sampler=sampler, random_seed=seed, progressbar=False)
    fit.__name__ = f"DaskModel.sample({sampler})"
    return fit


def combinations(fast, nuts):
    """(name, model, sbc keyword arguments)."""
    exact = dict(sampler="exact", simulations=fast, draws=99)
    gibbs = dict(sampler="gibbs", simulations=fast, draws=99, sample_draws=400, tune=200)
    nutpie = dict(sampler="nutpie", simulations=nuts, draws=19, sample_draws=100, tune=300)
    rows = [
        ("gaussian | Gaussian(1), sigma=1 | exact", model(br.Gaussian(1.0), "gaussian",
                                                         sigma=1.0), exact),
        ("gaussian | Gaussian(1, scaled_by_sigma), sigma~InvGammaVar(3,3), no intercept | exact",
         model(br.Gaussian(1.0, scaled_by_sigma=True), "gaussian", fit_intercept=False,
               sigma=br.InverseGammaVariance(3.0, 3.0)), exact),
        ("gaussian | Gaussian(1), sigma=1 | DaskModel exact",
         model(br.Gaussian(1.0), "gaussian", sigma=1.0),
         dict(fit=dask_fit("exact"), simulations=fast // 2, draws=99)),
    ]
    for name in ("Gaussian(1)", "Gaussian(HalfNormal) non-centred", "Laplace(1)",
                 "Laplace(HalfNormal)", "StudentT(3, 1)"):
        rows.append((f"gaussian | {name} | gibbs", model(PRIORS[name], "gaussian"), gibbs))
    rows.append(("gaussian | Laplace(HalfNormal) | DaskModel gibbs",
                 model(PRIORS["Laplace(HalfNormal)"], "gaussian"),
                 dict(fit=dask_fit("gibbs"), simulations=fast // 2, draws=19)))
    for family in FAMILIES:
        for name, prior in PRIORS.items():
            if family != "gaussian" and name in GAUSSIAN_ONLY:
                continue
            if family in LOG_LINK and name in LOG_LINK_PRIORS:
                name, prior = LOG_LINK_PRIORS[name]
            rows.append((f"{family} | {name} | nutpie", model(prior, family), nutpie))
    m = model(br.Gaussian(br.HalfNormal(1.0)), "gaussian")
    for sampler in ("pymc", "numpyro", "blackjax"):
        rows.append((f"gaussian | Gaussian(HalfNormal) non-centred | {sampler}", m,
                     dict(nutpie, sampler=sampler)))
    rows.append(("bernoulli | Laplace(1) | numpyro", model(br.Laplace(1.0), "bernoulli"),
                 dict(nutpie, sampler="numpyro")))
    # the GLM samplers of issue 22: the independence sampler from the Laplace
    # approximation (falling back to NUTS where its proposal does not fit: at n = 20 some
    # simulated data sets are separated), in memory and on DaskModel, and Polya-Gamma Gibbs
    imh = dict(sampler="imh", simulations=fast, draws=99, sample_draws=400)
    for family in ("bernoulli", "poisson"):
        rows.append((f"{family} | Gaussian(1) | imh", model(PRIORS["Gaussian(1)"], family),
                     imh))
    rows.append(("bernoulli | Gaussian(1), no intercept | DaskModel imh",
                 model(PRIORS["Gaussian(1)"], "bernoulli", fit_intercept=False),
                 dict(fit=dask_glm_fit, simulations=fast // 2, draws=99)))
    # (HorseshoePlus failed here and was withdrawn from Gibbs: VALIDATION.md, Failures)
    for name in ("Gaussian(1)", "Laplace(HalfNormal)", "RegularizedHorseshoe(p0=1)"):
        rows.append((f"bernoulli | {name} | gibbs (Polya-Gamma)",
                     model(PRIORS[name], "bernoulli"), gibbs))
    return rows


def dask_glm_fit(m, seed):
    """A logistic fit through DaskModel (its independence sampler) without an intercept."""
    import dask.array as da

    dm = br.DaskModel(da.from_array(m.X_original, chunks=(7, P)), da.from_array(m.y, chunks=7),
                      prior=m.prior, family=m.family.name, fit_intercept=False)
    return dm.sample(draws=400, chains=2, random_seed=seed, progressbar=False)


dask_glm_fit.__name__ = "DaskModel.sample(imh)"


def markdown(fast, nuts) -> str:
    """The VALIDATION.md table of every record under ``validation/sbc_results*.json``."""
    records = {}
    for path in sorted(HERE.glob("sbc_results*.json")):
        records.update({r["combination"]: r for r in json.loads(path.read_text())})
    rechecks: dict = {}  # re-runs of failing rows (validation/sbc_recheck*.json)
    for path in sorted(HERE.glob("sbc_recheck*.json")):
        for r in json.loads(path.read_text()):
            rechecks.setdefault(r["combination"], []).append(r)
    lines = ["| combination (family \\| prior \\| sampler) | simulations | L | joint p | "
             "worst parameter | k | median ESS | gate warnings | result | plot |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for name, _, _ in combinations(fast, nuts):
        r = records.get(name)
        label = name.replace("|", "\\|")
        if r is None:
            lines.append(f"| {label} | | | | | | | | not run | |")
        elif "error" in r:
            lines.append(f"| {label} | | | | | | | | error: {r['error'][:80]} | |")
        else:
            result = "pass" if r["passed"] else "**FAIL**"
            again = rechecks.get(name, [])
            if not r["passed"] and again and all(x["passed"] for x in again):
                # the rule: a failing row is re-run with other seeds and more simulations
                result = ("pass on re-run (" + ", ".join(
                    f"p = {x['joint_p_value']:.3g} at {x['simulations']}" for x in again)
                    + "; see Failures)")
            lines.append(
                f"| {label} | {r['simulations']} | {r['draws']} | {r['joint_p_value']:.3g} | "
                f"{r['worst_parameter']} | {r['n_parameters']} | {r['median_ess']:.0f} | "
                f"{r['gate_warnings']} | {result} | [png]({r['plot']}) |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast-sims", type=int, default=200)
    parser.add_argument("--nuts-sims", type=int, default=40)
    parser.add_argument("--only", default=None)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--results", default=str(RESULTS),
                        help="the JSON file of records (to split a run over processes)")
    parser.add_argument("--markdown", action="store_true",
                        help="write the table of the records (all --results files merged, "
                             "in the order of the combinations) to stdout and exit")
    parser.add_argument("--reverse", action="store_true",
                        help="run the combinations from the last (a second process)")
    args = parser.parse_args(argv)
    results = Path(args.results)
    if args.markdown:
        print(markdown(args.fast_sims, args.nuts_sims))
        return 0
    OUT.mkdir(exist_ok=True)
    done = {}
    if results.exists():
        done = {r["combination"]: r for r in json.loads(results.read_text())}
    import matplotlib.pyplot as plt

    rows = list(enumerate(combinations(args.fast_sims, args.nuts_sims)))
    for i, (name, m, kw) in (reversed(rows) if args.reverse else rows):
        if args.only and args.only not in name:
            continue
        if name in done and not args.only:
            continue
        if args.reverse and RESULTS.exists() and results != RESULTS and name in {
                r["combination"] for r in json.loads(RESULTS.read_text())}:
            break  # the forward run got here: the two halves met
        t0 = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = br.sbc(m, random_seed=args.seed + i, chains=2, **kw)
        except Exception as err:  # recorded, so that one failure does not stop the run
            done[name] = {"combination": name, "error": f"{type(err).__name__}: {err}"}
            results.write_text(json.dumps(list(done.values()), indent=1))
            print(f"{name}: ERROR {err}", flush=True)
            continue
        seconds = time.perf_counter() - t0
        worst = str(result["parameter"].values[int(np.argmin(result["p_value"].values))])
        slug = "".join(c if c.isalnum() else "_" for c in name).strip("_")
        fig = br.plots.plot_sbc(result, title=name)
        fig.savefig(OUT / f"{slug}.png", dpi=60)
        plt.close(fig)
        done[name] = {"combination": name, "simulations": int(result.sizes["simulation"]),
                      "draws": int(result.attrs["draws"]),
                      "joint_p_value": float(result["joint_p_value"]),
                      "worst_parameter": worst, "n_parameters": int(result.sizes["parameter"]),
                      "passed": bool(result.attrs["passed"]),
                      "median_ess": float(np.median(result["ess"].values)),
                      "gate_warnings": int(result["warned"].values.sum()),
                      "seconds": round(seconds, 1), "plot": f"validation/sbc/{slug}.png"}
        results.write_text(json.dumps(list(done.values()), indent=1))
        print(f"{name}: p = {done[name]['joint_p_value']:.3g} ({worst}), {seconds:.0f} s",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
