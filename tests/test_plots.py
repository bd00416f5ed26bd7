"""bayesreg.plots and the seed-idea computations: numbers against closed forms, figures
with the expected artists and labels, rendered to PNG under Agg."""

from __future__ import annotations

import warnings

import arviz as az
import matplotlib
import numpy as np
import pytest
from sklearn.linear_model import Lasso

import bayesreg as br

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


# ------------------------------------------------------------------ the seed ideas
def test_l2_steps_multiply_by_one_minus_two_eta_lambda():
    w0 = np.array([-2.0, -0.5, 0.3, 1.5])
    path = br.teaching.penalty_steps(w0, penalty="l2", eta=0.1, lam=0.5, steps=25)
    k = np.arange(26)[:, None]
    np.testing.assert_allclose(path, w0 * (1 - 2 * 0.1 * 0.5) ** k, rtol=1e-12)
    # always toward zero, from both sides: |w| decreases, the sign never changes
    assert np.all(np.abs(path[1:]) < np.abs(path[:-1])) and np.all(np.sign(path) == np.sign(w0))


def test_l1_subgradient_oscillates_and_prox_lands_on_zero():
    eta, lam = 0.1, 0.5
    t = eta * lam
    w0 = np.array([-0.52, 0.33, 1.0])
    sub = br.teaching.penalty_steps(w0, penalty="l1_subgradient", eta=eta, lam=lam, steps=60)
    prox = br.teaching.penalty_steps(w0, penalty="l1_prox", eta=eta, lam=lam, steps=60)
    first = np.ceil(np.abs(w0) / t).astype(int)      # steps to reach (or cross) zero
    for j in range(len(w0)):
        tail = sub[first[j]:, j]
        assert np.all(np.abs(tail) <= t + 1e-12)        # within eta * lambda of zero ...
        assert np.all(tail != 0.0)                      # ... never on it ...
        assert np.all(np.sign(tail[1:]) == -np.sign(tail[:-1]))   # ... changing sign
        assert np.all(prox[first[j]:, j] == 0.0)        # the prox step lands exactly on 0
        assert np.all(prox[:first[j], j] != 0.0)
    # before reaching zero both move by exactly eta * lambda per step
    np.testing.assert_allclose(np.abs(np.diff(sub[:3, 2])), t, rtol=1e-12)
    none = br.teaching.penalty_steps(w0, penalty="none", eta=eta, lam=lam, steps=5)
    np.testing.assert_array_equal(none, np.tile(w0, (6, 1)))
    with pytest.raises(ValueError, match="'penalty' parameter of penalty_steps"):
        br.teaching.penalty_steps(w0, penalty="l3", eta=eta, lam=lam, steps=5)


# ------------------------------------------------------------------ figures
@pytest.fixture(scope="module")
def conjugate():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((60, 4))
    y = 1.0 + X @ np.array([1.0, -0.5, 0.0, 0.2]) + rng.standard_normal(60)
    return br.Model(X, y, prior=br.Gaussian(1.0), sigma=1.0)


def _texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts] + \
        [t.get_text() for ax in fig.axes for lg in [ax.get_legend()] if lg for t in lg.texts]


def _png(fig, tmp_path, name):
    path = tmp_path / f"{name}.png"
    fig.savefig(path, dpi=60)
    plt.close(fig)
    assert path.stat().st_size > 5000


def test_plot_occam(conjugate, tmp_path):
    grid = br.scale_grid(conjugate, np.logspace(-1, 1, 5), draws=200, random_seed=0)
    eb = br.empirical_bayes(conjugate)
    fig = br.plots.plot_occam(grid, empirical_bayes=eb)
    top, bottom = fig.axes
    assert f"empirical Bayes {eb.model.prior.scale:.3g}" in _texts(fig)
    assert top.get_xscale() == "log" and "nats" in top.get_ylabel()
    assert bottom.get_ylabel() == "effective params γ" and bottom.get_xlabel() == "prior scale"
    labels = _texts(fig)
    assert {"log evidence", "log Occam factor"} <= set(labels)
    assert any(t.startswith("evidence ") for t in labels) and any(t.startswith("CV ") for t in labels)
    # the drawn curves satisfy evidence = best fit + Occam factor, point by point
    lines = {ln.get_label(): ln.get_ydata() for ln in top.get_lines()}
    np.testing.assert_allclose(lines["log evidence"],
                               lines["best fit  log p(y | θ*)"] + lines["log Occam factor"],
                               atol=1e-8)
    _png(fig, tmp_path, "occam")


def test_plot_regularization_path(conjugate, tmp_path):
    path = br.regularization_path(conjugate, np.logspace(-1, 1, 4))
    fig = br.plots.plot_regularization_path(path)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "prior scale" and ax.get_ylabel() == "coefficient"
    assert [t.get_text() for t in ax.get_legend().texts] == ["x0", "x1", "x2", "x3"]
    assert len(ax.collections) == 4                       # one HDI band per feature
    _png(fig, tmp_path, "path")


