"""Out-of-core and distributed fits (issue 15): bayesreg.DaskModel and bayesreg.fit_many.

Every out-of-core result is checked against the same model fit in memory: sufficient
statistics to 1e-10 relative, MAP estimates to 1e-8, exact posteriors draw for draw, MCMC
posterior means within Monte Carlo error, PSIS-LOO totals to rounding. The chunked
computations run on a 2-worker ``dask.distributed.LocalCluster`` (threads, so that the
2-core CI machine is not oversubscribed); the memory test starts its own cluster of
worker processes in a subprocess and measures the client's peak RSS.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import json
import warnings

import arviz as az
import numpy as np
import pytest
import xarray as xr

import bayesreg as br
from bayesreg.base import SufficientStats

da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

FIELDS = ("xtx", "xty", "yty", "sum_w", "x_mean", "y_mean")


def _rel(a, b) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def _assert_stats_close(a: SufficientStats, b: SufficientStats, rtol=1e-10):
    for f in FIELDS:
        assert _rel(getattr(a, f), getattr(b, f)) < rtol, f


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                       dashboard_address=None)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(15)
    n, p = 6000, 6
    X = rng.normal(size=(n, p)) * [1, 2, 0.5, 1, 3, 1] + 1e3  # far-off means: centring matters
    beta = np.array([0.5, -0.3, 0.0, 0.8, 0.1, 0.0])
    y = (X - 1e3) @ beta + 2.0 + rng.normal(size=n)
    w = rng.uniform(0.5, 2.0, n)
    return X, y, w


def _dask(X, y, w=None, rows=1100):
    out = (da.from_array(X, chunks=(rows, X.shape[1])), da.from_array(y, chunks=rows))
    return out + ((None,) if w is None else (da.from_array(w, chunks=rows),))


# ---------------------------------------------------------------- the math layer
def test_merge_of_chunks_equals_one_pass(data):
    """Chan et al.'s merge over uneven chunks (one of them empty) = the two-pass centred
    statistics of all rows; raw statistics add; + is merge."""
    X, y, w = data
    cuts = [0, 1, 500, 500, 2333, 4000, 6000]
    parts = [SufficientStats.centered(X[a:b], y[a:b], w[a:b]) for a, b in zip(cuts, cuts[1:])]
    full = SufficientStats.centered(X, y, w)
    _assert_stats_close(SufficientStats.merge_all(parts), full, 1e-12)
    _assert_stats_close(parts[0] + parts[1] + parts[2] + SufficientStats.merge_all(parts[3:]),
                        full, 1e-12)
    raw = [SufficientStats.from_data(X[a:b], y[a:b], w[a:b]) for a, b in zip(cuts, cuts[1:])]
    total = SufficientStats.merge_all(raw)
    ref = SufficientStats.from_data(X, y, w)
    for f in ("xtx", "xty", "yty", "sum_w"):
        assert _rel(getattr(total, f), getattr(ref, f)) < 1e-12
    with pytest.raises(ValueError, match="same kind"):
        parts[1].merge(raw[1])


def test_centred_merge_keeps_the_digits_that_raw_sums_lose():
    """Columns with mean 1e8 and sd 1: the raw sums cancel ~16 digits away when centred
    afterwards; the merge of centred chunks stays at the accuracy of one two-pass sweep."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(4000, 3)) + 1e8
    y = X[:, 0] - 1e8 + rng.normal(size=4000)
    exact = np.cov((X - 1e8).T, ddof=0) * 4000  # the shift is exact in float64 here
    merged = SufficientStats.merge_all(SufficientStats.centered(X[a:a + 250], y[a:a + 250])
                                       for a in range(0, 4000, 250))
    # float64 holds a mean near 1e8 to +-1.5e-8, so the merged chunk means carry ~1e-9
    assert _rel(merged.xtx, exact) < 1e-8
    raw = SufficientStats.from_data(X, y)
    naive = raw.xtx - np.outer(X.sum(0), X.sum(0)) / 4000
    assert _rel(naive, exact) > 1e-3  # what a merge of raw sums would give


