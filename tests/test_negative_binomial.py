"""The negative-binomial family, added through the family protocol alone (issue 20).

``family="negative_binomial"`` has a log link and ``Var(y) = mu + dispersion * mu**2``:
the ``dispersion`` is glum's ``theta`` (PyMC's ``alpha`` is ``1 / dispersion``, scipy's
``nbinom`` has ``n = 1 / dispersion``, ``p = 1 / (1 + dispersion * mu)``).

The MAP with the dispersion fixed is checked against glum's
``GeneralizedLinearRegressor(family=NegativeBinomialDistribution(theta))``. glum minimizes

    1 / (2 S) * sum_i s_i d_i + alpha * (l1_ratio * |w|_1 + (1 - l1_ratio) / 2 * |w|^2)

with ``d_i`` the unit deviance and ``S = sum(s)`` (its sample weights are normalized to
sum to 1). The deviance is ``2 (nll_i - nll_i(saturated))``, so ``S`` times glum's
objective is bayesreg's ``sum_i s_i nll_i + l1 |w|_1 + l2 / 2 |w|^2`` plus a constant with

    l1 = S * alpha * l1_ratio       (Laplace(b) prior: b = 1 / l1)
    l2 = S * alpha * (1 - l1_ratio) (Gaussian(tau) prior: tau = 1 / sqrt(l2)),

the mapping of scikit-learn's ``PoissonRegressor`` (``l2 = S alpha``), checked below.
"""

from __future__ import annotations

import warnings

import arviz as az
import arviz_stats as azs
import numpy as np
import pandas as pd
import pytest
from scipy import stats

import bayesreg as br
from bayesreg.cli import _parser
from bayesreg.cli._common import UsageError
from bayesreg.cli._fit import build_model
from bayesreg.families import NegativeBinomialFamily, get_family

glum = pytest.importorskip("glum")

THETA = 0.5


@pytest.fixture(scope="module")
def counts():
    """n=300 overdispersed counts, p=4 (one coefficient 0)."""
    rng = np.random.default_rng(0)
    n = 300
    X = rng.normal(size=(n, 4))
    mu = np.exp(0.5 + X @ np.array([0.3, -0.2, 0.1, 0.0]))
    y = rng.negative_binomial(1.0 / THETA, 1.0 / (1.0 + THETA * mu)).astype(float)
    w = rng.uniform(0.5, 2.0, size=n)
    return X, y, w


# ----------------------------------------------------------------- the family's math
def test_logpdf_is_scipys_nbinom():
    fam = get_family("negative_binomial")
    assert isinstance(fam, NegativeBinomialFamily) and fam.link == "log"
    y = np.array([0.0, 1.0, 3.0, 10.0, 250.0])
    eta = np.array([-3.0, 0.2, 1.5, 2.0, 5.0])
    for theta in (1e-3, 0.7, 5.0):
        mu = np.exp(eta)
        expected = stats.nbinom.logpmf(y, 1.0 / theta, 1.0 / (1.0 + theta * mu))
        np.testing.assert_allclose(fam.logpdf(y, eta, dispersion=theta), expected,
                                   rtol=1e-12, atol=1e-12)
    # the Poisson limit, where scipy's nbinom loses its digits (log-gamma differences of
    # ~1/dispersion): |log NB - log Poisson| ~ dispersion/2 |(y - mu)^2 - y| < 1e-7 here
    np.testing.assert_allclose(fam.logpdf(y, eta, dispersion=1e-12),
                               stats.poisson.logpmf(y, np.exp(eta)), rtol=0, atol=1e-7)
    # broadcasting over draws (a column of dispersions), as the pointwise log-likelihood
    theta = np.array([[0.3], [2.0]])
    np.testing.assert_allclose(
        fam.logpdf(y, eta, dispersion=theta),
        stats.nbinom.logpmf(y, 1.0 / theta, 1.0 / (1.0 + theta * np.exp(eta))), rtol=1e-12)


