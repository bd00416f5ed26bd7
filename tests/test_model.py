"""Core model tests: known posteriors, the posteriordb reference, inputs, save/load.

MCMC checks compare with an independent answer (1-D quadrature of the unnormalized
posterior, or the Stan reference posterior) at a tolerance of 4 Monte Carlo standard
errors.
"""

from __future__ import annotations

import importlib.util
import json
import os

import arviz as az
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from scipy import integrate, special, stats

import bayesreg as br
from bayesreg.inference._pointwise import SPEC_ATTR
from bayesreg.priors._priors import elastic_net_draws



def load_posteriordb(folder, name):
    with open(folder / f"{name}.json") as f:
        return json.load(f)

FAST = dict(draws=400, tune=400, chains=2, progressbar=False)


def _assert_within_mcse(idata, var, exact_mean, exact_sd, k=4.0, extra_se=0.0):
    """``|mean - exact| < k * mcse`` for the mean and the sd of ``var`` (per element)."""
    post = idata.posterior[var]
    mean = post.mean(("chain", "draw")).values
    sd = post.std(("chain", "draw")).values
    # az.summary, not az.mcse(method="sd"): the latter fails under numba with numpy 2.4
    diag = az.summary(idata, var_names=[var], kind="diagnostics", round_to="none")
    mcse_mean = diag["mcse_mean"].to_numpy().reshape(mean.shape)
    mcse_sd = diag["mcse_sd"].to_numpy().reshape(mean.shape)
    tol_mean = k * np.sqrt(mcse_mean**2 + np.asarray(extra_se) ** 2)
    assert np.all(np.abs(mean - exact_mean) < tol_mean), (mean, exact_mean, tol_mean)
    assert np.all(np.abs(sd - exact_sd) < k * mcse_sd + 1e-12), (sd, exact_sd, mcse_sd)


# --------------------------------------------------------------------------- quadrature
def _quadrature_moments(logpost, lo, hi):
    """Mean and sd of the density ∝ exp(logpost) on [lo, hi] by adaptive quadrature."""
    grid = np.linspace(lo, hi, 4001)
    shift = np.max(logpost(grid))

    def f(k):
        return integrate.quad(lambda w: w**k * np.exp(logpost(w) - shift), lo, hi,
                              points=[0.0] if lo < 0 < hi else None, limit=400)[0]

    z = f(0)
    m = f(1) / z
    return m, np.sqrt(f(2) / z - m * m)


def _one_feature_data(family, seed=3, n=40):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    if family == "bernoulli":
        y = (rng.random(n) < special.expit(0.8 * x)).astype(float)
    elif family == "poisson":
        y = rng.poisson(np.exp(0.3 + 0.5 * x)).astype(float)
    else:
        y = 0.7 * x + 0.8 * rng.standard_t(4, n)
    return x, y


