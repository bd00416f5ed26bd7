"""Pólya-Gamma Gibbs for logistic and negative-binomial models, and the global-local
priors as scale mixtures (``sampler="gibbs"``, issue 22 item 2).

Held to known answers: the two Gaussian block draws (Rue, Bhattacharya et al.) to their
closed-form mean and covariance; the logistic and negative-binomial posteriors of an
intercept and one coefficient to 2-D quadrature (the data of ``test_glm_reference.py``);
the horseshoe family and a random prior scale to nutpie's posterior of the same PyMC
model; the log density to the model's own pointwise log-likelihood and log prior.
"""

from __future__ import annotations

import sys

import arviz as az
import numpy as np
import pytest
from scipy import special

import bayesreg as br
from bayesreg.base._gibbs import (
    bhattacharya_draw,
    collapsed_local_sweep,
    coordinate_sweep,
    slice_step,
    wide_log_marginal,
)
from bayesreg.inference._arguments import choose_sampler


def _problem(family: str, n: int = 60):
    """The data of tests/test_glm_reference.py (bernoulli), and its negative-binomial
    twin."""
    rng = np.random.default_rng(21)
    x = rng.standard_normal(n)
    eta = 0.4 + 0.9 * x
    if family == "bernoulli":
        y = (rng.uniform(size=n) < special.expit(eta)).astype(float)
    else:
        y = rng.negative_binomial(2.0, 2.0 / (2.0 + np.exp(eta))).astype(float)
    return x[:, None], y


def _quadrature(model, lo=-3.0, hi=4.0, m=801):
    """Posterior means and sds of (intercept, coef) of a one-coefficient model with a flat
    intercept, by quadrature on an m x m grid (the family's own log density)."""
    x, y = model.X[:, 0], model.y
    aux = {k: float(getattr(model, k)) for k in model.family.auxiliary}
    b = np.linspace(lo, hi, m)
    w = np.linspace(lo, hi, m)
    lp = np.empty((m, m))
    for i, bi in enumerate(b):  # row by row: m x n at a time
        eta = bi + w[:, None] * x[None, :]
        lp[i] = model.family.logpdf(y[None, :], eta, **aux).sum(axis=1)
    lp += model.prior.logpdf(w)[None, :]
    dens = np.exp(lp - lp.max())
    dens /= dens.sum()
    assert dens[0].sum() + dens[-1].sum() + dens[:, 0].sum() + dens[:, -1].sum() < 1e-10
    B, W = np.meshgrid(b, w, indexing="ij")
    out = {}
    for name, grid in (("intercept", B), ("coef", W)):
        mean = float((grid * dens).sum())
        out[name] = (mean, float(np.sqrt(((grid - mean) ** 2 * dens).sum())))
    return out


def _z(draws, value):
    return abs(float(np.mean(draws)) - value) / float(az.mcse(draws))


# ----------------------------------------------------------------- the block draws
@pytest.mark.parametrize("flat", [False, True])
def test_bhattacharya_draw_has_the_closed_form_moments(flat):
    """``theta ~ N(A^{-1} Phi' alpha, A^{-1})``, ``A = Phi' Phi + diag(1/d)`` (a flat
    coefficient: its column in Phi, zero prior precision), against the closed form."""
    rng = np.random.default_rng(0)
    n, p, S = 4, 6, 40_000
    Phi = rng.standard_normal((n, p))
    d = rng.uniform(0.3, 2.0, p)
    alpha = rng.standard_normal(n)
    s = rng.uniform(0.5, 1.5, n)
    full = np.column_stack([s, Phi]) if flat else Phi
    prec = full.T @ full + np.diag(np.r_[[0.0] if flat else [], 1.0 / d])
    cov = np.linalg.inv(prec)
    mean = cov @ full.T @ alpha
    theta, b0 = bhattacharya_draw(np.broadcast_to(Phi, (S, n, p)).copy(),
                                  np.broadcast_to(d, (S, p)).copy(),
                                  np.broadcast_to(alpha, (S, n)).copy(), rng,
                                  flat=np.broadcast_to(s, (S, n)).copy() if flat else None)
    draws = np.column_stack([b0, theta]) if flat else theta
    sd = np.sqrt(np.diag(cov))
    # S i.i.d. draws: the mean's error is sd / sqrt(S), a variance's ~ sqrt(2 / S)
    assert np.all(np.abs(draws.mean(0) - mean) < 4.5 * sd / np.sqrt(S))
    emp = np.cov(draws.T)
    assert np.all(np.abs(emp - cov) < 4.5 * np.sqrt(2.0 / S) * np.outer(sd, sd))


