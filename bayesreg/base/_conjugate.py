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

from dataclasses import dataclass, field

import numpy as np
from scipy import linalg

from ..utils._validation import POSITIVE, check_param
from ._suffstats import SufficientStats

__all__ = [
    "GaussianPosterior",
    "NIGPosterior",
    "SufficientStats",
    "center",
    "sufficient_stats",
    "posterior_fixed_sigma",
    "posterior_fixed_sigma_from_stats",
    "posterior_nig",
    "posterior_nig_from_stats",
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
    # no columns (the intercept-only model): NumPy's average of an (n, 0) array divides by 0
    x_mean = (np.average(X, axis=0, weights=sw) if X.shape[1] else np.zeros(0))
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
