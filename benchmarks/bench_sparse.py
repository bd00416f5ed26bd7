"""Sparse priors (issue 14): parameterizations, peers, selection vs LassoCV, a wide logistic.

Data (``simulate``): n = 100, p = 200, columns i.i.d. N(0, 1), 5 non-zero coefficients
(1.5, -1.25, 1.0, -0.75, 0.5) at random positions, noise sd 1; ``Model(...,
standardize=True)``. The regularized horseshoe uses ``expected_nonzero=10`` (a guess of
twice the truth, not the truth).

Parts (``--parts``, comma separated; ``numpyro`` runs that peer alone):

* ``forms``: the parameterizations of :mod:`bayesreg.backends._shrinkage` on the same
  hand-built PyMC model (gaussian likelihood on X, sigma ~ HalfStudentT(3, sd(y))), nutpie,
  2 chains x 1000 draws after 1000 tuning steps, seed 0 data, coefficients sampled.
* ``marginal``: the same model with the coefficients integrated out of the likelihood and
  drawn exactly given the scales (:mod:`bayesreg.backends._marginal`; the default for the
  gaussian family), at target_accept 0.8 and 0.95.
* ``crossover``: n = 200, p = 400, bayesreg's defaults with the coefficients integrated
  out and sampled (where ``MARGINAL_MAX_FEATURES`` comes from).
* ``peers``: bayesreg at its defaults (4 chains x 1000 draws, 1000 tuning steps, nutpie)
  with the regularized horseshoe and the plain horseshoe, against a hand-written numpyro
  horseshoe (numpyro's example: non-centred, lambda, tau ~ HalfCauchy(1), sigma ~
  HalfNormal(sd(y))) and bambi 0.21's ``Prior("Horseshoe")`` on each of the 200 terms
  (bambi's formula gives each column its own term, so its own horseshoe), run in a
  subprocess with a time limit (``--bambi-timeout``, default 600 s).
* ``selection``: seeds 0..``--seeds``-1: regularized horseshoe + SAVS vs scikit-learn's
  ``LassoCV`` (5-fold): precision, recall, ||coef - truth||_2, and each fit's R-hat and
  divergences.
* ``wide``: logistic regression with the regularized horseshoe on a simulated
  gene-expression-like set (n = 102, p = ``--wide-p``, default 2000, block-correlated
  columns, 5 non-zero coefficients), at default settings: time, divergences, R-hat.
  (No real gene-expression set is available offline here.) ``--wide-draws`` sets the
  draws per chain.
* ``widecentring``: the same data, the non-centred form against a half-centred one.

Metric: minimum bulk ESS over all sampled quantities reported (coef, the latent scales,
sigma) per second of sampling (compilation excluded where the tool reports it).
BLAS is limited to 1 thread.

Run: ``python benchmarks/bench_sparse.py [--parts forms,marginal,crossover,peers,selection,wide] [--seeds 5]``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import warnings

import numpy as np

TRUE = np.array([1.5, -1.25, 1.0, -0.75, 0.5])


def simulate(seed, n=100, p=200):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    w = np.zeros(p)
    w[rng.choice(p, TRUE.size, replace=False)] = TRUE
    return X, X @ w + rng.standard_normal(n), w


def _ess_rhat(post, names):
    import arviz as az
    ds = (post.to_dataset() if hasattr(post, "to_dataset") else post)[names]
    ess, rhat = az.ess(ds), az.rhat(ds)
    return (min(float(ess[v].min()) for v in names),
            max(float(rhat[v].max()) for v in names))


def row(label, seconds, div, ess, rhat, extra=""):
    print(f"| {label} | {seconds:.1f} | {div} | {ess:.0f} | {ess / seconds:.1f} | "
          f"{rhat:.3f} | {extra} |", flush=True)


HEADER = ("| run | sampling s | divergences | min bulk ESS | min ESS/s | max R-hat | notes |\n"
          "|---|---|---|---|---|---|---|")


# --------------------------------------------------------------------------- forms
def part_forms():
    import pymc as pm
    import pytensor.tensor as pt

    from bayesreg.backends._shrinkage import shrinkage_data, shrinkage_variable
    from bayesreg.priors import _shrinkage as S

    X, y, _ = simulate(0)
    X = (X - X.mean(0)) / X.std(0)
    n, p = X.shape
    print("\n### Parameterizations (nutpie, 2 chains x 1000 draws)\n\n" + HEADER)

    def run(prior, form, adaptation="diag", target_accept=0.95, label=None):
        scales = S.ShrinkageScales(prior.global_scale(p, n), None, n)
        with pm.Model(coords={"feature": np.arange(p)}) as m:
            data = {k: pm.Data(k, v) for k, v in shrinkage_data(prior, scales).items()}
            sigma = pm.HalfStudentT("sigma", 3, np.std(y))
            b0 = pm.Normal("b0", np.mean(y), 10)
            coef = shrinkage_variable(prior, "coef", "feature", sigma=sigma, data=data,
                                      form=form)
            pm.Normal("y", b0 + pt.dot(X, coef), sigma, observed=y)
        _sample(m, label or f"{type(prior).__name__} {form}, {adaptation}, "
                f"target_accept={target_accept}", adaptation, target_accept)

    rhs, r2d2 = S.RegularizedHorseshoe(expected_nonzero=10), S.R2D2()
    for ta in (0.8, 0.95, 0.99):
        run(rhs, "default", target_accept=ta)
    run(rhs, "aux")
    run(rhs, "centered")
    run(rhs, "default", adaptation="low_rank")
    run(r2d2, "default")
    run(r2d2, "dirichlet")


def _sample(m, label, adaptation, target_accept):
    import nutpie

    c = nutpie.compile_pymc_model(m)
    t0 = time.perf_counter()
    tr = nutpie.sample(c, draws=1000, tune=1000, chains=2, seed=1, progress_bar=False,
                       cores=2, adaptation=adaptation, target_accept=target_accept)
    el = time.perf_counter() - t0
    names = [v for v in tr.posterior.data_vars if not v.endswith("__") and v != "b0"]
    ess, rhat = _ess_rhat(tr.posterior, names)
    row(label, el, int(tr.sample_stats["diverging"].sum()), ess, rhat,
        f"{float(tr.sample_stats['n_steps'].mean()):.0f} steps/draw")


def part_marginal():
    """The regularized horseshoe of ``forms`` with the coefficients integrated out of the
    likelihood (bayesreg's default for the gaussian family), nutpie at its own
    target_accept (0.8) and at 0.95, on the same hand-built model."""
    import pymc as pm

    from bayesreg.backends._marginal import marginal_coef
    from bayesreg.backends._shrinkage import shrinkage_data, shrinkage_scale
    from bayesreg.base._suffstats import SufficientStats
    from bayesreg.priors import _shrinkage as S

    X, y, _ = simulate(0)
    X = (X - X.mean(0)) / X.std(0)
    n, p = X.shape
    prior = S.RegularizedHorseshoe(expected_nonzero=10)
    scales = S.ShrinkageScales(prior.global_scale(p, n), None, n)
    st = SufficientStats.from_data(np.column_stack([np.ones(n), X]), y)
    stats = dict(gram=st.xtx, beta_hat=st.beta_hat, rss_min=np.asarray(st.rss_min),
                 sum_w=np.asarray(st.sum_w))
    print("\n### Coefficients integrated out (nutpie, 2 chains x 1000 draws)\n\n" + HEADER)
    for ta in (0.8, 0.95):
        with pm.Model(coords={"feature": np.arange(p)}) as m:
            data = {k: pm.Data(k, v) for k, v in shrinkage_data(prior, scales).items()}
            sigma = pm.HalfStudentT("sigma", 3, np.std(y))
            b0 = pm.Normal("b0", np.mean(y), 10)
            scale = shrinkage_scale(prior, "coef", "feature", sigma=sigma, data=data)
            marginal_coef(scale, sigma, b0, stats)
        _sample(m, f"RegularizedHorseshoe, coef integrated out, diag, target_accept={ta}",
                "diag", ta)


def part_crossover(n=200, p=400):
    """The regularized horseshoe at bayesreg's defaults with the coefficients integrated
    out and, switched off through ``MARGINAL_MAX_FEATURES = 0``, sampled non-centred."""
    import bayesreg as br
    import bayesreg.backends._pymc_model as pmm

    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, p))
    w = np.zeros(p)
    w[:TRUE.size] = TRUE
    y = X @ w + rng.standard_normal(n)
    print(f"\n### Integrated out vs sampled, n = {n}, p = {p} (4 chains x 1000 draws)\n\n"
          + HEADER)
    default = pmm.MARGINAL_MAX_FEATURES
    for label, limit in (("coef integrated out", p), ("coef sampled (non-centred)", 0)):
        pmm.MARGINAL_MAX_FEATURES = limit
        try:
            model = br.Model(X, y, prior=br.RegularizedHorseshoe(expected_nonzero=10),
                             standardize=True)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fit = model.sample(random_seed=1, progressbar=False)
        finally:
            pmm.MARGINAL_MAX_FEATURES = default
        ess, rhat = _ess_rhat(fit.posterior, ["coef", "sigma", "coef_tau", "coef_lambda",
                                              "coef_c2"])
        row(label, fit.posterior.attrs["sampling_time"],
            int(fit.sample_stats["diverging"].sum()), ess, rhat,
            f"{float(fit.sample_stats['n_steps'].mean()):.0f} steps/draw")


# --------------------------------------------------------------------------- peers
def part_peers(bambi_timeout, others=True):
    import bayesreg as br

    X, y, _ = simulate(0)
    print("\n### n = 100, p = 200: bayesreg vs numpyro vs bambi (4 chains x 1000 draws)\n\n"
          + HEADER)
    for prior in (br.RegularizedHorseshoe(expected_nonzero=10), br.Horseshoe()):
        model = br.Model(X, y, prior=prior, standardize=True)
        t0 = time.perf_counter()
        compiled = model.compile()
        ct = time.perf_counter() - t0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = model.sample(random_seed=1, progressbar=False, compiled=compiled)
        names = ["coef", "sigma"] + [f"coef_{k}" for k in prior.latent]
        ess, rhat = _ess_rhat(fit.posterior, names)
        row(f"bayesreg {type(prior).__name__} (defaults: nutpie)",
            fit.posterior.attrs["sampling_time"], int(fit.sample_stats["diverging"].sum()),
            ess, rhat, f"compile {ct:.0f} s")
    if others:
        _numpyro_horseshoe(X, y)
        _bambi_horseshoe(X, y, bambi_timeout)


def _numpyro_horseshoe(X, y, chain_method="sequential"):
    import arviz as az
    import jax
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist
    from numpyro.infer import MCMC, NUTS

    X = (X - X.mean(0)) / X.std(0)
    y_sd, y_mean = float(np.std(y)), float(np.mean(y))

    def model(X, y):
        p = X.shape[1]
        lam = numpyro.sample("lambda", dist.HalfCauchy(jnp.ones(p)))
        tau = numpyro.sample("tau", dist.HalfCauchy(1.0))
        z = numpyro.sample("z", dist.Normal(jnp.zeros(p), 1.0))
        coef = numpyro.deterministic("coef", tau * lam * z)
        sigma = numpyro.sample("sigma", dist.HalfNormal(y_sd))
        b0 = numpyro.sample("b0", dist.Normal(y_mean, 10.0))
        numpyro.sample("y", dist.Normal(b0 + X @ coef, sigma), obs=y)

    mcmc = MCMC(NUTS(model), num_warmup=1000, num_samples=1000, num_chains=4,
                chain_method=chain_method, progress_bar=False, jit_model_args=True)
    t0 = time.perf_counter()
    mcmc.run(jax.random.PRNGKey(1), jnp.asarray(X), jnp.asarray(y))
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()  # again: the compiled sampler is cached (jit_model_args)
    mcmc.run(jax.random.PRNGKey(1), jnp.asarray(X), jnp.asarray(y))
    el = time.perf_counter() - t0
    samples = mcmc.get_samples(group_by_chain=True)
    names = ["coef", "lambda", "tau", "sigma"]
    post = az.from_dict({"posterior": {k: np.asarray(samples[k]) for k in names}})
    ess, rhat = _ess_rhat(post.posterior, names)
    div = int(np.asarray(mcmc.get_extra_fields(group_by_chain=True)["diverging"]).sum())
    row(f"numpyro horseshoe (hand-written, non-centred), {chain_method} chains", el, div, ess,
        rhat,
        f"warm run; the first, with JIT compilation, took {cold:.1f} s")


_BAMBI = r"""
import json, sys, time, warnings
import numpy as np, pandas as pd, bambi as bmb, arviz as az
warnings.simplefilter("ignore")
d = np.load(sys.argv[1]); X, y = d["X"], d["y"]
X = (X - X.mean(0)) / X.std(0)
cols = [f"x{j}" for j in range(X.shape[1])]
df = pd.DataFrame(X, columns=cols); df["y"] = y
m = bmb.Model("y ~ " + " + ".join(cols), df, priors={"common": bmb.Prior("Horseshoe")})
t0 = time.perf_counter()
idata = m.fit(draws=1000, tune=1000, chains=4, random_seed=1, progressbar=False)
el = time.perf_counter() - t0
names = [v for v in idata.posterior.data_vars if not str(v).endswith("_raw")]  # as the others: no z
ds = idata.posterior.to_dataset()[names] if hasattr(idata.posterior, "to_dataset") else idata.posterior[names]
ess, rhat = az.ess(ds), az.rhat(ds)
print(json.dumps(dict(time=el, div=int(idata.sample_stats["diverging"].sum()),
      ess=min(float(ess[v].min()) for v in names), rhat=max(float(rhat[v].max()) for v in names))))
"""


def _bambi_horseshoe(X, y, timeout):
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        np.savez(f"{tmp}/d.npz", X=X, y=y)
        t0 = time.perf_counter()
        try:
            out = subprocess.run([sys.executable, "-c", _BAMBI, f"{tmp}/d.npz"],
                                 capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            print(f"| bambi Prior(\"Horseshoe\") per term (pymc NUTS) | > {timeout} | - | - | "
                  f"- | - | did not finish in {timeout} s (killed) |", flush=True)
            return
        if out.returncode != 0:
            print(f"| bambi | - | - | - | - | - | failed: {out.stderr.strip()[-300:]} |")
            return
        r = json.loads(out.stdout.strip().splitlines()[-1])
        row("bambi Prior(\"Horseshoe\") per term (pymc NUTS)", r["time"], r["div"], r["ess"],
            r["rhat"], f"subprocess wall {time.perf_counter() - t0:.0f} s")


# --------------------------------------------------------------------------- selection
def part_selection(n_seeds):
    from sklearn.linear_model import LassoCV
    from sklearn.preprocessing import StandardScaler

    import bayesreg as br

    print(f"\n### Support recovery, {n_seeds} seeds (n = 100, p = 200, 5 non-zeros)\n\n"
          "| seed | method | precision | recall | ||coef - truth||_2 | selected | "
          "divergences | max R-hat |\n|---|---|---|---|---|---|---|---|")
    res = {"RHS + SAVS": [], "LassoCV": []}
    for seed in range(n_seeds):
        X, y, w = simulate(seed)
        model = br.Model(X, y, prior=br.RegularizedHorseshoe(expected_nonzero=10),
                         standardize=True)
        with warnings.catch_warnings():  # (the default sigma prior's scale is sd(y): the
            warnings.simplefilter("ignore")  # structure differs by seed, so each compiles)
            fit = model.sample(random_seed=seed, progressbar=False)
        _, rhat = _ess_rhat(fit.posterior, ["coef", "sigma", "coef_tau", "coef_lambda",
                                            "coef_c2"])
        div = int(fit.sample_stats["diverging"].sum())
        # SAVS on the standardized scale, back to the columns' units
        est = {"RHS + SAVS": br.savs(model, fit).values / model.standardization.scale}
        lasso = LassoCV(cv=5, random_state=0, max_iter=20_000).fit(
            StandardScaler().fit_transform(X), y)
        est["LassoCV"] = lasso.coef_ / X.std(0)
        for name, b in est.items():
            sel, true = b != 0, w != 0
            prec = (sel & true).sum() / max(sel.sum(), 1)
            rec = (sel & true).sum() / true.sum()
            err = float(np.linalg.norm(b - w))
            res[name].append((prec, rec, err, sel.sum()))
            extra = f"{div} | {rhat:.3f}" if name == "RHS + SAVS" else "- | -"
            print(f"| {seed} | {name} | {prec:.2f} | {rec:.2f} | {err:.3f} | {sel.sum()} | "
                  f"{extra} |", flush=True)
    for name, r in res.items():
        m = np.mean(r, axis=0)
        print(f"| mean | {name} | {m[0]:.2f} | {m[1]:.2f} | {m[2]:.3f} | {m[3]:.1f} | | |")


# --------------------------------------------------------------------------- wide
def simulate_wide(p, n=102, block=20):
    """Gene-expression-like binary data: blocks of correlated columns, 5 non-zeros."""
    from scipy.special import expit

    rng = np.random.default_rng(7)
    z = rng.standard_normal((n, p // block))
    X = np.repeat(z, block, axis=1)[:, :p] * 0.7 + 0.71 * rng.standard_normal((n, p))
    w = np.zeros(p)
    w[rng.choice(p, 5, replace=False)] = [2.0, -2.0, 1.5, -1.5, 1.0]
    return X, (rng.random(n) < expit(X @ w)).astype(float), w


def part_wide_centering(p):
    """The wide logistic RHS with ``w = s^(1 - a) z``, ``z ~ N(0, s^a)``: a = 0 is the
    default (non-centred), a = 0.5 half-centred (VIP with a fixed a); nutpie, 4 x 1000,
    target_accept 0.99, hand-built PyMC model."""
    import nutpie
    import pymc as pm
    import pytensor.tensor as pt

    from bayesreg.backends._shrinkage import shrinkage_data, shrinkage_scale
    from bayesreg.priors import _shrinkage as S

    X, y, _ = simulate_wide(p)
    n = X.shape[0]
    X = (X - X.mean(0)) / X.std(0)
    prior = S.RegularizedHorseshoe(expected_nonzero=5)
    pseudo_sd = 1 / np.sqrt(y.mean() * (1 - y.mean()))
    scales = S.ShrinkageScales(prior.global_scale(p, n), pseudo_sd, n)
    print(f"\n### Wide logistic (p = {p}): partial centring\n\n" + HEADER)
    for a in (0.0, 0.5):
        with pm.Model(coords={"feature": np.arange(p)}) as m:
            data = {k: pm.Data(k, v) for k, v in shrinkage_data(prior, scales).items()}
            s = shrinkage_scale(prior, "coef", "feature", sigma=None, data=data)
            z = pm.Normal("coef_z", 0.0, s**a, dims="feature")
            coef = pm.Deterministic("coef", s ** (1 - a) * z, dims="feature")
            pm.Bernoulli("y", logit_p=pm.Flat("b0") + pt.dot(X, coef), observed=y)
        t0 = time.perf_counter()
        tr = nutpie.sample(nutpie.compile_pymc_model(m), draws=1000, tune=1000, chains=4,
                           seed=1, progress_bar=False, cores=2, target_accept=0.99)
        el = time.perf_counter() - t0
        ess, rhat = _ess_rhat(tr.posterior, ["coef", "coef_tau", "coef_lambda", "coef_c2"])
        row(f"w = s^{1 - a:g} z, z ~ N(0, s^{a:g})", el,
            int(tr.sample_stats["diverging"].sum()), ess, rhat,
            f"{float(tr.sample_stats['n_steps'].mean()):.0f} steps/draw")


def part_wide(p, draws=1000):
    import bayesreg as br

    X, y, w = simulate_wide(p)
    n = X.shape[0]
    model = br.Model(X, y, prior=br.RegularizedHorseshoe(expected_nonzero=5),
                     family="bernoulli", standardize=True)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = model.sample(random_seed=1, progressbar=False, draws=draws)
    total = time.perf_counter() - t0
    ess, rhat = _ess_rhat(fit.posterior, ["coef", "coef_tau", "coef_lambda", "coef_c2"])
    _, rhat_coef = _ess_rhat(fit.posterior, ["coef"])
    sel = br.savs(model, fit).values != 0
    print(f"\n### Wide logistic (n = {n}, p = {p}), defaults, {draws} draws\n\n" + HEADER)
    row(f"bayesreg RegularizedHorseshoe bernoulli p={p}, {draws} draws", fit.posterior.attrs["sampling_time"],
        int(fit.sample_stats["diverging"].sum()), ess, rhat,
        f"total with compile {total:.0f} s; max R-hat of coef {rhat_coef:.3f}; "
        f"SAVS keeps {sel.sum()} "
        f"({(sel & (w != 0)).sum()} of 5 true)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--parts", default="forms,marginal,peers,selection,wide")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--wide-p", type=int, default=2000)
    ap.add_argument("--wide-draws", type=int, default=1000)
    ap.add_argument("--bambi-timeout", type=int, default=600)
    ap.add_argument("--numpyro-chains", default="sequential",
                    choices=["sequential", "parallel"],
                    help="numpyro's chain_method for --parts numpyro (parallel: one XLA CPU "
                         "device per core, as nutpie runs its chains in threads)")
    ap.add_argument("--no-peers", action="store_true",
                    help="peers part: bayesreg rows only (no numpyro, no bambi)")
    args = ap.parse_args()
    if args.numpyro_chains == "parallel":  # before jax is imported
        os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_force_host_"
                                   f"platform_device_count={os.cpu_count()}").strip()
    import scipy.linalg  # noqa: F401  (load BLAS so that threadpoolctl limits it)
    from threadpoolctl import threadpool_limits

    parts = args.parts.split(",")
    with threadpool_limits(limits=1):
        if "forms" in parts:
            part_forms()
        if "marginal" in parts:
            part_marginal()
        if "crossover" in parts:
            part_crossover()
        if "selection" in parts:
            part_selection(args.seeds)
        if "numpyro" in parts:
            _numpyro_horseshoe(*simulate(0)[:2], args.numpyro_chains)
        if "peers" in parts:
            part_peers(args.bambi_timeout, others=not args.no_peers)
        if "wide" in parts:
            part_wide(args.wide_p, args.wide_draws)
        if "widecentring" in parts:
            part_wide_centering(args.wide_p)


if __name__ == "__main__":
    main()
