"""The wide sparse logistic of issue 22 (item 2): n = 102, p = 2,000, regularized horseshoe.

Data: :func:`bench_sparse.simulate_wide` (gene-expression-like: blocks of 20 correlated
columns, 5 non-zero coefficients 2, -2, 1.5, -1.5, 1; n = 102, the prostate data's
shape). Model: ``Model(X, y, family="bernoulli", prior=RegularizedHorseshoe(),
standardize=True)`` sampled with ``Model.sample()`` at its defaults (4 chains x 1000
draws after 1000 tuning sweeps) with ``--sampler`` (default ``"auto"``: NUTS, which
``auto`` picks for every GLM; ``gibbs``: the Pólya-Gamma Gibbs sampler). Reported: the
sampler, the wall time of the whole ``sample()`` call, the max R-hat and min bulk ESS
over every coefficient (and over the latent scales), and SAVS (:func:`bayesreg.savs`)
against the true support, scored as ``bench_sparse.py``'s
selection part scores the gaussian case (precision, recall, ||coef - truth||_2).
``--prior rhs5`` uses ``RegularizedHorseshoe(expected_nonzero=5)`` instead, ``--prior rhs10``
``expected_nonzero=10`` (the gaussian benchmark's guess).

``--part tall``: the same comparison on a tall logistic (n = 400, p = 40 i.i.d. N(0, 1)
columns, the same 5 non-zeros, intercept 0.3) with ``RegularizedHorseshoe(expected_nonzero
=5)`` and ``Laplace(HalfNormal(1.0))``: ``sampler="gibbs"`` against ``"nutpie"``, defaults,
``retry=False``; wall time, min bulk ESS of the coefficients and of every variable, max
R-hat, divergences.

``--tune`` and ``--draws`` shorten the run (default: ``Model.sample()``'s, with its
convergence gate's retries; given either, ``retry=False``). ``--diagnose`` adds the bulk ESS
of the slowest functionals: ``log tau``, ``||coef||^2``, each true coefficient, and the sum
of the true coefficients that share a block of correlated columns (a trade-off between
two columns of one block mixes slower than their sum), and each chain's quantiles of
``log10 tau``.

``--part couplings``: how far ``tau`` can move given the rest, under three ways of moving
the local scales with it. After 4 x (300 + 100) Gibbs sweeps, for the last draw of each
chain and Pólya-Gamma weights drawn there, the collapsed log target ``log p(tau, lambda |
omega, c2)`` (the coefficients integrated out, the intercept held at its draw, the prior
of ``tau`` left out) is printed along ``log tau + s``, ``s`` in -3..3, relative to
``s = 0``:

(a) ``lambda`` fixed (the sampler's ``tau`` step);
(b) ``tau lambda_j`` fixed for the columns with ``d_j s_j > 1`` (``d_j`` the prior
    variance, ``s_j = x_j' Omega x_j``), ``lambda_j`` fixed for the rest;
(c) each ``lambda_j`` kept at its quantile of an approximate conditional ``p(lambda_j |
    tau, omega) ∝ C+(lambda_j) N(z | 0, Omega^-1 + d_j x_j x_j')`` that ignores the
    other columns (a deterministic reparameterization, its Jacobian included): a move
    along it would sample the marginal of ``tau`` if that approximation were exact.

``--part moves``: which Gibbs moves move ``tau``. The sampler's private steps are wrapped
(this part reads its internals and breaks when they are renamed), and each step's mean
squared jump of ``log tau`` per sweep is printed after tuning, next to the posterior
variance of ``log tau`` and the jump per kept draw. Defaults: 4 x (100 + 200) sweeps.

Run: ``OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/bench_wide_logistic.py
[--part wide|tall|moves|couplings] [--p 2000] [--prior default|rhs5|rhs10] [--seed 1]
[--sampler auto|gibbs] [--tune T --draws D]
[--diagnose]``
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_sparse import simulate_wide  # noqa: E402


def tall():
    import arviz as az
    from scipy.special import expit

    import bayesreg as br

    rng = np.random.default_rng(0)
    n, p = 400, 40
    X = rng.standard_normal((n, p))
    w = np.zeros(p)
    w[:5] = [2.0, -2.0, 1.5, -1.5, 1.0]
    y = (rng.random(n) < expit(0.3 + X @ w)).astype(float)
    print("| prior | sampler | wall s | min bulk ESS coef | min bulk ESS all | "
          "max R-hat coef | max R-hat all | divergences | min ESS coef / s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for prior in (br.RegularizedHorseshoe(expected_nonzero=5), br.Laplace(br.HalfNormal(1.0))):
        model = br.Model(X, y, family="bernoulli", prior=prior)
        for sampler in ("gibbs", "nutpie"):
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fit = model.sample(sampler=sampler, random_seed=1, progressbar=False,
                                   retry=False)
            wall = time.perf_counter() - t0
            post = fit.posterior.to_dataset()
            names = [v for v in post.data_vars if v != "coef_z"]
            ess, rhat = az.ess(post[names]), az.rhat(post[names])
            ec = float(ess["coef"].min())
            print(f"| {type(prior).__name__} | {sampler} | {wall:.1f} | {ec:.0f} | "
                  f"{min(float(ess[v].min()) for v in names):.0f} | "
                  f"{float(rhat['coef'].max()):.3f} | "
                  f"{max(float(rhat[v].max()) for v in names):.3f} | "
                  f"{int(fit.sample_stats['diverging'].sum())} | {ec / wall:.1f} |",
                  flush=True)


def main():
    import arviz as az

    import bayesreg as br

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--p", type=int, default=2000)
    ap.add_argument("--prior", default="default", choices=["default", "rhs5", "rhs10"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--part", default="wide", choices=["wide", "tall", "moves", "couplings"])
    ap.add_argument("--sampler", default="auto",
                    help="auto (NUTS here: p > n), or gibbs for the Pólya-Gamma sampler")
    ap.add_argument("--tune", type=int, default=None)
    ap.add_argument("--draws", type=int, default=None)
    ap.add_argument("--diagnose", action="store_true")
    args = ap.parse_args()
    if args.part == "tall":
        return tall()
    X, y, w = simulate_wide(args.p)
    n, p = X.shape
    prior = (br.RegularizedHorseshoe() if args.prior == "default"
             else br.RegularizedHorseshoe(expected_nonzero=int(args.prior[3:])))
    if args.part == "moves":
        return moves(X, y, prior, args)
    if args.part == "couplings":
        return couplings(X, y, prior, args)
    model = br.Model(X, y, family="bernoulli", prior=prior, standardize=True)
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lengths = {k: v for k, v in (("tune", args.tune), ("draws", args.draws))
                   if v is not None}
        if lengths:
            lengths["retry"] = False
        fit = model.sample(random_seed=args.seed, progressbar=False, sampler=args.sampler,
                           **lengths)
    wall = time.perf_counter() - t0
    post = fit.posterior.to_dataset()
    ess_c = float(az.ess(post[["coef"]])["coef"].min())
    rhat_c = float(az.rhat(post[["coef"]])["coef"].max())
    lat = [v for v in ("coef_tau", "coef_lambda", "coef_c2") if v in post]
    ess_l = az.ess(post[lat])
    rhat_l = az.rhat(post[lat])
    b = br.savs(model, fit).values / model.standardization.scale
    sel, true = b != 0, w != 0
    prec = (sel & true).sum() / max(sel.sum(), 1)
    rec = (sel & true).sum() / true.sum()
    err = float(np.linalg.norm(b - w))
    print(f"### Wide logistic, n = {n}, p = {p}, {prior!r}, Model.sample() defaults\n")
    print("| sampler | wall s | max R-hat coef | min bulk ESS coef | "
          "min bulk ESS latent (worst) | max R-hat latent | SAVS precision | recall | "
          "||coef - truth||_2 | selected | warnings |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    worst = min(lat, key=lambda v: float(ess_l[v].min()))
    print(f"| {fit.posterior.attrs.get('bayesreg_sampler')} | {wall:.1f} | {rhat_c:.4f} | "
          f"{ess_c:.0f} | {float(ess_l[worst].min()):.0f} ({worst}) | "
          f"{max(float(rhat_l[v].max()) for v in lat):.4f} | {prec:.2f} | {rec:.2f} | "
          f"{err:.3f} | {int(sel.sum())} | {len(caught)} |")
    for c in caught:
        print("warning:", str(c.message)[:300])
    if args.diagnose:
        diagnose(post, w)


def moves(X, y, prior, args):
    """The mean squared jump of ``log tau`` that each Gibbs move makes (see the module
    docstring)."""
    from collections import defaultdict

    import bayesreg as br
    from bayesreg.backends import _gibbs
    from bayesreg.priors import _mixture

    jumps = defaultdict(list)

    def wrapped(f, label, state_at):
        def step(*a, **kw):
            state = a[state_at]
            before = np.log(state["tau"]).copy()
            out = f(*a, **kw)
            jumps[label].append(float(((np.log(state["tau"]) - before) ** 2).mean()))
            return out
        return step

    G = _gibbs.GibbsProgram
    G._tau_step = staticmethod(wrapped(G._tau_step, "tau given lambda, omega (coefficients "
                                                     "integrated out)", 2))
    G._global_moves = staticmethod(wrapped(G._global_moves, "tau, c2 given the non-centred "
                                           "coefficients; joint rescaling (exact "
                                           "likelihood)", 2))
    _mixture._scale_move = wrapped(_mixture._scale_move, "(tau, lambda) -> (tau e^s, "
                                   "lambda e^-s)", 1)
    tune = 100 if args.tune is None else args.tune
    draws = 200 if args.draws is None else args.draws
    model = br.Model(X, y, family="bernoulli", prior=prior, standardize=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = model.sample(sampler="gibbs", tune=tune, draws=draws, random_seed=args.seed,
                           progressbar=False, retry=False)
    lt = np.log(fit.posterior["coef_tau"].values)
    print(f"### Which moves move tau: {prior!r}, 4 x ({tune} + {draws}) sweeps\n")
    print(f"posterior variance of log tau {lt.var():.3f}; mean squared jump per kept "
          f"draw {(np.diff(lt, axis=1) ** 2).mean():.3f}\n")
    print("| move | mean squared jump of log tau per sweep |\n|---|---|")
    for label, v in jumps.items():
        print(f"| {label} | {np.mean(v[tune:]):.4f} |")


def couplings(X, y, prior, args):
    """The collapsed log target along ``log tau`` under three couplings of the local
    scales (see the module docstring)."""
    from polyagamma import random_polyagamma

    import bayesreg as br

    model = br.Model(X, y, family="bernoulli", prior=prior, standardize=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = model.sample(sampler="gibbs", tune=300, draws=100, random_seed=args.seed,
                           progressbar=False, retry=False)
    post = fit.posterior
    Xs = np.asarray(model.X)
    n, p = Xs.shape
    kappa = y - 0.5
    grid = np.linspace(-25.0, 25.0, 4001)      # log lambda
    step = grid[1] - grid[0]
    shifts = np.linspace(-3.0, 3.0, 13)

    def variance(tau, lam, c2):
        t2l2 = (tau * lam) ** 2
        return c2 * t2l2 / (c2 + t2l2)

    def log_normal(z, omega, d):
        chol = np.linalg.cholesky(np.diag(1.0 / omega) + (Xs * d) @ Xs.T)
        r = np.linalg.solve(chol, z)
        return -np.log(np.diag(chol)).sum() - 0.5 * r @ r

    def tables(tau, c2, s, t):
        """log density (normalized) and CDF of log lambda_j on the grid, every j."""
        lam = np.exp(grid)[None, :]
        d = variance(tau, lam, c2)
        lg = (grid[None, :] - np.log1p(lam ** 2) - 0.5 * np.log1p(d * s[:, None])
              + 0.5 * t[:, None] ** 2 * d / (1.0 + d * s[:, None]))
        top = lg.max(axis=1, keepdims=True)
        cdf = np.cumsum(np.exp(lg - top), axis=1) * step
        log_z = np.log(cdf[:, -1:]) + top
        return lg - log_z, cdf / cdf[:, -1:]

    rng = np.random.default_rng(args.seed)
    print(f"### The collapsed log target along log tau + s: {prior!r}, after 4 x (300 + "
          f"100) sweeps\n")
    print("| chain | log10 tau | columns with d s > 1 | coupling | "
          + " | ".join(f"s = {v:+.1f}" for v in shifts) + " |")
    print("|---|---|---|---|" + "---|" * len(shifts))
    for c in range(post.sizes["chain"]):
        tau = float(post["coef_tau"][c, -1])
        lam = post["coef_lambda"][c, -1].values
        c2 = float(post["coef_c2"][c, -1])
        b = float(post["intercept"][c, -1])
        omega = random_polyagamma(1.0, Xs @ post["coef"][c, -1].values + b,
                                  random_state=rng)
        z = kappa / omega - b
        s = np.einsum("ij,i,ij->j", Xs, omega, Xs)
        t = Xs.T @ (omega * z)
        on = variance(tau, lam, c2) * s > 1.0
        lg0, cdf0 = tables(tau, c2, s, t)
        u = np.array([np.interp(np.log(lam[j]), grid, cdf0[j]) for j in range(p)])
        rows = {"lambda fixed": [], "tau lambda fixed where d s > 1": [],
                "conditional quantiles": []}
        for shift in shifts:
            t_new = tau * np.exp(shift)
            rows["lambda fixed"].append(log_normal(z, omega, variance(t_new, lam, c2)))
            lam_b = np.where(on, lam * tau / t_new, lam)
            rows["tau lambda fixed where d s > 1"].append(
                log_normal(z, omega, variance(t_new, lam_b, c2))
                + np.sum(-np.log1p(lam_b[on] ** 2) - np.log(t_new)))
            lg, cdf = tables(t_new, c2, s, t)
            log_lam = np.array([np.interp(u[j], cdf[j], grid) for j in range(p)])
            jac = -sum(np.interp(log_lam[j], grid, lg[j]) for j in range(p))
            rows["conditional quantiles"].append(
                log_normal(z, omega, variance(t_new, np.exp(log_lam), c2))
                + np.sum(log_lam - np.log1p(np.exp(2 * log_lam))) + jac)
        for label, v in rows.items():
            v = np.asarray(v) - v[len(shifts) // 2]
            print(f"| {c} | {np.log10(tau):.2f} | {int(on.sum())} | {label} | "
                  + " | ".join(f"{x:.1f}" for x in v) + " |", flush=True)


def diagnose(post, w):
    """The bulk ESS of the functionals that mix slowest, and each chain's log10 tau."""
    import arviz as az

    true = np.flatnonzero(w)
    coef = post["coef"].values
    f = {"log tau": np.log(post["coef_tau"].values), "||coef||^2": (coef**2).sum(-1)}
    for j in true:
        f[f"coef[{j}]"] = coef[:, :, j]
    blocks = {}
    for j in true:
        blocks.setdefault(j // 20, []).append(j)
    for cols in blocks.values():
        if len(cols) > 1:
            f[" + ".join(f"coef[{j}]" for j in cols)] = coef[:, :, cols].sum(-1)
    print("\n| functional | bulk ESS |\n|---|---|")
    for name, x in f.items():
        print(f"| {name} | {float(az.ess(x)):.0f} |")
    lt = np.log10(post["coef_tau"].values)
    print("\n| chain | log10 tau: 5% | 50% | 95% |\n|---|---|---|---|")
    for c in range(lt.shape[0]):
        q = np.quantile(lt[c], [0.05, 0.5, 0.95])
        print(f"| {c} | {q[0]:.2f} | {q[1]:.2f} | {q[2]:.2f} |")


if __name__ == "__main__":
    main()
