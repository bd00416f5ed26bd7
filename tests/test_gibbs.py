"""The Gibbs sampler on sufficient statistics (``sampler="gibbs"``, issue 21 item 3).

Its draws are held to known answers: quadrature of the exact posterior in one or two
dimensions (one coefficient, with sigma fixed or random) and the closed-form conjugate
posteriors (``sampler="exact"``), within Monte Carlo error; its log density to the
model's own pointwise log-likelihood and log prior.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import arviz as az
import numpy as np
import pytest
from scipy import integrate, stats

import bayesreg as br
from bayesreg.inference._arguments import choose_sampler


def _data(n=40, p=1, seed=0, noise=1.2):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    y = X @ np.linspace(0.8, -0.4, p) + noise * rng.standard_normal(n)
    return X, y


def _mcse_z(draws: np.ndarray, value: float) -> float:
    """|mean - value| in units of the mean's Monte Carlo standard error (ArviZ)."""
    mcse = float(az.mcse(draws))
    return abs(float(np.mean(draws)) - value) / mcse


# ----------------------------------------------------------------- quadrature references
def _log_prior(prior, w, sigma):
    return prior.at_sigma(sigma).logpdf(w) if prior.scaled_by_sigma else prior.logpdf(w)


def _moments_fixed_sigma(X, y, prior, sigma):
    """Posterior mean and sd of the one coefficient (no intercept, sigma fixed)."""
    x = X[:, 0]
    grid = np.linspace(-4.0, 4.0, 40001)
    lp = (stats.norm.logpdf(y[None, :], grid[:, None] * x[None, :], sigma).sum(axis=1)
          + _log_prior(prior, grid, sigma))
    dens = np.exp(lp - lp.max())
    z = integrate.trapezoid(dens, grid)
    mean = integrate.trapezoid(grid * dens, grid) / z
    var = integrate.trapezoid((grid - mean) ** 2 * dens, grid) / z
    return mean, np.sqrt(var)


def _moments_random_sigma(X, y, prior, sigma_prior):
    """Posterior means of the coefficient and sigma by 2-D quadrature (no intercept)."""
    x = X[:, 0]
    w = np.linspace(-3.0, 3.0, 1201)[:, None]
    s = np.linspace(0.3, 3.5, 1281)[None, :]
    sxx, sxy, syy, n = x @ x, x @ y, y @ y, len(y)
    rss = syy - 2.0 * w * sxy + w * w * sxx
    lp = -n * np.log(s) - rss / (2.0 * s * s) + sigma_prior.logpdf(s)
    if prior.scaled_by_sigma:  # the prior's density at each sigma of the grid
        lp = lp + np.column_stack([_log_prior(prior, w[:, 0], sj) for sj in s[0]])
    else:
        lp = lp + prior.logpdf(w)
    dens = np.exp(lp - lp.max())
    z = dens.sum()
    return float((w * dens).sum() / z), float((s * dens).sum() / z)


FIXED = [br.Gaussian(0.7), br.Laplace(0.3), br.StudentT(2.5, 0.5, loc=0.2)]


@pytest.mark.parametrize("prior", FIXED, ids=lambda p: type(p).__name__)
def test_fixed_sigma_matches_quadrature(prior):
    X, y = _data()
    model = br.Model(X, y, prior=prior, sigma=1.3, fit_intercept=False)
    fit = model.sample(sampler="gibbs", draws=2000, random_seed=1, progressbar=False)
    mean, sd = _moments_fixed_sigma(X, y, prior, 1.3)
    draws = fit.posterior["coef"].values[..., 0]
    assert _mcse_z(draws, mean) < 4.0
    assert abs(draws.std() / sd - 1.0) < 0.05  # 8,000 draws: sd of the sd ratio ~ 1%


@pytest.mark.parametrize("prior, sigma", [
    (br.Laplace(0.3), br.HalfNormal(2.0)),
    (br.Laplace(0.3, scaled_by_sigma=True), br.HalfCauchy(1.0)),
    (br.StudentT(2.5, 0.5, loc=0.2), br.Exponential(1.0)),
    (br.Gaussian(0.5, scaled_by_sigma=True), br.InverseGamma(3.0, 2.0)),
], ids=["laplace-halfnormal", "laplace_scaled-halfcauchy", "studentt-exponential",
        "gaussian_scaled-inversegamma"])
