"""Tests for bayesreg.occam: evidence, Occam factor, empirical and full Bayes for the scale.

Reference values are computed independently of the code under test: brute-force
quadrature (scipy.integrate), scikit-learn (BayesianRidge, Ridge, Lasso, RidgeCV),
explicit matrix inverses, and the closed form for the approximate methods.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import integrate, stats
from sklearn.datasets import load_diabetes
from sklearn.linear_model import BayesianRidge, Lasso, Ridge, RidgeCV

import bayesreg as br

pytestmark = pytest.mark.filterwarnings(
    "ignore::RuntimeWarning", "ignore:.*ArviZ is undergoing.*", "ignore:.*BLAS.*",
    "ignore:.*Estimated shape parameter of Pareto.*")


def _sim(n, p, seed, coef, *, intercept=1.0, sigma=1.0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    return X, intercept + X @ np.asarray(coef, float) + sigma * rng.standard_normal(n)


@pytest.fixture(scope="module")
def data_1d():
    return _sim(25, 1, 0, [0.7], intercept=1.5, sigma=0.8)


# ------------------------------------------------------------------ closed form vs quadrature
def test_exact_evidence_flat_intercept_matches_quadrature(data_1d):
    """Flat intercept integrated with unit density: a 2-D integral over (b, w)."""
    X, y = data_1d
    sigma, tau = 0.8, 0.9
    ev = br.Model(X, y, prior=br.Gaussian(tau), sigma=sigma).log_evidence()
    assert ev.method == "exact" and ev.intercept_convention == "flat" and ev.stderr == 0.0

    x, n = X[:, 0], len(y)
    yy, sy, sxy, sx, sxx = y @ y, y.sum(), x @ y, x.sum(), x @ x
    const = -0.5 * n * math.log(2 * math.pi * sigma**2) - 0.5 * math.log(2 * math.pi * tau**2)

    def f(w, b):   # likelihood x prior, scaled by exp(-log_evidence) to stay O(1)
        rss = yy - 2 * b * sy - 2 * w * sxy + n * b * b + 2 * b * w * sx + w * w * sxx
        return math.exp(const - 0.5 * rss / sigma**2 - 0.5 * w * w / tau**2 - ev.log_evidence)

    val, err = integrate.dblquad(f, -3.0, 6.0, -3.0, 4.0, epsabs=1e-13, epsrel=1e-11)
    assert abs(math.log(val)) < 1e-8


def test_exact_evidence_two_features_weighted_matches_quadrature():
    X, y = _sim(15, 2, 1, [0.5, -1.0], intercept=0.0)
    s = np.random.default_rng(2).uniform(0.5, 2.0, 15)
    sigma, tau = 1.1, 0.7
    ev = br.Model(X, y, prior=br.Gaussian(tau), sigma=sigma, fit_intercept=False,
                  sample_weight=s).log_evidence()
    assert ev.intercept_convention == "none"

    G, g, yy = X.T @ (s[:, None] * X), X.T @ (s * y), y @ (s * y)
    const = (-0.5 * s.sum() * math.log(2 * math.pi * sigma**2)
             - math.log(2 * math.pi * tau**2))

    def f(w2, w1):   # weighted likelihood x prior, scaled by exp(-log_evidence)
        rss = (yy - 2 * (w1 * g[0] + w2 * g[1]) + w1 * w1 * G[0, 0] + 2 * w1 * w2 * G[0, 1]
               + w2 * w2 * G[1, 1])
        return math.exp(const - 0.5 * rss / sigma**2 - 0.5 * (w1 * w1 + w2 * w2) / tau**2
                        - ev.log_evidence)

    val, _ = integrate.dblquad(f, -4, 4, -4, 4, epsabs=1e-13, epsrel=1e-11)
    assert abs(math.log(val)) < 1e-8


def test_nig_flat_intercept_matches_quadrature(data_1d):
    """NIG with a flat intercept: sigma sees S - 1 effective observations.

    3-D trapezoid rule over (b, w, v = log sigma^2) on a wide grid around the mode;
    for smooth, rapidly decaying integrands it converges geometrically.
    """
    X, y = data_1d
    tau, a0, b0 = 1.3, 3.0, 2.0
    m = br.Model(X, y, prior=br.Gaussian(tau, scaled_by_sigma=True),
                 sigma=br.InverseGammaVariance(a0, b0))
    ev = m.log_evidence()
    x = X[:, 0]
    n = len(y)
    b = np.linspace(ev.intercept - 2.5, ev.intercept + 2.5, 161)
    w = np.linspace(ev.coef[0] - 2.5, ev.coef[0] + 2.5, 161)
    v = np.linspace(-3.5, 2.5, 161)
    B, W, V = np.meshgrid(b, w, v, indexing="ij")
    s2 = np.exp(V)
    # sum_i (y_i - b - w x_i)^2 expanded in sufficient statistics
    rss = (y @ y - 2 * B * y.sum() - 2 * W * (x @ y) + n * B**2 + 2 * B * W * x.sum()
           + W**2 * (x @ x))
    logf = (-0.5 * n * np.log(2 * np.pi * s2) - 0.5 * rss / s2
            + stats.norm.logpdf(W, 0, tau * np.sqrt(s2))
            + stats.invgamma.logpdf(s2, a0, scale=b0) + V          # + log |d sigma^2 / dv|
            - ev.log_evidence)
    val = integrate.trapezoid(integrate.trapezoid(integrate.trapezoid(np.exp(logf), v), w), b)
    assert abs(math.log(val)) < 1e-6


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_nig_tends_to_fixed_sigma_limit(data_1d, fit_intercept):
    """InvGamma(a0, a0 sigma^2) concentrates at sigma^2 as a0 -> inf."""
    X, y = _sim(30, 3, 3, [1.0, 0.0, -0.5])
    sigma, tau = 0.9, 0.6
    fixed = br.Model(X, y, prior=br.Gaussian(tau), sigma=sigma,
                     fit_intercept=fit_intercept).log_evidence()
    a0 = 1e9
    nig = br.Model(X, y, prior=br.Gaussian(tau / sigma, scaled_by_sigma=True),
                   sigma=br.InverseGammaVariance(a0, a0 * sigma**2),
                   fit_intercept=fit_intercept).log_evidence()
    np.testing.assert_allclose(nig.log_evidence, fixed.log_evidence, rtol=0, atol=1e-5)
    np.testing.assert_allclose(nig.coef, fixed.coef, rtol=1e-10)
    np.testing.assert_allclose(nig.effective_params, fixed.effective_params, rtol=1e-10)
    np.testing.assert_allclose(nig.sigma, sigma, rtol=1e-6)


def test_flat_intercept_is_limit_of_wide_gaussian_intercept(data_1d):
    """log Z_flat = lim log Z(Gaussian(s0) intercept) + log(sqrt(2 pi) s0)."""
    X, y = data_1d
    flat = br.Model(X, y, prior=br.Gaussian(0.9), sigma=0.8).log_evidence().log_evidence
    gaps = []
    for s0 in (1e2, 1e4):
        ev = br.Model(X, y, prior=br.Gaussian(0.9), sigma=0.8,
                      intercept_prior=br.Gaussian(s0)).log_evidence()
        assert ev.intercept_convention == "proper"
        gaps.append(abs(ev.log_evidence + 0.5 * math.log(2 * math.pi * s0**2) - flat))
    assert gaps[1] < 1e-7 and gaps[1] < gaps[0] / 1000   # O(1/s0^2)


def test_decomposition_and_mackay_effective_params():
    X, y = _sim(40, 6, 4, [1, 0, 0, 2, 0, -1])
    sigma, tau = 1.2, 0.5
    ev = br.Model(X, y, prior=br.Gaussian(tau), sigma=sigma).log_evidence()
    assert ev.log_evidence == pytest.approx(ev.log_likelihood_max + ev.log_occam_factor, abs=1e-12)
    assert ev.log_occam_factor < 0
    Xc = X - X.mean(0)
    lam = np.linalg.eigvalsh(Xc.T @ Xc / sigma**2)
    np.testing.assert_allclose(ev.effective_params, np.sum(lam / (lam + 1 / tau**2)), rtol=1e-10)
    # best fit = the log likelihood at the posterior mean (ridge solution), sigma fixed
    ridge = Ridge(alpha=sigma**2 / tau**2).fit(X, y)
    np.testing.assert_allclose(ev.coef, ridge.coef_, rtol=1e-9)
    np.testing.assert_allclose(ev.intercept, ridge.intercept_, rtol=1e-9)
    r = y - ridge.predict(X)
    np.testing.assert_allclose(ev.log_likelihood_max, stats.norm.logpdf(r, 0, sigma).sum(),
                               rtol=1e-10)
    # NIG: the split is exact too, and the best fit uses all S observations
    nig = br.Model(X, y, prior=br.Gaussian(tau, scaled_by_sigma=True),
                   sigma=br.InverseGammaVariance(2.0, 1.0)).log_evidence()
    r = y - X @ nig.coef - nig.intercept
    np.testing.assert_allclose(nig.log_likelihood_max, stats.norm.logpdf(r, 0, nig.sigma).sum(),
                               rtol=1e-10)
    assert nig.log_evidence == pytest.approx(nig.log_likelihood_max + nig.log_occam_factor)


def test_exact_rejects_non_conjugate_models(data_1d):
    X, y = data_1d
    for m in (br.Model(X, y, prior=br.Laplace(1.0), sigma=1.0),
              br.Model(X, y, prior=br.Gaussian(1.0)),                     # HalfStudentT sigma
              br.Model(X, y, prior=br.Gaussian(br.HalfNormal(1.0)), sigma=1.0),
              br.Model(X, (y > 1).astype(float), prior=br.Gaussian(1.0), family="bernoulli")):
        with pytest.raises(ValueError, match="method='exact' needs a conjugate"):
            m.log_evidence()
    with pytest.raises(ValueError, match="'method' parameter of log_evidence must be one of: exact"):
        br.Model(X, y, prior=br.Gaussian(1.0), sigma=1.0).log_evidence(method="mcmc")


# ------------------------------------------------------------------ empirical Bayes
def _pgtn():
    rng = np.random.default_rng(13)
    X = rng.standard_normal((30, 80))
    coef = np.zeros(80)
    coef[:5] = [2.0, -1.0, 1.0, 0.5, 3.0]
    return X, X @ coef + 3.0 + rng.standard_normal(30)


@pytest.mark.parametrize("data", [lambda: load_diabetes(return_X_y=True), _pgtn],
                         ids=["diabetes", "p>n"])
def test_empirical_bayes_model_api_matches_bayesian_ridge(data):
    X, y = data()
    model = br.Model(X, y, prior=br.Gaussian(1.0))
    result, tuned = br.empirical_bayes(model)
    ref = BayesianRidge(compute_score=True).fit(X, y)
    for got, want in [(result.prior_precision, ref.lambda_), (result.noise_precision, ref.alpha_),
                      (result.coef, ref.coef_), (result.intercept, ref.intercept_),
                      (result.scores, ref.scores_), (result.posterior_cov, ref.sigma_)]:
        np.testing.assert_allclose(got, want, rtol=1e-6)
    # the new model is the spec with the chosen prior and noise; the input is unchanged
    assert model.prior == br.Gaussian(1.0) and model.sigma != tuned.sigma
    assert isinstance(tuned.prior, br.Gaussian) and tuned.prior.is_fixed
    np.testing.assert_allclose(tuned.prior.scale, ref.lambda_**-0.5, rtol=1e-6)
    np.testing.assert_allclose(tuned.sigma, ref.alpha_**-0.5, rtol=1e-6)
    ev = tuned.log_evidence()
    np.testing.assert_allclose(ev.coef, ref.coef_, rtol=1e-6)
    np.testing.assert_allclose(ev.intercept, ref.intercept_, rtol=1e-6)
    # its evidence is (numerically) maximal in the prior scale
    for f in (1.05, 1 / 1.05):
        other = br.Model(X, y, prior=br.Gaussian(tuned.prior.scale * f), sigma=tuned.sigma)
        assert other.log_evidence().log_evidence < ev.log_evidence
    # the MAP is Ridge(alpha = lambda_ / alpha_)
    ridge = Ridge(alpha=ref.lambda_ / ref.alpha_).fit(X, y)
    np.testing.assert_allclose(ev.coef, ridge.coef_, rtol=1e-6, atol=1e-10)


def test_empirical_bayes_rejects_proper_intercept(data_1d):
    X, y = data_1d
    with pytest.raises(ValueError, match="treats the intercept as flat"):
        br.empirical_bayes(br.Model(X, y, prior=br.Gaussian(1.0),
                                       intercept_prior=br.Gaussian(5.0)))
    with pytest.raises(TypeError, match="Unknown empirical_bayes option"):
        br.empirical_bayes(br.Model(X, y, prior=br.Gaussian(1.0)), n_iter=3)


# ------------------------------------------------------------------ Laplace approximation
@pytest.mark.parametrize("intercept", ["flat", "proper", "none"])
def test_laplace_is_exact_for_conjugate_gaussian(intercept):
    X, y = _sim(30, 4, 5, [1.0, -0.5, 0.0, 0.3])
    s = np.random.default_rng(6).uniform(0.5, 2.0, 30)
    kw = {"flat": {}, "proper": {"intercept_prior": br.Gaussian(2.0, loc=0.5)},
          "none": {"fit_intercept": False}}[intercept]
    m = br.Model(X, y, prior=br.Gaussian(0.7, loc=0.1), sigma=0.9, sample_weight=s, **kw)
    ex, lap = m.log_evidence("exact"), m.log_evidence("laplace")
    assert lap.method == "laplace" and lap.intercept_convention == intercept
    np.testing.assert_allclose(lap.log_evidence, ex.log_evidence, rtol=1e-8)
    np.testing.assert_allclose(lap.log_likelihood_max, ex.log_likelihood_max, rtol=1e-8)
    np.testing.assert_allclose(lap.log_occam_factor, ex.log_occam_factor, rtol=1e-8)
    np.testing.assert_allclose(lap.effective_params, ex.effective_params, rtol=1e-8)
    np.testing.assert_allclose(lap.coef, ex.coef, rtol=1e-8)


def test_laplace_prior_caveats(data_1d):
    X, y = _sim(50, 3, 7, [1.0, 0.0, 0.0])
    sparse = br.Model(X, y, prior=br.Laplace(0.02), sigma=1.0)     # MAP has exact zeros
    with pytest.raises(ValueError, match="exactly zero"):
        sparse.log_evidence("laplace")
    dense = br.Model(X, y, prior=br.Laplace(10.0), sigma=1.0)
    with pytest.warns(UserWarning, match="ignores the kink"):
        ev = dense.log_evidence("laplace")
    assert np.isfinite(ev.log_evidence)
    with pytest.raises(ValueError, match="needs a fixed float sigma"):
        br.Model(X, y, prior=br.Gaussian(1.0)).log_evidence("laplace")


# ------------------------------------------------------------------ SMC
def _within(est, exact, se):
    """Acceptance bound: within 4 of SMC's own standard errors (over its 4 chains)."""
    return abs(est - exact) < 4 * se


