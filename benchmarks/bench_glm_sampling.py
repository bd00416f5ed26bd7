"""GLM posteriors near the i.i.d. limit (issue 22, items 1 and 6): bayesreg's default
against a hand-written numpyro NUTS model, plain ``pm.sample()`` and bambi, side by side.

Cases (issue 22's Done-when), with a ``Gaussian(1)`` prior on every coefficient and a flat
intercept (bambi: its default intercept prior):

* ``logistic``: bernoulli, n = 20,000, p = 50, AR(0.5)-correlated columns;
* ``poisson``: n = 20,000, p = 20, the same design.

Tools, each in its own fresh process (BLAS and XLA on one thread), timing the whole call a
user waits for, cold (the first in the process: imports aside, compilation included)
and warm (a second call in the same process, another seed):

* ``bayesreg``: ``Model(X, y, family=..., prior=Gaussian(1.0)).sample()``, every default
  (``sampler="auto"``: the independence sampler from the Laplace approximation);
* ``numpyro``: the twenty-line numpyro model a user writes (``coef ~ Normal(0, 1)``, a flat
  intercept, ``Bernoulli(logits=...)``/``Poisson(rate=exp(...))``), ``MCMC(NUTS(model),
  num_warmup=1000, num_samples=1000, num_chains=4)`` (chains run one after another on one
  CPU device); warm = a second ``run`` of the same ``MCMC`` object (compiled once);
* ``pymc``: plain ``pm.sample()`` on the same model written in PyMC (PyMC 6 runs nutpie
  where it is installed);
* ``bambi``: ``bmb.Model("y ~ x0 + ...", df, family=..., priors={coefs: Normal(0, 1)})``,
  ``.fit()`` with its defaults.

Accuracy: every tool's posterior means are compared with a long-run reference, self-
normalized importance sampling (200,000 draws from a multivariate t(5) at the SciPy mode
with the finite-difference Hessian; arviz-stats' Pareto k < 0.3), as z = (mean - ref) /
sqrt(mcse^2 + ref_se^2); the table shows the largest |z| over all parameters, the
divergences and the min bulk ESS per second of the whole call.

Usage::

    python benchmarks/bench_glm_sampling.py                        # both cases, all tools
    python benchmarks/bench_glm_sampling.py --cases logistic --tools bayesreg numpyro
"""

from __future__ import annotations

import os

THREADS = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"}
os.environ.update({k: v for k, v in THREADS.items() if k not in os.environ})

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

CASES = {"logistic": ("bernoulli", 20_000, 50), "poisson": ("poisson", 20_000, 20)}
CACHE = Path(__file__).with_name(".glm_reference_cache")


def data(case: str):
    family, n, p = CASES[case]
    rng = np.random.default_rng(20)
    Z = rng.standard_normal((n, p))
    X = np.empty_like(Z)
    X[:, 0] = Z[:, 0]
    for j in range(1, p):
        X[:, j] = 0.5 * X[:, j - 1] + np.sqrt(0.75) * Z[:, j]
    w = rng.normal(scale=0.3, size=p)
    eta = 0.3 + X @ w
    if family == "bernoulli":
        y = (rng.uniform(size=n) < 1 / (1 + np.exp(-eta))).astype(float)
    else:
        y = rng.poisson(np.exp(0.5 * eta)).astype(float)
    return family, X, y


def _log_post(theta, Xc, y, family):
    eta = theta[:, :1] + theta[:, 1:] @ Xc.T
    if family == "bernoulli":
        ll = (y * eta - np.logaddexp(0.0, eta)).sum(axis=1)
    else:
        ll = (y * eta - np.exp(eta)).sum(axis=1)
    return ll - 0.5 * (theta[:, 1:] ** 2).sum(axis=1)