def test_centred_statistics_give_the_intercept_design_and_pseudo_data(data):
    X, y, w = data
    st = SufficientStats.centered(X, y, w)
    D = np.column_stack([np.ones(len(y)), X])
    ref = SufficientStats.from_data(D, y, w)
    wi = st.with_intercept()
    assert _rel(wi.xtx, ref.xtx) < 1e-12 and _rel(wi.xty, ref.xty) < 1e-12
    assert wi.rss_min == pytest.approx(ref.rss_min, rel=1e-9)
    assert np.allclose(st.x_scale, np.sqrt(np.cov(X.T, aweights=w, ddof=0).diagonal()))
    Xp, yp, wp = st.pseudo_data()
    assert Xp.shape == (2 * (X.shape[1] + 1), X.shape[1])
    _assert_stats_close(SufficientStats.centered(Xp, yp, wp), st, 1e-10)


# ---------------------------------------------------------------- out-of-core Gaussian
def test_statistics_on_the_cluster_equal_in_memory(client, data):
    """dask.array, dask.dataframe and Dask-backed xarray inputs, weighted: 1e-10."""
    X, y, w = data
    ref = SufficientStats.centered(X, y, w)
    Xd, yd, wd = _dask(X, y, w)
    m = br.DaskModel(Xd, yd, sample_weight=wd, prior=br.Gaussian(1.0), sigma=1.0)
    _assert_stats_close(m.stats, ref)
    assert m.n_samples == len(y) and len(m.data.blocks) == 6
    cols = [f"c{j}" for j in range(X.shape[1])]
    import pandas as pd
    df = pd.DataFrame(X, columns=cols).assign(y=y, w=w)
    ddf = dd.from_pandas(df, npartitions=5)
    m2 = br.DaskModel(ddf[cols], ddf["y"], sample_weight=ddf["w"], prior=br.Gaussian(1.0),
                      sigma=1.0)
    _assert_stats_close(m2.stats, ref)
    assert m2.feature_names == cols
    other = dd.from_pandas(pd.DataFrame({"y": y}), npartitions=3)["y"]  # other partitions
    m4 = br.DaskModel(ddf[cols], other, sample_weight=w, prior=br.Gaussian(1.0), sigma=1.0)
    _assert_stats_close(m4.stats, ref)
    Xx = xr.DataArray(Xd, dims=("obs", "feature"), coords={"feature": cols})
    m3 = br.DaskModel(Xx, xr.DataArray(yd, dims="obs"), sample_weight=wd,
                      prior=br.Gaussian(1.0), sigma=1.0)
    _assert_stats_close(m3.stats, ref)
    assert m3.feature_names == cols


@pytest.mark.parametrize("kw", [dict(prior=br.Laplace(0.05), sigma=1.0),
                                dict(prior=br.Gaussian(0.3), sigma=1.3, standardize=True),
                                dict(prior=br.ElasticNetPrior(0.1, 0.5), sigma=1.0,
                                     fit_intercept=False)])
def test_gaussian_map_equals_in_memory(client, data, kw):
    X, y, w = data
    if not kw.get("fit_intercept", True):  # columns near 0 (with means ~1e3 and no
        X = X - 1e3                        # intercept, coordinate descent crawls)
    est = br.DaskModel(*_dask(X, y, w)[:2], sample_weight=_dask(X, y, w)[2], **kw).map()
    ref = br.Model(X, y, sample_weight=w, **kw).map()
    assert est.converged
    np.testing.assert_allclose(est.coef.values, ref.coef.values, rtol=0, atol=1e-8)
    assert est.intercept == pytest.approx(ref.intercept, abs=1e-8 * max(1, abs(ref.intercept)))


def test_exact_posterior_and_evidence_equal_in_memory(client, data):
    """Conjugate models: the same seed gives the same exact draws (the posterior is a
    function of the statistics only), and the same evidence."""
    X, y, _ = data
    for kw in (dict(prior=br.Gaussian(0.5), sigma=1.0),
               dict(prior=br.Gaussian(0.5, scaled_by_sigma=True),
                    sigma=br.InverseGammaVariance(2.0, 2.0))):
        dm = br.DaskModel(*_dask(X, y)[:2], **kw)
        m = br.Model(X, y, **kw)
        f = dm.sample(sampler="exact", draws=400, chains=1, random_seed=3, progressbar=False)
        g = m.sample(sampler="exact", draws=400, chains=1, random_seed=3, progressbar=False)
        np.testing.assert_allclose(f.posterior["coef"].values, g.posterior["coef"].values,
                                   rtol=0, atol=1e-8)
        assert "observed_data" not in f.children and "constant_data" not in f.children
        assert dm.log_evidence().log_evidence == pytest.approx(m.log_evidence().log_evidence,
                                                               rel=1e-10)


