r"""Closed-form Bayesian linear regression with conjugate Gaussian priors.

Pure NumPy/SciPy (no PyMC, no ArviZ).  Everything here is exact: posterior
moments, i.i.d. posterior draws, the evidence (marginal likelihood) with its
Occam-factor decomposition, and MacKay/Tipping empirical Bayes that reproduces
:class:`sklearn.linear_model.BayesianRidge`.

Model
-----
.. math::

    y_i = x_i^\top w + \varepsilon_i, \qquad i = 1, \dots, n,

with optional observation weights :math:`s_i \ge 0` that *multiply the
log-likelihood terms* (frequency-weight convention, the one used by
``bayesreg.model`` and by scikit-learn):

.. math::

    \log p(y \mid w, \sigma) = \sum_i s_i \log N(y_i \mid x_i^\top w, \sigma^2)
      = -\tfrac{S}{2}\log(2\pi\sigma^2) - \frac{(y - Xw)^\top \mathbf{S} (y - Xw)}{2\sigma^2},

:math:`\mathbf{S} = \operatorname{diag}(s)`, :math:`S = \sum_i s_i`.  The
quadratic term is that of a heteroscedastic Gaussian with precision
:math:`s_i/\sigma^2`; the normalising constant uses :math:`S` (so integer
weights are exactly equivalent to replicating rows, and the evidence depends
on the data only through :math:`X^\top\mathbf{S}X, X^\top\mathbf{S}y,
y^\top\mathbf{S}y, S`).

Priors
~~~~~~
* fixed noise: :math:`w \sim N(0, T)`, :math:`T = \operatorname{diag}(\tau_j^2)`;
* Normal-Inverse-Gamma (NIG): :math:`\sigma^2 \sim \mathrm{InvGamma}(a_0, b_0)`,
  :math:`w \mid \sigma^2 \sim N(0, \sigma^2 T)`.

:math:`\tau` may be a scalar or a length-``p`` vector.

Intercept
~~~~~~~~~
No intercept column is handled here.  With a flat prior on the intercept the
caller centres ``X`` and ``y`` with the (weighted) means, passes the centred
arrays, and recovers the intercept as :math:`\bar y - \bar x^\top w`
(see :func:`center`).  The "evidence" of centred data is then the evidence with
the intercept profiled/integrated out up to a constant that does not depend on
:math:`\tau` or :math:`\sigma` -- the convention of ``BayesianRidge``.

Numerics
~~~~~~~~
All computations go through the whitened design
:math:`Z = \mathbf{S}^{1/2} X T^{1/2}` (``n x p``) and either its thin SVD
(data entry points) or the eigen-decomposition of
:math:`Z^\top Z = T^{1/2} X^\top \mathbf{S} X T^{1/2}` (sufficient-statistic
entry points).  With :math:`Z^\top Z = V \operatorname{diag}(d) V^\top`
(:math:`k = \min(n, p)` non-trivial directions) and
:math:`c = V^\top Z^\top \mathbf{S}^{1/2} y`, for noise precision
:math:`\beta = 1/\sigma^2`:

.. math::

    \Sigma_{post} &= T^{1/2}\big[(I - VV^\top) + V\operatorname{diag}\big(\tfrac{1}{1+\beta d}\big)V^\top\big]T^{1/2},\\
    w_{MP} &= T^{1/2} V g, \qquad g = \frac{\beta c}{1 + \beta d},\\
    \log\det(\Sigma_{post}^{-1}) &= -\textstyle\sum_j \log\tau_j^2 + \sum_k \log(1 + \beta d_k).

No singular :math:`X^\top X` is ever inverted, so ``p > n`` and
:math:`\tau \to 0` are handled exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from scipy import linalg
from scipy.special import gammaln

from ..utils.validation import POSITIVE, POSITIVE_INT, check_param
from .suffstats import SufficientStats

__all__ = [
    "GaussianPosterior",
    "NIGPosterior",
    "Evidence",
    "EmpiricalBayesResult",
    "SufficientStats",
    "center",
    "sufficient_stats",
    "posterior_fixed_sigma",
    "posterior_fixed_sigma_from_stats",
    "posterior_nig",
    "posterior_nig_from_stats",
    "log_evidence_fixed_sigma",
    "log_evidence_fixed_sigma_from_stats",
    "log_evidence_nig",
    "log_evidence_nig_from_stats",
    "empirical_bayes",
    "laplace_evidence",
    "ridge_solution",
    "ridge_solution_from_data",
]

_LOG_2PI = float(np.log(2.0 * np.pi))


# --------------------------------------------------------------------------- results
def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=np.float64, copy=True)
    a.setflags(write=False)
    return a


def _sym_sqrt_psd(cov: np.ndarray) -> np.ndarray:
    """Symmetric square root of a PSD matrix via ``eigh`` (negative eigenvalues clipped)."""
    vals, vecs = np.linalg.eigh((cov + cov.T) / 2.0)
    return (vecs * np.sqrt(np.clip(vals, 0.0, None))) @ vecs.T


@dataclass(frozen=True, eq=False)
class GaussianPosterior:
    r"""Exact Gaussian posterior :math:`w \mid y \sim N(\text{mean}, \text{cov})` (fixed noise).

    Attributes
    ----------
    mean : ndarray of shape (p,)
        :math:`w_{MP} = \Sigma_{post} X^\top \mathbf{S} y / \sigma^2`.
    cov : ndarray of shape (p, p)
        :math:`\Sigma_{post} = (T^{-1} + X^\top \mathbf{S} X/\sigma^2)^{-1}`.
    factor : ndarray of shape (p, p) or None
        A matrix ``F`` with ``F @ F.T == cov`` used by :meth:`draw`; computed
        from ``cov`` if not given.
    """

    mean: np.ndarray
    cov: np.ndarray
    factor: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "mean", _readonly(self.mean))
        object.__setattr__(self, "cov", _readonly(self.cov))
        f = _sym_sqrt_psd(self.cov) if self.factor is None else self.factor
        object.__setattr__(self, "factor", _readonly(f))

    @property
    def sd(self) -> np.ndarray:
        """Marginal posterior standard deviations, ``sqrt(diag(cov))``."""
        return np.sqrt(np.clip(np.diag(self.cov), 0.0, None))

    def draw(self, n_draws: int, rng=None) -> np.ndarray:
        r"""Exact i.i.d. draws :math:`w^{(t)} = \text{mean} + F z^{(t)}`, :math:`z \sim N(0, I_p)`.

        Parameters
        ----------
        n_draws : int
            Number of draws.
        rng : numpy.random.Generator, int, SeedSequence or None
            Passed to :func:`numpy.random.default_rng`; the same seed gives the
            same draws.

        Returns
        -------
        ndarray of shape (n_draws, p)
        """
        rng = np.random.default_rng(rng)
        z = rng.standard_normal((int(n_draws), self.mean.shape[0]))
        return self.mean + z @ self.factor.T


@dataclass(frozen=True, eq=False)
class NIGPosterior:
    r"""Exact Normal-Inverse-Gamma posterior.

    .. math::

        \sigma^2 \mid y \sim \mathrm{InvGamma}(a, b), \qquad
        w \mid \sigma^2, y \sim N(\text{mean}, \sigma^2\,\text{cov\_unscaled}),

    with :math:`C = (T^{-1} + X^\top\mathbf{S}X)^{-1}`, mean
    :math:`m = C X^\top \mathbf{S} y`, :math:`a = a_0 + S/2` and
    :math:`b = b_0 + \tfrac12\big[(y - Xm)^\top\mathbf{S}(y - Xm) + m^\top T^{-1} m\big]`.
    Marginally :math:`w \mid y` is multivariate Student-t with :math:`2a`
    degrees of freedom, location ``mean`` and scale :math:`(b/a) C`.
    """

    mean: np.ndarray
    cov_unscaled: np.ndarray
    a: float
    b: float
    factor: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "mean", _readonly(self.mean))
        object.__setattr__(self, "cov_unscaled", _readonly(self.cov_unscaled))
        object.__setattr__(self, "a", float(self.a))
        object.__setattr__(self, "b", float(self.b))
        f = _sym_sqrt_psd(self.cov_unscaled) if self.factor is None else self.factor
        object.__setattr__(self, "factor", _readonly(f))

    @property
    def sigma2_mean(self) -> float:
        r""":math:`E[\sigma^2 \mid y] = b/(a-1)` (``inf`` if :math:`a \le 1`)."""
        return self.b / (self.a - 1.0) if self.a > 1.0 else np.inf

    @property
    def cov(self) -> np.ndarray:
        r"""Marginal posterior covariance of ``w``: :math:`\frac{b}{a-1} C` (needs :math:`a > 1`)."""
        return self.sigma2_mean * self.cov_unscaled

    def draw(self, n_draws: int, rng=None) -> tuple[np.ndarray, np.ndarray]:
        r"""Exact i.i.d. joint draws of :math:`(w, \sigma)`.

        :math:`\sigma^2 = b / G` with :math:`G \sim \mathrm{Gamma}(a, 1)`, then
        :math:`w = m + \sigma F z`, :math:`z \sim N(0, I_p)`, :math:`FF^\top = C`.

        Parameters
        ----------
        n_draws : int
        rng : numpy.random.Generator, int, SeedSequence or None
            Passed to :func:`numpy.random.default_rng`.

        Returns
        -------
        w : ndarray of shape (n_draws, p)
        sigma : ndarray of shape (n_draws,)
            Noise standard deviations (not variances).
        """
        rng = np.random.default_rng(rng)
        n_draws = int(n_draws)
        sigma2 = self.b / rng.standard_gamma(self.a, size=n_draws)
        sigma = np.sqrt(sigma2)
        z = rng.standard_normal((n_draws, self.mean.shape[0]))
        return self.mean + sigma[:, None] * (z @ self.factor.T), sigma


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
    alpha : float
        Noise precision :math:`1/\\sigma^2` (``BayesianRidge.alpha_``).
    lambda_ : float
        Weight precision :math:`1/\\tau^2` (``BayesianRidge.lambda_``).
    coef : ndarray of shape (p,)
        Posterior mean at the final ``(alpha, lambda_)`` (``coef_``).
    intercept : float
        :math:`\\bar y - \\bar x^\\top w` (0 if ``fit_intercept=False``).
    sigma : ndarray of shape (p, p)
        Posterior covariance :math:`(\\lambda I + \\alpha X^\\top\\mathbf{S}X)^{-1}` (``sigma_``).
    scores : ndarray of shape (n_iter + 1,)
        Log evidence plus Gamma hyperprior terms at each iteration (``scores_``).
    n_iter : int
        Number of iterations run (``n_iter_``).
    converged : bool
        Whether the stopping rule fired before ``max_iter``.
    """

    alpha: float
    lambda_: float
    coef: np.ndarray
    intercept: float
    sigma: np.ndarray
    scores: np.ndarray
    n_iter: int
    converged: bool


