"""Sparse priors (horseshoe, regularized horseshoe, horseshoe+, R2D2) and selection from
the posterior (shrinkage factors, SAVS): spec values, NumPy densities against scipy,
prior draws against closed forms, NUTS on the prior against a Rao-Blackwellized
reference, every family and every sampler, refusals (MAP, exact, scikit-learn), save/load.
"""

from __future__ import annotations

import json
import math
import warnings

import arviz_stats as azs
import numpy as np
import pymc as pm
import pytest
import xarray as xr
from scipy import integrate, special, stats

import bayesreg as br
from bayesreg.backends._pymc_model import model_shrinkage_scales
from bayesreg.backends._shrinkage import shrinkage_data, shrinkage_variable
from bayesreg.base._sparse import savs_estimate, shrinkage_factor
from bayesreg.priors import _shrinkage as S
from bayesreg.priors import prior_from_dict

PRIORS = [S.Horseshoe(), S.RegularizedHorseshoe(expected_nonzero=2, slab_scale=1.5),
          S.HorseshoePlus(scale_global=0.1), S.R2D2(mean_r2=0.3, concentration=0.7)]


# --------------------------------------------------------------------------- spec values
@pytest.mark.parametrize("prior", PRIORS, ids=lambda p: type(p).__name__)
def test_spec_round_trip_and_flags(prior):
    assert prior_from_dict(json.loads(json.dumps(prior.to_dict()))) == prior
    assert not prior.is_fixed and not prior.has_mode and not prior.positive
    with pytest.raises(ValueError, match="no closed-form marginal"):
        prior.logpdf(0.0)


def test_spec_validation():
    with pytest.raises(ValueError, match="not both"):
        S.RegularizedHorseshoe(expected_nonzero=3, scale_global=0.1)
    with pytest.raises(ValueError, match="'slab_scale' parameter of RegularizedHorseshoe"):
        S.RegularizedHorseshoe(slab_scale=-1.0)
    with pytest.raises(ValueError, match="'mean_r2' parameter of R2D2"):
        S.R2D2(mean_r2=1.0)
    with pytest.raises(ValueError, match="needs p0 < n_features"):
        S.Horseshoe(expected_nonzero=10).global_scale(10, 100.0)


def test_global_scale_is_piironen_vehtari():
    """tau0 = p0 / (p - p0) / sqrt(n); with the pseudo sigma for GLMs."""
    prior = S.RegularizedHorseshoe(expected_nonzero=5)
    assert prior.global_scale(200, 100.0) == pytest.approx(5 / 195 / 10)
    assert S.Horseshoe().global_scale(200, 100.0) == 1.0
    assert S.Horseshoe(scale_global=0.3).global_scale(200, 100.0) == 0.3
    y = np.array([0, 0, 0, 1.0])
    assert S.pseudo_sigma("bernoulli", y) == pytest.approx(1 / math.sqrt(0.25 * 0.75))
    assert S.pseudo_sigma("poisson", np.array([1.0, 3.0])) == pytest.approx(1 / math.sqrt(2))
    X = np.random.default_rng(0).standard_normal((4, 6))
    m = br.Model(X, y, prior=prior, family="bernoulli")
    scales = model_shrinkage_scales(m)
    assert scales.noise == pytest.approx(1 / math.sqrt(0.1875))
    assert scales.global_scale == pytest.approx(5 / 1 / 2)


# --------------------------------------------------------------------------- densities
def _fake_draws(prior, p=4, shape=(2, 3), seed=0):
    rng = np.random.default_rng(seed)
    lat = prior.latent_draws(rng, int(np.prod(shape)), p, S.ShrinkageScales(0.2, 1.0, 50.0))
    draws = {f"coef_{k}": v.reshape(shape + v.shape[1:]) for k, v in lat.items()}
    draws["coef"] = rng.standard_normal(shape + (p,))
    draws["sigma"] = rng.uniform(0.5, 2.0, shape)
    return draws