def test_smc_and_laplace_match_exact_on_conjugate_model():
    """All three methods on the same, well-defined quantity (proper intercept prior)."""
    X, y = _sim(40, 3, 8, [1.0, -0.5, 0.0])
    m = br.Model(X, y, prior=br.Gaussian(0.8), sigma=1.0, intercept_prior=br.Gaussian(3.0))
    ex = m.log_evidence()
    smc = m.log_evidence("smc", draws=1000, chains=4, random_seed=1)
    assert smc.method == "smc" and smc.chain_log_evidence.shape == (4,) and smc.stderr > 0
    print(f"SMC - exact = {smc.log_evidence - ex.log_evidence:.4f} (se {smc.stderr:.4f})")
    assert _within(smc.log_evidence, ex.log_evidence, smc.stderr)
    np.testing.assert_allclose(m.log_evidence("laplace").log_evidence, ex.log_evidence,
                               rtol=1e-8)


@pytest.mark.parametrize("noise", ["nig", "fixed"])
def test_smc_with_flat_intercept_matches_exact(data_1d, noise):
    """The flat intercept is integrated analytically inside SMC: same convention."""
    X, y = data_1d
    if noise == "nig":
        m = br.Model(X, y, prior=br.Gaussian(1.1, scaled_by_sigma=True),
                     sigma=br.InverseGammaVariance(3.0, 2.0))
    else:
        m = br.Model(X, y, prior=br.Gaussian(1.1), sigma=0.9)
    ex = m.log_evidence()
    smc = m.log_evidence("smc", draws=1000, chains=4, random_seed=2)
    assert smc.intercept_convention == "flat"
    print(f"SMC - exact = {smc.log_evidence - ex.log_evidence:.4f} (se {smc.stderr:.4f})")
    assert _within(smc.log_evidence, ex.log_evidence, smc.stderr)