def test_mcmc_posterior_within_mcse(client, data):
    """A Laplace prior (no closed form): NUTS on the statistics vs NUTS in memory."""
    X, y, _ = data
    kw = dict(prior=br.Laplace(0.1), sigma=1.0)
    run = dict(draws=500, tune=500, chains=2, random_seed=1, progressbar=False)
    dm = br.DaskModel(*_dask(X, y)[:2], **kw)
    compiled = dm.core.compile()  # one compiled sampler for both: the pseudo-data are
    f = dm.sample(compiled=compiled, **run)  # weighted, so weights of 1 give the structure
    g = br.Model(X, y, sample_weight=np.ones(len(y)), **kw).sample(compiled=compiled, **run)
    import arviz_stats as azs
    a, b = f.posterior["coef"], g.posterior["coef"]
    se = np.hypot(azs.mcse(a).values, azs.mcse(b).values)
    diff = np.abs(a.mean(("chain", "draw")).values - b.mean(("chain", "draw")).values)
    assert np.all(diff < 4 * se), (diff, se)


def test_chunked_loo_and_log_likelihood_equal_in_memory(client, data):
    X, y, w = data
    kw = dict(prior=br.Gaussian(0.5), sigma=1.0)
    dm = br.DaskModel(*_dask(X, y, w)[:2], sample_weight=_dask(X, y, w)[2], **kw)
    m = br.Model(X, y, sample_weight=w, **kw)
    f = dm.sample(sampler="exact", draws=300, chains=1, random_seed=5, progressbar=False)
    g = m.sample(sampler="exact", draws=300, chains=1, random_seed=5, progressbar=False)
    ll = dm.log_likelihood(f)
    assert isinstance(ll.data, da.Array) and ll.shape == (1, 300, len(y))
    np.testing.assert_allclose(ll.values, g.log_likelihood["y"].values, rtol=1e-9, atol=1e-9)
    import arviz_stats as azs
    ref = azs.loo(g, reff=1.0)
    res = dm.loo(f)
    assert res.elpd == pytest.approx(float(ref.elpd), rel=1e-9)
    assert res.se == pytest.approx(float(ref.se), rel=1e-9)
    assert res.p == pytest.approx(float(ref.p), rel=1e-6)
    assert res.pareto_k_max == pytest.approx(float(np.max(ref.pareto_k)), rel=1e-9)
    assert res.n_data_points == len(y)
    # predictions: in memory as Model.predict; on chunks, lazily, the same means
    X_new = X[:40] + 0.5
    pred, expected = dm.predict(X_new, f, random_seed=1), m.predict(X_new, g, random_seed=1)
    np.testing.assert_allclose(pred.mean, expected.mean, rtol=1e-9)
    np.testing.assert_allclose(pred.draws.values, expected.draws.values, rtol=1e-9)
    lazy = dm.predict(da.from_array(X_new, chunks=(15, X.shape[1])), f)
    np.testing.assert_allclose(lazy.compute(), expected.mean, rtol=1e-9)
    # standardize=True: the chunks are standardized with the training map
    std = dict(kw, standardize=True)
    fs = br.DaskModel(*_dask(X, y)[:2], **std).sample(sampler="exact", draws=200, chains=1,
                                                      random_seed=5, progressbar=False)
    gs = br.Model(X, y, **std).sample(sampler="exact", draws=200, chains=1, random_seed=5,
                                      progressbar=False)
    np.testing.assert_allclose(
        br.DaskModel(*_dask(X, y)[:2], **std).predict(
            da.from_array(X_new, chunks=(15, X.shape[1])), fs).compute(),
        br.Model(X, y, **std).predict(X_new, gs, draws=False).mean, rtol=1e-8)