# --------------------------------------------------------------------------- validation
def _check_data(X, y, sample_weight) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features); got shape {X.shape}.")
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ValueError(f"y must be 1-D with {X.shape[0]} entries; got shape {y.shape}.")
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
        raise ValueError("X and y must be finite.")
    sw = None
    if sample_weight is not None:
        sw = np.asarray(sample_weight, dtype=np.float64)
        if sw.ndim == 0:
            sw = np.full(X.shape[0], float(sw))
        if sw.shape != (X.shape[0],):
            raise ValueError(f"sample_weight must have shape ({X.shape[0]},); got {sw.shape}.")
        if not np.all(np.isfinite(sw)) or np.any(sw < 0) or sw.sum() <= 0:
            raise ValueError("sample_weight must be finite, non-negative and not all zero.")
    return X, y, sw


def _check_tau(tau, p: int) -> np.ndarray:
    t = np.asarray(tau, dtype=np.float64)
    if t.ndim > 1 or (t.ndim == 1 and t.shape[0] != p) or \
            not np.all(np.isfinite(t)) or np.any(t <= 0):
        raise ValueError(f"The 'tau' parameter of the conjugate model must be a positive "
                         f"finite float or an array of {p} of them. Got {tau!r} instead.")
    return np.broadcast_to(t, (p,)).copy()