def test_laplace_close_to_smc_for_logistic():
    rng = np.random.default_rng(9)
    X = rng.standard_normal((120, 3))
    y = (rng.random(120) < 1 / (1 + np.exp(-(0.3 + X @ [1.0, -0.7, 0.0])))).astype(float)
    m = br.Model(X, y, prior=br.Gaussian(1.0), family="bernoulli",
                 intercept_prior=br.Gaussian(2.0))
    lap = m.log_evidence("laplace")
    smc = m.log_evidence("smc", draws=1000, chains=4, random_seed=3)
    print(f"SMC - Laplace = {smc.log_evidence - lap.log_evidence:.4f} (se {smc.stderr:.4f})")
    # Laplace is an O(d/n) approximation (d = 4, n = 120): allow 0.2 nats plus MC error
    assert abs(smc.log_evidence - lap.log_evidence) < 0.2 + 3 * smc.stderr
    assert 0 < lap.effective_params < 4


def test_smc_rejects_improper_intercept_for_glm():
    X, y = _sim(20, 2, 10, [1.0, 0.0])
    m = br.Model(X, (y > 1).astype(float), prior=br.Gaussian(1.0), family="bernoulli")
    with pytest.raises(ValueError, match="proper intercept prior"):
        m.log_evidence("smc")


