r"""Priors as scale mixtures of normals: the latent-variance form a Gibbs sampler draws.

A prior on a weight ``w`` with location ``mu`` and scale ``s`` is a scale mixture of
normals when

.. math::

    w \mid u \sim N(\mu, c\, s^2 u), \qquad u \sim \pi(u),

with ``c = sigma**2`` for a prior with ``scaled_by_sigma=True`` and ``c = 1`` otherwise,
and ``u`` a latent variance in units of ``s**2`` whose law does not involve ``s``. Given
the standardized deviation ``e = (w - mu) / (sqrt(c) s)``, ``u`` has a closed-form
conditional:

* ``Gaussian(s)``: ``u = 1`` (no latent variable);
* ``Laplace(b)`` (Andrews & Mallows 1974; the Bayesian lasso of Park & Casella 2008):
  ``u ~ Exponential(mean 2)`` gives ``p(w) = exp(-|w - mu| / b) / (2 b)``, and
  ``1 / u | e ~ InverseGaussian(mean = 1 / |e|, shape = 1)``;
* ``StudentT(nu, s)``: ``u ~ InvGamma(nu / 2, nu / 2)``, and
  ``u | e ~ InvGamma((nu + 1) / 2, (nu + e**2) / 2)``;
* ``Flat``: ``u = inf`` (zero prior precision).

Because ``u``'s law does not involve ``s``, a random scale has the same conditional for
every mixture: given the ``m`` weights ``w_j`` and their ``u_j``,
``p(s^2 | ...) ∝ (s^2)^{-m/2} exp(-sum_j (w_j - mu)^2 / (c u_j) / (2 s^2)) pi(s)``.

:data:`NORMAL_MIXTURES` is the registry (prior class -> :class:`NormalMixture`), filled
here by hand; :func:`normal_mixture` looks a prior up (its class, then its bases). The
Gibbs sampler of the gaussian family (:mod:`bayesreg.backends._gibbs`) draws the
coefficients given these variances as one Gaussian block.

The global-local (sparse) priors of :mod:`bayesreg.priors._shrinkage` are scale mixtures
too, ``w_j | v_j ~ N(0, v_j)``, but their latent scales are shared across coefficients
(the global ``tau``): :data:`GLOBAL_LOCAL_MIXTURES` holds, per prior class, a
:class:`GlobalLocalMixture` that starts, updates (given all coefficients) and reports
their latent scales under the names the PyMC model gives them (``tau``, ``lambda``,
``eta``, ``c2``). With ``A = tau0 * noise`` the scale of ``tau``'s half-Student-t:

* ``Horseshoe`` (Makalic & Schmidt 2016; Wand et al. 2011: ``x ~ half-t(nu, A)`` iff
  ``x^2 | a ~ InvGamma(nu / 2, nu / a)``, ``a ~ InvGamma(1 / 2, 1 / A^2)``), every step
  conjugate:
  ``lambda_j^2 | ... ~ IG((1 + nu_l) / 2, nu_l / a_j + w_j^2 / (2 tau^2))``,
  ``a_j | ... ~ IG((nu_l + 1) / 2, 1 + nu_l / lambda_j^2)``,
  ``tau^2 | ... ~ IG((p + nu_g) / 2, nu_g / xi + sum_j w_j^2 / (2 lambda_j^2))``,
  ``xi | ... ~ IG((nu_g + 1) / 2, 1 / A^2 + nu_g / tau^2)``;
* ``RegularizedHorseshoe``: ``v_j = c^2 tau^2 lambda_j^2 / (c^2 + tau^2 lambda_j^2)``
  is not conditionally conjugate: each ``log lambda_j`` (all at once), ``log tau`` and
  ``log c^2`` are drawn by slice sampling their exact conditionals
  (:func:`bayesreg.base._gibbs.slice_step`). (An independence Metropolis-Hastings step
  from the horseshoe's conditional, exact too, stuck at the large ``lambda_j`` of the
  strong signals: ESS 389 of 16,000 draws on a 4-coefficient logistic problem.)

``R2D2`` has no entry: its Dirichlet split of the variance has no exact conditional
draw here (:func:`global_local_mixture` raises TypeError). Nor has ``HorseshoePlus``:
its form (the horseshoe's conjugate steps for ``lambda_j`` and ``eta_j`` in turn) failed
simulation-based calibration on a logistic model (``coef`` and ``tau`` ranks, joint
p = 0.003 at 200, 400 and, with 2 x 3000 draws per fit, 200 simulations; VALIDATION.md),
so it was withdrawn until the cause is found; NUTS samples it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..base._gibbs import inverse_gamma, slice_step
from ..utils._registry import registered
from ._priors import Flat, Gaussian, Laplace, Prior, StudentT
from ._shrinkage import Horseshoe, RegularizedHorseshoe

__all__ = ["NORMAL_MIXTURES", "NormalMixture", "normal_mixture", "GLOBAL_LOCAL_MIXTURES",
           "GlobalLocalMixture", "global_local_mixture", "log_half_t_kernel"]


@dataclass(frozen=True)
class NormalMixture:
    """The latent-variance form of a prior (see the module docstring).

    Attributes
    ----------
    initial : float
        A starting value of the latent ``u`` (its fixed value for a prior without one).
    draw : callable or None
        ``draw(prior, e, rng) -> ndarray``: ``u`` drawn from ``u | e`` elementwise, ``e``
        the standardized deviations. ``None``: ``u`` is fixed at ``initial``.
    scaled : bool
        Whether the prior has a scale ``s`` (``Flat`` has none).
    """

    initial: float
    draw: Callable[[Prior, np.ndarray, np.random.Generator], np.ndarray] | None = None
    scaled: bool = True

    @property
    def latent(self) -> bool:
        """Whether ``u`` is a latent variable (drawn at each sweep)."""
        return self.draw is not None


#: above this inverse-Gaussian mean, its draw is taken from the limit law (Levy):
#: NumPy's ``wald`` loses every digit to cancellation from a mean of about 1e15 on
_WALD_LIMIT = 1e8


def _laplace_u(prior, e, rng):
    mean = 1.0 / np.maximum(np.abs(e), 1e-300)
    big = mean > _WALD_LIMIT
    inv_u = rng.wald(np.where(big, 1.0, mean), 1.0)
    if np.any(big):  # InvGauss(mean, 1) -> 1 / Z**2 as mean -> inf (e -> 0)
        inv_u = np.where(big, 1.0 / rng.standard_normal(np.shape(e)) ** 2, inv_u)
    return 1.0 / inv_u


def _student_t_u(prior, e, rng):
    nu = float(prior.nu)
    return 0.5 * (nu + e * e) / rng.standard_gamma(0.5 * (nu + 1.0), size=np.shape(e))


#: Prior class -> its scale-mixture-of-normals form (filled here, by hand).
NORMAL_MIXTURES = {
    Gaussian: NormalMixture(initial=1.0),
    Laplace: NormalMixture(initial=2.0, draw=_laplace_u),
    StudentT: NormalMixture(initial=1.0, draw=_student_t_u),
    Flat: NormalMixture(initial=np.inf, scaled=False),
}


def normal_mixture(prior: Prior) -> NormalMixture:
    """The scale-mixture form of ``prior`` (:data:`NORMAL_MIXTURES`); TypeError when it
    has none (e.g. ``ElasticNetPrior``, the sparse priors)."""
    return registered(NORMAL_MIXTURES, prior, "scale-mixture-of-normals form")


# --------------------------------------------------------------------------- global-local
@dataclass(frozen=True)
class GlobalLocalMixture:
    """The latent-scale form of a global-local prior (see the module docstring).

    Attributes
    ----------
    init : callable
        ``init(prior, chains, p, A) -> state``: a dict of arrays, the reported latent
        scales (``tau`` shaped ``(chains,)``, ``lambda`` ... ``(chains, p)``) and any
        auxiliaries.
    update : callable
        ``update(prior, state, w, A, rng, tau=True)``: one Gibbs sweep over the latent
        scales given the coefficients ``w`` ``(chains, p)``, in place (``tau=False``:
        all but ``tau``, which the caller updates with the coefficients integrated out).
    variance : callable
        ``variance(prior, state) -> (chains, p)``: the prior variances ``v_j``.
    """

    init: Callable
    update: Callable
    variance: Callable
    #: ``globals_(prior, A) -> {name: (power, log_density)}``: the global scales (``tau``,
    #: and ``c2`` for the regularized horseshoe), the power ``k`` with which each scales
    #: when every coefficient is scaled by ``e^s`` (``tau e^s``, ``c2 e^{2s}``: the prior
    #: variances scale by ``e^{2s}``), and the log density of ``log x`` (Jacobian in)
    globals_: Callable | None = None
    #: ``collapsed(prior, state) -> (c2 or None, nu_local)``: what
    #: :func:`bayesreg.base._gibbs.collapsed_local_sweep` needs (None: no such sweep)
    collapsed: Callable | None = None
    #: ``refresh(prior, state, rng)``: redraw the auxiliaries given the local scales after
    #: they changed with the coefficients integrated out
    refresh: Callable | None = None


def _ig_local(nu, aux, w2, scale2, rng):
    """``lambda^2 | ... ~ IG((1 + nu) / 2, nu / a + w^2 / (2 scale2))``."""
    return inverse_gamma(0.5 * (1.0 + nu), nu / aux + 0.5 * w2 / scale2, rng)


def _ig_aux(nu, lam2, rng, A2=1.0):
    """``a | lambda^2 ~ IG((nu + 1) / 2, 1 / A^2 + nu / lambda^2)``."""
    return inverse_gamma(0.5 * (nu + 1.0), 1.0 / A2 + nu / lam2, rng)


def _scale_move(prior, state, A, rng, log_local):
    """``(tau, lambda_j) -> (tau e^s, lambda_j e^{-s})``: every product ``tau lambda_j``,
    so every prior variance and the coefficients' density, stays; ``s`` is drawn by
    slice sampling the priors along that line (in ``(log tau, log lambda)``, a
    translation: no Jacobian). It moves ``tau`` along the ridge where the local scales
    compensate, which a step in ``tau`` alone crawls along. ``log_local(lam)``: the log
    density of ``log lambda_j`` (Jacobian included) up to a constant, ``(chains, p)``."""
    t0, l0 = np.log(state["tau"]), np.log(state["lambda"])
    log_tau = _log_half_t_of_log(float(prior.df_global), float(A))

    def log_f(s):
        return log_tau(np.exp(t0 + s)) + log_local(np.exp(l0 - s[:, None])).sum(axis=1)

    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        s = slice_step(np.zeros_like(t0), log_f, rng, width=0.5)
    state["tau"] = np.exp(t0 + s)
    state["lambda"] = np.exp(l0 - s[:, None])


def _aux_local(prior, state):
    """The log density of ``log lambda_j`` given its auxiliary ``a_j`` (``lambda_j^2 |
    a_j ~ InvGamma(nu / 2, nu / a_j)``), Jacobian included."""
    nu = float(prior.df_local)
    rate = nu / state["lambda_aux"]
    return lambda lam: -nu * np.log(lam) - rate / (lam * lam)


def _hs_init(prior, chains, p, A):
    return {"tau": np.full(chains, float(A)), "lambda": np.ones((chains, p)),
            "lambda_aux": np.ones((chains, p)), "tau_aux": np.ones(chains)}


def _global_tau(prior, state, w2_over_local, A, rng):
    """``tau^2`` and its auxiliary ``xi`` (conjugate), given ``sum_j w_j^2 / local_j^2``."""
    nu_g = float(prior.df_global)
    p = w2_over_local.shape[1]
    tau2 = inverse_gamma(0.5 * (p + nu_g),
                         nu_g / state["tau_aux"] + 0.5 * w2_over_local.sum(axis=1), rng)
    state["tau_aux"] = _ig_aux(nu_g, tau2, rng, A2=float(A) ** 2)
    state["tau"] = np.sqrt(tau2)


def _hs_update(prior, state, w, A, rng, tau=True):
    nu = float(prior.df_local)
    w2 = np.maximum(w * w, 1e-300)
    tau2 = state["tau"][:, None] ** 2
    lam2 = _ig_local(nu, state["lambda_aux"], w2, tau2, rng)
    state["lambda_aux"] = _ig_aux(nu, lam2, rng)
    state["lambda"] = np.sqrt(lam2)
    if tau:
        _global_tau(prior, state, w2 / lam2, A, rng)
    _scale_move(prior, state, A, rng, _aux_local(prior, state))


def _hs_variance(prior, state):
    return (state["tau"][:, None] * state["lambda"]) ** 2


def log_half_t_kernel(x, nu, scale):
    """``log`` of the half-Student-t density of ``x > 0`` up to its constant:
    ``-(nu + 1) / 2 log(1 + (x / scale)^2 / nu)`` (the slice and Metropolis steps need no
    more, and scipy's ``logpdf`` costs ~20x as much)."""
    z = x / scale
    return -0.5 * (nu + 1.0) * np.log1p(z * z / nu)


def _log_half_t_of_log(nu, scale):
    """The log density of ``log x`` for a half-Student-t ``x`` (``nu``, ``scale``), up to a
    constant (the Jacobian ``log x`` in), as a function of ``x``."""
    return lambda x: log_half_t_kernel(x, nu, scale) + np.log(x)


def _rhs_init(prior, chains, p, A):
    state = _hs_init(prior, chains, p, A)
    state["c2"] = np.full(chains, float(prior.slab_scale) ** 2)
    return state


def _rhs_log_normal(w2, t2l2, c2):
    """``sum_j log N(w_j | 0, v_j)`` up to a constant, ``1 / v_j = 1 / t2l2 + 1 / c2``."""
    prec = 1.0 / t2l2 + 1.0 / c2
    return 0.5 * (np.log(prec) - w2 * prec).sum(axis=-1)


def _rhs_update(prior, state, w, A, rng, tau=True):
    w2 = np.maximum(w * w, 1e-300)
    tau2 = state["tau"][:, None] ** 2
    c2 = state["c2"][:, None]
    # log lambda_j: slice on its exact conditional, every (chain, j) at once
    log_lambda_prior = _log_half_t_of_log(float(prior.df_local), 1.0)

    def log_lambda(t):
        lam = np.exp(t)
        prec = 1.0 / (tau2 * lam * lam) + 1.0 / c2
        return 0.5 * (np.log(prec) - w2 * prec) + log_lambda_prior(lam)

    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        lam2 = np.exp(2.0 * slice_step(np.log(state["lambda"]), log_lambda, rng))
    state["lambda"] = np.sqrt(lam2)
    # log tau: slice on its exact conditional
    log_tau_prior = _log_half_t_of_log(float(prior.df_global), float(A))

    def log_tau(t):
        tau = np.exp(t)
        return _rhs_log_normal(w2, (tau[:, None] ** 2) * lam2, c2) + log_tau_prior(tau)

    if tau:
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            state["tau"] = np.exp(slice_step(np.log(state["tau"]), log_tau, rng))
    _scale_move(prior, state, A, rng, log_lambda_prior)
    lam2 = state["lambda"] ** 2
    # log c2: slice on its exact conditional (prior InvGamma(nu / 2, nu s^2 / 2))
    t2l2 = state["tau"][:, None] ** 2 * lam2
    log_c2_prior = _rhs_c2_prior(prior)

    def log_c2(t):
        c2_t = np.exp(t)
        return _rhs_log_normal(w2, t2l2, c2_t[:, None]) + log_c2_prior(c2_t)

    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        state["c2"] = np.exp(slice_step(np.log(state["c2"]), log_c2, rng))


def _rhs_variance(prior, state):
    t2l2 = (state["tau"][:, None] * state["lambda"]) ** 2
    c2 = state["c2"][:, None]
    return c2 * t2l2 / (c2 + t2l2)


def _tau_global(prior, A):
    return {"tau": (1, _log_half_t_of_log(float(prior.df_global), float(A)))}


def _rhs_c2_prior(prior):
    """The slab ``c2 ~ InvGamma(a, b)``, ``a = nu / 2``, ``b = nu s^2 / 2``: the log density
    of ``log c2``, ``-a log c2 - b / c2`` up to a constant (the Jacobian in), as a function
    of ``c2``."""
    a = 0.5 * float(prior.slab_df)
    b = a * float(prior.slab_scale) ** 2
    return lambda c2: -a * np.log(c2) - b / c2


def _rhs_globals(prior, A):
    return {**_tau_global(prior, A), "c2": (2, _rhs_c2_prior(prior))}


def _hs_refresh(prior, state, rng):
    state["lambda_aux"] = _ig_aux(float(prior.df_local), state["lambda"] ** 2, rng)


#: Global-local prior class -> its latent-scale Gibbs form (filled here, by hand).
GLOBAL_LOCAL_MIXTURES = {
    Horseshoe: GlobalLocalMixture(_hs_init, _hs_update, _hs_variance, _tau_global,
                                  lambda prior, state: (None, float(prior.df_local)),
                                  _hs_refresh),
    RegularizedHorseshoe: GlobalLocalMixture(
        _rhs_init, _rhs_update, _rhs_variance, _rhs_globals,
        lambda prior, state: (state["c2"], float(prior.df_local)), None),
}


def global_local_mixture(prior: Prior) -> GlobalLocalMixture:
    """The latent-scale Gibbs form of a sparse prior (:data:`GLOBAL_LOCAL_MIXTURES`);
    TypeError when it has none (``R2D2``)."""
    return registered(GLOBAL_LOCAL_MIXTURES, prior, "global-local Gibbs form")