def test_random_sigma_matches_quadrature(prior, sigma):
    X, y = _data(n=30, seed=2)
    model = br.Model(X, y, prior=prior, sigma=sigma, fit_intercept=False)
    fit = model.sample(sampler="gibbs", draws=2000, random_seed=3, progressbar=False)
    w_mean, s_mean = _moments_random_sigma(X, y, prior, sigma)
    assert _mcse_z(fit.posterior["coef"].values[..., 0], w_mean) < 4.0
    assert _mcse_z(fit.posterior["sigma"].values, s_mean) < 4.0
    assert fit.posterior.attrs["bayesreg_sampler"] == "gibbs"


@pytest.mark.parametrize("kind", ["nig", "fixed_sigma_intercept_prior"])
def test_conjugate_models_match_the_exact_sampler(kind):
    """The closed-form posterior (``sampler="exact"``) is the reference: a flat intercept
    on the centred design with the Normal-Inverse-Gamma prior, and a Gaussian intercept
    prior with a fixed sigma."""
    X, y = _data(n=50, p=3, seed=4)
    y = y + 2.0
    if kind == "nig":
        kw = dict(prior=br.Gaussian(0.8, scaled_by_sigma=True),
                  sigma=br.InverseGammaVariance(2.0, 2.0))
    else:
        kw = dict(prior=br.Gaussian(0.6), sigma=1.1, intercept_prior=br.Gaussian(3.0, loc=1.0))
    model = br.Model(X, y, **kw)
    fit = model.sample(sampler="gibbs", draws=2000, random_seed=5, progressbar=False)
    exact = model.sample(sampler="exact", draws=20000, chains=1, random_seed=6,
                         progressbar=False)
    for name in ("coef", "intercept") + (("sigma",) if kind == "nig" else ()):
        g = fit.posterior[name].values.reshape(8000, -1)
        e = exact.posterior[name].values.reshape(20000, -1)
        for j in range(g.shape[1]):
            assert _mcse_z(g[:, j].reshape(4, 2000), e[:, j].mean()) < 4.5, (name, j)
            assert abs(g[:, j].std() / e[:, j].std() - 1.0) < 0.05, (name, j)


@pytest.mark.filterwarnings("ignore::bayesreg.ConvergenceWarning")  # 50 draws: not the point
def test_log_density_equals_the_models_likelihood_and_prior():
    """``sample_stats.lp`` (from the sufficient statistics) equals the pointwise
    log-likelihood summed over observations plus the ``log_prior`` group."""
    X, y = _data(n=80, p=3, seed=7)
    w = np.random.default_rng(0).uniform(0.5, 2.0, 80)
    model = br.Model(X, y, prior=br.Laplace(0.5), sigma=br.HalfNormal(2.0),
                     intercept_prior=br.Gaussian(2.0), sample_weight=w)
    fit = model.sample(draws=50, tune=50, random_seed=1, progressbar=False)
    assert fit.posterior.attrs["bayesreg_sampler"] == "gibbs"
    ll = fit.log_likelihood["y"].sum("obs_id")
    lp = sum(v.sum([d for d in v.dims if d not in ("chain", "draw")])
             for v in fit.log_prior.to_dataset().data_vars.values())
    np.testing.assert_allclose(fit.sample_stats["lp"].values, (ll + lp).values, rtol=1e-9)


def test_auto_picks_gibbs_only_where_it_applies():
    X, y = _data(n=30, p=3)
    gauss = br.Model(X, y, prior=br.Laplace(1.0), sigma=br.HalfNormal(1.0))
    assert choose_sampler("auto", gauss) == "gibbs"
    hier = gauss.replace(prior=br.Laplace(br.HalfCauchy(1.0)))
    assert choose_sampler("auto", hier) == "gibbs"
    assert choose_sampler("auto", gauss, options={"target_accept": 0.9}) != "gibbs"
    others = [
        br.Model(X, y, prior=br.ElasticNetPrior(1.0, 1.0), sigma=br.HalfNormal(1.0)),
        br.Model(X, y, prior=br.Laplace(1.0, loc=br.Gaussian(1.0)), sigma=br.HalfNormal(1.0)),
        br.Model(X, y, prior=br.StudentT(br.Gamma(2.0, 0.1), 1.0), sigma=br.HalfNormal(1.0)),
        br.Model(X, y, prior=br.Laplace(br.HalfNormal(br.HalfNormal(1.0))),
                 sigma=br.HalfNormal(1.0)),
        br.Model(X[:, :2], y, prior=br.Laplace(br.HalfNormal(1.0)), sigma=br.HalfNormal(1.0)),
        br.Model(X, (y > 0).astype(float), family="poisson", prior=br.Gaussian(1.0)),
        br.Model(X, y, prior=br.Horseshoe(), sigma=br.HalfNormal(1.0)),
        br.Model(X, y, family="student_t", prior=br.Gaussian(1.0), sigma=br.HalfNormal(1.0)),
    ]
    for m in others:
        assert choose_sampler("auto", m) != "gibbs", m
        with pytest.raises(ValueError, match="sampler='gibbs' cannot sample this model"):
            m.sample(sampler="gibbs", draws=10, tune=10, progressbar=False)
    wide = br.Model(*_data(n=300, p=201), prior=br.Laplace(1.0), sigma=br.HalfNormal(1.0))
    assert choose_sampler("auto", wide) != "gibbs"
    # sigma's inverse-gamma proposal needs more than 2 observations: NUTS samples these
    tiny = br.Model(X[:2], y[:2], prior=br.Laplace(1.0), sigma=br.HalfNormal(1.0))
    assert choose_sampler("auto", tiny) != "gibbs"
    with pytest.raises(ValueError, match="more than 2 observations"):
        tiny.sample(sampler="gibbs", draws=10, tune=10, progressbar=False)