@pytest.mark.parametrize("prior", PRIORS, ids=lambda p: type(p).__name__)
def test_log_prior_terms_equal_scipy(prior):
    draws = _fake_draws(prior)
    scales = S.ShrinkageScales(0.2 if not isinstance(prior, S.R2D2) else None, None, 50.0)
    terms = prior.log_prior_terms("coef", draws, scales, sigma=draws["sigma"])
    sig = draws["sigma"][..., None]
    d = {k[5:]: v for k, v in draws.items() if k.startswith("coef_")}
    one = {k: v if v.ndim == 3 else v[..., None] for k, v in d.items()}
    if isinstance(prior, S.R2D2):
        a, b = prior.beta_params
        np.testing.assert_allclose(terms["coef_r2"], stats.beta.logpdf(d["r2"], a, b))
        np.testing.assert_allclose(terms["coef_g"], stats.gamma.logpdf(d["g"],
                                                                       prior.concentration))
        phi = one["g"] / one["g"].sum(-1, keepdims=True)
        var = sig**2 * one["r2"] / (1 - one["r2"]) * phi
    else:
        np.testing.assert_allclose(terms["coef_tau"],
                                   stats.halfcauchy.logpdf(d["tau"], scale=0.2 * draws["sigma"]))
        np.testing.assert_allclose(terms["coef_lambda"], stats.halfcauchy.logpdf(d["lambda"]))
        var = (one["tau"] * one["lambda"]) ** 2
        if isinstance(prior, S.HorseshoePlus):
            np.testing.assert_allclose(terms["coef_eta"], stats.halfcauchy.logpdf(d["eta"]))
            var = var * one["eta"] ** 2
        if isinstance(prior, S.RegularizedHorseshoe):
            nu, s = prior.slab_df, prior.slab_scale
            np.testing.assert_allclose(terms["coef_c2"], stats.invgamma.logpdf(
                d["c2"], nu / 2, scale=nu * s**2 / 2))
            var = one["c2"] * var / (one["c2"] + var)
    np.testing.assert_allclose(terms["coef"], stats.norm.logpdf(draws["coef"], 0, np.sqrt(var)))
    for k, v in terms.items():
        assert v.shape == draws[k].shape


def test_effective_nonzero_prior_matches_quadrature():
    """Horseshoe: E[m_eff] = p E[a / (1 + a)], a = sqrt(n) tau, tau ~ C+(0, tau0)
    (P&V eq. 3.9 averaged over tau), because E[1 - kappa | tau] = a / (1 + a) when
    lambda ~ C+(0, 1)."""
    p, n, tau0 = 20, 100.0, 0.02
    draws = S.effective_nonzero_prior(S.Horseshoe(scale_global=tau0), p, n, size=40_000,
                                      random_seed=1)

    def integrand(t):
        a = math.sqrt(n) * t
        return a / (1 + a) * stats.halfcauchy.pdf(t, scale=tau0)

    exact = p * integrate.quad(integrand, 0, np.inf, limit=200)[0]
    mcse = draws.std() / math.sqrt(draws.size)
    assert abs(draws.mean() - exact) < 4 * mcse


# --------------------------------------------------------------------------- selection
def test_savs_closed_form_is_the_decoupled_lasso_step():
    """With orthogonal columns the decoupled adaptive lasso separates; each coordinate's
    minimizer of 1/2 ||X_j||^2 (m_j - b)^2 + |b| / m_j^2 is SAVS."""
    rng = np.random.default_rng(3)
    m = np.array([1.2, -0.05, 0.4, -0.9, 0.0, 0.2])
    norm2 = rng.uniform(5, 50, m.size)
    got = savs_estimate(m, norm2)
    for j in range(m.size):
        mu = np.inf if m[j] == 0 else 1 / m[j] ** 2
        b = np.sign(m[j]) * max(abs(m[j]) - mu / norm2[j], 0.0)
        assert got[j] == pytest.approx(b, abs=1e-15)
        if m[j] != 0:  # and b minimizes the one-coordinate objective
            grid = np.linspace(-2, 2, 40001)
            obj = 0.5 * norm2[j] * (m[j] - grid) ** 2 + mu * np.abs(grid)
            assert abs(grid[np.argmin(obj)] - b) < 2e-4
    assert got[1] == 0.0 and got[4] == 0.0 and got[0] != 0.0


