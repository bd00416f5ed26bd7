"""Tests for bayesreg.base (the conjugate module): exact conjugate Gaussian linear regression.

Every reference value here is computed independently of the module under test
(brute-force quadrature, dense multivariate normal / Student-t densities,
explicit matrix inverses, scikit-learn's BayesianRidge).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats
from sklearn.datasets import load_diabetes
from sklearn.linear_model import BayesianRidge

from bayesreg.base import (
    EmpiricalBayesResult,
    Evidence,
    GaussianPosterior,
    NIGPosterior,
    center,
    maximize_evidence,
    log_evidence_fixed_sigma,
    log_evidence_fixed_sigma_from_stats,
    log_evidence_nig,
    log_evidence_nig_from_stats,
    posterior_fixed_sigma,
    posterior_fixed_sigma_from_stats,
    posterior_nig,
    posterior_nig_from_stats,
    sufficient_stats,
)


# --------------------------------------------------------------------------- helpers
def _sim(n, p, seed, *, sigma=1.0, coef=None):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    w = rng.standard_normal(p) if coef is None else np.asarray(coef, float)
    return X, X @ w + sigma * rng.standard_normal(n), rng


def _direct_fixed(X, y, sigma, tau, s=None):
    """Textbook primal formulas with explicit inverses (needs well-conditioned p x p)."""
    s = np.ones(len(y)) if s is None else s
    tau = np.broadcast_to(tau, (X.shape[1],))
    A = np.diag(1 / tau**2) + X.T @ (s[:, None] * X) / sigma**2
    cov = np.linalg.inv(A)
    return cov @ (X.T @ (s * y)) / sigma**2, cov


def _dense_logev(X, y, sigma, tau, s=None):
    """log N(S^1/2 y | 0, sigma^2 I + S^1/2 X T X^T S^1/2) + (n - S)/2 log(2 pi sigma^2)."""
    n = len(y)
    s = np.ones(n) if s is None else s
    r = np.sqrt(s)
    Xs, ys = X * r[:, None], y * r
    tau = np.broadcast_to(tau, (X.shape[1],))
    K = sigma**2 * np.eye(n) + (Xs * tau**2) @ Xs.T
    return (stats.multivariate_normal(np.zeros(n), K).logpdf(ys)
            + 0.5 * (n - s.sum()) * np.log(2 * np.pi * sigma**2))


def _norm_logpdf(x, var):
    return -0.5 * math.log(2 * math.pi * var) - 0.5 * x * x / var


def _invgamma_logpdf(x, a, b):
    return a * math.log(b) - math.lgamma(a) - (a + 1) * math.log(x) - b / x


def _weighted_loglik(X, y, s, w, sigma2):
    r = y - X @ w
    return float(np.sum(s * (-0.5 * np.log(2 * np.pi * sigma2) - 0.5 * r**2 / sigma2)))


# --------------------------------------------------------------------------- evidence: brute force
def test_fixed_sigma_evidence_matches_quadrature_1d():
    X, y, rng = _sim(12, 1, 0, sigma=0.7, coef=[1.3])
    s = rng.uniform(0.5, 2.0, 12)
    sigma, tau = 0.7, 2.0
    for sw in (None, s):
        ss = np.ones(12) if sw is None else sw
        m, cov = _direct_fixed(X, y, sigma, tau, ss)
        sd = np.sqrt(cov[0, 0])

        def logf(w):
            return (_weighted_loglik(X, y, ss, np.array([w]), sigma**2)
                    + _norm_logpdf(w, tau**2))

        c = logf(m[0])
        val, _ = integrate.quad(lambda w: np.exp(logf(w) - c), m[0] - 20 * sd, m[0] + 20 * sd,
                                epsabs=0, epsrel=1e-12, limit=200)
        ref = c + np.log(val)
        got = log_evidence_fixed_sigma(X, y, sigma=sigma, tau=tau, sample_weight=sw).log_evidence
        np.testing.assert_allclose(got, ref, rtol=1e-6)


def test_fixed_sigma_evidence_matches_quadrature_2d():
    X, y, rng = _sim(10, 2, 1, sigma=0.5, coef=[0.8, -1.1])
    s = rng.uniform(0.5, 2.0, 10)
    sigma, tau = 0.5, np.array([1.5, 0.4])        # per-feature prior scales
    m, cov = _direct_fixed(X, y, sigma, tau, s)
    sd = np.sqrt(np.diag(cov))

    def logf(w2, w1):
        w = np.array([w1, w2])
        return (_weighted_loglik(X, y, s, w, sigma**2)
                + _norm_logpdf(w1, tau[0] ** 2) + _norm_logpdf(w2, tau[1] ** 2))

    c = logf(m[1], m[0])
    val, _ = integrate.dblquad(lambda w2, w1: np.exp(logf(w2, w1) - c),
                               m[0] - 12 * sd[0], m[0] + 12 * sd[0],
                               m[1] - 12 * sd[1], m[1] + 12 * sd[1], epsabs=0, epsrel=1e-9)
    got = log_evidence_fixed_sigma(X, y, sigma=sigma, tau=tau, sample_weight=s).log_evidence
    np.testing.assert_allclose(got, c + np.log(val), rtol=1e-6)


def test_nig_evidence_matches_quadrature_1d():
    X, y, _ = _sim(8, 1, 2, sigma=0.6, coef=[0.9])
    tau, a0, b0 = 1.7, 2.5, 0.8
    x, ones = X[:, 0], np.ones(8)
    C = 1.0 / (1 / tau**2 + x @ x)                 # Var(w | sigma^2, y) / sigma^2
    m = C * (x @ y)
    v_hat = np.log(np.sum((y - x * m) ** 2) / len(y))

    def logf(w, v):                                # integrate over v = log sigma^2
        s2 = math.exp(v)
        return (_weighted_loglik(X, y, ones, np.array([w]), s2)
                + _norm_logpdf(w, s2 * tau**2) + _invgamma_logpdf(s2, a0, b0) + v)

    # the hand-written densities used in the integrand are the right ones
    assert math.isclose(_invgamma_logpdf(0.7, a0, b0), stats.invgamma(a0, scale=b0).logpdf(0.7),
                        rel_tol=1e-12)
    assert math.isclose(_norm_logpdf(0.3, 2.0), stats.norm(0, math.sqrt(2.0)).logpdf(0.3),
                        rel_tol=1e-12)
    c = logf(m, v_hat)
    val, _ = integrate.dblquad(lambda w, v: np.exp(logf(w, v) - c), v_hat - 10, v_hat + 14,
                               lambda v: m - 25 * np.sqrt(np.exp(v) * C),
                               lambda v: m + 25 * np.sqrt(np.exp(v) * C), epsabs=0, epsrel=1e-9)
    got = log_evidence_nig(X, y, tau=tau, a0=a0, b0=b0).log_evidence
    np.testing.assert_allclose(got, c + np.log(val), rtol=1e-6)


def test_nig_evidence_tends_to_fixed_sigma_limit():
    # sigma^2 ~ InvGamma(a0, b0) with b0 = s0^2 (a0 + 1) has mode s0^2 and relative
    # sd ~ a0^-1/2, so as a0 -> inf the NIG model becomes w ~ N(0, s0^2 tau^2 I), sigma = s0.
    X, y, _ = _sim(25, 3, 3, sigma=0.8)
    s0, tau = 0.8, 1.2
    fixed = log_evidence_fixed_sigma(X, y, sigma=s0, tau=s0 * tau).log_evidence
    gaps = []
    for a0 in (1e3, 1e5, 1e7):
        ev = log_evidence_nig(X, y, tau=tau, a0=a0, b0=s0**2 * (a0 + 1))
        gaps.append(abs(ev.log_evidence - fixed))
    assert gaps[-1] < 1e-5                          # stated tolerance at a0 = 1e7
    assert gaps[0] > gaps[1] > gaps[2]              # and it converges (O(1/a0))
    assert gaps[1] < 0.05 * gaps[0]


# --------------------------------------------------------------------------- decomposition
def test_decomposition_and_effective_params():
    X, y, rng = _sim(40, 6, 4)
    s = rng.uniform(0.5, 2.0, 40)
    sigma = 0.9
    for tau in (0.3, np.linspace(0.2, 3.0, 6)):
        for ev in (log_evidence_fixed_sigma(X, y, sigma=sigma, tau=tau, sample_weight=s),
                   log_evidence_nig(X, y, tau=tau, a0=2.0, b0=1.0, sample_weight=s)):
            assert isinstance(ev, Evidence)
            assert ev.log_evidence == ev.log_likelihood_max + ev.log_occam_factor
            assert 0.0 < ev.effective_params < 6.0

    # fixed sigma: the Occam factor is log p(w_MP) + 1/2 log det(2 pi Sigma_post)
    tau = np.linspace(0.2, 3.0, 6)
    ev = log_evidence_fixed_sigma(X, y, sigma=sigma, tau=tau, sample_weight=s)
    m, cov = _direct_fixed(X, y, sigma, tau, s)
    np.testing.assert_allclose(ev.mean, m, rtol=1e-10)
    occam = stats.norm(0, tau).logpdf(m).sum() + 0.5 * np.linalg.slogdet(2 * np.pi * cov)[1]
    np.testing.assert_allclose(ev.log_occam_factor, occam, rtol=1e-10)
    np.testing.assert_allclose(ev.log_likelihood_max, _weighted_loglik(X, y, s, m, sigma**2),
                               rtol=1e-10)
    assert ev.log_occam_factor < 0
    # gamma = tr(I - Sigma_post Lambda_prior)
    np.testing.assert_allclose(ev.effective_params, np.trace(np.eye(6) - cov / tau**2), rtol=1e-10)

    # NIG: likelihood at the joint posterior mode, Occam = log prior - log posterior there
    a0, b0 = 2.0, 1.0
    ev = log_evidence_nig(X, y, tau=tau, a0=a0, b0=b0, sample_weight=s)
    post = posterior_nig(X, y, tau=tau, a0=a0, b0=b0, sample_weight=s)
    s2 = post.b / (post.a + 3 + 1)
    np.testing.assert_allclose(ev.sigma**2, s2, rtol=1e-12)
    np.testing.assert_allclose(ev.log_likelihood_max, _weighted_loglik(X, y, s, post.mean, s2),
                               rtol=1e-10)
    lp_prior = (stats.multivariate_normal(np.zeros(6), s2 * np.diag(tau**2)).logpdf(post.mean)
                + stats.invgamma(a0, scale=b0).logpdf(s2))
    lp_post = (stats.multivariate_normal(post.mean, s2 * post.cov_unscaled).logpdf(post.mean)
               + stats.invgamma(post.a, scale=post.b).logpdf(s2))
    np.testing.assert_allclose(ev.log_occam_factor, lp_prior - lp_post, rtol=1e-9)


def test_effective_params_limits_and_mackay_formula():
    X, y, _ = _sim(50, 5, 5)
    sigma = 1.3
    taus = np.logspace(-8, 8, 17)
    gam = np.array([log_evidence_fixed_sigma(X, y, sigma=sigma, tau=t).effective_params
                    for t in taus])
    assert gam[0] < 1e-6 and 5 - gam[-1] < 1e-6
    assert np.all(np.diff(gam) > 0)
    # MacKay: gamma = sum_i lambda_i / (lambda_i + alpha), lambda_i = eig(X^T X / sigma^2)
    lam = np.linalg.eigvalsh(X.T @ X / sigma**2)
    for t, g in zip(taus, gam):
        np.testing.assert_allclose(g, np.sum(lam / (lam + 1 / t**2)), rtol=1e-9, atol=1e-14)
    # NIG: same formula with sigma = 1 (the sigma^2 scaling cancels)
    lam1 = np.linalg.eigvalsh(X.T @ X)
    ev = log_evidence_nig(X, y, tau=0.4, a0=1.0, b0=1.0)
    np.testing.assert_allclose(ev.effective_params, np.sum(lam1 / (lam1 + 1 / 0.4**2)), rtol=1e-10)


# --------------------------------------------------------------------------- p > n
def test_p_greater_than_n_evidence_matches_dense():
    X, y, rng = _sim(15, 40, 6)
    s = rng.uniform(0.5, 2.0, 15)
    tau_vec = rng.uniform(0.1, 2.0, 40)
    for tau in (0.5, 20.0, tau_vec):
        for sw in (None, s):
            ref = _dense_logev(X, y, 0.7, tau, sw)
            got = log_evidence_fixed_sigma(X, y, sigma=0.7, tau=tau, sample_weight=sw)
            np.testing.assert_allclose(got.log_evidence, ref, rtol=1e-10, atol=1e-8)
            st = sufficient_stats(X, y, sw)
            got2 = log_evidence_fixed_sigma_from_stats(st.xtx, st.xty, st.yty, st.sum_w,
                                                       sigma=0.7, tau=tau)
            np.testing.assert_allclose(got2.log_evidence, ref, rtol=1e-9, atol=1e-7)
            assert 0 < got.effective_params < 15      # rank(X) = n bounds gamma
    # NIG marginal: multivariate Student-t_{2 a0}(0, b0/a0 (I + X T X^T))
    a0, b0 = 3.0, 2.0
    for tau in (0.5, tau_vec):
        t = np.broadcast_to(tau, (40,))
        K = (b0 / a0) * (np.eye(15) + (X * t**2) @ X.T)
        ref = stats.multivariate_t(np.zeros(15), K, df=2 * a0).logpdf(y)
        got = log_evidence_nig(X, y, tau=tau, a0=a0, b0=b0).log_evidence
        np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-8)
        st = sufficient_stats(X, y)
        got2 = log_evidence_nig_from_stats(st.xtx, st.xty, st.yty, st.sum_w, tau=tau, a0=a0, b0=b0)
        np.testing.assert_allclose(got2.log_evidence, ref, rtol=1e-9, atol=1e-7)


def test_integer_weights_equal_replicated_rows():
    X, y, rng = _sim(12, 3, 7)
    k = rng.integers(1, 4, 12)
    Xr, yr = np.repeat(X, k, axis=0), np.repeat(y, k)
    a = log_evidence_fixed_sigma(X, y, sigma=0.8, tau=1.1, sample_weight=k)
    b = log_evidence_fixed_sigma(Xr, yr, sigma=0.8, tau=1.1)
    np.testing.assert_allclose(a.log_evidence, b.log_evidence, rtol=1e-11)
    a = log_evidence_nig(X, y, tau=1.1, a0=2.0, b0=1.5, sample_weight=k)
    b = log_evidence_nig(Xr, yr, tau=1.1, a0=2.0, b0=1.5)
    np.testing.assert_allclose(a.log_evidence, b.log_evidence, rtol=1e-11)
    pa = posterior_nig(X, y, tau=1.1, a0=2.0, b0=1.5, sample_weight=k)
    pb = posterior_nig(Xr, yr, tau=1.1, a0=2.0, b0=1.5)
    np.testing.assert_allclose([pa.a, pa.b], [pb.a, pb.b], rtol=1e-11)
    np.testing.assert_allclose(pa.mean, pb.mean, rtol=1e-10)


# --------------------------------------------------------------------------- posteriors
def test_posterior_fixed_sigma_matches_direct_formulas():
    X, y, rng = _sim(30, 4, 8)
    s = rng.uniform(0.5, 2.0, 30)
    tau = np.array([0.5, 1.0, 2.0, 4.0])
    post = posterior_fixed_sigma(X, y, sigma=0.6, tau=tau, sample_weight=s)
    assert isinstance(post, GaussianPosterior)
    m, cov = _direct_fixed(X, y, 0.6, tau, s)
    np.testing.assert_allclose(post.mean, m, rtol=1e-10)
    np.testing.assert_allclose(post.cov, cov, rtol=1e-10, atol=1e-14)
    st = sufficient_stats(X, y, s)
    p2 = posterior_fixed_sigma_from_stats(st.xtx, st.xty, st.yty, st.sum_w, sigma=0.6, tau=tau)
    np.testing.assert_allclose(p2.mean, m, rtol=1e-9)
    np.testing.assert_allclose(p2.cov, cov, rtol=1e-9, atol=1e-13)

    # p > n: Woodbury (dual) form  T - T X^T (sigma^2 S^-1 + X T X^T)^-1 X T
    X, y, rng = _sim(10, 25, 9)
    s = rng.uniform(0.5, 2.0, 10)
    t2 = rng.uniform(0.2, 2.0, 25) ** 2
    T = np.diag(t2)
    K = 0.5**2 * np.diag(1 / s) + X @ T @ X.T
    cov = T - T @ X.T @ np.linalg.solve(K, X @ T)
    m = T @ X.T @ np.linalg.solve(K, y)
    post = posterior_fixed_sigma(X, y, sigma=0.5, tau=np.sqrt(t2), sample_weight=s)
    np.testing.assert_allclose(post.mean, m, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(post.cov, cov, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(post.factor @ post.factor.T, post.cov, atol=1e-12)


def test_posterior_nig_matches_direct_formulas():
    X, y, rng = _sim(30, 4, 10)
    s = rng.uniform(0.5, 2.0, 30)
    tau, a0, b0 = np.array([0.5, 1.0, 2.0, 4.0]), 2.0, 3.0
    post = posterior_nig(X, y, tau=tau, a0=a0, b0=b0, sample_weight=s)
    assert isinstance(post, NIGPosterior)
    P = np.diag(1 / tau**2) + X.T @ (s[:, None] * X)
    C = np.linalg.inv(P)
    m = C @ (X.T @ (s * y))
    a = a0 + s.sum() / 2
    b = b0 + 0.5 * (y @ (s * y) - m @ P @ m)
    np.testing.assert_allclose(post.mean, m, rtol=1e-10)
    np.testing.assert_allclose(post.cov_unscaled, C, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose([post.a, post.b], [a, b], rtol=1e-10)
    st = sufficient_stats(X, y, s)
    p2 = posterior_nig_from_stats(st.xtx, st.xty, st.yty, st.sum_w, tau=tau, a0=a0, b0=b0)
    np.testing.assert_allclose(p2.mean, m, rtol=1e-9)
    np.testing.assert_allclose([p2.a, p2.b], [a, b], rtol=1e-9)
    # evidence's w_MP is the posterior mean
    np.testing.assert_allclose(log_evidence_nig(X, y, tau=tau, a0=a0, b0=b0, sample_weight=s).mean,
                               m, rtol=1e-10)


def _check_moments(draws, mean, cov):
    """Sample mean/cov within 4 Monte Carlo standard errors (estimated from the draws)."""
    n = draws.shape[0]
    sd = np.sqrt(np.diag(cov))
    assert np.all(np.abs(draws.mean(0) - mean) < 4 * sd / np.sqrt(n))
    c = draws - mean
    prods = c[:, :, None] * c[:, None, :]
    se = prods.std(0) / np.sqrt(n)
    assert np.all(np.abs(prods.mean(0) - cov) < 4 * se)


def test_draws_fixed_sigma():
    X, y, _ = _sim(20, 3, 11)
    post = posterior_fixed_sigma(X, y, sigma=1.0, tau=[0.5, 1.0, 3.0])
    d = post.draw(20_000, np.random.default_rng(0))
    assert d.shape == (20_000, 3)
    _check_moments(d, post.mean, post.cov)
    np.testing.assert_array_equal(d, post.draw(20_000, 0))
    assert not np.array_equal(post.draw(10, 1), post.draw(10, 2))
    # a posterior built from (mean, cov) only draws through its own factor
    q = GaussianPosterior(mean=post.mean, cov=post.cov)
    _check_moments(q.draw(20_000, 3), post.mean, post.cov)


def test_draws_nig():
    X, y, _ = _sim(40, 3, 12)
    post = posterior_nig(X, y, tau=1.5, a0=3.0, b0=2.0)
    w, sig = post.draw(20_000, np.random.default_rng(1))
    assert w.shape == (20_000, 3) and sig.shape == (20_000,) and np.all(sig > 0)
    # marginal of w: Student-t, cov = b/(a-1) C
    _check_moments(w, post.mean, post.b / (post.a - 1) * post.cov_unscaled)
    np.testing.assert_allclose(post.cov, post.b / (post.a - 1) * post.cov_unscaled)
    # sigma^2 ~ InvGamma(a, b)
    s2 = sig**2
    ig = stats.invgamma(post.a, scale=post.b)
    assert abs(s2.mean() - ig.mean()) < 4 * ig.std() / np.sqrt(len(s2))
    assert stats.kstest(s2, ig.cdf).pvalue > 1e-4
    w2, sig2 = post.draw(20_000, 1)
    np.testing.assert_array_equal(w, w2)
    np.testing.assert_array_equal(sig, sig2)


# --------------------------------------------------------------------------- empirical Bayes
def _diabetes():
    return load_diabetes(return_X_y=True)


def _pgtn():
    X, _, rng = _sim(30, 80, 13)
    coef = np.zeros(80)
    coef[:5] = [2.0, -1.0, 1.0, 0.5, 3.0]
    return X, X @ coef + 3.0 + rng.standard_normal(30)


@pytest.mark.parametrize("data", [_diabetes, _pgtn], ids=["diabetes", "p>n"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_empirical_bayes_matches_sklearn(data, weighted):
    X, y = data()
    sw = np.random.default_rng(14).uniform(0.2, 3.0, len(y)) if weighted else None
    res = maximize_evidence(X, y, sample_weight=sw)
    ref = BayesianRidge(compute_score=True).fit(X, y, sample_weight=sw)
    assert isinstance(res, EmpiricalBayesResult)
    assert res.n_iter == ref.n_iter_ and res.converged
    np.testing.assert_allclose(res.noise_precision, ref.alpha_, rtol=1e-6)
    np.testing.assert_allclose(res.prior_precision, ref.lambda_, rtol=1e-6)
    np.testing.assert_allclose(res.coef, ref.coef_, rtol=1e-6)
    np.testing.assert_allclose(res.intercept, ref.intercept_, rtol=1e-6)
    np.testing.assert_allclose(res.posterior_cov, ref.sigma_, rtol=1e-6)
    np.testing.assert_allclose(res.scores, ref.scores_, rtol=1e-6)
    assert res.scores.shape == (res.n_iter + 1,)

    # the score is the evidence of the centred, weighted data + log Gamma hyperpriors,
    # and the fitted (alpha, lambda) is (close to) a maximiser of it
    Xc, yc, _, _ = center(X, y, sw)

    def objective(alpha, lam):
        ev = log_evidence_fixed_sigma(Xc, yc, sigma=alpha**-0.5, tau=lam**-0.5, sample_weight=sw)
        return ev.log_evidence + 1e-6 * (np.log(alpha) - alpha + np.log(lam) - lam)

    best = objective(res.noise_precision, res.prior_precision)
    np.testing.assert_allclose(best, res.scores[-1], rtol=1e-6)
    for fa, fl in [(1.2, 1), (1 / 1.2, 1), (1, 1.2), (1, 1 / 1.2)]:
        assert objective(res.noise_precision * fa, res.prior_precision * fl) < best


def test_empirical_bayes_options_match_sklearn():
    X, y = _pgtn()
    kw = dict(max_iter=4, tol=1e-8, alpha_1=1e-2, lambda_2=1e-3, alpha_init=2.0, lambda_init=0.5,
              fit_intercept=False)
    res = maximize_evidence(X, y, **kw)
    ref = BayesianRidge(compute_score=True, **kw).fit(X, y)
    assert res.n_iter == ref.n_iter_ == 4 and not res.converged
    assert res.intercept == 0.0 == ref.intercept_
    for got, want in [(res.noise_precision, ref.alpha_), (res.prior_precision, ref.lambda_),
                      (res.coef, ref.coef_), (res.posterior_cov, ref.sigma_),
                      (res.scores, ref.scores_)]:
        np.testing.assert_allclose(got, want, rtol=1e-6)


def test_empirical_bayes_old_attribute_names_warn_and_name_the_new_ones():
    """alpha / lambda_ / sigma (BayesianRidge's names; sigma is a covariance here, a noise
    sd elsewhere) still work for one release, with a DeprecationWarning."""
    res = maximize_evidence(*_pgtn())
    for old, new in [("alpha", "noise_precision"), ("lambda_", "prior_precision"),
                     ("sigma", "posterior_cov")]:
        with pytest.warns(DeprecationWarning, match=f"use EmpiricalBayesResult.{new}"):
            value = getattr(res, old)
        np.testing.assert_array_equal(value, getattr(res, new))


# --------------------------------------------------------------------------- Occam curve
def test_occam_curve_has_interior_maximum():
    coef = np.zeros(10)
    coef[:3] = [1.5, -2.0, 1.0]
    X, y, _ = _sim(100, 10, 15, coef=coef)
    taus = np.logspace(-3, 3, 25)
    evs = [log_evidence_fixed_sigma(X, y, sigma=1.0, tau=t) for t in taus]
    le = np.array([e.log_evidence for e in evs])
    i = int(np.argmax(le))
    assert 0 < i < len(taus) - 1
    assert np.all(np.diff(le[: i + 1]) > 0) and np.all(np.diff(le[i:]) < 0)   # rises then falls
    # the fit term only improves with a wider prior, the Occam penalty pays for it
    ll = np.array([e.log_likelihood_max for e in evs])
    assert np.all(np.diff(ll) >= -1e-9)
    assert all(e.log_occam_factor < 0 for e in evs)
    assert evs[-1].log_occam_factor < evs[i].log_occam_factor


# --------------------------------------------------------------------------- misc
def test_center_and_validation():
    X, y, rng = _sim(20, 3, 16)
    s = rng.uniform(0.5, 2.0, 20)
    Xc, yc, xm, ym = center(X, y, s)
    np.testing.assert_allclose(s @ Xc, 0, atol=1e-12)
    np.testing.assert_allclose(s @ yc, 0, atol=1e-12)
    np.testing.assert_allclose(Xc + xm, X)
    np.testing.assert_allclose(yc + ym, y)
    with pytest.raises(ValueError, match="tau"):
        log_evidence_fixed_sigma(X, y, sigma=1.0, tau=[1.0, 2.0])
    with pytest.raises(ValueError, match="tau"):
        posterior_fixed_sigma(X, y, sigma=1.0, tau=0.0)
    with pytest.raises(ValueError, match="sigma"):
        posterior_fixed_sigma(X, y, sigma=-1.0, tau=1.0)
    with pytest.raises(ValueError, match="sample_weight"):
        posterior_nig(X, y, tau=1.0, a0=1.0, b0=1.0, sample_weight=-s)
    with pytest.raises(ValueError, match="b0"):
        log_evidence_nig(X, y, tau=1.0, a0=1.0, b0=0.0)
    post = posterior_fixed_sigma(X, y, sigma=1.0, tau=1.0)
    with pytest.raises(ValueError):
        post.mean[0] = 5.0                         # results are immutable