def test_prior_sensitivity_reads_the_fit(conjugate, tmp_path):
    fit = conjugate.sample(sampler="exact", draws=1000, chains=2, random_seed=1)
    table = br.plots.prior_sensitivity(fit)
    assert list(table.index) == [f"coef[x{i}]" for i in range(4)]
    assert set(table.columns) == {"prior", "likelihood", "diagnosis"}
    assert np.all(np.isfinite(table[["prior", "likelihood"]].to_numpy()))
    # a tight prior (scale 0.05 against effects of about 1) decides more than a wide one
    tight = conjugate.replace(prior=br.Gaussian(0.05)).sample(sampler="exact", draws=1000,
                                                             chains=2, random_seed=1)
    assert br.plots.prior_sensitivity(tight)["prior"].mean() > table["prior"].mean()
    fig = br.plots.plot_prior_sensitivity(fit)
    assert "sensitivity" in fig.axes[0].get_xlabel()
    _png(fig, tmp_path, "psense")


def test_plot_seed_ideas(tmp_path):
    fig = br.plots.plot_seed_ideas(eta=0.1, lam=0.5, steps=10)
    assert len(fig.axes) == 3 and all(ax.get_xlabel() == "gradient step k" for ax in fig.axes)
    # w0 = 0.3 with eta * lambda = 0.05: the prox panel's line is exactly 0 at step 10,
    # the subgradient panel's is not
    assert fig.axes[2].get_lines()[2].get_ydata()[-1] == 0.0
    assert fig.axes[1].get_lines()[2].get_ydata()[-1] != 0.0
    _png(fig, tmp_path, "seeds")


def test_penalty_steps_with_data_reach_ridge_and_lasso():
    """With data, the L2 steps descend ||y - Xw||^2/(2n) + lam ||w||^2, whose minimizer is
    sklearn's Ridge(alpha=2 n lam); the proximal steps (ISTA) reach Lasso(alpha=lam)."""
    from sklearn.linear_model import Ridge

    rng = np.random.default_rng(3)
    X = rng.standard_normal((60, 4))
    y = X @ np.array([1.0, -0.7, 0.05, 0.0]) + 0.3 * rng.standard_normal(60)
    lam, eta = 0.08, 0.5
    l2 = br.teaching.penalty_steps(np.zeros(4), penalty="l2", eta=eta, lam=lam, steps=400, X=X, y=y)
    ridge = Ridge(alpha=2 * 60 * lam, fit_intercept=False, tol=1e-14).fit(X, y)
    np.testing.assert_allclose(l2[-1], ridge.coef_, atol=1e-10)
    prox = br.teaching.penalty_steps(np.zeros(4), penalty="l1_prox", eta=eta, lam=lam, steps=400,
                            X=X, y=y)
    lasso = Lasso(alpha=lam, fit_intercept=False, tol=1e-14, max_iter=100_000).fit(X, y)
    np.testing.assert_allclose(prox[-1], lasso.coef_, atol=1e-10)
    assert np.array_equal(prox[-1] == 0.0, lasso.coef_ == 0.0) and np.any(lasso.coef_ == 0)
    none = br.teaching.penalty_steps(np.zeros(4), penalty="none", eta=eta, lam=lam, steps=400, X=X, y=y)
    np.testing.assert_allclose(none[-1], np.linalg.lstsq(X, y, rcond=None)[0], atol=1e-10)
    with pytest.raises(ValueError, match="both X and y"):
        br.teaching.penalty_steps(np.zeros(4), penalty="l2", eta=eta, lam=lam, steps=3, X=X)
    with pytest.raises(ValueError, match="diverge.*use eta <"):
        br.teaching.penalty_steps(np.zeros(4), penalty="none", eta=10.0, lam=lam, steps=3, X=X, y=y)
    with pytest.raises(ValueError, match="w0 of shape"):
        br.teaching.penalty_steps(np.zeros(3), penalty="l2", eta=eta, lam=lam, steps=3, X=X, y=y)