# ------------------------------------------------------------------ scale grid / Occam curve
@pytest.fixture(scope="module")
def sparse_problem():
    coef = np.zeros(30)
    coef[:4] = [0.75, -0.5, 0.5, 0.35]          # 4 relevant features out of 30
    return _sim(100, 30, 12, coef)


@pytest.mark.parametrize("noise", ["fixed", "nig"])
def test_scale_grid_evidence_and_loo_optima_are_interior(sparse_problem, noise):
    X, y = sparse_problem
    if noise == "fixed":
        m = br.Model(X, y, prior=br.Gaussian(1.0), sigma=1.0)
    else:
        m = br.Model(X, y, prior=br.Gaussian(1.0, scaled_by_sigma=True),
                     sigma=br.InverseGammaVariance(2.0, 2.0))
    scales = np.logspace(-3, 2, 16)
    df = br.scale_grid(m, scales, draws=2000, random_seed=0)
    assert list(df["scale"]) == list(scales) and len(df) == 16
    for col in ("log_evidence", "log_likelihood_max", "log_occam_factor", "effective_params",
                "elpd_loo", "se_elpd_loo", "p_loo", "pareto_k_max", "n_bad_k",
                "is_evidence_best", "is_loo_best", "is_cv_best"):
        assert col in df
    ie, il = int(df["is_evidence_best"].argmax()), int(df["is_loo_best"].argmax())
    print(df[["scale", "log_evidence", "elpd_loo", "effective_params", "pareto_k_max"]])
    assert 0 < ie < len(scales) - 1 and 0 < il < len(scales) - 1
    # Occam curve: the fit only improves, the Occam penalty eventually dominates
    np.testing.assert_allclose(df.log_evidence, df.log_likelihood_max + df.log_occam_factor)
    assert np.all(np.diff(df.effective_params) > 0) and df.effective_params.iloc[-1] < 30
    le = df.log_evidence.to_numpy()
    assert np.all(np.diff(le[ie:]) < 0)
    # CV choice on the same grid equals RidgeCV's (Ridge alpha = sigma^2 / tau^2)
    cv = df.attrs["cv"]
    sig = 1.0 if noise == "fixed" else cv["sigma"]
    unit = 1.0 if noise == "fixed" else sig
    alphas = sig**2 / (unit * scales) ** 2
    ref = RidgeCV(alphas=alphas).fit(X, y)
    assert cv["alpha"] == pytest.approx(ref.alpha_)
    assert df.loc[df.is_cv_best, "scale"].item() == pytest.approx(cv["scale"])


