"""Coefficients integrated out of the gaussian likelihood (sparse priors, gaussian family).

The kernel against the dense n x n marginal density and finite differences; the PyMC
model's likelihood term against scipy's multivariate normal; the exact conditional draws
of the coefficients against their closed-form mean and covariance; the sampled posterior
against the non-marginalized parameterization; every sampler runs it.
"""

import warnings

import arviz_stats as azs
import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest
from scipy import stats

import bayesreg as br
from bayesreg.backends._marginal import MARGINAL_MAX_FEATURES, GaussianMarginal, register_jax
from bayesreg.backends._pymc_model import build_pymc_model, uses_marginal_coef
from bayesreg.base._marginal import marginal_loglik_grad


def _problem(seed=0, n=40, p=12, weights=False):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + 0.3 * rng.standard_normal((n, 1))
    y = 1.5 * X[:, 0] - X[:, 1] + 0.5 + rng.standard_normal(n)
    s = np.exp(rng.normal(-1.0, 1.5, p))
    w = rng.uniform(0.5, 2.0, n) if weights else np.ones(n)
    return X, y, s, w


def test_kernel_value_is_the_dense_marginal_density():
    X, y, s, w = _problem(weights=True)
    sigma2 = 0.7
    G, g, c = X.T @ (w[:, None] * X), X.T @ (w * y), y @ (w * y)
    value = marginal_loglik_grad(s, sigma2, g, G)[0]
    # N(y | 0, sigma^2 W^-1 + X S^2 X') = exp(F - c / 2 sigma^2) * (2 pi sigma^2)^(-n/2) |W|^(1/2)
    cov = sigma2 * np.diag(1 / w) + (X * s**2) @ X.T
    dense = stats.multivariate_normal(np.zeros(len(y)), cov).logpdf(y)
    ours = (value - c / (2 * sigma2) - 0.5 * len(y) * np.log(2 * np.pi * sigma2)
            + 0.5 * np.log(w).sum())
    np.testing.assert_allclose(ours, dense, rtol=1e-11)