def reference(case: str, draws: int = 200_000) -> dict:
    """Posterior means and their standard errors of (intercept, coef) by importance
    sampling (cached in ``benchmarks/.glm_reference_cache``)."""
    path = CACHE / f"{case}.json"
    if path.exists():
        return json.loads(path.read_text())
    from arviz_stats.base import array_stats
    from scipy import optimize, stats
    family, X, y = data(case)
    x_mean = X.mean(axis=0)
    Xc = X - x_mean
    k = X.shape[1] + 1
    f = lambda th: -_log_post(th[None, :], Xc, y, family)[0]  # noqa: E731
    res = optimize.minimize(f, np.zeros(k), method="BFGS", options={"gtol": 1e-6})
    eps = 1e-4
    E = np.eye(k) * eps
    H = np.array([[(f(res.x + E[i] + E[j]) - f(res.x + E[i] - E[j]) - f(res.x - E[i] + E[j])
                    + f(res.x - E[i] - E[j])) / (4 * eps**2) for j in range(k)]
                  for i in range(k)])
    prop = stats.multivariate_t(loc=res.x, shape=np.linalg.inv(0.5 * (H + H.T)), df=5, seed=1)
    theta = prop.rvs(draws)
    log_w = np.concatenate([_log_post(theta[a:a + 2000], Xc, y, family)
                            for a in range(0, draws, 2000)]) - prop.logpdf(theta)
    _, khat = array_stats.psislw(-log_w)
    wts = np.exp(log_w - log_w.max())
    wts /= wts.sum()
    mean = wts @ theta
    sd = np.sqrt(wts @ (theta - mean) ** 2)
    ess = 1.0 / (wts**2).sum()
    # the intercept on the user's (uncentred) scale: b = b_c - x_mean' w
    b = theta[:, 0] - theta[:, 1:] @ x_mean
    b_mean = float(wts @ b)
    b_sd = float(np.sqrt(wts @ (b - b_mean) ** 2))
    out = {"khat": float(khat), "ess": float(ess),
           "mean": [b_mean] + mean[1:].tolist(), "sd": [b_sd] + sd[1:].tolist()}
    CACHE.mkdir(exist_ok=True)
    path.write_text(json.dumps(out))
    return out


# ------------------------------------------------------------------ the tools
def _draws_of(posterior) -> np.ndarray:
    """(chains, draws, 1 + p) of intercept and coef from a posterior Dataset."""
    b = np.asarray(posterior["intercept"].transpose("chain", "draw").values)[..., None]
    names = [v for v in posterior.data_vars if str(v) not in ("intercept", "Intercept")]
    coef = posterior["coef"].transpose("chain", "draw", ...).values if "coef" in posterior \
        else np.stack([posterior[f"x{j}"].values for j in range(len(names))], axis=-1)
    return np.concatenate([b, coef.reshape(coef.shape[0], coef.shape[1], -1)], axis=-1)


def run_bayesreg(family, X, y, seed):
    import bayesreg as br
    model = br.Model(X, y, family=family, prior=br.Gaussian(1.0))
    fit = model.sample(random_seed=seed, progressbar=False)
    return (_draws_of(fit.posterior), int(fit.sample_stats["diverging"].sum()),
            fit.posterior.attrs["bayesreg_sampler"])


_NUMPYRO = {}


def run_numpyro(family, X, y, seed):
    import jax
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist
    from numpyro.infer import MCMC, NUTS

    if "mcmc" not in _NUMPYRO:
        def model(X, y=None):
            b = numpyro.sample("intercept", dist.ImproperUniform(dist.constraints.real, (),
                                                                 ()))
            coef = numpyro.sample("coef", dist.Normal(0.0, 1.0).expand([X.shape[1]]))
            eta = b + X @ coef
            if family == "bernoulli":
                numpyro.sample("y", dist.Bernoulli(logits=eta), obs=y)
            else:
                numpyro.sample("y", dist.Poisson(rate=jnp.exp(eta)), obs=y)

        _NUMPYRO["mcmc"] = MCMC(NUTS(model), num_warmup=1000, num_samples=1000,
                                num_chains=4, chain_method="sequential", progress_bar=False)
    mcmc = _NUMPYRO["mcmc"]
    mcmc.run(jax.random.PRNGKey(seed), jnp.asarray(X), jnp.asarray(y),
             extra_fields=("diverging",))
    s = mcmc.get_samples(group_by_chain=True)
    draws = np.concatenate([np.asarray(s["intercept"])[..., None], np.asarray(s["coef"])],
                           axis=-1)
    div = int(np.asarray(mcmc.get_extra_fields()["diverging"]).sum())
    return draws, div, "numpyro NUTS"


def _pymc_model(family, X, y):
    import pymc as pm
    with pm.Model() as m:
        b = pm.Flat("intercept")
        coef = pm.Normal("coef", 0.0, 1.0, shape=X.shape[1])
        eta = b + pm.math.dot(X, coef)
        if family == "bernoulli":
            pm.Bernoulli("y", logit_p=eta, observed=y)
        else:
            pm.Poisson("y", mu=pm.math.exp(eta), observed=y)
    return m