# ---------------------------------------------------------------- GLMs
@pytest.mark.parametrize("family", ["bernoulli", "poisson"])
@pytest.mark.parametrize("prior", [br.Gaussian(0.5), br.Laplace(0.02)])
def test_glm_map_equals_in_memory(client, family, prior):
    rng = np.random.default_rng(7)
    n, p = 5000, 5
    X = rng.normal(size=(n, p))
    eta = X @ [0.6, -0.4, 0.0, 0.2, 0.0] + (-0.5 if family == "bernoulli" else 0.3)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-eta))).astype(float) \
        if family == "bernoulli" else rng.poisson(np.exp(eta)).astype(float)
    Xd, yd, _ = _dask(X, y, rows=900)
    dm = br.DaskModel(Xd, yd, prior=prior, family=family)
    est = dm.map()
    ref = br.Model(X, y, prior=prior, family=family).map()
    assert est.converged and est.n_iter <= 15
    np.testing.assert_allclose(est.coef.values, ref.coef.values, rtol=0, atol=1e-8)
    assert est.intercept == pytest.approx(ref.intercept, abs=1e-8)
    if not isinstance(prior, br.Gaussian):  # a kinked prior: no independence sampler
        with pytest.raises(ValueError, match="DaskModel samples a .* model with "
                                             "sampler='imh'.*Laplace is not smooth"):
            dm.sample()
    if isinstance(prior, br.Gaussian):  # the Laplace approximation: inverse Hessian at MAP
        assert est.laplace_cov.shape == (p + 1, p + 1)
        assert np.all(np.linalg.eigvalsh(est.laplace_cov) > 0)
    else:
        assert est.laplace_cov is None
    assert not hasattr(dm, "laplace_cov")  # map() returns its result and stores nothing
    with pytest.raises(AttributeError, match="DaskModel is immutable.*replace"):
        dm.prior = br.Flat()
    other = dm.replace(prior=br.Flat())  # no pass over the data to build it
    assert other.stats is dm.stats and other.prior == br.Flat()


@pytest.mark.parametrize("family", ["bernoulli", "poisson"])
def test_glm_posterior_out_of_core_matches_the_in_memory_fit(client, family):
    # three passes over the chunks (MAP iterations aside): Hessian, then the
    # log-likelihood of every proposal at once; the client never holds X
    rng = np.random.default_rng(11)
    n, p = 6000, 4
    X = rng.normal(size=(n, p)) + 1.0
    eta = (X - 1.0) @ [0.5, -0.3, 0.0, 0.2] + (-0.3 if family == "bernoulli" else 0.2)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-eta))).astype(float) \
        if family == "bernoulli" else rng.poisson(np.exp(eta)).astype(float)
    Xd, yd, _ = _dask(X, y, rows=1000)
    kw = dict(prior=br.Gaussian(1.0), family=family)
    fit = br.DaskModel(Xd, yd, **kw).sample(random_seed=3, progressbar=False)
    ref = br.Model(X, y, **kw).sample(random_seed=4, progressbar=False)
    assert fit.posterior.attrs["bayesreg_sampler"] == ref.posterior.attrs["bayesreg_sampler"] \
        == "imh"
    assert fit.sample_stats.attrs["bayesreg_imh_pareto_k"] < 0.5
    assert json.loads(fit.sample_stats.attrs["bayesreg_convergence"])["ok"]
    assert set(fit.children) == {"posterior", "sample_stats", "log_prior"}
    for name in ("coef", "intercept", "intercept_centered"):
        a, b = fit.posterior[name], ref.posterior[name]
        a, b = (v.values.reshape(4, 1000, -1) for v in (a, b))
        for j in range(a.shape[-1]):
            se = np.hypot(float(az.mcse(a[..., j])), float(az.mcse(b[..., j])))
            assert abs(a[..., j].mean() - b[..., j].mean()) < 4.5 * se, (name, j)
            assert abs(a[..., j].std() / b[..., j].std() - 1) < 0.1, (name, j)
    # the same seed gives the same draws
    with warnings.catch_warnings():  # 50 draws are too few for the gate's ESS
        warnings.simplefilter("ignore", br.ConvergenceWarning)
        runs = [br.DaskModel(Xd, yd, **kw).sample(random_seed=9, draws=50, progressbar=False)
                for _ in range(2)]
    np.testing.assert_array_equal(*(r.posterior["coef"].values for r in runs))
    with pytest.raises(ValueError, match="sampler"):
        br.DaskModel(Xd, yd, **kw).sample(sampler="nutpie")