def test_slice_step_leaves_a_known_density_invariant():
    """Many independent chains of slice steps on a gamma(3) log density (on the log
    scale) reach its mean."""
    rng = np.random.default_rng(1)
    x = np.zeros(4000)
    for _ in range(30):
        x = slice_step(x, lambda t: 3.0 * t - np.exp(t), rng)
    v = np.exp(x)
    assert abs(v.mean() - 3.0) < 4.5 * np.sqrt(3.0 / x.size)


# ----------------------------------------------------------------- quadrature references
@pytest.mark.parametrize("family", ["bernoulli", "negative_binomial"])
def test_pg_gibbs_matches_the_quadrature_reference(family):
    x, y = _problem(family)
    kw = {"dispersion": 0.5} if family == "negative_binomial" else {}
    model = br.Model(x, y, family=family, prior=br.Gaussian(1.0), **kw)
    fit = model.sample(sampler="gibbs", draws=1000, random_seed=3, progressbar=False)
    assert fit.posterior.attrs["bayesreg_sampler"] == "gibbs"
    ref = _quadrature(model)
    for name, (mean, sd) in ref.items():
        draws = fit.posterior[name].values.reshape(4, 1000)
        assert _z(draws, mean) < 4.0, (family, name, draws.mean(), mean)
        assert abs(draws.std() / sd - 1.0) < 0.08, (family, name, draws.std(), sd)