def test_the_intercept_only_model_samples():
    """No columns: the intercept-only model (its MAP is tested in test_bad_input). With a
    flat intercept, ``b | sigma ~ N(ybar, sigma^2 / n)`` and ``p(sigma | y) ∝
    sigma^-(n-1) exp(-SS / (2 sigma^2)) pi(sigma)``: means by symmetry and quadrature."""
    rng = np.random.default_rng(3)
    y = 2.0 + 0.8 * rng.standard_normal(40)
    model = br.Model(np.empty((40, 0)), y, prior=br.Laplace(1.0), sigma=br.HalfNormal(2.0))
    fit = model.sample(draws=2000, random_seed=1, progressbar=False)
    assert fit.posterior.attrs["bayesreg_sampler"] == "gibbs"
    s = np.linspace(0.2, 3.0, 20001)
    ss = ((y - y.mean()) ** 2).sum()
    logp = -(len(y) - 1) * np.log(s) - ss / (2 * s * s) + br.HalfNormal(2.0).logpdf(s)
    w = np.exp(logp - logp.max())
    assert _mcse_z(fit.posterior["intercept"].values, y.mean()) < 4.0
    assert _mcse_z(fit.posterior["sigma"].values, float((s * w).sum() / w.sum())) < 4.0


def test_laplace_latents_stay_finite_when_a_coefficient_sits_at_its_location():
    """``1 / u | e ~ InverseGaussian(1 / |e|, 1)``: NumPy's ``wald`` returns 0 from a mean
    of ~1e15 on; the limit law (1 / Z^2) takes over there."""
    from bayesreg.priors._mixture import normal_mixture

    prior = br.Laplace(1.0)
    rng = np.random.default_rng(0)
    e = np.array([1e-3, 1e-9, 1e-20, 1e-200, 0.0] * 2000)
    u = normal_mixture(prior).draw(prior, e, rng)
    assert np.all(np.isfinite(u)) and np.all(u > 0)
    # the limit law: 1 / u ~ 1 / Z^2, whose median is 1 / 0.6745^2 = 2.198
    inv = 1.0 / u[e < 1e-9]
    assert abs(np.median(inv) / 2.198 - 1.0) < 0.1


@pytest.mark.filterwarnings("ignore::bayesreg.ConvergenceWarning")  # 200 draws: not the point
def test_options_are_refused_and_a_grid_reuses_the_program():
    X, y = _data(n=40, p=2)
    model = br.Model(X, y, prior=br.Laplace(1.0), sigma=br.HalfNormal(1.0))
    with pytest.raises(TypeError, match="takes no sampler options"):
        model.sample(sampler="gibbs", target_accept=0.9, progressbar=False)
    compiled = model.compile("gibbs")
    assert compiled.sampler == "gibbs" and model.compile() is compiled
    other = model.replace(prior=br.Laplace(0.05))
    a = other.sample(compiled=compiled, draws=200, random_seed=2, progressbar=False)
    b = other.sample(sampler="gibbs", draws=200, random_seed=2, progressbar=False)
    np.testing.assert_array_equal(a.posterior["coef"].values, b.posterior["coef"].values)
    # the new scale was used: strong shrinkage at b = 0.05
    c = model.sample(compiled=compiled, draws=200, random_seed=2, progressbar=False)
    assert np.abs(a.posterior["coef"]).mean() < 0.5 * np.abs(c.posterior["coef"]).mean()


def test_same_seed_same_draws_across_processes():
    code = textwrap.dedent("""
        import numpy as np, bayesreg as br
        rng = np.random.default_rng(0)
        X = rng.standard_normal((30, 3)); y = X[:, 0] + rng.standard_normal(30)
        fit = br.Model(X, y, prior=br.StudentT(3.0, 1.0), sigma=br.HalfNormal(1.0)).sample(
            draws=20, tune=20, random_seed=11, progressbar=False)
        print(repr(float(fit.posterior["coef"].values.sum())))
    """)
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout.strip() for _ in range(2)]
    assert runs[0] == runs[1] and runs[0]