def test_unconstrained_weight_stays_decays_and_keeps_its_prior(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 4))
    X[:, 2] = 0.0
    y = X @ np.array([1.0, -0.5, 0.0, 0.8]) + 0.3 * rng.standard_normal(40)
    eta, lam, steps = 0.2, 0.05, 300
    w0 = np.array([0.5, 0.5, 1.5, -0.5])
    uw = br.teaching.unconstrained_weight(X, y, 2, w0=w0, eta=eta, lam=lam, steps=steps,
                                 prior_scale=2.0, sigma=0.3)
    k = np.arange(steps + 1)
    np.testing.assert_array_equal(uw.no_penalty[:, 2], 1.5)            # stays where it was
    np.testing.assert_allclose(uw.l2[:, 2], 1.5 * (1 - 2 * eta * lam) ** k, rtol=1e-12)
    assert uw.posterior_mean[2] == pytest.approx(0.0, abs=1e-12)       # posterior = prior
    assert uw.posterior_sd[2] == pytest.approx(2.0, rel=1e-12)
    # the constrained weights move: to least squares without a penalty
    ls = np.linalg.lstsq(np.delete(X, 2, axis=1), y, rcond=None)[0]
    np.testing.assert_allclose(np.delete(uw.no_penalty[-1], 2), ls, atol=1e-6)
    assert np.all(np.delete(uw.posterior_sd, 2) < 0.1)
    assert uw.summary()["no penalty, last step"] == 1.5
    # the same posterior from the model itself: exact draws of coef[2] have the prior's sd
    fit = br.Model(X, y, prior=br.Gaussian(2.0), sigma=0.3, fit_intercept=False).sample(
        sampler="exact", draws=2000, chains=2, random_seed=0)
    draws = fit.posterior["coef"].sel(feature="x2").values.ravel()
    se_sd = 2.0 / np.sqrt(2 * draws.size)
    assert abs(draws.std() - 2.0) < 4 * se_sd and abs(draws.mean()) < 4 * 2.0 / np.sqrt(draws.size)
    with pytest.raises(ValueError, match="not all zero"):
        br.teaching.unconstrained_weight(X, y, 0)
    fig = br.plots.plot_unconstrained_weight(uw)
    assert [ax.get_xlabel() for ax in fig.axes] == ["gradient step k", "w[2]"]
    assert any("stays" in t.get_text() for t in fig.axes[0].get_legend().get_texts())
    _png(fig, tmp_path, "unconstrained")


@pytest.mark.parametrize("m, s, b", [(0.3, 1.0, 0.5), (2.5, 1.0, 0.5), (-1.2, 0.7, 2.0),
                                     (0.0, 1.0, 1.0), (8.0, 0.5, 0.05), (-0.01, 2.0, 0.1)])
def test_laplace_posterior_1d_against_quadrature(m, s, b):
    from scipy import integrate, optimize

    r = br.teaching.laplace_posterior_1d(m, s, b)
    lo, hi = min(m, 0) - 12 * s, max(m, 0) + 12 * s
    mode = float(r.map)

    def f(w):
        return np.exp(-(w - m) ** 2 / (2 * s * s) - abs(w) / b - (-(mode - m) ** 2
                      / (2 * s * s) - abs(mode) / b))

    def integral(g, a, c):
        pts = [x for x in (0.0, mode) if a < x < c]
        return integrate.quad(g, a, c, points=pts or None, limit=200, epsabs=1e-15,
                              epsrel=1e-12)[0]

    Z = integral(f, lo, hi)
    mean = integral(lambda w: w * f(w), lo, hi) / Z
    var = integral(lambda w: (w - mean) ** 2 * f(w), lo, hi) / Z
    median = optimize.brentq(lambda x: integral(f, lo, x) / Z - 0.5, lo, hi, xtol=1e-13)
    assert float(r.mean) == pytest.approx(mean, abs=1e-9)
    assert float(r.sd) == pytest.approx(np.sqrt(var), rel=1e-8)
    assert float(r.median) == pytest.approx(median, abs=1e-8)
    assert float(r.prob_positive) == pytest.approx(integral(f, 0.0, hi) / Z, abs=1e-9)
    # the MAP is the soft threshold: exactly zero inside |m| <= s^2/b, mean zero only at 0
    assert (float(r.map) == 0.0) == (abs(m) <= s * s / b)
    assert (float(r.mean) == 0.0) == (m == 0.0)