def _check_pos(value, name: str) -> float:
    return check_param(value, name, "the conjugate model", POSITIVE)


# --------------------------------------------------------------------------- helpers
def center(X, y, sample_weight=None) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    r"""Centre ``X`` and ``y`` at their (weighted) means.

    .. math::

        \bar x = \frac{\sum_i s_i x_i}{\sum_i s_i}, \quad
        \bar y = \frac{\sum_i s_i y_i}{\sum_i s_i}, \quad
        X_c = X - \mathbf{1}\bar x^\top, \quad y_c = y - \bar y.

    With a flat prior on the intercept, fit on ``(X_c, y_c)`` and recover the
    intercept as :math:`b = \bar y - \bar x^\top w` (for every posterior draw
    of ``w``, or at the posterior mean).

    Returns
    -------
    Xc : ndarray (n, p)
    yc : ndarray (n,)
    x_mean : ndarray (p,)
    y_mean : float
    """
    X, y, sw = _check_data(X, y, sample_weight)
    x_mean = np.average(X, axis=0, weights=sw)
    y_mean = float(np.average(y, weights=sw))
    return X - x_mean, y - y_mean, x_mean, y_mean


def sufficient_stats(X, y, sample_weight=None) -> SufficientStats:
    r"""Compute :math:`(X^\top\mathbf{S}X,\ X^\top\mathbf{S}y,\ y^\top\mathbf{S}y,\ \sum s_i)`.

    Pass centred data (see :func:`center`) if the intercept has a flat prior.
    """
    X, y, sw = _check_data(X, y, sample_weight)
    return SufficientStats.from_data(X, y, sw)


