"""``sampler="imh"``: independence Metropolis-Hastings from the Laplace approximation
(issue 22, items 1 and 4).

The references are built here, independently of the sampler's code: a 2-D posterior by
quadrature (``tests/test_glm_reference.py`` holds ``"imh"`` to its grids too), and
10-coefficient logistic and Poisson posteriors by a long self-normalized importance
sampling run from a multivariate t(5) around a mode found by SciPy, trusted only with
arviz-stats' Pareto k below 0.3. Every sampler is held to them within Monte Carlo error.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings

import arviz as az
import numpy as np
import pytest
from arviz_stats.base import array_stats
from scipy import optimize, special, stats

import bayesreg as br
from bayesreg.inference._arguments import choose_sampler


def _design(n, p, seed):
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, p))
    X = np.empty_like(Z)
    X[:, 0] = Z[:, 0]
    for j in range(1, p):  # AR(1) columns, correlation 0.5
        X[:, j] = 0.5 * X[:, j - 1] + np.sqrt(0.75) * Z[:, j]
    return X, rng


def _glm_problem(family, n=2000, p=10, seed=5):
    X, rng = _design(n, p, seed)
    w = rng.normal(scale=0.4, size=p)
    eta = 0.3 + X @ w
    if family == "bernoulli":
        y = (rng.uniform(size=n) < special.expit(eta)).astype(float)
    else:
        y = rng.poisson(np.exp(0.5 * eta)).astype(float)
    return X, y


def _log_post(theta, X, y, family, scale):
    """Log posterior of (intercept, coef) up to a constant: flat intercept on the
    centred design, Gaussian(scale) coefficients (written out for the reference)."""
    Xc = X - X.mean(axis=0)
    eta = theta[..., :1] + theta[..., 1:] @ Xc.T
    if family == "bernoulli":
        ll = (y * eta - np.logaddexp(0.0, eta)).sum(axis=-1)
    else:
        ll = (y * eta - np.exp(eta)).sum(axis=-1)
    return ll - 0.5 * (theta[..., 1:] ** 2).sum(axis=-1) / scale**2


def _is_reference(X, y, family, scale, draws=50_000, seed=0):
    """Posterior means and sds of (intercept_centered, coef) by self-normalized importance
    sampling from a t(5) at the SciPy mode with the finite-difference Hessian."""
    k = X.shape[1] + 1
    f = lambda th: -_log_post(th, X, y, family, scale)  # noqa: E731
    res = optimize.minimize(f, np.zeros(k), method="BFGS", options={"gtol": 1e-8})
    eps = 1e-4
    H = np.empty((k, k))
    for i in range(k):  # central differences of the BFGS gradient-free objective
        for j in range(k):
            e_i, e_j = np.eye(k)[i] * eps, np.eye(k)[j] * eps
            H[i, j] = (f(res.x + e_i + e_j) - f(res.x + e_i - e_j) - f(res.x - e_i + e_j)
                       + f(res.x - e_i - e_j)) / (4 * eps**2)
    cov = np.linalg.inv(0.5 * (H + H.T))
    prop = stats.multivariate_t(loc=res.x, shape=cov, df=5, seed=seed)
    theta = prop.rvs(draws)
    log_w = np.concatenate([_log_post(theta[a:a + 10_000], X, y, family, scale)
                            for a in range(0, draws, 10_000)]) - prop.logpdf(theta)
    _, khat = array_stats.psislw(-log_w)   # arviz-stats' Pareto k of the ratios exp(log_w)
    assert khat < 0.3, khat
    wts = np.exp(log_w - log_w.max())
    wts /= wts.sum()
    mean = wts @ theta
    sd = np.sqrt(wts @ (theta - mean) ** 2)
    ess = 1.0 / (wts**2).sum()
    return mean, sd, ess


@pytest.fixture(scope="module", params=["bernoulli", "poisson"])
def reference(request):
    X, y = _glm_problem(request.param)
    return request.param, X, y, _is_reference(X, y, request.param, 1.0)


def _held_to(fit, reference_mean, reference_sd, ref_ess, what):
    draws = np.concatenate([fit.posterior["intercept_centered"].values[..., None],
                            fit.posterior["coef"].values], axis=-1)
    chains, n_draws, k = draws.shape
    for j in range(k):
        d = draws[..., j]
        mcse = float(az.mcse(d))
        ref_mcse = reference_sd[j] / np.sqrt(ref_ess)
        z = abs(d.mean() - reference_mean[j]) / np.hypot(mcse, ref_mcse)
        assert z < 4.5, (what, j, d.mean(), reference_mean[j], mcse)
        assert abs(d.std() / reference_sd[j] - 1.0) < 0.1, (what, j, d.std(), reference_sd[j])


@pytest.mark.slow
@pytest.mark.parametrize("sampler", ["imh", "nutpie"])
def test_ten_coefficient_glms_match_a_long_importance_sampling_reference(reference, sampler):
    family, X, y, (mean, sd, ess) = reference
    if sampler == "nutpie" and family == "poisson":
        pytest.skip("nutpie is held to the Poisson quadrature in test_glm_reference.py")
    model = br.Model(X, y, family=family, prior=br.Gaussian(1.0))
    if sampler == "imh":  # the default for this model
        assert choose_sampler("auto", model) == "imh"
    fit = model.sample(sampler=sampler, random_seed=4, progressbar=False)
    assert fit.posterior.attrs["bayesreg_sampler"] == sampler
    _held_to(fit, mean, sd, ess, (family, sampler))


def _logistic(n=300, p=4, seed=2):
    X, rng = _design(n, p, seed)
    y = (rng.uniform(size=n) < special.expit(0.5 + X @ np.full(p, 0.5))).astype(float)
    return X, y


def test_auto_picks_imh_for_smooth_glms_only():
    X, y = _logistic()
    assert choose_sampler("auto", br.Model(X, y, family="bernoulli",
                                           prior=br.Gaussian(1.0))) == "imh"
    assert choose_sampler("auto", br.Model(X, y, family="bernoulli",
                                           prior=br.StudentT(3.0, 1.0))) == "imh"
    counts = np.round(np.exp(X[:, 0])).astype(float)
    assert choose_sampler("auto", br.Model(X, counts, family="poisson",
                                           prior=br.Gaussian(1.0))) == "imh"
    assert choose_sampler("auto", br.Model(X, counts, family="negative_binomial",
                                           dispersion=0.5, prior=br.Gaussian(1.0))) == "imh"
    nuts = choose_sampler("auto")
    # a random prior scale, a kinked prior, options: not the independence sampler
    for prior in (br.Gaussian(br.HalfNormal(1.0)), br.Laplace(1.0)):
        assert choose_sampler("auto", br.Model(X, y, family="bernoulli", prior=prior)) != "imh"
    m = br.Model(X, y, family="bernoulli", prior=br.Gaussian(1.0))
    assert choose_sampler("auto", m, options={"target_accept": 0.9}) == nuts


def test_unsupported_models_and_options_are_refused_clearly():
    X, y = _logistic()
    with pytest.raises(ValueError, match="sampler='imh' cannot sample this model: the "
                                         "coefficient prior Laplace is not smooth"):
        br.Model(X, y, family="bernoulli", prior=br.Laplace(1.0)).sample(
            sampler="imh", draws=10, progressbar=False)
    with pytest.raises(ValueError, match="sampled exactly or by Gibbs"):
        br.Model(X, X[:, 0], prior=br.Gaussian(1.0), sigma=1.0).sample(
            sampler="imh", draws=10, progressbar=False)
    with pytest.raises(TypeError, match="sampler='imh' takes no sampler options"):
        br.Model(X, y, family="bernoulli", prior=br.Gaussian(1.0)).sample(
            sampler="imh", draws=10, target_accept=0.9, progressbar=False)


def test_a_fit_is_a_diagnosable_datatree_with_consistent_lp():
    X, y = _logistic()
    model = br.Model(X, y, family="bernoulli", prior=br.Gaussian(1.0),
                     intercept_prior=br.Gaussian(5.0))
    fit = model.sample(draws=300, random_seed=1, progressbar=False)
    assert fit.posterior.attrs["bayesreg_sampler"] == "imh"
    stats_ = fit.sample_stats
    assert 0.5 < float(stats_["accepted"].mean()) <= 1.0
    assert stats_.attrs["bayesreg_imh_pareto_k"] < 0.5
    assert not bool(stats_["diverging"].any())
    # ArviZ's ESS is honest: never above the number of distinct draws
    coef = fit.posterior["coef"].values
    distinct = len(np.unique(coef[..., 0]))
    assert float(az.ess(coef[..., 0])) <= distinct * 1.05
    # lp is the log posterior at the draws: it differs from the sum of the stored
    # log-likelihood and log-prior groups by one constant
    total = (fit.log_likelihood["y"].sum("y_dim_0" if "y_dim_0" in fit.log_likelihood["y"].dims
                                         else fit.log_likelihood["y"].dims[-1])
             + fit.log_prior["coef"].sum("feature") + fit.log_prior["intercept"])
    diff = (stats_["lp"] - total).values
    assert np.ptp(diff) < 1e-8 * max(1.0, np.abs(diff).max())


def test_same_seed_same_draws_across_processes():
    code = textwrap.dedent("""
        import numpy as np, bayesreg as br
        rng = np.random.default_rng(0)
        X = rng.standard_normal((80, 3)); y = (X[:, 0] + rng.standard_normal(80) > 0) * 1.0
        fit = br.Model(X, y, family="bernoulli", prior=br.Gaussian(1.0)).sample(
            draws=50, random_seed=11, progressbar=False)
        print(fit.posterior.attrs["bayesreg_sampler"], repr(float(fit.posterior["coef"].sum())))
    """)
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout.strip() for _ in range(2)]
    assert runs[0] == runs[1] and runs[0].startswith("imh ")


def _separated(n=40, p=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    return X, (X @ np.ones(p) > 0).astype(float)


@pytest.mark.slow
def test_separation_under_a_weak_prior_falls_back_to_nuts_and_says_so():
    # completely separated labels, Gaussian(40) prior: the posterior is far from its
    # Laplace approximation (Pareto k 0.8-1.1), so the independence sampler steps aside
    X, y = _separated()
    model = br.Model(X, y, family="bernoulli", prior=br.Gaussian(40.0))
    run = model.compile("imh").run(draws=1000, tune=50, chains=4, seed=1,
                                   progressbar=False, n_features=5)
    assert run["sample_stats"].attrs["bayesreg_imh_pareto_k"] > 0.7
    with pytest.warns(UserWarning, match=r"sampler='imh' fell back to '(nutpie|pymc)': the "
                                         r"Pareto k of its Laplace proposal is \d\.\d\d > 0\.70"):
        fit = model.sample(sampler="imh", random_seed=1, progressbar=False)
    assert fit.posterior.attrs["bayesreg_sampler"] == choose_sampler("auto")
    assert "Pareto k" in fit.posterior.attrs["bayesreg_sampler_note"]
    # the default (auto) falls back without a warning, and records why
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", br.ConvergenceWarning)
        auto = model.sample(random_seed=1, progressbar=False, draws=1000)
    assert "fell back" in auto.posterior.attrs["bayesreg_sampler_note"]
    # and the fall-back still matches a reference: a long random-walk Metropolis run
    mean, sd, ess = _rwm_reference(X, y, 40.0)
    _held_to(fit, mean, sd, ess, "fallback")


def _rwm_reference(X, y, scale, chains=32, steps=40_000, seed=3):
    """Means and sds of (intercept_centered, coef) by random-walk Metropolis, a
    covariance from a pilot run, many chains (an algorithm bayesreg does not use)."""
    rng = np.random.default_rng(seed)
    k = X.shape[1] + 1
    f = lambda th: _log_post(th, X, y, "bernoulli", scale)  # noqa: E731
    cov = np.eye(k)
    theta = rng.standard_normal((chains, k))
    for phase, (n_steps, keep) in enumerate(((4000, False), (4000, False), (steps, True))):
        L = np.linalg.cholesky(cov * 2.38**2 / k)
        lp = f(theta)
        kept = []
        for t in range(n_steps):
            prop = theta + rng.standard_normal((chains, k)) @ L.T
            lp_new = f(prop)
            move = np.log(rng.uniform(size=chains)) < lp_new - lp
            theta[move], lp[move] = prop[move], lp_new[move]
            if t % 2 == 0:
                kept.append(theta.copy())
        kept = np.array(kept)                      # (draws, chains, k)
        cov = np.cov(kept.reshape(-1, k).T)
    draws = np.moveaxis(kept, 1, 0)                # (chains, draws, k)
    ess = min(float(az.ess(draws[..., j])) for j in range(k))
    return draws.reshape(-1, k).mean(axis=0), draws.reshape(-1, k).std(axis=0), ess


@pytest.mark.slow
def test_few_data_per_coefficient_run_again_thinned_and_match_the_reference():
    """n = 500 rows for 31 coefficients: the first run's draws stick (ESS under a
    quarter of the draws), so the sampler runs again keeping every thin-th step (instead
    of falling back to NUTS); the draws match the long importance-sampling reference
    within MCSE."""
    X, y = _glm_problem("bernoulli", n=500, p=30, seed=9)
    mean, sd, ess = _is_reference(X, y, "bernoulli", 1.0)
    fit = br.Model(X, y, family="bernoulli", prior=br.Gaussian(1.0)).sample(
        random_seed=5, progressbar=False)
    assert fit.posterior.attrs["bayesreg_sampler"] == "imh"
    assert fit.sample_stats.attrs["bayesreg_imh_thin"] > 1
    _held_to(fit, mean, sd, ess, "thinned imh")
