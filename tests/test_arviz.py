"""Every fit is what current ArviZ works with, for every sampler.

A bayesreg fit is the ``xarray.DataTree`` that ``pm.sample`` returns in pymc 6: ArviZ's
``summary``, ``ess``, ``rhat``, ``loo``, ``compare``, arviz-stats' ``psense`` (which needs
the ``log_prior`` group) and arviz-plots' ``plot_trace_dist``, ``plot_forest`` and
``plot_prior_posterior`` take it as it is.
"""

from __future__ import annotations

import importlib.util

import arviz as az
import arviz_plots as azp
import arviz_stats
import matplotlib
import numpy as np
import pytest
import xarray as xr
from scipy import stats

import bayesreg as br

matplotlib.use("Agg")
pytestmark = pytest.mark.filterwarnings("ignore::bayesreg.ConvergenceWarning")

SAMPLERS = ["pymc", "nutpie", "numpyro", "blackjax", "exact"]
FAST = dict(draws=500, tune=500, chains=2, progressbar=False)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((80, 3))
    y = 1.0 + X @ np.array([1.0, -0.5, 0.0]) + 0.8 * rng.standard_normal(80)
    return X, y


def _model(sampler, X, y, prior=None):
    if sampler == "exact":  # the conjugate model: Gaussian prior, fixed sigma
        return br.Model(X, y, prior=prior or br.Gaussian(1.0), sigma=0.8,
                        intercept_prior=br.Gaussian(10.0))
    # 80 rows pin 3 coefficients down: the centred hierarchy samples best
    return br.Model(X, y, prior=prior or br.Laplace(br.HalfNormal(1.0), noncentered=False),
                    sigma=br.HalfNormal(2.0), intercept_prior=br.Gaussian(10.0))


@pytest.fixture(scope="module", params=SAMPLERS)
def fit(request, data):
    sampler = request.param
    if sampler != "exact" and importlib.util.find_spec(sampler) is None:
        pytest.skip(f"{sampler} is not installed")
    model = _model(sampler, *data)
    options = {} if sampler == "exact" else {"target_accept": 0.95}
    idata = model.sample(sampler=sampler, random_seed=11, **options, **FAST)
    return sampler, model, idata


def test_fit_is_a_datatree_with_the_pymc_groups(fit):
    _, _, idata = fit
    assert isinstance(idata, xr.DataTree)
    assert {"posterior", "sample_stats", "observed_data", "constant_data", "log_likelihood",
            "log_prior"} <= set(idata.children)


def test_log_prior_is_the_prior_density(fit):
    """log_prior, draw by draw, against scipy's densities of the stated priors."""
    sampler, _, idata = fit
    post, lp = idata.posterior, idata.log_prior
    coef = post["coef"].transpose("chain", "draw", "feature").values
    if sampler == "exact":
        ref_coef = stats.norm.logpdf(coef, 0.0, 1.0)
        assert set(lp.data_vars) == {"coef", "intercept"}
    else:
        b = post["coef_scale"].values[..., None]
        ref_coef = stats.laplace.logpdf(coef, 0.0, b)
        np.testing.assert_allclose(lp["coef_scale"].values,
                                   stats.halfnorm.logpdf(post["coef_scale"].values, scale=1.0),
                                   rtol=1e-10)
        np.testing.assert_allclose(lp["sigma"].values,
                                   stats.halfnorm.logpdf(post["sigma"].values, scale=2.0),
                                   rtol=1e-10)
    np.testing.assert_allclose(lp["coef"].transpose("chain", "draw", "feature").values,
                               ref_coef, rtol=1e-10)
    np.testing.assert_allclose(lp["intercept"].values,
                               stats.norm.logpdf(post["intercept"].values, 0.0, 10.0),
                               rtol=1e-10)


def test_arviz_diagnostics_accept_the_fit(fit):
    _, _, idata = fit
    summary = az.summary(idata, var_names=["coef", "intercept"])
    assert [f"coef[x{i}]" for i in range(3)] == list(summary.index[:3])
    assert np.all(summary["r_hat"].astype(float) < 1.05)
    ess, rhat = az.ess(idata, method="bulk"), az.rhat(idata)
    for result in (ess, rhat):
        values = result["coef"]
        assert values.dims == ("feature",) and np.all(np.isfinite(values))


def test_loo_and_compare_accept_fits(fit, data):
    sampler, model, idata = fit
    loo = az.loo(idata)
    assert np.isfinite(loo.elpd) and loo.n_data_points == model.n_samples
    # an intercept-only-like model (tiny prior scale) predicts worse than the fitted one
    small = _model(sampler, *data, prior=br.Gaussian(1e-3))
    other = small.sample(sampler=sampler, random_seed=12, **FAST)
    table = az.compare({"fit": idata, "shrunk": other})
    assert list(table.index) == ["fit", "shrunk"]


def test_psense_accepts_the_fit(fit, data):
    """Power-scaling prior sensitivity runs on the log_prior group. The coefficient of x0
    (about 1 in the data) is far more prior-sensitive under a tight Gaussian(0.1) prior,
    which pulls it most of the way to 0, than under the fit's weak prior."""
    sampler, _, idata = fit
    sens = arviz_stats.psense(idata, var_names=["coef"])
    assert np.all(np.isfinite(sens["coef"].values))
    tight = _model(sampler, *data, prior=br.Gaussian(0.1)).sample(
        sampler=sampler, random_seed=13, **FAST)
    sens_tight = arviz_stats.psense(tight, var_names=["coef"])
    assert float(sens_tight["coef"].sel(feature="x0")) > 2 * float(
        sens["coef"].sel(feature="x0"))


def test_arviz_plots_accept_the_fit(fit):
    _, model, idata = fit
    pc = azp.plot_trace_dist(idata, var_names=["coef", "intercept"], backend="matplotlib")
    assert pc is not None
    pc = azp.plot_forest(idata, var_names=["coef"], backend="matplotlib")
    assert pc is not None
    with_prior = idata.copy()
    with_prior["prior"] = model.sample_prior_predictive(200, random_seed=1)["prior"]
    pc = azp.plot_prior_posterior(with_prior, var_names=["coef"], backend="matplotlib")
    assert pc is not None
    matplotlib.pyplot.close("all")