def test_the_wide_draw_matches_the_quadrature_reference():
    """p > n: Bhattacharya et al.'s draw, the flat intercept drawn from its marginal.
    Seven copies of one column, each with a ``N(0, 1/7)`` prior, on six observations:
    the likelihood sees only their sum, whose prior is ``N(0, 1)``, so the sum has the
    posterior of the one-column model (quadrature)."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal(6)
    y = np.array([1.0, 0.0, 1.0, 1.0, 0.0, 1.0])
    X = np.column_stack([x, x, x, x, x, x, x])
    model = br.Model(X, y, family="bernoulli", prior=br.Gaussian(1.0 / np.sqrt(7.0)))
    fit = model.sample(sampler="gibbs", draws=1000, random_seed=4, progressbar=False)
    total = fit.posterior["coef"].sum("feature").values
    one = br.Model(x[:, None], y, family="bernoulli", prior=br.Gaussian(1.0))
    ref = _quadrature(one, lo=-10.0, hi=12.0, m=1201)
    assert _z(total, ref["coef"][0]) < 4.0
    assert _z(fit.posterior["intercept"].values, ref["intercept"][0]) < 4.0


# ----------------------------------------------------------------- log density, seeds
def _wide_data(n=40, p=8, seed=2):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    w = np.zeros(p)
    w[:2] = [1.5, -1.0]
    y = (rng.uniform(size=n) < special.expit(0.2 + X @ w)).astype(float)
    return X, y


@pytest.mark.filterwarnings("ignore::bayesreg.ConvergenceWarning")  # 50 draws: not the point
@pytest.mark.parametrize("case", ["rhs", "laplace_random_nb"])
def test_log_density_equals_the_models_likelihood_and_prior(case):
    """``sample_stats.lp`` equals the pointwise log-likelihood (weighted) summed over
    observations plus every term of the ``log_prior`` group."""
    X, y = _wide_data()
    if case == "rhs":
        w = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
        model = br.Model(X, y, family="bernoulli", prior=br.RegularizedHorseshoe(),
                         sample_weight=w)
    else:
        counts = np.random.default_rng(0).negative_binomial(2.0, 0.5, len(y)).astype(float)
        model = br.Model(X, counts, family="negative_binomial", dispersion=0.5,
                         prior=br.Laplace(br.HalfNormal(1.0)),
                         intercept_prior=br.Gaussian(2.0))
    fit = model.sample(sampler="gibbs", draws=50, tune=50, random_seed=1, progressbar=False)
    ll = fit.log_likelihood["y"].sum("obs_id")
    lp = sum(v.sum([d for d in v.dims if d not in ("chain", "draw")])
             for v in fit.log_prior.to_dataset().data_vars.values())
    np.testing.assert_allclose(fit.sample_stats["lp"].values, (ll + lp).values, rtol=1e-9)


@pytest.mark.filterwarnings("ignore::bayesreg.ConvergenceWarning")  # 30 draws: not the point
def test_same_seed_same_draws():
    X, y = _wide_data()
    model = br.Model(X, y, family="bernoulli", prior=br.Horseshoe())
    a = model.sample(sampler="gibbs", draws=30, tune=20, random_seed=7, progressbar=False,
                     retry=False)
    b = model.sample(sampler="gibbs", draws=30, tune=20, random_seed=7, progressbar=False,
                     retry=False)
    c = model.sample(sampler="gibbs", draws=30, tune=20, random_seed=8, progressbar=False,
                     retry=False)
    for name in ("coef", "coef_tau", "coef_lambda", "intercept"):
        np.testing.assert_array_equal(a.posterior[name].values, b.posterior[name].values)
    assert not np.array_equal(a.posterior["coef"].values, c.posterior["coef"].values)


# ----------------------------------------------------------------- the auto rule
def test_auto_leaves_glms_to_nuts_and_gibbs_refuses_what_it_cannot_sample():
    """``sampler="auto"`` never picks Gibbs for a GLM (measured: NUTS converges faster,
    BENCHMARKS.md); ``sampler="gibbs"`` samples them when asked, and refuses, in one
    sentence, what it has no exact form for."""
    X, y = _wide_data()
    counts = np.random.default_rng(0).poisson(2.0, len(y)).astype(float)
    for model in [br.Model(X, y, family="bernoulli", prior=br.RegularizedHorseshoe()),
                  br.Model(X, y, family="bernoulli", prior=br.Laplace(br.HalfNormal(1.0))),
                  br.Model(X, y, family="bernoulli", prior=br.Gaussian(1.0)),
                  br.Model(X, counts, family="negative_binomial", dispersion=0.5,
                           prior=br.Horseshoe())]:
        assert choose_sampler("auto", model) != "gibbs", model
        assert choose_sampler("gibbs", model) == "gibbs"
    refused = [
        (br.Model(X, counts, family="poisson", prior=br.Horseshoe()), "poisson"),
        (br.Model(X, y, family="bernoulli", prior=br.R2D2()), "R2D2"),
        (br.Model(X, counts, family="negative_binomial", dispersion=br.HalfNormal(1.0),
                  prior=br.Horseshoe()), "fixed numbers"),
        (br.Model(X, y - y.mean(), prior=br.Horseshoe()), "integrated out"),
        # its Gibbs form failed simulation-based calibration (VALIDATION.md): withdrawn
        (br.Model(X, (y > y.mean()) * 1.0, family="bernoulli", prior=br.HorseshoePlus()),
         "HorseshoePlus's failed simulation-based calibration"),
    ]
    for model, why in refused:
        assert choose_sampler("auto", model) != "gibbs", model
        with pytest.raises(ValueError, match=why):
            model.sample(sampler="gibbs", draws=10, tune=10, progressbar=False)


# ----------------------------------------------------------------- against nutpie
@pytest.mark.slow
@pytest.mark.parametrize("prior", [br.RegularizedHorseshoe(),
                                   br.Laplace(br.HalfNormal(1.0))],
                         ids=lambda p: type(p).__name__)
def test_matches_nutpie_on_a_small_problem(prior):
    """No closed form: the PyMC model sampled by nutpie (an independent implementation of
    the same density) is the reference, within both runs' Monte Carlo errors."""
    X, y = _wide_data(n=50, p=4, seed=3)
    model = br.Model(X, y, family="bernoulli", prior=prior)
    g = model.sample(sampler="gibbs", draws=3000, random_seed=1, progressbar=False)
    ref = model.sample(sampler="nutpie", draws=3000, random_seed=2, progressbar=False,
                       target_accept=0.99)
    names = ["coef", "intercept"] + (["coef_tau"] if prior.sparse else ["coef_scale"])
    for name in names:
        a = g.posterior[name].values.reshape(4, 3000, -1)
        r = ref.posterior[name].values.reshape(4, 3000, -1)
        for j in range(a.shape[-1]):
            se = np.hypot(float(az.mcse(a[..., j])), float(az.mcse(r[..., j])))
            assert abs(a[..., j].mean() - r[..., j].mean()) < 4.5 * se, (name, j)