@dataclass(frozen=True, eq=False)
class _Spectrum:
    """Whitened spectral representation shared by all entry points (internal)."""

    t: np.ndarray          # (p,)  prior sds tau_j
    d: np.ndarray          # (k,)  eigenvalues of Z^T Z (>= 0)
    V: np.ndarray          # (p, k) orthonormal eigenvectors
    c: np.ndarray          # (k,)  V^T Z^T S^{1/2} y
    yty: float             # y^T S y
    sum_w: float           # S
    Xs: np.ndarray | None  # S^{1/2} X   (data path only; for a direct residual)
    ys: np.ndarray | None  # S^{1/2} y


def _spectrum_from_data(X, y, sample_weight, tau) -> _Spectrum:
    X, y, sw = _check_data(X, y, sample_weight)
    t = _check_tau(tau, X.shape[1])
    if sw is None:
        Xs, ys, sum_w = X, y, float(X.shape[0])
    else:
        r = np.sqrt(sw)
        Xs, ys, sum_w = X * r[:, None], y * r, float(sw.sum())
    Z = Xs * t[None, :]
    U, s, Vt = linalg.svd(Z, full_matrices=False, lapack_driver="gesdd", check_finite=False)
    return _Spectrum(t=t, d=s**2, V=Vt.T, c=s * (U.T @ ys), yty=float(ys @ ys),
                     sum_w=sum_w, Xs=Xs, ys=ys)