def test_nll_derivatives_and_deviance():
    fam = get_family("negative_binomial")
    y = np.array([0.0, 1.0, 3.0, 10.0])
    eta = np.array([-1.0, 0.2, 1.5, 2.0])
    h = 1e-6
    d1, d2 = fam.nll_derivs(y, eta, dispersion=THETA)
    num1 = (fam.nll(y, eta + h, dispersion=THETA) - fam.nll(y, eta - h, dispersion=THETA)) / (2 * h)
    num2 = (fam.nll_derivs(y, eta + h, dispersion=THETA)[0]
            - fam.nll_derivs(y, eta - h, dispersion=THETA)[0]) / (2 * h)
    np.testing.assert_allclose(d1, num1, rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(d2, num2, rtol=1e-7, atol=1e-8)
    assert np.all(d2 > 0)  # convex in eta: every MAP solver applies
    # nll and -logpdf differ by terms free of eta; the deviance is twice the nll gap
    # to the saturated model (eta = log y)
    gap = fam.nll(y, eta, dispersion=THETA) + fam.logpdf(y, eta, dispersion=THETA)
    eta2 = eta + 0.3
    np.testing.assert_allclose(
        fam.nll(y, eta2, dispersion=THETA) + fam.logpdf(y, eta2, dispersion=THETA), gap)
    sat = np.log(np.maximum(y, 1e-300))
    np.testing.assert_allclose(
        fam.deviance(y, eta, dispersion=THETA),
        2 * (fam.nll(y, eta, dispersion=THETA) - fam.nll(y, sat, dispersion=THETA)),
        atol=1e-10)
    np.testing.assert_allclose(fam.deviance(y, eta, dispersion=1e-12),
                               get_family("poisson").deviance(y, eta), atol=1e-8)


def test_simulate_is_the_gamma_poisson_mixture():
    """Mean mu and variance mu + theta mu^2, within 4 standard errors."""
    fam = get_family("negative_binomial")
    n = 200_000
    eta = np.full(n, np.log(4.0))
    y = fam.simulate(eta, np.random.default_rng(1), dispersion=THETA)
    mu, var = 4.0, 4.0 + THETA * 16.0
    assert y.dtype == np.int64 and y.min() >= 0
    assert abs(y.mean() - mu) < 4 * np.sqrt(var / n)
    m4 = stats.nbinom.stats(1 / THETA, 1 / (1 + THETA * mu), moments="k") * var**2 + 3 * var**2
    assert abs(y.var() - var) < 4 * np.sqrt((m4 - var**2) / n)
    np.testing.assert_allclose(fam.variance(np.array([mu]), dispersion=THETA), var)


# ----------------------------------------------------------------------- bad input
def test_bad_y_and_bad_dispersion_are_refused(counts):
    X, y, _ = counts
    for bad, what in ((np.where(np.arange(len(y)) == 3, -1.0, y), r"\[-1.0\]"),
                      (y + 0.5, "0.5")):
        with pytest.raises(ValueError, match="non-negative integer counts for "
                                             "family='negative_binomial'.*" + what):
            br.Model(X, bad, prior=br.Gaussian(1.0), family="negative_binomial")
    with pytest.raises(ValueError, match="dispersion"):
        br.Model(X, y, prior=br.Gaussian(1.0), family="negative_binomial", dispersion=-1.0)
    with pytest.raises(ValueError, match="dispersion must be a positive float or a positive "
                                         "prior"):
        br.Model(X, y, prior=br.Gaussian(1.0), family="negative_binomial",
                 dispersion=br.Gaussian(1.0))
    with pytest.raises(ValueError, match="dispersion is not a parameter of family='poisson'"):
        br.Model(X, y, prior=br.Gaussian(1.0), family="poisson", dispersion=1.0)
    model = br.Model(X, y, prior=br.Gaussian(1.0), family="negative_binomial")
    assert model.dispersion == br.HalfNormal(1.0)  # the default prior
    with pytest.raises(ValueError, match=r"MAP needs a fixed dispersion.*dispersion=1.0"):
        model.map()


# --------------------------------------------------------------------- MAP vs glum
def _glum(X, y, w, alpha, l1_ratio):
    est = glum.GeneralizedLinearRegressor(
        family=glum.NegativeBinomialDistribution(theta=THETA), alpha=alpha,
        l1_ratio=l1_ratio, fit_intercept=True, gradient_tol=1e-12, max_iter=1000)
    return est.fit(X, y, sample_weight=w)


@pytest.mark.parametrize("l1_ratio", [0.0, 1.0])
@pytest.mark.parametrize("weighted", [False, True])
def test_map_equals_glum(counts, l1_ratio, weighted):
    """Gaussian prior tau = 1/sqrt(S alpha) (L2) and Laplace prior b = 1/(S alpha) (L1)
    give glum's fit at alpha (module docstring), to 1e-6."""
    X, y, w = counts
    w = w if weighted else None
    S = len(y) if w is None else float(w.sum())
    alpha = 0.05 if l1_ratio == 0.0 else 0.03
    prior = br.Gaussian(1.0 / np.sqrt(S * alpha)) if l1_ratio == 0.0 else \
        br.Laplace(1.0 / (S * alpha))
    mp = br.Model(X, y, prior=prior, family="negative_binomial", dispersion=THETA,
                  sample_weight=w).map(tol=1e-12)
    ref = _glum(X, y, w, alpha, l1_ratio)
    assert mp.converged
    np.testing.assert_allclose(mp.coef.values, ref.coef_, atol=1e-6)
    assert abs(mp.intercept - ref.intercept_) < 1e-6
    if l1_ratio == 1.0:  # the same exact zeros
        assert np.array_equal(mp.coef.values == 0, ref.coef_ == 0)
        assert np.any(ref.coef_ == 0)


def test_small_dispersion_is_the_poisson_limit(counts):
    X, y, _ = counts
    nb = br.Model(X, y, prior=br.Gaussian(1.0), family="negative_binomial",
                  dispersion=1e-9).map(tol=1e-12)
    po = br.Model(X, y, prior=br.Gaussian(1.0), family="poisson").map(tol=1e-12)
    np.testing.assert_allclose(nb.coef.values, po.coef.values, atol=1e-6)


# ------------------------------------------------------------------ the posterior
@pytest.fixture(scope="module")
def small_counts():
    rng = np.random.default_rng(3)
    n = 120
    X = rng.normal(size=(n, 2))
    mu = np.exp(0.8 + X @ np.array([0.4, -0.3]))
    y = rng.negative_binomial(1.0 / THETA, 1.0 / (1.0 + THETA * mu))
    return X, y


def _nb_model(small_counts, **kw):
    X, y = small_counts
    return br.Model(X, y, prior=br.Gaussian(1.0), family="negative_binomial",
                    intercept_prior=br.Gaussian(5.0), **kw)


@pytest.fixture(scope="module")
def nutpie_fit(small_counts):
    pytest.importorskip("nutpie")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return _nb_model(small_counts).sample(draws=1000, tune=1000, chains=2,
                                              sampler="nutpie", random_seed=1,
                                              progressbar=False)


def _agree(a, b, names=("coef", "intercept", "dispersion")):
    a, b = a.posterior.to_dataset(), b.posterior.to_dataset()
    for name in names:
        diff = np.abs(a[name].mean(("chain", "draw")) - b[name].mean(("chain", "draw"))).values
        tol = 4 * np.hypot(az.mcse(a[[name]])[name].values, az.mcse(b[[name]])[name].values)
        assert np.all(diff < tol), (name, diff, tol)


@pytest.mark.slow
@pytest.mark.parametrize("sampler", ["pymc", "numpyro", "blackjax"])
def test_posterior_agrees_across_samplers(small_counts, nutpie_fit, sampler):
    """The same posterior (dispersion a HalfNormal(1) prior) from each sampler as from
    nutpie, within 4 * sqrt(mcse_a^2 + mcse_b^2)."""
    if sampler in ("numpyro", "blackjax"):
        pytest.importorskip(sampler)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        other = _nb_model(small_counts).sample(draws=1000, tune=1000, chains=2,
                                               sampler=sampler, random_seed=2,
                                               progressbar=False)
    _agree(nutpie_fit, other)


def test_fit_has_the_dispersion_and_pointwise_loglik(small_counts, nutpie_fit):
    fit, model = nutpie_fit, _nb_model(small_counts)
    post = fit.posterior
    assert "dispersion" in post.data_vars and float(post["dispersion"].min()) > 0
    # the pointwise log-likelihood is the scipy pmf at each draw
    X, y = small_counts
    c, d = 1, 17
    eta = X @ post["coef"].values[c, d] + float(post["intercept"].values[c, d])
    theta = float(post["dispersion"].values[c, d])
    np.testing.assert_allclose(
        fit.log_likelihood["y"].values[c, d],
        stats.nbinom.logpmf(y, 1 / theta, 1 / (1 + theta * np.exp(eta))), rtol=1e-10)
    # the log prior has the dispersion's HalfNormal(1) term
    np.testing.assert_allclose(fit.log_prior["dispersion"].values,
                               stats.halfnorm.logpdf(post["dispersion"].values), rtol=1e-10)
    loo = azs.loo(fit)
    assert np.isfinite(loo.elpd) and loo.pareto_k.values.max() < 0.7
    # the posterior mean of the dispersion is near the truth (n = 120: a loose check that
    # dispersion is theta, not 1/theta, = 2)
    assert 0.2 < float(post["dispersion"].mean()) < 1.0
    assert model.spec()["dispersion"] == {"type": "HalfNormal", "scale": 1.0}


def test_save_load_predict(small_counts, nutpie_fit, tmp_path):
    path = br.save(nutpie_fit, tmp_path / "nb.nc")
    loaded = br.load(path)
    model = br.Model.from_idata(loaded)
    assert model.family.name == "negative_binomial"
    assert model.dispersion == br.HalfNormal(1.0)
    assert model.spec() == _nb_model(small_counts).spec()
    X, _ = small_counts
    pred = model.predict(X[:5], idata=loaded, random_seed=0)
    mean_mu = np.exp(X[:5] @ loaded.posterior["coef"].values.reshape(-1, 2).T
                     + loaded.posterior["intercept"].values.reshape(1, -1)).mean(axis=1)
    np.testing.assert_allclose(pred.mean, mean_mu, rtol=1e-10)
    draws = pred.draws.values
    assert draws.shape == (2, 1000, 5) and np.all(draws >= 0)
    assert np.all(draws == np.round(draws))
    # the same seed, the same draws
    again = model.predict(X[:5], idata=loaded, random_seed=0).draws.values
    np.testing.assert_array_equal(draws, again)
    # posterior predictive: its mean over draws and rows is the mean of mu (4 SE)
    sd = draws.std() / np.sqrt(draws.size / 50)  # ESS of the draws: a generous 1/50
    assert abs(draws.mean() - mean_mu.mean()) < 4 * sd


def test_a_fixed_dispersion_round_trips_and_old_specs_load(small_counts):
    X, y = small_counts
    model = br.Model(X, y, prior=br.Gaussian(1.0), family="negative_binomial",
                     dispersion=0.25)
    spec = model.spec()
    assert spec["dispersion"] == 0.25
    assert br.Model.from_spec(spec, X, y).dispersion == 0.25
    assert model.replace(prior=br.Laplace(1.0)).dispersion == 0.25
    # a spec written before this family (no "dispersion" key) still loads
    old = br.Model(X, y, prior=br.Gaussian(1.0), family="poisson").spec()
    assert "dispersion" not in old
    assert br.Model.from_spec(old, X, y).family.name == "poisson"
    no_key = {k: v for k, v in spec.items() if k != "dispersion"}
    assert br.Model.from_spec(no_key, X, y).dispersion == br.HalfNormal(1.0)


def test_prior_predictive_draws_counts(small_counts):
    pp = _nb_model(small_counts).sample_prior_predictive(200, random_seed=0)
    assert "dispersion" in pp["prior"].data_vars
    y = pp["prior_predictive"]["y"].values
    assert y.shape == (1, 200, len(small_counts[1])) and np.all(y >= 0)


def test_laplace_evidence_takes_a_fixed_dispersion(small_counts):
    """Laplace's approximation of the evidence goes through the family's derivatives: with
    a vanishing dispersion it is the poisson model's (the same mode and Hessian)."""
    X, y = small_counts
    kw = dict(prior=br.Gaussian(1.0), intercept_prior=br.Gaussian(5.0))
    nb = br.Model(X, y, family="negative_binomial", dispersion=1e-9, **kw)
    po = br.Model(X, y, family="poisson", **kw)
    a = nb.log_evidence(method="laplace").log_evidence
    b = po.log_evidence(method="laplace").log_evidence
    assert np.isfinite(a) and abs(a - b) < 1e-5
    # overdispersion: a real dispersion changes it (the counts are overdispersed, theta 0.5)
    c = br.Model(X, y, family="negative_binomial", dispersion=THETA,
                 **kw).log_evidence(method="laplace").log_evidence
    assert c > b + 5
    with pytest.raises(ValueError, match="needs a fixed float dispersion"):
        _nb_model(small_counts).log_evidence(method="laplace")


# ------------------------------------------------------------------ other front ends
def test_cli_builds_a_negative_binomial_model(small_counts, tmp_path):
    X, y = small_counts
    df = pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "y": y})
    base = ["fit", "data.csv", "--target", "y", "--out", str(tmp_path / "x.nc")]
    args = _parser().parse_args(base + ["--family", "negative_binomial", "--dispersion",
                                        "0.5", "--scale", "1"])
    model, est = build_model(df, args)
    assert est is None and model.family.name == "negative_binomial"
    assert model.dispersion == 0.5
    args = _parser().parse_args(base + ["--family", "negative_binomial", "--alpha", "1"])
    with pytest.raises(UsageError, match="no scikit-learn estimator matches"):
        build_model(df, args)
    args = _parser().parse_args(base + ["--family", "poisson", "--dispersion", "0.5",
                                        "--scale", "1"])
    with pytest.raises(UsageError, match="--dispersion is the overdispersion"):
        build_model(df, args)


def test_no_sklearn_twin_and_dask_refuses(small_counts):
    X, y = small_counts
    model = br.Model(X, y, prior=br.Gaussian(1.0), family="negative_binomial",
                     dispersion=0.5)
    with pytest.raises(ValueError, match="family='negative_binomial' has no scikit-learn twin"):
        br.to_sklearn(model)
    pytest.importorskip("dask")
    with pytest.raises(ValueError, match="DaskModel supports family.*'negative_binomial'"):
        br.DaskModel(X, y, prior=br.Gaussian(1.0), family="negative_binomial")