@pytest.mark.parametrize("family", ["bernoulli", "poisson"])
def test_glm_loo_log_likelihood_and_predictions_chunk_by_chunk(client, family):
    """The per-row quantities of an out-of-core GLM fit, against scipy's densities and
    arviz-stats' PSIS-LOO on the same draws."""
    import arviz_stats as azs
    from scipy import stats
    from scipy.special import expit

    rng = np.random.default_rng(21)
    n, p = 3000, 3
    X = rng.normal(size=(n, p)) + 2.0
    eta = (X - 2.0) @ [0.6, -0.4, 0.1] + 0.2
    y = (rng.uniform(size=n) < expit(eta)).astype(float) if family == "bernoulli" \
        else rng.poisson(np.exp(eta)).astype(float)
    Xd, yd, _ = _dask(X, y, rows=700)
    dm = br.DaskModel(Xd, yd, prior=br.Gaussian(1.0), family=family)
    fit = dm.sample(draws=250, random_seed=2, progressbar=False)
    post = fit.posterior
    eta_draws = np.einsum("cdp,np->cdn", post["coef"].values, X) \
        + post["intercept"].values[..., None]
    mu = expit(eta_draws) if family == "bernoulli" else np.exp(eta_draws)
    ref = stats.bernoulli.logpmf(y, mu) if family == "bernoulli" \
        else stats.poisson.logpmf(y, mu)
    ll = dm.log_likelihood(fit)
    assert isinstance(ll.data, da.Array) and ll.shape == (4, 250, n)
    np.testing.assert_allclose(ll.values, ref, rtol=1e-10, atol=1e-12)
    tree = xr.DataTree.from_dict({"posterior": post.to_dataset(), "log_likelihood":
                                  xr.Dataset({"y": (("chain", "draw", "obs_id"), ref)})})
    expected = azs.loo(tree, reff=0.9)
    res = dm.loo(fit, reff=0.9)
    assert res.elpd == pytest.approx(float(expected.elpd), rel=1e-9)
    assert res.se == pytest.approx(float(expected.se), rel=1e-9)
    assert res.p == pytest.approx(float(expected.p), rel=1e-6)
    assert res.pareto_k_max == pytest.approx(float(np.max(expected.pareto_k)), rel=1e-9)
    # predictions: the posterior mean of E[y | x], in memory and lazily on chunks
    X_new = X[:50] - 0.5
    eta_new = np.einsum("cdp,np->cdn", post["coef"].values, X_new) \
        + post["intercept"].values[..., None]
    mean = (expit(eta_new) if family == "bernoulli" else np.exp(eta_new)).mean((0, 1))
    pred = dm.predict(X_new, fit, random_seed=4)
    np.testing.assert_allclose(pred.mean, mean, rtol=1e-12)
    assert pred.draws.shape == (4, 250, 50) and np.all(pred.draws.values >= 0)
    assert np.all(pred.draws.values == np.round(pred.draws.values))
    again = dm.predict(X_new, fit, random_seed=4)
    np.testing.assert_array_equal(pred.draws.values, again.draws.values)
    assert dm.predict(X_new, fit, draws=False).draws is None
    lazy = dm.predict(da.from_array(X_new, chunks=(20, p)), fit)
    assert isinstance(lazy, da.Array)
    np.testing.assert_allclose(lazy.compute(), mean, rtol=1e-12)
    with pytest.raises(ValueError, match="3 training features"):
        dm.predict(da.from_array(X_new[:, :2], chunks=(20, 2)), fit)
    # the Laplace evidence from the chunked MAP and Hessian: the in-memory one
    ev, ref_ev = dm.log_evidence(method="laplace"), br.Model(
        X, y, prior=br.Gaussian(1.0), family=family).log_evidence(method="laplace")
    for f in ("log_evidence", "log_likelihood_max", "log_occam_factor", "effective_params",
              "intercept"):
        assert getattr(ev, f) == pytest.approx(getattr(ref_ev, f), rel=1e-7, abs=1e-9), f
    np.testing.assert_allclose(ev.coef, ref_ev.coef, rtol=0, atol=1e-8)
    with pytest.raises(ValueError, match="method='laplace' only"):
        dm.log_evidence()
    with pytest.raises(ValueError, match="Laplace is not smooth"):
        dm.replace(prior=br.Laplace(0.1)).log_evidence(method="laplace")
    with pytest.raises(ValueError, match="fit_many on a DaskModel needs the gaussian family"):
        br.fit_many(dm, [0.1, 1.0])