def _gaussian_random_scale_reference(X, y, sigma, scale_prior):
    """Posterior means of ``tau`` and of the coefficients for ``coef ~ N(0, tau^2)``,
    fixed sigma, no intercept: the coefficients integrate out in closed form
    (``y ~ N(0, sigma^2 I + tau^2 X X^T)``), leaving 1-D quadrature over ``tau``."""
    n = len(y)
    taus = np.linspace(1e-3, 8.0, 4000)
    logw, means = [], []
    for t in taus:
        C = sigma**2 * np.eye(n) + t**2 * X @ X.T
        logw.append(stats.multivariate_normal(np.zeros(n), C).logpdf(y)
                    + scale_prior.logpdf(t))
        means.append(t**2 * X.T @ np.linalg.solve(C, y))   # E[coef | tau, y]
    w = np.exp(np.array(logw) - max(logw))
    w /= w.sum()
    return float(w @ taus), w @ np.array(means)


def test_random_scale_matches_the_integrated_posterior():
    X, y = _data(n=25, p=4, seed=8, noise=1.0)
    scale_prior = br.HalfNormal(1.0)
    model = br.Model(X, y, prior=br.Gaussian(scale_prior), sigma=1.0, fit_intercept=False)
    fit = model.sample(sampler="gibbs", draws=3000, random_seed=9, progressbar=False)
    tau, coef = _gaussian_random_scale_reference(X, y, 1.0, scale_prior)
    assert set(fit.posterior.data_vars) == {"coef", "coef_scale", "coef_z"}
    assert _mcse_z(fit.posterior["coef_scale"].values, tau) < 4.0
    for j in range(4):
        assert _mcse_z(fit.posterior["coef"].values[..., j], coef[j]) < 4.0


def test_laplace_with_a_random_scale_matches_nutpie():
    """No closed form: the PyMC model sampled by nutpie (an independent implementation
    of the same density) is the reference, within both runs' Monte Carlo errors."""
    X, y = _data(n=40, p=4, seed=10)
    model = br.Model(X, y, prior=br.Laplace(br.HalfCauchy(1.0)), sigma=br.HalfNormal(2.0))
    g = model.sample(sampler="gibbs", draws=3000, random_seed=1, progressbar=False)
    ref = model.sample(sampler="nutpie", draws=3000, random_seed=2, progressbar=False,
                       target_accept=0.99)   # a reference without divergences
    assert int(ref.sample_stats["diverging"].sum()) == 0
    for name in ("coef", "coef_scale", "sigma", "intercept"):
        a = g.posterior[name].values.reshape(4, 3000, -1)
        r = ref.posterior[name].values.reshape(4, 3000, -1)
        for j in range(a.shape[-1]):
            se = np.hypot(float(az.mcse(a[..., j])), float(az.mcse(r[..., j])))
            assert abs(a[..., j].mean() - r[..., j].mean()) < 4.5 * se, (name, j)


def test_a_new_model_of_a_known_structure_does_not_recompile():
    """The process keeps compiled samplers by structure: the same model built again (a
    notebook cell run again), or with another fixed scale or other data of the same
    shapes, reuses the program and samples its own data."""
    X, y = _data(n=30, p=3, seed=12)
    a = br.Model(X, y, prior=br.Gaussian(1.0), sigma=br.HalfNormal(1.0))
    first = a.compile("nutpie")
    b = br.Model(X, 2.0 * y, prior=br.Gaussian(0.5), sigma=br.HalfNormal(1.0))
    second = b.compile("nutpie")
    assert second.program is first.program
    assert not np.array_equal(second.data["suffstat_beta_hat"], first.data["suffstat_beta_hat"])
    fit = b.sample(sampler="nutpie", draws=300, random_seed=1, progressbar=False)
    ref = b.sample(sampler="gibbs", draws=300, random_seed=1, progressbar=False)
    # b's data, not a's: the posterior means agree with b's Gibbs fit
    np.testing.assert_allclose(fit.posterior["coef"].mean(("chain", "draw")),
                               ref.posterior["coef"].mean(("chain", "draw")), atol=0.1)
    other = br.Model(X, y, prior=br.Laplace(1.0), sigma=br.HalfNormal(1.0))
    assert other.compile("gibbs").program is not a.compile("gibbs").program  # another structure
    assert b.compile("gibbs").program is a.compile("gibbs").program
