"""The log_likelihood storage rule and the pointwise quantities on demand (issue 21):
``bayesreg.log_likelihood``, ``bayesreg.loo`` (exact and subsampled PSIS-LOO, in blocks of
observations) and predictions in blocks.

Every on-demand result is checked against an independent computation: the stored group,
a log-likelihood written out by hand from the draws and the data, and arviz-stats' own
``loo`` / ``loo_subsample`` on it. Memory and time are benchmark goals (BENCHMARKS.md,
``benchmarks/bench_time_to_posterior.py``), not tested here.
"""

from __future__ import annotations

import warnings

import arviz_stats
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from scipy.special import expit, gammaln

import bayesreg as br
from bayesreg.inference import _pointwise
from bayesreg.inference._blocks import predictive_mean

pytest.importorskip("nutpie")
# short runs leave some Pareto k above the threshold: arviz-stats and bayesreg both warn
pytestmark = pytest.mark.filterwarnings("ignore:Estimated shape parameter of Pareto")

SHORT = {"draws": 250, "tune": 300, "chains": 2, "sampler": "nutpie", "progressbar": False}
ATTR = "bayesreg_log_likelihood"


def _sample(model, seed, **kwargs):
    with warnings.catch_warnings():  # a short run may miss the convergence gate: not
        warnings.simplefilter("ignore", br.ConvergenceWarning)  # what is tested here
        return model.sample(random_seed=seed, **{**SHORT, **kwargs})


def _draws(fit, name):
    return fit.posterior[name].transpose("chain", "draw", ...).values


def _by_hand(fit, family: str) -> np.ndarray:
    """The pointwise log-likelihood written out from the draws and the data groups
    (not through the family objects): (chain, draw, n)."""
    X = fit.constant_data["X"].values
    y = fit.observed_data["y"].values
    eta = np.einsum("cdp,np->cdn", _draws(fit, "coef"), X) + _draws(fit, "intercept")[..., None]
    if family == "gaussian":
        sigma = _draws(fit, "sigma")[..., None]
        return -0.5 * np.log(2 * np.pi * sigma**2) - (y - eta) ** 2 / (2 * sigma**2)
    if family == "poisson":
        return y * eta - np.exp(eta) - gammaln(y + 1)
    if family == "bernoulli":
        p = expit(eta)
        return np.where(y == 1, np.log(p), np.log1p(-p))
    raise AssertionError(family)


def _with_group(fit, values) -> xr.DataTree:
    ll = xr.DataArray(values, dims=("chain", "draw", "obs_id"),
                      coords={"chain": fit.posterior["chain"].values,
                              "draw": fit.posterior["draw"].values,
                              "obs_id": np.arange(values.shape[-1])})
    return xr.DataTree.from_dict({"posterior": fit.posterior.to_dataset(),
                                  "observed_data": fit.observed_data.to_dataset(),
                                  "log_likelihood": xr.Dataset({"y": ll})})