def _fixed_fit(model, post):
    posterior = xr.Dataset({k: (("chain", "draw", "feature")[:v.ndim], v)
                            for k, v in post.items()},
                           coords={"feature": model.feature_names})
    return xr.DataTree.from_dict({"posterior": posterior})


def test_shrinkage_factors_by_hand():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((30, 3)) * [1.0, 2.0, 0.5]
    y = rng.standard_normal(30)
    model = br.Model(X, y, prior=S.RegularizedHorseshoe(scale_global=0.1))
    post = {"coef": rng.standard_normal((1, 2, 3)), "coef_tau": np.array([[0.1, 0.3]]),
            "coef_lambda": rng.uniform(0.1, 3, (1, 2, 3)), "coef_c2": np.array([[4.0, 1.0]]),
            "sigma": np.array([[1.0, 2.0]]), "intercept": np.zeros((1, 2))}
    kappa = br.shrinkage_factors(model, _fixed_fit(model, post))
    s2 = X.var(axis=0)
    for d in range(2):
        t2l2 = (post["coef_tau"][0, d] * post["coef_lambda"][0, d]) ** 2
        c2 = post["coef_c2"][0, d]
        v = c2 * t2l2 / (c2 + t2l2)
        expected = 1 / (1 + 30 * s2 * v / post["sigma"][0, d] ** 2)
        np.testing.assert_allclose(kappa.values[0, d], expected, rtol=1e-12)
    np.testing.assert_allclose(shrinkage_factor(1.0, 30, 1.0, 1.0), 1 / 31)
    meff = br.effective_nonzero(model, _fixed_fit(model, post))
    np.testing.assert_allclose(meff.values, (1 - kappa.values).sum(-1))
    table = br.inclusion_summary(model, _fixed_fit(model, post))
    np.testing.assert_allclose(table["kappa"], kappa.values.mean((0, 1)))
    norm2 = ((X - X.mean(0)) ** 2).sum(0)
    np.testing.assert_allclose(table["savs"], savs_estimate(post["coef"].mean((0, 1)), norm2))


# --------------------------------------------------------------------------- MCMC
def test_nuts_on_the_regularized_horseshoe_prior_matches_its_marginal():
    """Prior-only NUTS draws (the default parameterization, no likelihood) against
    P(|w| < t) = E[2 Phi(t / (tau lambda_tilde)) - 1], Rao-Blackwellized over 10^6
    independent draws of (tau, lambda, c2) (reference MC error ~ 5e-4)."""
    prior = S.RegularizedHorseshoe(scale_global=0.5, slab_scale=1.0)
    scales = S.ShrinkageScales(0.5, 1.0, 1.0)
    with pm.Model(coords={"feature": ["a", "b", "c"]}):
        data = {k: pm.Data(k, v) for k, v in shrinkage_data(prior, scales).items()}
        shrinkage_variable(prior, "coef", "feature", sigma=None, data=data)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            idata = pm.sample(draws=1000, tune=500, chains=2, random_seed=5, cores=1,
                              progressbar=False, target_accept=0.9,
                              compute_convergence_checks=False)
    w = idata.posterior["coef"]
    rng = np.random.default_rng(6)
    lat = prior.latent_draws(rng, 1_000_000, 1, scales)
    sd = np.sqrt(prior.variance({k: v if v.ndim == 2 else v[:, None]
                                 for k, v in lat.items()}, 1.0, scales))[:, 0]
    for t in (0.05, 0.3, 1.0):
        ref = np.mean(2 * stats.norm.cdf(t / sd) - 1)
        ind = (np.abs(w) < t).astype(float)  # per feature: three independent estimates
        est = ind.mean(("chain", "draw")).values
        mcse = azs.mcse(ind).values
        assert np.all(np.abs(est - ref) < 4 * mcse + 2e-3), (t, est, ref, mcse)


def _small(family, seed=0, n=100, p=8):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    eta = X[:, 0] * 1.5 - X[:, 1]
    y = {"gaussian": eta + rng.standard_normal(n),
         "student_t": eta + rng.standard_t(4, n),
         "bernoulli": (rng.random(n) < special.expit(eta)).astype(float),
         "poisson": rng.poisson(np.exp(0.6 * eta)).astype(float)}[family]
    return X, y