CASES = {
    "gaussian-laplace": ("gaussian", br.Laplace(0.2), dict(sigma=0.9)),
    "gaussian-elasticnet": ("gaussian", br.ElasticNetPrior(0.3, 0.5), dict(sigma=0.9)),
    "student_t-studentt": ("student_t", br.StudentT(3.0, 0.5), dict(sigma=0.8, nu=4.0)),
    "bernoulli-gaussian": ("bernoulli", br.Gaussian(1.0), {}),
    "poisson-laplace": ("poisson", br.Laplace(0.5), {}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_one_feature_posterior_matches_quadrature(case):
    family, prior, extra = CASES[case]
    x, y = _one_feature_data(family)
    model = br.Model(x[:, None], y, prior=prior, family=family, fit_intercept=False, **extra)
    fam = model.family

    def logpost(w):
        w = np.atleast_1d(w)
        eta = np.outer(w, x)
        ll = fam.logpdf(y, eta, sigma=extra.get("sigma"), nu=extra.get("nu")).sum(axis=1)
        out = ll + prior.logpdf(w)
        return out if out.size > 1 else out[0]

    m, s = _quadrature_moments(logpost, -4.0, 4.0)
    idata = model.sample(sampler="nutpie", random_seed=11, **FAST)
    _assert_within_mcse(idata, "coef", [m], [s])


def test_elastic_net_density_is_normalized():
    prior = br.ElasticNetPrior(0.4, 0.7)
    total = integrate.quad(lambda w: np.exp(prior.logpdf(w)), -np.inf, np.inf)[0]
    assert abs(total - 1.0) < 1e-8
    draws = elastic_net_draws(0.4, 0.7, np.random.default_rng(0), 20_000)
    m, s = _quadrature_moments(lambda w: prior.logpdf(w), -6, 6)
    assert abs(draws.mean() - m) < 4 * s / np.sqrt(draws.size)
    grid = np.linspace(-8, 8, 20_001)
    cdf = integrate.cumulative_trapezoid(np.exp(prior.logpdf(grid)), grid, initial=0.0)
    assert stats.kstest(draws, lambda t: np.interp(t, grid, cdf)).pvalue > 1e-3


def test_prior_logpdfs_match_scipy():
    w = np.linspace(0.1, 3.0, 7)
    np.testing.assert_allclose(br.Gaussian(2.0, loc=0.5).logpdf(w), stats.norm(0.5, 2.0).logpdf(w))
    np.testing.assert_allclose(br.Laplace(0.3).logpdf(w), stats.laplace(0, 0.3).logpdf(w))
    np.testing.assert_allclose(br.HalfNormal(2.0).logpdf(w), stats.halfnorm(0, 2.0).logpdf(w))
    np.testing.assert_allclose(br.HalfCauchy(2.0).logpdf(w), stats.halfcauchy(0, 2.0).logpdf(w))
    np.testing.assert_allclose(br.Exponential(2.0).logpdf(w), stats.expon(0, 2.0).logpdf(w))
    # sigma^2 ~ InvGamma(a, b): the density of sigma integrates to one
    ig = br.InverseGammaVariance(3.0, 2.0)
    assert abs(integrate.quad(lambda s: np.exp(ig.logpdf(s)), 0, np.inf)[0] - 1) < 1e-8


# --------------------------------------------------------------------------- posteriordb
SBLRC_REF = {  # posteriordb sblrc-blr reference (Stan, 10 x 1000 draws): mean, sd
    "beta": ([0.999647, 0.998732, 0.998199, 0.998844, 0.998593],
             [0.000983, 0.001006, 0.001086, 0.001019, 0.000978]),
    "sigma": (1.042291, 0.076702),
}


@pytest.mark.parametrize("sampler", ["nutpie", "pymc"])
def test_posteriordb_sblrc(posteriordb, sampler):
    data = load_posteriordb(posteriordb, "sblrc")
    X, y = np.asarray(data["X"]), np.asarray(data["y"])
    model = br.Model(X, y, prior=br.Gaussian(10.0), fit_intercept=False,
                     sigma=br.HalfNormal(10.0))
    idata = model.sample(draws=1000, tune=500, chains=2, sampler=sampler, random_seed=5,
                         progressbar=False)
    # the exact posterior moments (quadrature over sigma, no Monte Carlo error) ...
    (bm, bs), (sm, ss) = _sblrc_exact_moments(X, y)
    _assert_within_mcse(idata, "coef", bm, bs)
    _assert_within_mcse(idata, "sigma", sm, ss)
    # ... agree with posteriordb's Stan reference to its printed precision
    np.testing.assert_allclose(bm, SBLRC_REF["beta"][0], atol=2e-5)
    np.testing.assert_allclose(bs, SBLRC_REF["beta"][1], rtol=0.05)
    assert abs(sm - SBLRC_REF["sigma"][0]) < 0.003 and abs(ss / SBLRC_REF["sigma"][1] - 1) < 0.05


def _sblrc_exact_moments(X, y, tau=10.0, s0=10.0):
    """Posterior mean and sd of beta and sigma for y ~ N(X beta, sigma^2),
    beta ~ N(0, tau^2 I), sigma ~ HalfNormal(s0): beta | sigma, y is Gaussian; sigma's
    marginal is integrated on a fine grid (trapezoid, 20,001 points over +-12 sd)."""
    n, p = X.shape
    xtx, xty, yty = X.T @ X, X.T @ y, y @ y
    sig = np.linspace(0.4, 2.2, 20_001)
    logw, means, covs = [], [], []
    for s in sig:
        prec = xtx / s**2 + np.eye(p) / tau**2
        cov = np.linalg.inv(prec)
        m = cov @ xty / s**2
        # log p(y | sigma) by completing the square, + log HalfNormal(sigma)
        ll = (-0.5 * n * np.log(2 * np.pi * s**2) - 0.5 * yty / s**2 + 0.5 * m @ prec @ m
              - 0.5 * np.linalg.slogdet(prec)[1] - p * np.log(tau) - 0.5 * s**2 / s0**2)
        logw.append(ll)
        means.append(m)
        covs.append(np.diag(cov))
    w = np.exp(np.array(logw) - max(logw))
    w /= np.trapezoid(w, sig)
    means, var = np.array(means), np.array(covs)
    bm = np.trapezoid(w[:, None] * means, sig, axis=0)
    b2 = np.trapezoid(w[:, None] * (var + means**2), sig, axis=0)
    sm = np.trapezoid(w * sig, sig)
    s2 = np.trapezoid(w * sig**2, sig)
    return (bm, np.sqrt(b2 - bm**2)), (sm, np.sqrt(s2 - sm**2))


# --------------------------------------------------------------------------- structure
@pytest.fixture(scope="module")
def fitted(small_regression):
    X, y = small_regression
    Xdf = pd.DataFrame(X, columns=["alpha", "beta", "gamma"])
    w = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    model = br.Model(Xdf, y, prior=br.Gaussian(scale=br.HalfNormal(1.0)), sample_weight=w)
    idata = model.sample(sampler="nutpie", random_seed=3, **FAST)
    return model, idata


def test_idata_structure(fitted):
    model, idata = fitted
    for group in ("posterior", "sample_stats", "observed_data", "constant_data",
                  "log_likelihood"):
        assert group in idata.children
    post = idata.posterior
    assert post["coef"].dims == ("chain", "draw", "feature")
    assert list(post["feature"].values) == ["alpha", "beta", "gamma"]
    for name in ("intercept", "sigma", "coef_scale"):
        assert post[name].dims == ("chain", "draw")
    assert idata.log_likelihood["y"].shape == (2, 400, 60)
    assert json.loads(post.attrs[SPEC_ATTR]) == model.spec()
    # log_likelihood is the weighted pointwise log density
    c = post["coef"].values[0, 0]
    eta = post["intercept"].values[0, 0] + model.X @ c
    ll = model.sample_weight * stats.norm.logpdf(model.y, eta, post["sigma"].values[0, 0])
    np.testing.assert_allclose(idata.log_likelihood["y"].values[0, 0], ll, rtol=1e-10)


def test_model_is_an_immutable_value(small_regression):
    """No attribute of a model can be set or deleted after construction, no method writes
    one (the lazily built PyMC model and compiled samplers go into a cache that is only
    filled), and ``replace`` returns a new model, the formula carried over."""
    X, y = small_regression
    df = pd.DataFrame(X, columns=["a", "b", "c"]).assign(y=y)
    model = br.Model.from_formula("y ~ a + b + c", df, prior=br.Gaussian(1.0), sigma=0.7,
                                  intercept_prior=br.Gaussian(10.0))
    for name, value in (("prior", br.Laplace(1.0)), ("formula", None), ("X", X),
                        ("_cache", {}), ("new_attribute", 1)):
        with pytest.raises(AttributeError, match=r"Model is immutable.*model\.replace"):
            setattr(model, name, value)
    with pytest.raises(AttributeError, match="Model is immutable"):
        del model.y
    state = dict(vars(model))
    cache = model._cache
    model.map()
    model.log_evidence()
    model.sample(sampler="exact", draws=20, chains=1, random_seed=0, progressbar=False)
    model.sample_prior_predictive(20, random_seed=0)
    model.compile("pymc")
    assert model._cache is cache and "pymc_model" in cache
    assert vars(model).keys() == state.keys()
    assert all(vars(model)[k] is v for k, v in state.items())
    other = model.replace(prior=br.Laplace(1.0))
    assert model.prior == br.Gaussian(1.0) and other.prior == br.Laplace(1.0)
    assert other.formula is model.formula is not None
    assert other._cache == {}  # nothing built for the old model is reused
    with pytest.raises(ValueError, match="'formula' parameter of Model"):
        br.Model(X, y, prior=br.Gaussian(1.0), formula="y ~ a")


def test_same_seed_same_draws(small_regression):
    X, y = small_regression
    model = br.Model(X, y, prior=br.Laplace(0.5), sigma=0.7)
    a = model.sample(sampler="pymc", random_seed=7, draws=50, tune=50, chains=2,
                     progressbar=False)
    b = model.sample(sampler="pymc", random_seed=7, draws=50, tune=50, chains=2,
                     progressbar=False)
    c = model.sample(sampler="pymc", random_seed=8, draws=50, tune=50, chains=2,
                     progressbar=False)
    np.testing.assert_array_equal(a.posterior["coef"].values, b.posterior["coef"].values)
    assert not np.array_equal(a.posterior["coef"].values, c.posterior["coef"].values)


@pytest.mark.parametrize("sampler", ["nutpie", "numpyro", "blackjax", "exact"])
def test_same_seed_same_draws_every_sampler(small_regression, sampler):
    import warnings

    X, y = small_regression
    model = br.Model(X, y, prior=br.Gaussian(1.0), sigma=0.7)
    kw = dict(sampler=sampler, draws=100, tune=100, chains=2, progressbar=False,
              log_likelihood=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", br.ConvergenceWarning)  # 100 draws: not the point
        a = model.sample(random_seed=7, **kw)
        b = model.sample(random_seed=7, **kw)
        c = model.sample(random_seed=8, **kw)
    np.testing.assert_array_equal(a.posterior["coef"].values, b.posterior["coef"].values)
    assert not np.array_equal(a.posterior["coef"].values, c.posterior["coef"].values)


def test_predict_and_predictive(fitted):
    model, idata = fitted
    Xdf = pd.DataFrame(model.X[:5], columns=model.feature_names)
    pred = model.predict(Xdf, idata, random_seed=1)
    post = idata.posterior
    expected = (post["intercept"] + (post["coef"] * xr.DataArray(model.X[:5], dims=("obs_id", "feature"),
                coords={"feature": model.feature_names})).sum("feature")).mean(("chain", "draw"))
    np.testing.assert_allclose(pred.mean, expected.values, rtol=1e-10)
    assert pred.draws.shape == (2, 400, 5)
    # predictive draws scatter around the mean with the noise sd
    resid = (pred.draws - expected).values.ravel()
    assert abs(resid.std() - float(post["sigma"].mean())) < 0.1
    np.testing.assert_array_equal(pred.draws.values, model.predict(Xdf, idata, random_seed=1).draws.values)

    ppc = model.sample_posterior_predictive(idata, random_seed=0, extend_inferencedata=False)
    assert ppc.posterior_predictive["y"].shape == (2, 400, 60)

    prior_model = br.Model(pd.DataFrame(model.X, columns=model.feature_names), model.y, prior=br.Gaussian(1.0), sigma=br.HalfNormal(1.0),
                           intercept_prior=br.Gaussian(5.0))
    prior = prior_model.sample_prior_predictive(300, random_seed=0)
    coef = prior.prior["coef"].values.ravel()
    assert abs(coef.std() - 1.0) < 0.1 and prior.prior_predictive["y"].shape[-1] == 60


def test_nig_model_and_noise_scaled_prior(small_regression):
    """coef | sigma ~ N(0, sigma^2 tau^2), sigma^2 ~ InvGamma: the exact NIG posterior."""
    from bayesreg.base import center, posterior_nig

    X, y = small_regression
    model = br.Model(X, y, prior=br.Gaussian(2.0, scaled_by_sigma=True),
                     sigma=br.InverseGammaVariance(3.0, 2.0))
    idata = model.sample(sampler="nutpie", random_seed=2, draws=1000, tune=500, chains=2,
                         progressbar=False)
    Xc, yc, _, _ = center(X, y)
    # a flat intercept integrated out leaves n - 1 observations' worth of sigma
    post = posterior_nig(Xc, yc, tau=2.0, a0=3.0 - 0.5, b0=2.0)
    _assert_within_mcse(idata, "coef", post.mean, np.sqrt(np.diag(post.cov)))


# --------------------------------------------------------------------------- save / load
def test_save_load_round_trip(fitted, tmp_path):
    model, idata = fitted
    path = br.save(idata, tmp_path / "fit.nc")
    back = br.load(path)
    assert set(back.children) == set(idata.children)
    for group in idata.children:
        xr.testing.assert_identical(back[group], idata[group])
    rebuilt = br.Model.from_idata(back)
    assert rebuilt.spec() == model.spec()
    np.testing.assert_array_equal(rebuilt.X, model.X)
    np.testing.assert_array_equal(rebuilt.sample_weight, model.sample_weight)
    assert rebuilt.prior == model.prior
    with pytest.raises(FileExistsError, match="overwrite=True"):
        br.save(idata, path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fit.nc"]
    # the file gets the mode open() would give it (not the temporary file's private 0600)
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_save_failures_leave_nothing(fitted, tmp_path, monkeypatch):
    _, idata = fitted
    with pytest.raises(FileNotFoundError, match="does not exist"):
        br.save(idata, tmp_path / "missing" / "fit.nc")
    with pytest.raises(ValueError, match="no bayesreg model spec"):
        bare = idata.posterior.to_dataset()
        bare.attrs = {}
        br.save(xr.DataTree.from_dict({"posterior": bare}), tmp_path / "x.nc")

    def boom(self, *a, **k):
        with open(a[0], "wb") as f:
            f.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(xr.DataTree, "to_netcdf", boom)
    with pytest.raises(OSError, match="disk full"):
        br.save(idata, tmp_path / "fit.nc")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(FileNotFoundError, match="No bayesreg fit"):
        br.load(tmp_path / "fit.nc")


# --------------------------------------------------------------------------- bad input
X_OK = np.random.default_rng(0).standard_normal((10, 2))
Y_OK = np.arange(10.0)


@pytest.mark.parametrize("X, y, kwargs, exc, match", [
    (np.where(np.eye(10, 2) > 0, np.nan, X_OK), Y_OK, {}, ValueError, "X contains NaN"),
    (X_OK, np.r_[Y_OK[:-1], np.inf], {}, ValueError, "y contains inf"),
    (X_OK, Y_OK[:8], {}, ValueError, "different lengths"),
    (pd.DataFrame({"a": list("abcdefghij"), "b": Y_OK}), Y_OK, {}, ValueError,
     r"non-numeric columns \['a'\]"),
    (X_OK[:, 0], Y_OK, {}, ValueError, "must be 2-D"),
    (X_OK, Y_OK, {"family": "bernoulli"}, ValueError, "only 0 and 1"),
    (X_OK, -Y_OK, {"family": "poisson"}, ValueError, "non-negative integer counts"),
    (X_OK, Y_OK + 0.5, {"family": "poisson"}, ValueError, "non-negative integer counts"),
    (X_OK, Y_OK, {"family": "binomial"}, ValueError, "'family' parameter of Model must be one of: gaussian, bernoulli"),
    (X_OK, Y_OK, {"sigma": -1.0}, ValueError, "'sigma' parameter of Model must be a positive"),
    (X_OK, Y_OK, {"sigma": br.Gaussian(1.0)}, ValueError, "positive prior"),
    (X_OK, Y_OK, {"sample_weight": -np.ones(10)}, ValueError, "strictly positive"),
    (X_OK, Y_OK % 2, {"family": "bernoulli", "sigma": 1.0}, ValueError, "not a parameter"),
])
def test_bad_model_input(X, y, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        br.Model(X, y, prior=kwargs.pop("prior", br.Gaussian(1.0)), **kwargs)


@pytest.mark.parametrize("make, match", [
    (lambda: br.Gaussian(0.0), "'scale' parameter of Gaussian must be a positive"),
    (lambda: br.Laplace(-1.0), "'scale' parameter of Laplace must be a positive"),
    (lambda: br.StudentT(nu=-2.0), "'nu' parameter of StudentT"),
    (lambda: br.HalfNormal(float("inf")), "positive finite"),
    (lambda: br.Gaussian(scale=br.Gaussian(1.0)), "or a positive prior"),
    (lambda: br.Gaussian(loc=float("nan")), "'loc' parameter of Gaussian must be a finite float"),
])
def test_bad_prior_parameters(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_sampler_and_draws(small_regression):
    X, y = small_regression
    model = br.Model(X, y, prior=br.Gaussian(1.0))
    with pytest.raises(ValueError, match="'sampler' parameter of Model.sample must be one of: auto, pymc, nutpie"):
        model.sample(sampler="stan")
    with pytest.raises(ValueError, match="'draws' parameter of Model.sample must be an int >= 1"):
        model.sample(draws=0)
    with pytest.raises(TypeError, match="bayesreg Prior"):
        br.Model(X, y, prior=1.0)
    with pytest.raises(ValueError, match="prior on positive values"):
        br.Model(X, y, prior=br.HalfNormal(1.0))


def test_missing_backend_names_the_extra(small_regression, monkeypatch):
    X, y = small_regression
    model = br.Model(X, y, prior=br.Gaussian(1.0))
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "nutpie" else real(name, *a))
    with pytest.raises(ImportError, match=r"pip install 'bayesreg\[nutpie\]'"):
        model.sample(sampler="nutpie")


def test_predict_checks_columns(fitted):
    model, idata = fitted
    good = pd.DataFrame(model.X[:3], columns=model.feature_names)
    with pytest.raises(ValueError, match=r"missing \['gamma'\], unexpected \['delta'\]"):
        model.predict(good.rename(columns={"gamma": "delta"}), idata)
    with pytest.raises(ValueError, match="different order"):
        model.predict(good[["beta", "alpha", "gamma"]], idata)
    with pytest.raises(ValueError, match="has 2 columns but the model was trained on 3"):
        model.predict(model.X[:3, :2], idata)
    with pytest.raises(ValueError, match="X_new contains NaN"):
        model.predict(np.full((2, 3), np.nan), idata)
    # results are returned, never kept on the model: predict needs the fit
    with pytest.raises(TypeError):
        model.predict(good)
    with pytest.raises(ValueError, match="Pass the fit"):
        model.predict(good, None)


def test_prior_predictive_needs_proper_priors(small_regression):
    X, y = small_regression
    with pytest.raises(ValueError, match=r"improper prior Flat\(\).*intercept_prior=Gaussian"):
        br.Model(X, y, prior=br.Gaussian(1.0)).sample_prior_predictive(10)


def test_xarray_input_names_features(small_regression):
    X, y = small_regression
    da = xr.DataArray(X, dims=("obs", "var"), coords={"var": ["u", "v", "w"]})
    model = br.Model(da, pd.Series(y), prior=br.Gaussian(1.0))
    assert model.feature_names == ["u", "v", "w"]


# --------------------------------------------------------------------------- CLI
def test_cli_demo_runs(capsys):
    from bayesreg.cli import main

    assert main(["demo", "--draws", "100", "--tune", "100", "--chains", "2"]) == 0
    out = capsys.readouterr().out
    for word in ("gaussian (L2)", "laplace (L1)", "bmi", "tau", "sigma", "MAP = penalized fit"):
        assert word in out
    # the MAP lines certify the agreement with scikit-learn
    assert out.count("same zero set: True") == 2


def test_cli_rejects_unknown_sampler():
    from bayesreg.cli import main

    with pytest.raises(SystemExit):
        main(["demo", "--sampler", "stan"])


def test_ci_runs_the_readme_commands():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, str(root / ".ci" / "readme_commands.py")],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    # CI runs exactly the README's two commands, the demo first, then the tests
    assert len(out) == 2
    assert out[0].endswith("bayesreg demo") and '".[all]"' in out[0]
    assert out[1].endswith("python3 -m pytest") and "-e" in out[1]
    ci = (root / ".ci" / "run").read_text()
    assert "readme_commands.py" in ci and "sys.version_info < (3, 12)" in ci


def test_load_reads_files_of_the_old_stack(tmp_path):
    """A fit saved by bayesreg 0.1 (pymc 5.28.5, arviz 0.23.4 InferenceData, Python 3.11)
    loads as a DataTree and rebuilds its model; a file with an unknown spec version is
    refused with a message saying what to do."""
    from pathlib import Path

    old = Path(__file__).parent / "data" / "fit_bayesreg_0.1_arviz_0.23.nc"
    idata = br.load(old)
    assert isinstance(idata, xr.DataTree)
    assert {"posterior", "sample_stats", "log_likelihood", "observed_data",
            "constant_data"} <= set(idata.children)
    # the value printed when the file was written
    assert float(idata.posterior["coef"].mean()) == pytest.approx(-0.019189976006324435,
                                                                  rel=1e-12)
    model = br.Model.from_idata(idata)
    assert model.feature_names == ["a", "b"] and model.prior == br.Laplace(br.HalfNormal(1.0))
    np.testing.assert_array_equal(model.sample_weight, np.full(30, 2.0))
    pred = model.predict(model.X[:4], idata, random_seed=0)
    assert pred.draws.shape == (2, 50, 4)
    # a spec from a future bayesreg is refused, and says how to convert
    future = idata.copy()
    spec = json.loads(future["posterior"].attrs[SPEC_ATTR])
    future["posterior"].attrs[SPEC_ATTR] = json.dumps({**spec, "version": 99})
    future.to_netcdf(tmp_path / "future.nc", engine="h5netcdf")
    with pytest.raises(ValueError, match="version 99.*save it again"):
        br.load(tmp_path / "future.nc")