def test_scale_grid_is_reproducible(sparse_problem):
    X, y = sparse_problem
    m = br.Model(X, y, prior=br.Gaussian(1.0), sigma=1.0)
    a = br.scale_grid(m, [0.1, 1.0], random_seed=5, cv=None)
    b = br.scale_grid(m, [0.1, 1.0], random_seed=5, cv=None)
    np.testing.assert_array_equal(a.elpd_loo, b.elpd_loo)
    with pytest.raises(ValueError, match="'scales' parameter"):
        br.scale_grid(m, [0.1, -1.0])


# ------------------------------------------------------------------ regularization path
def test_regularization_path_conjugate_is_exact(sparse_problem):
    X, y = sparse_problem
    X = X[:, :6]
    scales = [0.05, 0.5, 5.0]
    sigma = 1.3
    df = br.regularization_path(br.Model(X, y, prior=br.Gaussian(1.0), sigma=sigma), scales)
    assert list(df.columns) == ["scale", "feature", "mean", "lower", "upper", "map"]
    assert len(df) == 3 * 6
    z = stats.norm.ppf(0.97)
    Xc, yc = X - X.mean(0), y - y.mean()
    for tau in scales:
        d = df[df.scale == tau]
        ridge = Ridge(alpha=sigma**2 / tau**2).fit(X, y)
        np.testing.assert_allclose(d["map"], ridge.coef_, rtol=1e-8)
        cov = np.linalg.inv(Xc.T @ Xc / sigma**2 + np.eye(6) / tau**2)
        np.testing.assert_allclose(d["mean"], cov @ Xc.T @ yc / sigma**2, rtol=1e-8)
        np.testing.assert_allclose(d["upper"] - d["lower"], 2 * z * np.sqrt(np.diag(cov)),
                                   rtol=1e-8)
    # NIG: the MAP is Ridge(alpha = 1/scale^2), intervals are Student-t and wider than Normal
    nig = br.regularization_path(
        br.Model(X, y, prior=br.Gaussian(1.0, scaled_by_sigma=True),
                 sigma=br.InverseGammaVariance(2.0, 2.0)), [0.5])
    np.testing.assert_allclose(nig["map"], Ridge(alpha=4.0).fit(X, y).coef_, rtol=1e-8)
    np.testing.assert_allclose(nig["mean"], nig["map"], rtol=1e-8)