def _data(family, n, p, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    eta = 0.3 + X @ np.linspace(0.4, -0.3, p)
    if family == "gaussian":
        return X, eta + rng.standard_normal(n)
    if family == "poisson":
        return X, rng.poisson(np.exp(eta))
    return X, (rng.random(n) < expit(eta)).astype(float)


@pytest.fixture(scope="module", params=["gaussian", "poisson"])
def large(request):
    """n = 20,000 fits, sampled without the group (``log_likelihood=False``); the tests
    build it by hand."""
    family = request.param
    X, y = _data(family, 20_000, 4, seed=1)
    kw = dict(sigma=br.HalfNormal(2.0)) if family == "gaussian" else {}
    model = br.Model(X, y, prior=br.Gaussian(1.0), family=family, **kw)
    return family, model, _sample(model, 3, log_likelihood=False)


# ------------------------------------------------------------------ the storage rule
def test_the_rule_itself():
    """Stored up to the budget inclusive, not beyond; an explicit request decides."""
    rule = _pointwise.log_likelihood_rule
    assert 8 * 4 * 1000 * 8388 <= _pointwise.LOG_LIKELIHOOD_BUDGET < 8 * 4 * 1000 * 8389
    assert rule(None, 4, 1000, 8388)[0]
    assert not rule(None, 4, 1000, 8389)[0]
    assert rule(None, 2, 10, 5, budget=800)[0] and not rule(None, 2, 10, 6, budget=800)[0]
    store, why = rule(None, 4, 1000, 10**6)
    assert not store and "bayesreg.loo(fit)" in why and "4 x 1000 x 1000000" in why
    assert rule(True, 4, 1000, 10**6) == (True, "stored: log_likelihood=True was requested")
    assert rule(False, 1, 1, 1) == (False, "not stored: log_likelihood=False was requested")


def test_storage_rule_on_fits(monkeypatch, tmp_path, small_regression):
    X, y = small_regression  # 60 rows; exact draws: 1 chain x 100 draws x 60 x 8 = 48 kB
    model = br.Model(X, y, prior=br.Gaussian(1.0), sigma=0.7)
    kw = dict(sampler="exact", draws=100, chains=1, random_seed=0, progressbar=False)
    under = model.sample(**kw)
    assert "log_likelihood" in under.children
    assert under.posterior.attrs[ATTR].startswith("stored")

    monkeypatch.setattr(_pointwise, "LOG_LIKELIHOOD_BUDGET", 40_000)  # under 48 kB
    over = model.sample(**kw)
    assert "log_likelihood" not in over.children
    assert over.posterior.attrs[ATTR].startswith("not stored") and "bayesreg.loo" in \
        over.posterior.attrs[ATTR]
    forced = model.sample(log_likelihood=True, **kw)
    assert "log_likelihood" in forced.children
    assert "log_likelihood" not in model.sample(log_likelihood=False, **kw).children
    # the same draws either way, and the fit without the group still works with ArviZ
    np.testing.assert_array_equal(_draws(over, "coef"), _draws(under, "coef"))
    assert "coef" in arviz_stats.summary(over, var_names=["coef"]).index[0]
    with pytest.raises(ValueError, match="log_likelihood"):
        model.sample(log_likelihood="no", **kw)
    # on demand: the same group and the same LOO as the stored ones
    xr.testing.assert_allclose(br.log_likelihood(over)["y"], under.log_likelihood["y"],
                               rtol=1e-12)
    assert br.loo(over).elpd == pytest.approx(arviz_stats.loo(forced).elpd, rel=1e-12)
    # saved and loaded: the reason travels with the fit
    loaded = br.load(br.save(over, tmp_path / "fit.nc"))
    assert loaded.posterior.attrs[ATTR] == over.posterior.attrs[ATTR]
    assert br.loo(loaded).elpd == pytest.approx(br.loo(over).elpd, rel=1e-12)


# ---------------------------------------------------------- log_likelihood on demand
@pytest.mark.parametrize("family", ["gaussian", "bernoulli", "poisson", "student_t",
                                    "negative_binomial"])
def test_log_likelihood_equals_the_stored_group(family):
    """Standardized, weighted, in blocks of 7 rows (many blocks): the stored group."""
    fam = "poisson" if family == "negative_binomial" else \
        "gaussian" if family == "student_t" else family
    X, y = _data(fam, 90, 3, seed=2)
    X = X * np.array([1.0, 10.0, 0.1])
    w = np.random.default_rng(3).uniform(0.5, 2.0, 90)
    kw = {"nu": 5.0} if family == "student_t" else \
        {"dispersion": br.HalfNormal(1.0)} if family == "negative_binomial" else {}
    model = br.Model(X, y, prior=br.Gaussian(1.0), family=family, sample_weight=w,
                     standardize=True, **kw)
    fit = _sample(model, 5, draws=50, tune=200)
    assert "log_likelihood" in fit.children
    chunk = 8 * 2 * 50 * 7
    xr.testing.assert_allclose(br.log_likelihood(fit, chunk_bytes=chunk)["y"],
                               fit.log_likelihood["y"], rtol=1e-12, atol=1e-12)
    xr.testing.assert_allclose(br.log_likelihood(fit, model)["y"], fit.log_likelihood["y"],
                               rtol=1e-12, atol=1e-12)


# -------------------------------------------------------------------- PSIS-LOO
def test_loo_equals_arviz_on_a_log_likelihood_by_hand(large):
    """n = 20,000: bayesreg.loo (blocks of observations, family kernels) equals
    arviz_stats.loo on the pointwise log-likelihood computed by hand from the draws."""
    family, model, fit = large
    assert "log_likelihood" not in fit.children
    ref = arviz_stats.loo(_with_group(fit, _by_hand(fit, family)), pointwise=True)
    ours = br.loo(fit)
    assert isinstance(ours, arviz_stats.ELPDDataLOO)
    for name in ("elpd", "se", "p"):
        assert getattr(ours, name) == pytest.approx(getattr(ref, name), rel=1e-6), name
    np.testing.assert_allclose(ours.elpd_i.values, ref.elpd_i.values, rtol=1e-6)
    np.testing.assert_allclose(ours.pareto_k.values, ref.pareto_k.values, rtol=1e-6,
                               atol=1e-9)
    assert (ours.n_samples, ours.n_data_points) == (ref.n_samples, ref.n_data_points)
    assert ours.good_k == ref.good_k and ours.warning == ref.warning


def test_chunked_equals_unchunked(large):
    family, model, fit = large
    whole = br.loo(fit, model, chunk_bytes=2**40)  # one block
    blocks = br.loo(fit, model, chunk_bytes=8 * 500 * 333)  # 61 blocks, the last partial
    # block shapes change only the BLAS rounding of the linear predictor
    np.testing.assert_allclose(blocks.elpd_i.values, whole.elpd_i.values, rtol=1e-12)
    np.testing.assert_allclose(blocks.pareto_k.values, whole.pareto_k.values, rtol=1e-10)
    assert blocks.elpd == pytest.approx(whole.elpd, rel=1e-13)


def test_subsample_matches_arviz_loo_subsample_and_the_full_loo(large):
    family, model, fit = large
    full = br.loo(fit, model)
    sub = br.loo(fit, model, subsample=1000, random_seed=7)
    assert isinstance(sub, arviz_stats.ELPDDataLOOSubsample)
    assert sub.subsample_size == 1000 and sub.n_data_points == 20_000
    # the subsample's error is what its subsampling SE says (a 4-SE band)
    assert abs(sub.elpd - full.elpd) < 4 * sub.subsampling_se
    # arviz-stats' loo_subsample on the by-hand group, at the same observations
    ref = arviz_stats.loo_subsample(_with_group(fit, _by_hand(fit, family)),
                                    observations=sub.loo_subsample_observations,
                                    pointwise=True)
    for name in ("elpd", "se", "p", "subsampling_se"):
        assert getattr(sub, name) == pytest.approx(getattr(ref, name), rel=1e-6), name
    # every observation in the subsample: the difference estimator is the full sum
    every = br.loo(fit, model, subsample=np.arange(20_000), method="plpd")
    assert every.elpd == pytest.approx(full.elpd, rel=1e-10)
    plpd = br.loo(fit, model, subsample=1000, method="plpd", random_seed=7)
    assert abs(plpd.elpd - full.elpd) < 4 * plpd.subsampling_se


def test_compare_takes_the_results(large):
    family, model, fit = large
    wider = model.replace(prior=br.Gaussian(10.0))
    other = _sample(wider, 4, log_likelihood=False)
    table = arviz_stats.compare({"narrow": br.loo(fit), "wide": br.loo(other, wider)})
    assert isinstance(table, pd.DataFrame) and set(table.index) == {"narrow", "wide"}
    assert np.isfinite(table["elpd_diff"]).all()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "observations included in all"
        mixed = arviz_stats.compare({"exact": br.loo(fit),
                                     "sub": br.loo(other, wider, subsample=500)})
    assert set(mixed.index) == {"exact", "sub"}


def test_loo_input_errors(small_regression):
    X, y = small_regression
    model = br.Model(X, y, prior=br.Gaussian(1.0), sigma=0.7)
    fit = model.sample(sampler="exact", draws=50, chains=1, random_seed=0, progressbar=False)
    with pytest.raises(ValueError, match="subsample"):
        br.loo(fit, subsample=0)
    with pytest.raises(ValueError, match="subsample"):
        br.loo(fit, subsample=[0, 60])
    with pytest.raises(ValueError, match="method"):
        br.loo(fit, subsample=10, method="pd")
    with pytest.raises(ValueError, match="does not belong"):
        br.loo(fit, br.Model(X[:, :2], y, prior=br.Gaussian(1.0), sigma=0.7))
    with pytest.raises(ValueError, match="Model.sample"):
        br.loo(fit.posterior.to_dataset())


# ------------------------------------------------------------ predictions in blocks
@pytest.mark.parametrize("family", ["gaussian", "poisson", "bernoulli", "negative_binomial"])
def test_predictions_across_chunks_equal_unchunked(monkeypatch, family):
    """Draws of ``predict`` and ``sample_posterior_predictive`` when every chunk holds one
    draw equal those of one chunk, for the same seed; the blockwise mean
    (``draws=False``) equals the mean of the draws' linear predictors."""
    X, y = _data("poisson" if family == "negative_binomial" else family, 120, 3, seed=8)
    model = br.Model(X, y, prior=br.Gaussian(1.0), family=family,
                     **({"sigma": 1.0} if family == "gaussian" else
                        {"dispersion": 0.5} if family == "negative_binomial" else {}))
    fit = _sample(model, 9, draws=40, tune=200, log_likelihood=False)
    X_new = np.random.default_rng(10).standard_normal((3001, 3))
    whole = model.predict(X_new, fit, random_seed=11)
    ppc_whole = model.sample_posterior_predictive(fit, random_seed=12,
                                                  extend_inferencedata=False)
    monkeypatch.setattr(_pointwise, "_DRAW_CHUNK_BYTES", 8 * 3001)  # 1 draw per chunk
    split = model.predict(X_new, fit, random_seed=11)
    ppc_split = model.sample_posterior_predictive(fit, random_seed=12,
                                                  extend_inferencedata=False)
    # the same random numbers; the linear predictor differs by BLAS rounding only
    np.testing.assert_allclose(split.draws.values, whole.draws.values, rtol=1e-12,
                               atol=1e-12)
    np.testing.assert_allclose(ppc_split.posterior_predictive["y"].values,
                               ppc_whole.posterior_predictive["y"].values, rtol=1e-12,
                               atol=1e-12)
    np.testing.assert_allclose(split.mean, whole.mean, rtol=1e-12)

    mean_only = model.predict(X_new, fit, draws=False)
    assert mean_only.draws is None
    eta = np.einsum("cdp,np->cdn", _draws(fit, "coef"), X_new) + \
        _draws(fit, "intercept")[..., None]
    by_hand = {"gaussian": eta, "poisson": np.exp(eta), "bernoulli": expit(eta),
               "negative_binomial": np.exp(eta)}[family]
    np.testing.assert_allclose(mean_only.mean, by_hand.mean(axis=(0, 1)), rtol=1e-10)
    np.testing.assert_allclose(mean_only.mean, whole.mean, rtol=1e-10)
    blocks = predictive_mean(model, fit.posterior, X_new, chunk_bytes=8 * 80 * 7)
    np.testing.assert_allclose(blocks, mean_only.mean, rtol=1e-12)


def test_prior_sensitivity_without_the_group(small_regression):
    """Likelihood power-scaling reads the per-draw total log-likelihood: computed in
    blocks when the group is absent, the same table as with it."""
    X, y = small_regression
    model = br.Model(X, y, prior=br.Gaussian(1.0), sigma=br.HalfNormal(2.0))
    fit = _sample(model, 13, log_likelihood=True)
    bare = xr.DataTree.from_dict({k: fit[k].to_dataset() for k in fit.children
                                  if k != "log_likelihood"})
    pd.testing.assert_frame_equal(br.plots.prior_sensitivity(bare),
                                  br.plots.prior_sensitivity(fit), rtol=1e-8)