def test_a_missing_polyagamma_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "polyagamma", None)   # import polyagamma fails
    X, y = _wide_data()
    model = br.Model(X, y, family="bernoulli", prior=br.Gaussian(1.0))
    with pytest.raises(ImportError, match=r"pip install 'bayesreg\[gibbs\]'"):
        model.sample(sampler="gibbs", draws=10, tune=10, progressbar=False)


# ----------------------------------------------------------------- the wide sweeps (p > n)
def _mcse_z(draws, value):
    """``|mean - value| / MCSE`` of ``(chains, draws)`` draws."""
    return abs(float(np.mean(draws)) - value) / float(az.mcse(draws))


@pytest.mark.parametrize("kind,flat", [("horseshoe", False), ("rhs", True)])
def test_collapsed_local_sweep_samples_the_marginal_of_a_local_scale(kind, flat):
    """One local scale (p = 1, n = 3) with its coefficient integrated out: the chain of
    sweeps has the mean and sd of log lambda of the marginal N(alpha | 0, I + v(lambda)
    phi phi') (the flat column integrated) times the half-Cauchy prior, by quadrature,
    and its chains agree (R-hat)."""
    rng = np.random.default_rng(5)
    n, chains, steps = 3, 4, 3000
    phi = np.array([1.2, -0.4, 0.9])
    alpha = np.array([2.0, -1.0, 1.5])
    s = np.array([1.0, 0.5, 0.8]) if flat else None
    tau, c2 = 0.7, 2.0

    def variance(lam):
        t = (tau * lam) ** 2
        return t if kind == "horseshoe" else c2 * t / (c2 + t)

    def log_target(x):   # x = log lambda, on a grid
        out = np.empty_like(x)
        for i, xi in enumerate(x):
            M = np.eye(n) + variance(np.exp(xi)) * np.outer(phi, phi)
            out[i] = wide_log_marginal(M[None], alpha[None], None if s is None else s[None])[0]
        return out - np.log1p(np.exp(2 * x)) + x

    grid = np.linspace(-12.0, 12.0, 4001)
    dens = np.exp(log_target(grid) - log_target(grid).max())
    mean = float((grid * dens).sum() / dens.sum())
    lam = np.ones((chains, 1))
    draws = np.empty((chains, steps))
    Phi = np.broadcast_to(phi[None, :, None], (chains, n, 1)).copy()
    for t in range(steps):
        M = np.eye(n)[None] + variance(lam)[:, None, :] * Phi * Phi.transpose(0, 2, 1)
        collapsed_local_sweep(M, Phi, np.broadcast_to(alpha, (chains, n)).copy(),
                              None if s is None else np.broadcast_to(s, (chains, n)).copy(),
                              lam, np.full(chains, tau),
                              None if kind == "horseshoe" else np.full(chains, c2), 1.0, rng)
        draws[:, t] = np.log(lam[:, 0])
    kept = draws[:, 200:]
    assert float(az.rhat(kept)) < 1.01
    assert _mcse_z(kept, mean) < 4.0
    sd = float(np.sqrt(((grid - mean) ** 2 * dens).sum() / dens.sum()))
    assert abs(kept.std() / sd - 1.0) < 0.1