@pytest.mark.slow
def test_regularization_path_laplace_sampled():
    """Laplace prior, fixed sigma, no intercept: check against 2-D quadrature."""
    X, y = _sim(40, 2, 12, [1.0, 0.1], intercept=0.0)
    sigma, b = 1.0, 0.05
    m = br.Model(X, y, prior=br.Laplace(1.0), sigma=sigma, fit_intercept=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df = br.regularization_path(m, [b, 5.0], draws=500, tune=500, random_seed=0)
    d = df[df.scale == b]
    lasso = Lasso(alpha=sigma**2 / (40 * b), fit_intercept=False, tol=1e-12).fit(X, y)
    np.testing.assert_allclose(d["map"], lasso.coef_, rtol=1e-6, atol=1e-9)
    # exact posterior mean and sd by quadrature
    wmap = lasso.coef_

    def logpost(w1, w2):
        r = y - X @ np.array([w1, w2])
        return -0.5 * r @ r / sigma**2 - (abs(w1) + abs(w2)) / b

    lp0 = logpost(*wmap)
    lim = [(wmap[j] - 1.5, wmap[j] + 1.5) for j in range(2)]
    Z = integrate.dblquad(lambda w2, w1: math.exp(logpost(w1, w2) - lp0), *lim[0], *lim[1],
                          epsabs=1e-10)[0]
    for j in range(2):
        mom = [integrate.dblquad(lambda w2, w1, k=k: (w1, w2)[j] ** k
                                 * math.exp(logpost(w1, w2) - lp0) / Z,
                                 *lim[0], *lim[1], epsabs=1e-10)[0] for k in (1, 2)]
        sd = math.sqrt(mom[1] - mom[0] ** 2)
        # 4 MCSE with a conservative ESS of 100 from 2 x 500 NUTS draws
        assert abs(d["mean"].iloc[j] - mom[0]) < 4 * sd / math.sqrt(100)
        assert d["lower"].iloc[j] < mom[0] < d["upper"].iloc[j]


# ------------------------------------------------------------------ full Bayes for alpha
@pytest.mark.slow
def test_implied_alpha_from_hyperprior(sparse_problem):
    X, y = sparse_problem
    X = X[:, :10]
    m = br.Model(X, y, prior=br.Gaussian(scale=br.HalfCauchy(1.0)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        idata = m.sample(draws=500, tune=500, chains=2, random_seed=1, progressbar=False)
    alpha = br.implied_alpha(idata)
    assert alpha.dims == ("chain", "draw") and alpha.attrs["estimator"] == "ridge"
    post = idata.posterior
    np.testing.assert_allclose(alpha, post["sigma"] ** 2 / post["coef_scale"] ** 2, rtol=1e-12)
    ref = BayesianRidge().fit(X, y)
    eb_alpha = ref.lambda_ / ref.alpha_
    cv_alpha = RidgeCV(alphas=np.logspace(-3, 3, 61)).fit(X, y).alpha_
    summ = br.summarize_alpha(alpha, cv_alpha=cv_alpha)
    print(summ)
    assert summ["hdi_lower"] < summ["median"] < summ["hdi_upper"]
    # with n = 60 >> p = 10 the hyperposterior concentrates near the type-II ML value
    assert summ["hdi_lower"] < eb_alpha < summ["hdi_upper"]
    assert summ["prob_alpha_below_cv"] == pytest.approx(float(np.mean(alpha < cv_alpha)))
    with pytest.raises(ValueError, match="must be 'ridge'"):
        br.implied_alpha(idata, estimator="lasso")


def test_implied_alpha_fixed_and_scaled_priors():
    X, y = _sim(30, 3, 14, [1.0, 0.0, 0.5])
    nig = br.Model(X, y, prior=br.Gaussian(0.5, scaled_by_sigma=True),
                   sigma=br.InverseGammaVariance(2.0, 2.0))
    idata = nig.sample(draws=50, chains=2, sampler="exact", random_seed=0, progressbar=False)
    np.testing.assert_allclose(br.implied_alpha(idata), 4.0)        # 1 / scale^2
    fixed = br.Model(X, y, prior=br.Gaussian(0.5), sigma=2.0)
    idata = fixed.sample(draws=50, chains=2, sampler="exact", random_seed=0, progressbar=False)
    np.testing.assert_allclose(br.implied_alpha(idata), 16.0)       # sigma^2 / tau^2


def test_smc_chain_values_reads_both_pymc_layouts():
    from types import SimpleNamespace

    from bayesreg.backends._smc import smc_chain_values as _smc_chain_values

    def fake(arr):
        return SimpleNamespace(sample_stats={"log_marginal_likelihood":
                                             SimpleNamespace(values=arr)})

    nan = float("nan")
    regular = np.array([[nan, nan, -3.0], [nan, nan, -3.5]], dtype=object)
    ragged = np.empty((1, 2), dtype=object)
    ragged[0, 0], ragged[0, 1] = [nan, -2.0], [nan, nan, -2.5]
    np.testing.assert_array_equal(_smc_chain_values(fake(regular), 2), [-3.0, -3.5])
    np.testing.assert_array_equal(_smc_chain_values(fake(ragged), 2), [-2.0, -2.5])


@pytest.mark.slow
def test_scale_grid_laplace_prior_uses_sampling_and_lassocv():
    from sklearn.linear_model import LassoCV

    X, y = _sim(60, 4, 15, [1.0, 0.0, 0.0, 0.5])
    m = br.Model(X, y, prior=br.Laplace(1.0), sigma=1.0)
    scales = np.array([0.01, 0.3])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df = br.scale_grid(m, scales, random_seed=0,
                              sample_kwargs=dict(draws=200, tune=300))
    assert np.all(df.log_evidence_se > 0) and np.all(np.isfinite(df.elpd_loo))
    assert df.attrs["evidence_best_scale"] == 0.3          # 0.01 shrinks a real effect away
    ref = LassoCV(alphas=1.0 / (60 * scales), cv=5, tol=1e-8, max_iter=100_000).fit(X, y)
    assert df.attrs["cv"]["alpha"] == pytest.approx(ref.alpha_)


# ------------------------------------------------------------------ bridge sampling
@pytest.mark.parametrize("noise", ["fixed", "nig"])
def test_bridge_evidence_matches_the_closed_form(noise):
    """Bridge sampling from posterior draws against the exact evidence (flat intercept,
    unit-density convention). Tolerance: 4 standard errors plus 0.01 nats, because the
    Fruhwirth-Schnatter error ignores the variability of the fitted proposal."""
    X, y = _sim(80, 5, 21, [1.0, -0.5, 0.0, 0.25, 0.0], sigma=0.9)
    if noise == "fixed":
        m = br.Model(X, y, prior=br.Gaussian(1.0), sigma=0.9)
    else:
        m = br.Model(X, y, prior=br.Gaussian(1.0, scaled_by_sigma=True),
                     sigma=br.InverseGammaVariance(3.0, 2.0))
    exact = m.log_evidence().log_evidence
    fit = m.sample(sampler="exact", draws=2000, chains=2, random_seed=4)
    ev = m.log_evidence(method="bridge", idata=fit, random_seed=5)
    assert ev.method == "bridge" and 0 < ev.stderr < 0.05
    assert abs(ev.log_evidence - exact) < 4 * ev.stderr + 0.01, (ev.log_evidence, exact)


def test_bridge_evidence_agrees_with_smc_for_a_laplace_prior():
    """No closed form: two independent estimators, within their combined error (4 SE)."""
    X, y = _sim(60, 3, 22, [1.0, 0.0, -0.5])
    m = br.Model(X, y, prior=br.Laplace(0.5), sigma=1.0, intercept_prior=br.Gaussian(5.0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", br.ConvergenceWarning)
        bridge = m.log_evidence(method="bridge", random_seed=6, draws=1500)
    smc = m.log_evidence(method="smc", random_seed=6)
    assert abs(bridge.log_evidence - smc.log_evidence) < 4 * np.hypot(bridge.stderr, smc.stderr)


def test_scale_grid_compiles_once(monkeypatch):
    """A grid over 4 scales of a non-conjugate model compiles one sampler, and the path
    over the same model takes it from the process's cache (``compile_cached``)."""
    from collections import OrderedDict

    import bayesreg.backends._samplers as samplers_module
    import bayesreg.inference._model as model_module

    monkeypatch.setattr(samplers_module, "_COMPILED", OrderedDict())  # this test's own
    calls = []
    real = model_module.compile_sampler
    monkeypatch.setattr(model_module, "compile_sampler",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    X, y = _sim(60, 3, 23, [1.0, 0.0, -0.5])
    m = br.Model(X, y, prior=br.Laplace(1.0), sigma=1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", br.ConvergenceWarning)
        df = br.scale_grid(m, [0.1, 0.3, 1.0, 3.0], random_seed=0, cv=None,
                           sample_kwargs=dict(sampler="nutpie", draws=300, tune=300))
        path = br.regularization_path(m, [0.1, 1.0], sampler="nutpie", random_seed=0)
    assert len(calls) == 1                  # the grid's; the path's model has its structure
    assert list(df["converged"].dtype.name for _ in [0]) == ["bool"]
    assert np.all(np.isfinite(df["log_evidence"])) and np.all(df["log_evidence_se"] > 0)
    # the HDI brackets the posterior mean, per feature and scale
    assert np.all((path["lower"] <= path["mean"]) & (path["mean"] <= path["upper"]))
