r"""The evidence of the conjugate Gaussian linear model, its Occam decomposition,
empirical Bayes (type-II maximum likelihood, as ``BayesianRidge``) and the Laplace
approximation at a mode.

The model, the weights convention and the whitened spectral form are those of
:mod:`bayesreg.base._conjugate`; every quantity here is computed from the same spectrum
(:func:`bayesreg.base._conjugate._fit`). NumPy/SciPy only.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace

import numpy as np
from scipy import linalg
from scipy.special import gammaln

from ..utils._validation import POSITIVE_INT, check_param
from ._conjugate import (
    _LOG_2PI,
    _check_data,
    _check_pos,
    _cov_and_factor,
    _fit,
    _Spectrum,
    _spectrum_from_data,
    _spectrum_from_stats,
    center,
)

__all__ = [
    "Evidence",
    "EmpiricalBayesResult",
    "log_evidence_fixed_sigma",
    "log_evidence_fixed_sigma_from_stats",
    "log_evidence_nig",
    "log_evidence_nig_from_stats",
    "maximize_evidence",
    "laplace_evidence",
]


@dataclass(frozen=True, eq=False)
class Evidence:
    r"""Log evidence and its Occam decomposition.

    ``log_evidence == log_likelihood_max + log_occam_factor`` holds exactly (in
    floating point: the evidence is computed as that sum).

    Attributes
    ----------
    log_evidence : float
        :math:`\log p(y \mid X, \text{hyperparameters})`.
    log_likelihood_max : float
        "Best-fit" log likelihood :math:`\log p(y \mid X, \theta^*)` at the
        posterior mode :math:`\theta^*` (fixed noise: :math:`\theta^* = w_{MP}`;
        NIG: the joint mode :math:`(w_{MP}, \sigma^{2*})`).
    log_occam_factor : float
        :math:`\log p(\theta^*) - \log p(\theta^* \mid y)`, the log prior-to-
        posterior density ratio at the mode (exact by Bayes' theorem).  For fixed
        noise this is :math:`\log p(w_{MP}) + \tfrac12\log\det(2\pi\Sigma_{post})`.
    effective_params : float
        :math:`\gamma = \operatorname{tr}(I - \Sigma_{post} T^{-1})
        = \sum_k \beta d_k / (1 + \beta d_k)`; for scalar :math:`\tau` this is
        MacKay's :math:`\sum_i \lambda_i/(\lambda_i + \alpha)` with
        :math:`\lambda_i` the eigenvalues of :math:`X^\top\mathbf{S}X/\sigma^2`
        and :math:`\alpha = 1/\tau^2`.
    mean : ndarray of shape (p,)
        :math:`w_{MP}`.
    sigma : float
        Noise sd at which ``log_likelihood_max`` is evaluated (the given
        :math:`\sigma`, or :math:`\sqrt{\sigma^{2*}}` for NIG).
    """

    log_evidence: float
    log_likelihood_max: float
    log_occam_factor: float
    effective_params: float
    mean: np.ndarray
    sigma: float = float("nan")


@dataclass(frozen=True, eq=False)
class EmpiricalBayesResult:
    """Type-II maximum likelihood (evidence maximisation) fit, as ``BayesianRidge``.

    Attributes
    ----------
    noise_precision : float
        Noise precision :math:`1/\\sigma^2` (``BayesianRidge.alpha_``).
    prior_precision : float
        Weight (prior) precision :math:`1/\\tau^2` (``BayesianRidge.lambda_``).
    coef : ndarray of shape (p,)
        Posterior mean at the final precisions (``coef_``).
    intercept : float
        :math:`\\bar y - \\bar x^\\top w` (0 if ``fit_intercept=False``).
    posterior_cov : ndarray of shape (p, p)
        Posterior covariance of the coefficients
        :math:`(\\lambda I + \\alpha X^\\top\\mathbf{S}X)^{-1}` (``BayesianRidge.sigma_``).
    scores : ndarray of shape (n_iter + 1,)
        Log evidence plus Gamma hyperprior terms at each iteration (``scores_``).
    n_iter : int
        Number of iterations run (``n_iter_``).
    converged : bool
        Whether the stopping rule fired before ``max_iter``.

    Notes
    -----
    The scikit-learn names ``alpha``, ``lambda_`` and ``sigma`` still work for one
    release and warn (``DeprecationWarning``): ``sigma`` is a covariance here but a noise
    standard deviation everywhere else in bayesreg (e.g. ``EvidenceResult.sigma``).
    """

    noise_precision: float
    prior_precision: float
    coef: np.ndarray
    intercept: float
    posterior_cov: np.ndarray
    scores: np.ndarray
    n_iter: int
    converged: bool

    def _renamed(self, old: str, new: str):
        warnings.warn(f"EmpiricalBayesResult.{old} is deprecated and will be removed in the "
                      f"next release; use EmpiricalBayesResult.{new}.", DeprecationWarning,
                      stacklevel=3)
        return getattr(self, new)

    @property
    def alpha(self) -> float:
        """Deprecated: :attr:`noise_precision`."""
        return self._renamed("alpha", "noise_precision")

    @property
    def lambda_(self) -> float:
        """Deprecated: :attr:`prior_precision`."""
        return self._renamed("lambda_", "prior_precision")

    @property
    def sigma(self) -> np.ndarray:
        """Deprecated: :attr:`posterior_cov` (a covariance, not a noise sd)."""
        return self._renamed("sigma", "posterior_cov")


# --------------------------------------------------------------------------- evidence
def _evidence_fixed(sp: _Spectrum, sigma) -> Evidence:
    sigma = _check_pos(sigma, "sigma")
    beta = 1.0 / sigma**2
    f = _fit(sp, beta)
    ll = -0.5 * sp.sum_w * (_LOG_2PI + np.log(sigma**2)) - 0.5 * beta * f["rss"]
    occam = -0.5 * f["unorm2"] - 0.5 * f["logdet"]
    return Evidence(log_evidence=float(ll + occam), log_likelihood_max=float(ll),
                    log_occam_factor=float(occam), effective_params=f["gamma"],
                    mean=f["mean"], sigma=sigma)


def log_evidence_fixed_sigma(X, y, *, sigma: float, tau, sample_weight=None) -> Evidence:
    r"""Log evidence for known noise sd, with its Occam decomposition.

    .. math::

        \log p(y) &= \underbrace{-\tfrac{S}{2}\log(2\pi\sigma^2)
                   - \frac{(y - Xw_{MP})^\top\mathbf{S}(y - Xw_{MP})}{2\sigma^2}}_{\log p(y\mid w_{MP})}
          \;\underbrace{-\ \tfrac12 w_{MP}^\top T^{-1} w_{MP}
                   - \tfrac12\log\det(I + Z^\top Z/\sigma^2)}_{\log p(w_{MP}) + \frac12\log\det(2\pi\Sigma_{post})}.

    Unweighted, this equals :math:`\log N(y \mid 0, \sigma^2 I + X T X^\top)`;
    weighted, :math:`\log N(\mathbf{S}^{1/2}y \mid 0, \sigma^2 I + \mathbf{S}^{1/2}XTX^\top\mathbf{S}^{1/2})
    + \frac{n - S}{2}\log(2\pi\sigma^2)`.

    Parameters
    ----------
    X, y, sigma, tau, sample_weight
        As in :func:`posterior_fixed_sigma`.

    Returns
    -------
    Evidence
        ``effective_params`` is :math:`\gamma = \sum_k \frac{d_k/\sigma^2}{1 + d_k/\sigma^2}
        = \operatorname{tr}(I - \Sigma_{post}T^{-1})`, with :math:`d_k` the
        eigenvalues of :math:`T^{1/2}X^\top\mathbf{S}XT^{1/2}`.
    """
    return _evidence_fixed(_spectrum_from_data(X, y, sample_weight, tau), sigma)


def log_evidence_fixed_sigma_from_stats(xtx, xty, yty, sum_w, *, sigma: float, tau) -> Evidence:
    """As :func:`log_evidence_fixed_sigma` from sufficient statistics."""
    return _evidence_fixed(_spectrum_from_stats(xtx, xty, yty, sum_w, tau), sigma)


def _evidence_nig(sp: _Spectrum, a0, b0) -> Evidence:
    a0, b0 = _check_pos(a0, "a0"), _check_pos(b0, "b0")
    p = sp.t.shape[0]
    f = _fit(sp, 1.0)
    a = a0 + 0.5 * sp.sum_w
    b = b0 + 0.5 * (f["rss"] + f["unorm2"])
    s2 = b / (a + 0.5 * p + 1.0)                      # joint mode = mode of sigma^2 | w_MP, y
    ll = -0.5 * sp.sum_w * (_LOG_2PI + np.log(s2)) - 0.5 * f["rss"] / s2
    # log p(w*, s2*) - log p(w*, s2* | y); the N(w; ., s2 T) log-determinants cancel.
    occam = (-0.5 * f["unorm2"] / s2 - 0.5 * f["logdet"]
             + a0 * np.log(b0) - gammaln(a0) - a * np.log(b) + gammaln(a)
             + (a - a0) * np.log(s2) + (b - b0) / s2)
    return Evidence(log_evidence=float(ll + occam), log_likelihood_max=float(ll),
                    log_occam_factor=float(occam), effective_params=f["gamma"],
                    mean=f["mean"], sigma=float(np.sqrt(s2)))


def log_evidence_nig(X, y, *, tau, a0: float, b0: float, sample_weight=None) -> Evidence:
    r"""Log evidence of the Normal-Inverse-Gamma model, with an Occam decomposition.

    .. math::

        \log p(y) = -\tfrac{S}{2}\log 2\pi - \tfrac12\log\det(I + Z^\top Z)
          + a_0\log b_0 - a\log b + \log\Gamma(a) - \log\Gamma(a_0)

    (:math:`a, b` as in :func:`posterior_nig`); unweighted, this is the
    multivariate Student-t density :math:`t_{2a_0}(y \mid 0, \tfrac{b_0}{a_0}(I + XTX^\top))`.

    Decomposition ("conditional mode"): with :math:`w^* = w_{MP} = m` and
    :math:`\sigma^{2*} = b/(a + p/2 + 1)`, the mode of
    :math:`p(\sigma^2 \mid w^*, y)` (which is also the joint posterior mode),

    .. math::

        \text{log\_likelihood\_max} &= \log p(y \mid w^*, \sigma^{2*})
           = -\tfrac{S}{2}\log(2\pi\sigma^{2*}) - \frac{\mathrm{RSS}(m)}{2\sigma^{2*}},\\
        \text{log\_occam\_factor} &= \log p(w^*, \sigma^{2*}) - \log p(w^*, \sigma^{2*} \mid y)\\
          &= -\frac{m^\top T^{-1}m}{2\sigma^{2*}} - \tfrac12\log\det(I + Z^\top Z)
             + a_0\log b_0 - \log\Gamma(a_0) - a\log b + \log\Gamma(a)
             + \tfrac{S}{2}\log\sigma^{2*} + \frac{b - b_0}{\sigma^{2*}},

    so the sum is the evidence exactly (Bayes' theorem at :math:`\theta^*`).
    ``effective_params`` is :math:`\operatorname{tr}(I - CT^{-1}) = \sum_k d_k/(1+d_k)`
    (the :math:`\sigma^2` scaling cancels); ``sigma`` is :math:`\sqrt{\sigma^{2*}}`.
    """
    return _evidence_nig(_spectrum_from_data(X, y, sample_weight, tau), a0, b0)


def log_evidence_nig_from_stats(xtx, xty, yty, sum_w, *, tau, a0: float, b0: float) -> Evidence:
    """As :func:`log_evidence_nig` from sufficient statistics."""
    return _evidence_nig(_spectrum_from_stats(xtx, xty, yty, sum_w, tau), a0, b0)


# --------------------------------------------------------------------------- empirical Bayes
def maximize_evidence(
    X,
    y,
    *,
    max_iter: int = 300,
    tol: float = 1e-3,
    alpha_1: float = 1e-6,
    alpha_2: float = 1e-6,
    lambda_1: float = 1e-6,
    lambda_2: float = 1e-6,
    alpha_init: float | None = None,
    lambda_init: float | None = None,
    fit_intercept: bool = True,
    sample_weight=None,
) -> EmpiricalBayesResult:
    r"""Evidence maximisation for ridge regression (MacKay 1992), as ``BayesianRidge``.

    Model :math:`w \sim N(0, \lambda^{-1}I)`, noise precision :math:`\alpha`,
    Gamma hyperpriors :math:`\alpha \sim \Gamma(\alpha_1, \alpha_2)`,
    :math:`\lambda \sim \Gamma(\lambda_1, \lambda_2)` (shape, rate).  Data are
    centred with (weighted) means if ``fit_intercept`` and then rescaled by
    :math:`\sqrt{s_i}`.  With the thin SVD :math:`X = U\operatorname{diag}(\sqrt{d})V^\top`
    (``k = min(n, p)`` values), each iteration

    1. :math:`w = V\operatorname{diag}\big(\frac{\sqrt{d}}{d + \lambda/\alpha}\big)U^\top y`,
       :math:`\mathrm{SSE} = \lVert y - Xw\rVert^2`;
    2. records the score

       .. math::

           \mathcal{L} = \lambda_1\log\lambda - \lambda_2\lambda + \alpha_1\log\alpha - \alpha_2\alpha
             + \tfrac12\Big[p\log\lambda + S\log\alpha - \alpha\,\mathrm{SSE} - \lambda\lVert w\rVert^2
             - \textstyle\sum_{k}\log(\lambda + \alpha d_k) - (p - k)\log\lambda - S\log 2\pi\Big],

       i.e. :func:`log_evidence_fixed_sigma` at :math:`\sigma = \alpha^{-1/2}, \tau = \lambda^{-1/2}`
       plus the (unnormalised) log hyperprior;
    3. updates :math:`\gamma = \sum_k \frac{\alpha d_k}{\lambda + \alpha d_k}`,
       :math:`\lambda \leftarrow \frac{\gamma + 2\lambda_1}{\lVert w\rVert^2 + 2\lambda_2}`,
       :math:`\alpha \leftarrow \frac{S - \gamma + 2\alpha_1}{\mathrm{SSE} + 2\alpha_2}`;
    4. stops (after the first iteration) when :math:`\sum_j |w_j - w_j^{old}| < \text{tol}`.

    Afterwards ``coef`` is recomputed at the final :math:`(\alpha, \lambda)` and one
    more score is appended.  Like scikit-learn (1.9), that last score pairs the
    new SSE with the coefficient vector of the last iteration (the difference is
    below ``tol``-level).  Initial values: :math:`\alpha = 1/(\operatorname{Var}_s(y) + \epsilon)`,
    :math:`\lambda = 1`.

    Parameters
    ----------
    X : array-like (n, p)
    y : array-like (n,)
    max_iter : int
        Maximum number of iterations (>= 1).
    tol : float
        Stopping threshold on the L1 change of the coefficients.
    alpha_1, alpha_2, lambda_1, lambda_2 : float
        Gamma hyperprior shape/rate parameters.
    alpha_init, lambda_init : float, optional
        Starting values.
    fit_intercept : bool
        Centre the data (flat prior on the intercept).
    sample_weight : array-like (n,), optional
        Frequency weights :math:`s_i`.

    Returns
    -------
    EmpiricalBayesResult
    """
    X, y, sw = _check_data(X, y, sample_weight)
    max_iter = check_param(max_iter, "max_iter", "maximize_evidence", POSITIVE_INT)
    n, p = X.shape
    if sw is None:
        sum_w = float(n)
        y_var = float(np.var(y))
    else:
        sum_w = float(sw.sum())
        y_var = float(np.average((y - np.average(y, weights=sw)) ** 2, weights=sw))

    if fit_intercept:
        Xc, yc, x_off, y_off = center(X, y, sw)
    else:
        Xc, yc, x_off, y_off = X.copy(), y.copy(), np.zeros(p), 0.0
    if sw is not None:
        r = np.sqrt(sw)
        Xc, yc = Xc * r[:, None], yc * r

    eps = np.finfo(np.float64).eps
    alpha = float(1.0 / (y_var + eps) if alpha_init is None else alpha_init)
    lam = float(1.0 if lambda_init is None else lambda_init)

    unit = _spectrum_from_data(Xc, yc, None, 1.0)   # one SVD, rescaled for every lambda
    k, d = unit.d.shape[0], unit.d

    def at(lam: float) -> _Spectrum:
        """The spectrum at prior sd ``tau = lam**-0.5`` (same V, rescaled d and c)."""
        tau = lam ** -0.5
        return replace(unit, t=np.full(p, tau), d=unit.d * tau**2, c=unit.c * tau)

    def coef_sse(alpha: float, lam: float) -> tuple[np.ndarray, float]:
        f = _fit(at(lam), alpha)                    # the conjugate posterior mean and RSS
        return f["mean"], f["rss"]

    def score(alpha: float, lam: float, coef: np.ndarray, sse: float) -> float:
        logdet_post_prec = np.sum(np.log(lam + alpha * d)) + (p - k) * np.log(lam)
        hyper = lambda_1 * np.log(lam) - lambda_2 * lam + alpha_1 * np.log(alpha) - alpha_2 * alpha
        return float(hyper + 0.5 * (p * np.log(lam) + sum_w * np.log(alpha) - alpha * sse
                                    - lam * (coef @ coef) - logdet_post_prec - sum_w * _LOG_2PI))

    scores: list[float] = []
    coef_old = None
    converged = False
    it = 0
    for it in range(int(max_iter)):
        coef, sse = coef_sse(alpha, lam)
        scores.append(score(alpha, lam, coef, sse))
        gamma = float(np.sum(alpha * d / (lam + alpha * d)))
        lam = (gamma + 2.0 * lambda_1) / (float(coef @ coef) + 2.0 * lambda_2)
        alpha = (sum_w - gamma + 2.0 * alpha_1) / (sse + 2.0 * alpha_2)
        if it != 0 and np.sum(np.abs(coef_old - coef)) < tol:
            converged = True
            break
        coef_old = coef

    coef_final, sse_final = coef_sse(alpha, lam)
    scores.append(score(alpha, lam, coef, sse_final))   # scikit-learn's pairing, see docstring

    cov = _cov_and_factor(at(lam), alpha * unit.d / lam)[0]
    intercept = float(y_off - x_off @ coef_final) if fit_intercept else 0.0
    return EmpiricalBayesResult(noise_precision=float(alpha), prior_precision=float(lam),
                                coef=coef_final, intercept=intercept, posterior_cov=cov,
                                scores=np.asarray(scores), n_iter=it + 1, converged=converged)


# --------------------------------------------------------------------------- Laplace approximation
def laplace_evidence(log_likelihood: float, log_prior: float, hessian, mode, *,
                     prior_precision=None, sigma: float = float("nan")) -> Evidence:
    r"""Laplace approximation of the log evidence at a posterior mode.

    With :math:`\theta^*` the mode of :math:`\log p(y\mid\theta) + \log p(\theta)`
    (dimension :math:`d`) and :math:`H = -\nabla^2 \log p(\theta\mid y)|_{\theta^*}`
    (positive definite),

    .. math::

        \log p(y) \approx \underbrace{\log p(y\mid\theta^*)}_{\text{log\_likelihood\_max}}
          + \underbrace{\log p(\theta^*) + \tfrac{d}{2}\log 2\pi - \tfrac12\log\det H}
                       _{\text{log\_occam\_factor}},

    exact when the posterior is Gaussian (Gaussian likelihood and prior, known
    noise).  An improper flat prior on a coordinate contributes :math:`\log p = 0`
    (Lebesgue measure), i.e. that coordinate is integrated with unit density.

    Parameters
    ----------
    log_likelihood, log_prior : float
        :math:`\log p(y\mid\theta^*)` and :math:`\log p(\theta^*)` (normalised densities).
    hessian : ndarray (d, d)
        :math:`H`; must be symmetric positive definite.
    mode : ndarray (d,)
        :math:`\theta^*` (stored as ``Evidence.mean``).
    prior_precision : ndarray (d,), optional
        Prior curvature :math:`P_{jj} = -\partial^2_j \log p(\theta)` on the coordinates
        that have one (0 for flat ones).  Gives MacKay's effective number of
        parameters :math:`\gamma = \sum_j [P_{jj} > 0]\,(1 - (H^{-1})_{jj} P_{jj})`
        (for a Gaussian prior and likelihood this is
        :math:`\operatorname{tr}(I - \Sigma_{post}T^{-1})`).
    sigma : float, optional
        Noise sd to store in the result.

    Returns
    -------
    Evidence
    """
    H = np.asarray(hessian, dtype=np.float64)
    mode = np.asarray(mode, dtype=np.float64)
    d = mode.shape[0]
    if H.shape != (d, d):
        raise ValueError(f"hessian must have shape ({d}, {d}); got {H.shape}.")
    try:
        L = linalg.cholesky((H + H.T) / 2.0, lower=True, check_finite=True)
    except linalg.LinAlgError:
        raise ValueError("The Hessian of the negative log posterior is not positive definite at "
                         "the mode: the Laplace approximation does not exist there.") from None
    logdet = 2.0 * float(np.sum(np.log(np.diag(L))))
    occam = float(log_prior) + 0.5 * d * _LOG_2PI - 0.5 * logdet
    gamma = float("nan")
    if prior_precision is not None:
        P = np.broadcast_to(np.asarray(prior_precision, dtype=np.float64), (d,))
        Linv = linalg.solve_triangular(L, np.eye(d), lower=True)
        hinv_diag = np.sum(Linv**2, axis=0)
        has = P != 0
        gamma = float(np.sum(1.0 - hinv_diag[has] * P[has]))
    ll = float(log_likelihood)
    return Evidence(log_evidence=ll + occam, log_likelihood_max=ll, log_occam_factor=occam,
                    effective_params=gamma, mean=mode, sigma=float(sigma))