def _spectrum_from_stats(xtx, xty, yty, sum_w, tau) -> _Spectrum:
    xtx = np.asarray(xtx, dtype=np.float64)
    xty = np.asarray(xty, dtype=np.float64)
    p = xty.shape[0]
    if xtx.shape != (p, p):
        raise ValueError(f"xtx must have shape ({p}, {p}); got {xtx.shape}.")
    t = _check_tau(tau, p)
    G = t[:, None] * ((xtx + xtx.T) / 2.0) * t[None, :]
    d, V = linalg.eigh(G, check_finite=True)
    d = np.clip(d, 0.0, None)
    return _Spectrum(t=t, d=d, V=V, c=V.T @ (t * xty), yty=float(yty),
                     sum_w=_check_pos(sum_w, "sum_w"), Xs=None, ys=None)


def _fit(sp: _Spectrum, beta: float) -> dict:
    """Posterior pieces at noise precision ``beta`` (``beta = 1`` gives the NIG "unscaled" ones)."""
    bd = beta * sp.d
    g = beta * sp.c / (1.0 + bd)                     # V^T u_MP, u = T^{-1/2} w
    mean = sp.t * (sp.V @ g)
    if sp.Xs is not None:
        resid = sp.ys - sp.Xs @ mean
        rss = float(resid @ resid)
    else:
        rss = float(max(sp.yty - 2.0 * (g @ sp.c) + (sp.d * g) @ g, 0.0))
    return {
        "mean": mean,
        "rss": rss,                                   # (y - X w)^T S (y - X w)
        "unorm2": float(g @ g),                       # w^T T^{-1} w
        "logdet": float(np.sum(np.log1p(bd))),        # log det(I + beta Z^T Z)
        "gamma": float(np.sum(bd / (1.0 + bd))),      # tr(I - Sigma T^{-1})
        "bd": bd,
    }


def ridge_solution(xtx, xty, l2) -> np.ndarray:
    r"""The ridge closed form :math:`w = (X^\top S X + \mathrm{diag}(l_2))^{-1} X^\top S y`
    from ``xtx`` and ``xty``, through the whitened spectral form shared by every
    posterior and evidence here (:math:`\tau_j = l_{2,j}^{-1/2}`, unit noise): exact when
    ``xtx`` is singular, as for ``p > n``. All ``l2`` must be > 0."""
    sp = _spectrum_from_stats(xtx, xty, 0.0, 1.0, 1.0 / np.sqrt(np.asarray(l2, float)))
    return _fit(sp, 1.0)["mean"]


def ridge_solution_from_data(A, z, l2) -> np.ndarray:
    """:func:`ridge_solution` from the (weighted) design ``A`` and response ``z`` directly
    (a thin SVD of the whitened ``n x p`` design: the accurate choice when ``p > n``)."""
    sp = _spectrum_from_data(A, z, None, 1.0 / np.sqrt(np.asarray(l2, float)))
    return _fit(sp, 1.0)["mean"]