def test_kernel_gradient_is_the_finite_difference():
    X, y, s, w = _problem(seed=1)
    G, g = X.T @ X, X.T @ y
    sigma2, h = 1.3, 1e-6
    _, grad_s, grad_sigma2, grad_g = marginal_loglik_grad(s, sigma2, g, G)

    def F(s_=s, sigma2_=sigma2, g_=g):
        return marginal_loglik_grad(s_, sigma2_, g_, G)[0]

    eye = np.eye(len(s))
    fd_s = [(F(s_=s + h * e) - F(s_=s - h * e)) / (2 * h) for e in eye]
    fd_g = [(F(g_=g + h * e) - F(g_=g - h * e)) / (2 * h) for e in eye]
    fd_sigma2 = (F(sigma2_=sigma2 + h) - F(sigma2_=sigma2 - h)) / (2 * h)
    np.testing.assert_allclose(grad_s, fd_s, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(grad_g, fd_g, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(grad_sigma2, fd_sigma2, rtol=1e-5)


def test_kernel_is_stable_for_tiny_and_large_scales():
    X, y, s, _ = _problem(seed=2)
    s = s.copy()
    s[:3] = [1e-150, 1e-12, 1e6]
    value, grad_s, grad_sigma2, grad_g = marginal_loglik_grad(s, 1.0, X.T @ y, X.T @ X)
    assert np.isfinite([value, grad_sigma2]).all()
    assert np.isfinite(grad_s).all() and np.isfinite(grad_g).all()
    # a vanishing prior scale leaves its coefficient at zero: no pull on the likelihood
    assert abs(grad_g[0]) < 1e-100


def _point(pmodel, model, s_target):
    """A point of the PyMC model whose prior scales are (up to c2) ``s_target``."""
    shapes = pmodel.eval_rv_shapes()
    pt_ = {v.name: np.zeros(shapes[v.name]) for v in pmodel.value_vars}
    pt_["coef_lambda_log__"] = np.log(s_target / np.exp(pt_["coef_tau_log__"]))
    pt_["coef_c2_log__"] = np.array(np.log(1e12))  # slab ~ infinite: scale = tau lambda
    return pt_


@pytest.mark.parametrize("intercept", ["flat", "normal", "none"])
def test_model_likelihood_term_is_the_gaussian_marginal(intercept):
    X, y, s, _ = _problem(seed=3)
    kw = {"flat": {}, "normal": {"intercept_prior": br.Gaussian(10.0)},
          "none": {"fit_intercept": False}}[intercept]
    model = br.Model(X, y, prior=br.RegularizedHorseshoe(expected_nonzero=2), **kw)
    assert uses_marginal_coef(model)
    pmodel = build_pymc_model(model)
    point = _point(pmodel, model, s)
    point["sigma_log__"] = np.array(np.log(0.8))
    b0 = 0.0
    if intercept == "flat":
        point["intercept_centered"] = np.array(0.3)
        Xd, b0 = X - X.mean(0), 0.3
    else:
        Xd = X
        if intercept == "normal":
            point["intercept"] = np.array(0.3)
            b0 = 0.3
    fn = pmodel.compile_fn(pmodel.replace_rvs_by_values([pmodel.potentials[0]])[0], inputs=pmodel.value_vars,
                           on_unused_input="ignore")
    ours = float(fn(point))
    s_model = np.exp(point["coef_tau_log__"] + point["coef_lambda_log__"])
    cov = 0.64 * np.eye(len(y)) + (Xd * s_model**2) @ Xd.T
    dense = stats.multivariate_normal(np.full(len(y), b0), cov).logpdf(y)
    np.testing.assert_allclose(ours, dense, rtol=1e-6)


def test_coefficients_are_exact_conditional_draws():
    """coef(z) for z ~ N(0, I) at fixed scales, sigma and intercept is N(m, Sigma) with
    Sigma = (X'X / sigma^2 + S^-2)^-1, m = Sigma X'(y - b0) / sigma^2."""
    X, y, s, _ = _problem(seed=4, p=6)
    model = br.Model(X, y, prior=br.RegularizedHorseshoe(expected_nonzero=2),
                     intercept_prior=br.Gaussian(10.0))
    pmodel = build_pymc_model(model)
    point = _point(pmodel, model, s)
    point["sigma_log__"], point["intercept"] = np.array(np.log(0.9)), np.array(0.4)
    coef_fn = pmodel.compile_fn(pmodel.replace_rvs_by_values([pmodel["coef"]])[0], inputs=pmodel.value_vars,
                                on_unused_input="ignore")
    rng = np.random.default_rng(0)
    draws = []
    for _ in range(4000):
        point["coef_z"] = rng.standard_normal(6)
        draws.append(coef_fn(point))
    draws = np.array(draws)
    s_model = np.exp(point["coef_tau_log__"] + point["coef_lambda_log__"])
    prec = X.T @ X / 0.81 + np.diag(1 / s_model**2)
    Sigma = np.linalg.inv(prec)
    m = Sigma @ X.T @ (y - 0.4) / 0.81
    sd = np.sqrt(np.diag(Sigma))
    assert np.all(np.abs(draws.mean(0) - m) < 4.5 * sd / np.sqrt(len(draws)))
    # variances: the sample variance's sd is ~ var * sqrt(2 / N)
    assert np.all(np.abs(draws.var(0) / sd**2 - 1) < 4.5 * np.sqrt(2 / len(draws)))


def test_only_gaussian_sparse_models_up_to_the_limit_are_marginalized():
    X, y, _, _ = _problem()
    hs = br.Horseshoe()
    assert uses_marginal_coef(br.Model(X, y, prior=hs))
    assert not uses_marginal_coef(br.Model(X, y, prior=br.Gaussian(1.0)))
    assert not uses_marginal_coef(br.Model(X, y, prior=hs, family="student_t"))
    wide = np.random.default_rng(0).standard_normal((10, MARGINAL_MAX_FEATURES + 1))
    assert not uses_marginal_coef(br.Model(wide, np.arange(10.0), prior=hs))


def _assert_same_mean(fit_a, fit_b, name):
    """Posterior means of ``name`` in two fits agree within 4.5 combined MCSE."""
    a, b = fit_a.posterior[name], fit_b.posterior[name]
    diff = np.abs(a.mean(("chain", "draw")) - b.mean(("chain", "draw"))).values
    mcse = np.hypot(azs.mcse(a).values, azs.mcse(b).values)
    assert np.all(diff < 4.5 * mcse), (name, diff, mcse)


@pytest.fixture(scope="module")
def two_forms():
    """The same small problem: coefficients integrated out (the default) and sampled
    non-centred (student_t with nu -> a huge fixed value is the gaussian)."""
    X, y, _, _ = _problem(seed=5, n=60, p=6)
    prior = br.RegularizedHorseshoe(expected_nonzero=2)
    kw = dict(draws=1000, tune=1000, chains=4, random_seed=3, progressbar=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        marg = br.Model(X, y, prior=prior).sample(**kw)
        plain = br.Model(X, y, prior=prior, family="student_t", nu=1e8).sample(**kw)
    return X, y, marg, plain


def test_marginalized_posterior_matches_the_sampled_one(two_forms):
    """Posterior means of coef, sigma and tau agree within Monte Carlo error."""
    _, _, marg, plain = two_forms
    assert int(marg.sample_stats["diverging"].sum()) == 0
    for name in ("coef", "sigma", "coef_tau"):
        _assert_same_mean(marg, plain, name)


@pytest.mark.parametrize("sampler", ["pymc", "numpyro", "blackjax"])
def test_every_sampler_runs_the_marginalized_model(two_forms, sampler):
    X, y, marg, _ = two_forms
    model = br.Model(X, y, prior=br.RegularizedHorseshoe(expected_nonzero=2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = model.sample(sampler=sampler, draws=500, tune=500, chains=2, random_seed=4,
                           progressbar=False)
    _assert_same_mean(fit, marg, "coef")
    assert "y" in fit.log_likelihood


@pytest.mark.parametrize("mode", ["NUMBA", "JAX", "FAST_COMPILE"])
def test_op_value_and_gradient_in_every_pytensor_mode(mode):
    """The Op's value and PyTensor gradient, compiled by each backend, equal the kernel."""
    if mode == "JAX":
        pytest.importorskip("jax")
        register_jax()
    X, y, s, _ = _problem(seed=6)
    G, g = X.T @ X, X.T @ y
    s_, sigma2_, g_ = pt.dvector("s"), pt.dscalar("sigma2"), pt.dvector("g")
    value = GaussianMarginal()(s_, sigma2_, g_, pt.as_tensor(G))[0]
    fn = pytensor.function([s_, sigma2_, g_], [value, *pt.grad(value, [s_, sigma2_, g_])],
                           mode=mode)
    got = fn(s, 1.3, g)
    want = marginal_loglik_grad(s, 1.3, g, G)
    for a, b in zip(got, want):
        np.testing.assert_allclose(np.asarray(a), b, rtol=1e-9, atol=1e-12)


def test_nutpie_jax_backend_runs_the_marginalized_model(two_forms):
    """nutpie compiling the model (and PyTensor's gradient) to JAX gives the posterior of
    its numba backend."""
    pytest.importorskip("jax")
    X, y, marg, _ = two_forms
    model = br.Model(X, y, prior=br.RegularizedHorseshoe(expected_nonzero=2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compiled = model.compile("nutpie", backend="jax")
        fit = model.sample(draws=500, tune=500, chains=2, random_seed=4, progressbar=False,
                           compiled=compiled)
    _assert_same_mean(fit, marg, "coef")