@pytest.mark.parametrize("kw", [dict(prior=br.Laplace(0.05)),
                                dict(prior=br.Gaussian(0.3), fit_intercept=False)])
def test_glm_map_weighted_off_centre(client, kw):
    """Poisson with sample weights and columns of mean 5, with and without intercept."""
    rng = np.random.default_rng(3)
    n = 4000
    X = rng.normal(size=(n, 4)) + 5
    w = rng.uniform(0.2, 3.0, n)
    y = rng.poisson(np.exp(0.2 * (X - 5) @ [1, -1, 0.5, 0] + 0.5)).astype(float)
    Xd, yd, wd = _dask(X, y, w, rows=700)
    est = br.DaskModel(Xd, yd, sample_weight=wd, family="poisson", **kw).map()
    ref = br.Model(X, y, sample_weight=w, family="poisson", **kw).map()
    assert est.converged
    np.testing.assert_allclose(est.coef.values, ref.coef.values, rtol=0, atol=1e-8)
    assert est.intercept == pytest.approx(ref.intercept, abs=1e-8)


def test_replace_keeps_the_statistics(client, data):
    X, y, _ = data
    dm = br.DaskModel(*_dask(X, y)[:2], prior=br.Gaussian(1.0), sigma=1.0)
    lasso = dm.replace(prior=br.Laplace(0.05))
    ref = br.Model(X, y, prior=br.Laplace(0.05), sigma=1.0).map()
    np.testing.assert_allclose(lasso.map().coef.values, ref.coef.values, atol=1e-8)
    assert dm.prior == br.Gaussian(1.0)
    with pytest.raises(TypeError, match="unknown parameters"):
        dm.replace(sample_weight=np.ones(len(y)))


# ---------------------------------------------------------------- many fits
def test_fit_many_on_the_cluster_equals_serial_and_single_fits(client, data):
    X, y, _ = data
    model = br.Model(X, y, prior=br.Gaussian(1.0), sigma=1.0)
    scales = np.logspace(-2, 0, 6)
    par = br.fit_many(model, scales, client=client, random_seed=0, draws=200)
    ser = br.fit_many(model, scales, random_seed=0, draws=200)
    xr.testing.assert_allclose(par, ser)
    assert par["coef_mean"].dims == ("scale", "feature")
    for s in scales[[0, -1]]:
        ev = model.replace(prior=br.Gaussian(s)).log_evidence().log_evidence
        assert float(par["log_evidence"].sel(scale=s)) == pytest.approx(ev, rel=1e-12)
    assert par.attrs["evidence_best_scale"] in scales
    dm = br.DaskModel(*_dask(X, y)[:2], prior=br.Gaussian(1.0), sigma=1.0)
    out = br.fit_many(dm, scales, method="map", client=client)
    np.testing.assert_allclose(out["coef"].values, br.fit_many(model, scales, method="map")
                               ["coef"].values, atol=1e-8)


def test_fit_many_folds_and_bootstrap(client, data):
    X, y, _ = data
    model = br.Model(X[:600], y[:600], prior=br.Gaussian(1.0), sigma=1.0)
    cv = br.fit_many(model, [0.01, 1.0], folds=3, client=client, random_seed=1, draws=100)
    assert cv["elpd_test"].dims == ("scale", "fold") and cv.sizes["fold"] == 3
    assert cv.attrs["cv_best_scale"] == 1.0
    bs = br.fit_many(model, None, bootstrap=4, method="map", client=client, random_seed=1)
    assert bs["coef"].dims == ("fold", "feature") and bs.sizes["fold"] == 4
    assert float(bs["coef"].std("fold").min()) > 0  # the resamples differ