def test_laplace_posterior_1d_is_the_models_posterior(tmp_path):
    """One column, sigma fixed: the model's MAP is the soft threshold (= Lasso), its
    sampled posterior mean the closed form (within Monte Carlo error), not zero."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((30, 1))
    y = 0.6 * x[:, 0] + rng.standard_normal(30)
    sigma, b = 1.0, 0.05
    model = br.Model(x, y, prior=br.Laplace(b), sigma=sigma, fit_intercept=False)
    m = float(x[:, 0] @ y / (x[:, 0] @ x[:, 0]))
    se = sigma / np.linalg.norm(x[:, 0])
    r = br.teaching.laplace_posterior_1d(m, se, b)
    assert float(r.map) == 0.0 and model.map().coef.values[0] == 0.0
    fit = model.sample(sampler="nutpie", draws=2000, chains=2, random_seed=4,
                       progressbar=False)
    draws = fit.posterior["coef"].values.ravel()
    mcse = float(az.mcse(fit, var_names=["coef"])["coef"].values.ravel()[0])
    assert abs(draws.mean() - float(r.mean)) < 4 * mcse
    assert abs(float(r.mean)) > 8 * mcse                 # the posterior mean is not sparse
    grid = br.teaching.laplace_posterior_1d(np.linspace(-3, 3, 121), 1.0, 1.0)
    fig = br.plots.plot_laplace_posterior(grid)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any("MAP" in t for t in labels) and any("posterior mean" in t for t in labels)
    _png(fig, tmp_path, "laplace1d")
    with pytest.raises(ValueError, match="1-D grid"):
        br.plots.plot_laplace_posterior(r)


def test_plots_refuse_other_input():
    with pytest.raises(TypeError, match="scale_grid"):
        br.plots.plot_occam({"scale": [1.0]})
    with pytest.raises(TypeError, match="regularization_path"):
        br.plots.plot_regularization_path([1, 2])


@pytest.fixture(scope="module")
def hierarchical_fit():
    rng = np.random.default_rng(6)
    X = rng.standard_normal((80, 3))
    y = 0.5 + X @ np.array([1.0, -0.5, 0.0]) + rng.standard_normal(80)
    model = br.Model(X, y, prior=br.Laplace(br.HalfNormal(1.0), noncentered=False),
                     sigma=br.HalfNormal(2.0))
    return model, model.sample(sampler="nutpie", draws=600, tune=600, chains=2,
                               random_seed=2, progressbar=False)


@pytest.mark.parametrize("kind", ["trace", "rank", "energy", "ess", "forest"])
def test_plot_diagnostics_shows_model_variables_only(hierarchical_fit, kind, tmp_path):
    _, fit = hierarchical_fit
    assert br.plots.model_variables(fit) == ["coef", "sigma", "coef_scale", "intercept"]
    pc = br.plots.plot_diagnostics(fit, kind)
    fig = pc.viz["figure"].item()
    labels = " ".join(t.get_text() for ax in fig.axes
                      for t in [ax.xaxis.label, ax.yaxis.label, ax.title, *ax.texts])
    assert "intercept_centered" not in labels
    _png(fig, tmp_path, kind)
    with pytest.raises(ValueError, match="'kind' parameter of plot_diagnostics"):
        br.plots.plot_diagnostics(fit, "pairs")


def test_plot_shrinkage_and_parity(hierarchical_fit, tmp_path):
    model, fit = hierarchical_fit
    fixed = model.replace(prior=br.Laplace(0.3), sigma=1.0)
    comp = br.compare_map(br.from_sklearn(Lasso(alpha=0.05), model.X, model.y))
    fig = br.plots.plot_shrinkage(fit, map_estimate=fixed.map())
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["x0", "x1", "x2"]
    assert {"least squares", "posterior mean", "MAP (penalized fit)"} <= set(_texts(fig))
    # the least-squares marks are the OLS fit of the fit's own data
    ols = np.linalg.lstsq(np.column_stack([np.ones(model.n_samples), model.X]), model.y,
                          rcond=None)[0][1:]
    drawn = [ln for ln in ax.get_lines() if ln.get_label() == "least squares"][0]
    np.testing.assert_allclose(drawn.get_xdata(), ols, rtol=1e-10)
    _png(fig, tmp_path, "shrinkage")
    fig = br.plots.plot_map_parity(comp)
    points = [ln for ln in fig.axes[0].get_lines() if ln.get_label() == "coefficients"][0]
    np.testing.assert_allclose(points.get_ydata(), points.get_xdata(), atol=1e-8)
    assert "Lasso" in fig.axes[0].get_xlabel()
    _png(fig, tmp_path, "parity")


@pytest.mark.parametrize("family", ["gaussian", "poisson", "bernoulli"])
def test_plot_ppc_by_family(family, tmp_path):
    rng = np.random.default_rng(8)
    X = rng.standard_normal((80, 2))
    eta = 0.3 + X @ np.array([0.8, -0.5])
    y = {"gaussian": eta + rng.standard_normal(80), "poisson": rng.poisson(np.exp(eta)),
         "bernoulli": (rng.random(80) < 1 / (1 + np.exp(-eta))).astype(float)}[family]
    model = br.Model(X, y, prior=br.Gaussian(1.0), family=family)
    with warnings.catch_warnings():           # a short run may fail the gate; not the point
        warnings.simplefilter("ignore", br.ConvergenceWarning)
        fit = model.sample(sampler="nutpie", draws=200, tune=200, chains=2, random_seed=3,
                           progressbar=False)
    pc = br.plots.plot_ppc(model, fit, random_seed=0)
    assert "posterior_predictive" not in fit.children          # the fit is not modified
    _png(pc.viz["figure"].item(), tmp_path, f"ppc_{family}")