def run_pymc(family, X, y, seed):
    import pymc as pm
    with _pymc_model(family, X, y):
        idata = pm.sample(random_seed=seed, progressbar=False)
    div = int(idata.sample_stats["diverging"].sum())
    return _draws_of(idata.posterior), div, "pm.sample()"


def run_bambi(family, X, y, seed):
    import bambi as bmb
    import pandas as pd
    p = X.shape[1]
    df = pd.DataFrame(X, columns=[f"x{j}" for j in range(p)])
    df["y"] = y
    formula = "y ~ " + " + ".join(df.columns[:-1])
    priors = {f"x{j}": bmb.Prior("Normal", mu=0.0, sigma=1.0) for j in range(p)}
    fam = "bernoulli" if family == "bernoulli" else "poisson"
    model = bmb.Model(formula, df, family=fam, priors=priors)
    idata = model.fit(random_seed=seed, progressbar=False)
    post = idata.posterior
    b = post["Intercept"].transpose("chain", "draw").values[..., None]
    coef = np.stack([post[f"x{j}"].transpose("chain", "draw").values for j in range(p)],
                    axis=-1)
    return np.concatenate([b, coef], axis=-1), int(idata.sample_stats["diverging"].sum()), \
        "bambi .fit()"


TOOLS = {"bayesreg": run_bayesreg, "numpyro": run_numpyro, "pymc": run_pymc,
         "bambi": run_bambi}


def _min_ess(draws) -> float:
    import arviz as az
    return min(float(az.ess(draws[..., j], method="bulk")) for j in range(draws.shape[-1]))


def child(tool: str, case: str) -> dict:
    import warnings
    warnings.simplefilter("ignore")
    import arviz as az
    family, X, y = data(case)
    ref = reference(case)
    out = {"tool": tool, "case": case}
    for label, seed in (("cold", 1), ("warm", 2)):
        t = time.perf_counter()
        draws, div, what = TOOLS[tool](family, X, y, seed)
        wall = time.perf_counter() - t
        ess = _min_ess(draws)
        z = [(draws[..., j].mean() - ref["mean"][j])
             / np.hypot(float(az.mcse(draws[..., j])), ref["sd"][j] / np.sqrt(ref["ess"]))
             for j in range(draws.shape[-1])]
        out[label] = {"wall_s": wall, "min_ess_bulk": ess, "ess_per_s": ess / wall,
                      "divergences": div, "max_abs_z": float(np.max(np.abs(z))),
                      "sampler": what}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    ap.add_argument("--tools", nargs="+", default=list(TOOLS), choices=list(TOOLS))
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(*args.child)))
        return
    print(f"# {platform.node()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"BLAS/XLA on 1 thread")
    rows = []
    for case in args.cases:
        ref = reference(case)
        print(f"# {case}: reference by importance sampling, Pareto k {ref['khat']:.3f}, "
              f"ESS {ref['ess']:.0f}", flush=True)
        for tool in args.tools:
            res = subprocess.run([sys.executable, __file__, "--child", tool, case],
                                 capture_output=True, text=True, env={**os.environ, **THREADS})
            if res.returncode:
                print(f"{case} {tool} FAILED\n{res.stderr[-2000:]}", flush=True)
                continue
            row = json.loads(res.stdout.strip().splitlines()[-1])
            rows.append(row)
            print(json.dumps(row), flush=True)
    print("\n| case | tool | cold s | cold ESS/s | warm s | min bulk ESS | warm ESS/s | "
          "divergences | max abs z vs reference |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        c, w = r["cold"], r["warm"]
        print(f"| {r['case']} | {r['tool']} ({w['sampler']}) | {c['wall_s']:.1f} | "
              f"{c['ess_per_s']:.0f} | {w['wall_s']:.1f} | {w['min_ess_bulk']:.0f} | "
              f"{w['ess_per_s']:.0f} | {w['divergences']} | {w['max_abs_z']:.2f} |")
    for case in args.cases:
        got = {r["tool"]: r["warm"]["ess_per_s"] for r in rows if r["case"] == case}
        if "bayesreg" in got:
            ratios = ", ".join(f"{got['bayesreg'] / v:.1f}x {t}" for t, v in got.items()
                               if t != "bayesreg")
            print(f"{case}: bayesreg warm ESS/s = {ratios}")


if __name__ == "__main__":
    main()