def test_fit_many_interval_is_equal_tailed_and_hdi_prob_is_deprecated(data):
    """coef_lower/coef_upper are the (1 -/+ interval_prob)/2 quantiles of the draws (an
    equal-tailed interval, not an HDI); the old name hdi_prob warns and gives the same."""
    X, y, _ = data
    model = br.Model(X[:200], y[:200], prior=br.Gaussian(1.0), sigma=1.0)
    ds = br.fit_many(model, [0.1], draws=400, interval_prob=0.5, random_seed=3)
    fit = model.replace(prior=br.Gaussian(0.1)).sample(
        sampler="exact", draws=400, chains=1, random_seed=np.random.SeedSequence(3).spawn(1)[0],
        progressbar=False)
    coef = fit.posterior["coef"].values.reshape(400, -1)
    np.testing.assert_allclose(ds["coef_lower"].values[0], np.quantile(coef, 0.25, axis=0))
    np.testing.assert_allclose(ds["coef_upper"].values[0], np.quantile(coef, 0.75, axis=0))
    with pytest.warns(DeprecationWarning, match="interval_prob"):
        old = br.fit_many(model, [0.1], draws=400, hdi_prob=0.5, random_seed=3)
    xr.testing.assert_equal(old, ds)
    with pytest.raises(ValueError, match="'interval_prob' parameter"):
        br.fit_many(model, [0.1], interval_prob=1.5)


# ---------------------------------------------------------------- packaging and memory
def test_without_dask_nothing_imports_it_and_the_error_names_the_extra():
    code = textwrap.dedent("""
        import sys
        for name in ("dask", "distributed", "dask.array"):
            sys.modules[name] = None  # as if not installed: import raises ImportError
        import numpy as np, bayesreg as br
        assert not [m for m, mod in sys.modules.items()
                    if m.split(".")[0] in ("dask", "distributed") and mod is not None]
        class Fake:  # a Dask-like collection, without Dask
            def __dask_graph__(self):
                return {}
        try:
            br.DaskModel(Fake(), np.zeros(3), prior=br.Gaussian(1.0))
        except ImportError as e:
            assert 'pip install "bayesreg[dask]"' in str(e), e
        else:
            raise AssertionError("no ImportError")
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip().endswith("ok"), out.stderr[-2000:]


def test_model_refuses_dask_input_instead_of_loading_it(data):
    X, y, _ = data
    with pytest.raises(TypeError, match="DaskModel"):
        br.Model(*_dask(X, y)[:2], prior=br.Gaussian(1.0))


MEMORY = """
import sys, numpy as np
import dask.array as da
from distributed import Client, LocalCluster
import bayesreg as br

n, p, rows = {n}, 50, 100_000
if __name__ == "__main__":
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None, memory_limit="2GiB") as cluster, \\
            Client(cluster):
        rs = da.random.RandomState(0)
        X = rs.normal(size=(n, p), chunks=(rows, p))
        y = X @ np.linspace(-1, 1, p) + rs.normal(size=n, chunks=rows)
        m = br.DaskModel(X, y, prior=br.Gaussian(1.0), sigma=1.0)
        est = m.map()
        # the peak RSS of this process image: VmHWM (getrusage's ru_maxrss would also
        # count the pytest process this one was started from, which Linux carries
        # across exec)
        with open("/proc/self/status") as f:
            peak = next(int(line.split()[1]) * 1024 for line in f
                        if line.startswith("VmHWM:"))
        assert np.abs(est.coef.values - np.linspace(-1, 1, p)).max() < 0.01
        print(peak, X.nbytes)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"),
                    reason="reads the process's peak RSS from /proc (Linux only)")
def test_the_client_never_holds_the_data(tmp_path):
    """A lazily generated 4,000,000 x 50 Gaussian problem (1.6 GB) fit on 2 worker
    processes: the client's peak RSS stays below the size of X."""
    script = tmp_path / "memory.py"
    script.write_text(MEMORY.format(n=4_000_000))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    peak, nbytes = map(int, out.stdout.split()[-2:])
    assert nbytes == 4_000_000 * 50 * 8
    assert peak < nbytes, (peak, nbytes)  # measured: ~0.36 GB against 1.6 GB