def _cov_and_factor(sp: _Spectrum, bd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""``T^{1/2} (I + beta Z^T Z)^{-1} T^{1/2}`` and its symmetric square-root factor."""
    p, k = sp.V.shape
    h = 1.0 / (1.0 + bd)
    core = (sp.V * h) @ sp.V.T
    root = (sp.V * np.sqrt(h)) @ sp.V.T
    if k < p:                                         # add the prior on the null space of Z
        null = np.eye(p) - sp.V @ sp.V.T
        core += null
        root += null
    cov = sp.t[:, None] * core * sp.t[None, :]
    return (cov + cov.T) / 2.0, sp.t[:, None] * root


# --------------------------------------------------------------------------- posteriors
def _posterior_fixed(sp: _Spectrum, sigma) -> GaussianPosterior:
    beta = 1.0 / _check_pos(sigma, "sigma") ** 2
    f = _fit(sp, beta)
    cov, factor = _cov_and_factor(sp, f["bd"])
    return GaussianPosterior(mean=f["mean"], cov=cov, factor=factor)


def posterior_fixed_sigma(X, y, *, sigma: float, tau, sample_weight=None) -> GaussianPosterior:
    r"""Exact posterior of ``w`` for known noise sd.

    .. math::

        \Sigma_{post} = \Big(T^{-1} + \frac{X^\top\mathbf{S}X}{\sigma^2}\Big)^{-1}, \qquad
        w_{MP} = \Sigma_{post}\,\frac{X^\top\mathbf{S}y}{\sigma^2},

    computed through the SVD of :math:`Z = \mathbf{S}^{1/2}XT^{1/2}` (valid for ``p > n``).

    Parameters
    ----------
    X : array-like (n, p)
        Design (centred by the caller if there is a flat-prior intercept).
    y : array-like (n,)
    sigma : float
        Noise standard deviation.
    tau : float or array-like (p,)
        Prior standard deviations of the coefficients.
    sample_weight : array-like (n,), optional
        Weights :math:`s_i` multiplying the log-likelihood terms.

    Returns
    -------
    GaussianPosterior
    """
    return _posterior_fixed(_spectrum_from_data(X, y, sample_weight, tau), sigma)


def posterior_fixed_sigma_from_stats(xtx, xty, yty, sum_w, *, sigma: float, tau) -> GaussianPosterior:
    r"""As :func:`posterior_fixed_sigma` from :math:`X^\top\mathbf{S}X, X^\top\mathbf{S}y, y^\top\mathbf{S}y, S`."""
    return _posterior_fixed(_spectrum_from_stats(xtx, xty, yty, sum_w, tau), sigma)


def _posterior_nig(sp: _Spectrum, a0, b0) -> NIGPosterior:
    a0, b0 = _check_pos(a0, "a0"), _check_pos(b0, "b0")
    f = _fit(sp, 1.0)
    cov, factor = _cov_and_factor(sp, f["bd"])
    return NIGPosterior(mean=f["mean"], cov_unscaled=cov, a=a0 + sp.sum_w / 2.0,
                        b=b0 + 0.5 * (f["rss"] + f["unorm2"]), factor=factor)


def posterior_nig(X, y, *, tau, a0: float, b0: float, sample_weight=None) -> NIGPosterior:
    r"""Exact Normal-Inverse-Gamma posterior.

    Prior :math:`\sigma^2 \sim \mathrm{InvGamma}(a_0, b_0)`,
    :math:`w \mid \sigma^2 \sim N(0, \sigma^2 T)`.  Posterior:

    .. math::

        C = (T^{-1} + X^\top\mathbf{S}X)^{-1}, \quad m = C X^\top\mathbf{S}y, \quad
        a = a_0 + \tfrac{S}{2}, \quad
        b = b_0 + \tfrac12\big[(y-Xm)^\top\mathbf{S}(y-Xm) + m^\top T^{-1} m\big].

    Parameters
    ----------
    X, y, sample_weight
        As in :func:`posterior_fixed_sigma`.
    tau : float or array-like (p,)
        Prior sds of ``w`` in units of :math:`\sigma`.
    a0, b0 : float
        Inverse-Gamma shape and scale (both > 0).

    Returns
    -------
    NIGPosterior
    """
    return _posterior_nig(_spectrum_from_data(X, y, sample_weight, tau), a0, b0)


def posterior_nig_from_stats(xtx, xty, yty, sum_w, *, tau, a0: float, b0: float) -> NIGPosterior:
    """As :func:`posterior_nig` from sufficient statistics."""
    return _posterior_nig(_spectrum_from_stats(xtx, xty, yty, sum_w, tau), a0, b0)


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
def empirical_bayes(
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
    max_iter = check_param(max_iter, "max_iter", "empirical_bayes", POSITIVE_INT)
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
    return EmpiricalBayesResult(alpha=float(alpha), lambda_=float(lam), coef=coef_final,
                                intercept=intercept, sigma=cov, scores=np.asarray(scores),
                                n_iter=it + 1, converged=converged)


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