def test_coordinate_sweep_samples_the_exact_conditional():
    """Two coefficients under the bernoulli likelihood (n = 6) and N(0, v) priors: the
    chain of coordinate sweeps has the posterior means of 2-D quadrature."""
    rng = np.random.default_rng(6)
    Z = rng.standard_normal((6, 2))
    y = np.array([1.0, 0.0, 1.0, 1.0, 0.0, 1.0])
    v = np.array([4.0, 0.5])
    g = np.linspace(-10.0, 10.0, 801)
    T0, T1 = np.meshgrid(g, g, indexing="ij")
    eta = T0[..., None] * Z[:, 0] + T1[..., None] * Z[:, 1]
    lp = (y * eta - np.logaddexp(0.0, eta)).sum(-1) - 0.5 * (T0**2 / v[0] + T1**2 / v[1])
    dens = np.exp(lp - lp.max())
    dens /= dens.sum()
    chains, steps = 4, 3000
    theta = np.zeros((chains, 2))
    psi = np.zeros((chains, 6))
    draws = np.empty((chains, steps, 2))
    for t in range(steps):
        coordinate_sweep(theta, psi, Z.T, y, np.ones(6), np.broadcast_to(v, (chains, 2)),
                         rng, min_ratio=0.0)
        draws[:, t] = theta
    np.testing.assert_allclose(psi, theta @ Z.T, atol=1e-9)   # kept in step
    for j, grid in enumerate((T0, T1)):
        assert _mcse_z(draws[:, 100:, j], float((grid * dens).sum())) < 4.0


@pytest.mark.slow
@pytest.mark.parametrize("prior", [br.RegularizedHorseshoe(scale_global=0.5, pseudo_sigma=2.0),
                                   br.Horseshoe(scale_global=0.5, pseudo_sigma=2.0)],
                         ids=["rhs", "horseshoe"])
def test_wide_sparse_gibbs_is_calibrated(prior):
    """p = 12 > n = 8: the collapsed local scales, the exact-likelihood moves and the
    Bhattacharya draw together pass simulation-based calibration (joint p > 0.01)."""
    rng = np.random.default_rng(4)
    X = rng.normal(size=(8, 12)) / np.sqrt(3.0)
    model = br.Model(X, rng.integers(0, 2, 8).astype(float), family="bernoulli",
                     prior=prior, intercept_prior=br.Gaussian(2.0))
    res = br.sbc(model, simulations=60, sampler="gibbs", draws=19, sample_draws=150,
                 tune=150, random_seed=1)
    assert float(res["joint_p_value"]) > 0.01


def test_the_kernels_draw_the_same_with_the_chains_on_threads():
    """``parallel=True`` runs each chain of the two numba kernels on a thread of its own:
    a wide problem (n = 15, p = 40, 4 chains) gives the same local scales, coefficients
    and linear predictors as ``parallel=False``, to the last bit."""
    rng = np.random.default_rng(9)
    chains, n, p = 4, 15, 40
    Z = rng.standard_normal((n, p))
    y = (rng.random(n) < 0.5).astype(float)
    v = rng.uniform(0.1, 2.0, (chains, p))
    Phi = np.sqrt(rng.uniform(0.1, 0.3, (chains, n)))[:, :, None] * Z[None]
    alpha = rng.standard_normal((chains, n))
    lam0 = np.exp(rng.standard_normal((chains, p)))
    tau, c2 = np.full(chains, 0.3), np.full(chains, 2.0)
    theta0 = rng.standard_normal((chains, p)) * 0.3
    out = []
    for parallel in (False, True):
        lam = lam0.copy()
        M = np.eye(n)[None] + np.matmul(Phi * (c2[:, None] * (tau[:, None] * lam) ** 2
                                                / (c2[:, None] + (tau[:, None] * lam) ** 2)
                                                )[:, None, :], Phi.transpose(0, 2, 1))
        collapsed_local_sweep(M, Phi, alpha, None, lam, tau, c2, 1.0,
                              np.random.default_rng(1), parallel=parallel)
        theta, psi = theta0.copy(), theta0 @ Z.T
        coordinate_sweep(theta, psi, Z.T, y, np.ones(n), v, np.random.default_rng(2),
                         min_ratio=0.0, parallel=parallel)
        out.append((lam, theta, psi))
    assert not np.array_equal(out[0][0], lam0)     # the sweeps moved
    for a, b in zip(*out):
        np.testing.assert_array_equal(a, b)