CASES = [("gaussian", "nutpie", S.RegularizedHorseshoe(expected_nonzero=2)),
         ("bernoulli", "numpyro", S.Horseshoe(expected_nonzero=2)),
         ("poisson", "blackjax", S.R2D2()),
         ("student_t", "pymc", S.HorseshoePlus(expected_nonzero=2))]


@pytest.fixture(scope="module")
def fits():
    out = {}
    for family, sampler, prior in CASES:
        X, y = _small(family)
        model = br.Model(X, y, prior=prior, family=family)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out[family] = model, model.sample(draws=150, tune=150, chains=2, sampler=sampler,
                                              random_seed=1, progressbar=False)
    return out


@pytest.mark.parametrize("family,sampler,prior", CASES, ids=[c[0] for c in CASES])
def test_every_family_and_sampler(fits, family, sampler, prior):
    model, fit = fits[family]
    post = fit.posterior
    assert post.attrs["bayesreg_sampler"] == sampler
    assert post["coef"].shape == (2, 150, 8)
    for k in prior.latent:
        assert f"coef_{k}" in post
        assert np.isfinite(fit.log_prior[f"coef_{k}"].values).all()
    assert np.isfinite(fit.log_prior["coef"].values).all()
    # the two true signals are the largest, the least shrunk, and kept by SAVS
    table = br.inclusion_summary(model, fit)
    assert set(table["mean"].abs().nlargest(2).index) == {"x0", "x1"}
    assert set(table["kappa"].nsmallest(2).index) == {"x0", "x1"}
    assert table.loc[["x0", "x1"], "selected"].all()


def test_save_load_round_trip(fits, tmp_path):
    model, fit = fits["gaussian"]
    path = tmp_path / "fit.nc"
    br.save(fit, path)
    loaded = br.load(path)
    again = br.Model.from_idata(loaded)
    assert again.prior == model.prior
    np.testing.assert_allclose(br.savs(again, loaded), br.savs(model, fit))
    np.testing.assert_allclose(br.shrinkage_factors(again, loaded),
                               br.shrinkage_factors(model, fit))


def test_refusals():
    X, y = _small("gaussian")
    model = br.Model(X, y, prior=S.RegularizedHorseshoe(expected_nonzero=2), sigma=1.0)
    with pytest.raises(ValueError, match="MAP is not available for the sparse prior"):
        model.map()
    with pytest.raises(ValueError, match="MAP is not available for the sparse prior"):
        br.to_sklearn(model)
    with pytest.raises(ValueError, match="not a Gaussian prior"):
        model.sample(sampler="exact", draws=10)
    st = br.Model(X, y, prior=S.R2D2(), family="student_t")
    with pytest.raises(ValueError, match="MAP is not available for the sparse prior"):
        st.map()
    with pytest.raises(ValueError, match="needs a model with a sparse prior"):
        br.shrinkage_factors(br.Model(X, y, prior=br.Gaussian(1.0)), None)


def test_plots(fits):
    model, fit = fits["gaussian"]
    fig = br.plots.plot_shrinkage_factors(model, fit, truth=np.arange(8) < 2)
    assert len(fig.axes) == 2 and len(fig.axes[1].patches) == 4
    fig = br.plots.plot_effective_nonzero_prior(
        {"RHS p0=2": S.RegularizedHorseshoe(expected_nonzero=2), "R2D2": S.R2D2()}, 20, 50,
        size=500)
    assert len(fig.axes[0].get_legend().get_texts()) == 2


def test_r2d2_prior_draws_have_the_beta_prior_on_r2():
    """sum_j v_j / sigma^2 = R^2 / (1 - R^2) (the phi_j = g_j / sum g sum to 1), so
    R^2 = s / (1 + s) of the variance draws has mean m and the Beta variance."""
    prior = S.R2D2(mean_r2=0.3, precision_r2=4.0, concentration=0.2)
    s = prior.variance_draws(30, size=20_000, random_seed=2).sum(-1)
    r2 = s / (1 + s)
    a, b = prior.beta_params
    assert abs(r2.mean() - 0.3) < 4 * r2.std() / math.sqrt(r2.size)
    assert r2.var() == pytest.approx(stats.beta.var(a, b), rel=0.05)
