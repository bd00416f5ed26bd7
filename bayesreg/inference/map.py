"""MAP estimates of a :class:`bayesreg.Model`: the penalized fit, exactly.

The negative log posterior of a model with fixed hyperparameters is, up to constants,

.. math::

    F(w, b) = \\sum_i s_i \\,\\mathrm{nll}(y_i, x_i^\\top w + b) + \\mathrm{pen}(w)
              [+ \\mathrm{pen}_0(b)],

with the gaussian ``nll = (y - eta)^2 / (2 sigma^2)``, the bernoulli ``log(1 + e^eta) -
y eta`` or the poisson ``e^eta - y eta``, and the prior translated into a penalty:

==================================  ==========================================
coefficient prior                   penalty ``pen(w)`` (``fit_map`` arguments)
==================================  ==========================================
``Gaussian(tau)``                   ``sum w_j^2 / (2 tau^2)``     (``l2 = 1/tau^2``)
``Laplace(b)``                      ``sum |w_j| / b``             (``l1 = 1/b``)
``ElasticNet(b, tau)``              ``sum |w_j| / b + w_j^2 / (2 tau^2)``
``StudentT(nu, s)``                 ``(nu+1)/2 sum log(1 + w_j^2 / (nu s^2))``
``Flat()``                          none (maximum likelihood; needs a full-rank design)
==================================  ==========================================

A prior with ``scaled_by_sigma=True`` uses the scale ``sigma * tau`` (``sigma * b``,
``sigma * s``) at the fixed ``sigma``; e.g. ``Gaussian(tau, scaled_by_sigma=True)`` gives
``Ridge(alpha = 1 / tau^2)`` whatever ``sigma``.

The minimizer of ``F`` is computed by :func:`bayesreg.math.fit_map`. For the
gaussian family it coincides with the scikit-learn estimator of
:mod:`bayesreg.sklearn` *only when sigma is held fixed*: with a prior on ``sigma``,
the joint mode also moves ``sigma`` and is not a penalized least-squares fit. Hence
MAP needs a fixed ``sigma``: ``Model(..., sigma=1.3)`` or ``map_estimate(model,
sigma=1.3)`` (the override wins).

The intercept is unpenalized under the default ``Flat()`` intercept prior (as in
scikit-learn). A ``Gaussian(scale)`` or ``Laplace(scale)`` intercept prior with
``loc = 0`` is mapped exactly by treating the intercept as one more penalized
coefficient (``l2 = 1/scale^2`` or ``l1 = 1/scale``).

A ``standardize=True`` model is solved on its standardized design (``model.X``): the
estimate's ``coef`` and ``intercept`` are on that scale, the final step's ``coef_`` and
``intercept_`` of ``make_pipeline(StandardScaler(), Ridge(...))``, and
``coef_original`` / ``intercept_original`` give them on the predictors' own scale.

Not supported (a ``ValueError`` says what to do instead): hyperpriors (the joint mode
over a prior scale is degenerate, it collapses to zero: sample instead), non-zero prior
``loc``, a ``Flat`` prior with a rank-deficient design (e.g. ``p > n``: the posterior
has no unique mode), and the ``student_t`` family.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, fields

import numpy as np
import xarray as xr

from ..math.glm import GLM_FAMILIES
from ..math.penalties import Penalty
from ..math.solvers import MapResult, fit_map
from ..spec.penalty import prior_penalty
from ..spec.priors import Flat, Gaussian, Laplace, Prior
from ..spec.shrinkage import ShrinkagePrior
from ..spec.standardize import Standardization
from ..utils.validation import POSITIVE, POSITIVE_INT, check_param, check_positive_float
from .diagnostics import ConvergenceWarning

__all__ = ["MapEstimate", "map_estimate", "map_penalty"]


@dataclass(frozen=True)
class MapEstimate(MapResult):
    """Maximum a posteriori estimate of a :class:`bayesreg.Model`.

    The solver's :class:`bayesreg.math.MapResult` (``intercept``, ``objective``: ``F`` at
    the estimate, the negative log posterior up to an additive constant, a sum over
    observations; ``n_iter``, ``converged``, ``kkt_violation``: the optimality
    certificate ``max_j dist(0, subdifferential_j F) / max(1, sum(s))``, 0 at the exact
    optimum; ``solver``), with the coefficients labeled and the penalty it solved.

    Attributes
    ----------
    coef : xarray.DataArray, dims ("feature",)
        MAP coefficients, labeled by feature; exact zeros under L1-type priors.
    penalty : bayesreg.math.penalties.Penalty
        The prior as penalty weights, and the ``sigma`` used.
    standardization : bayesreg.spec.standardize.Standardization or None
        For a ``standardize=True`` model, whose ``coef`` and ``intercept`` are on the
        standardized scale (the pipeline's final ``coef_``/``intercept_``); see
        ``coef_original`` and ``intercept_original``.
    """

    penalty: Penalty
    standardization: Standardization | None = None

    @property
    def coef_original(self) -> xr.DataArray:
        """Coefficients on the original scale of the predictors (``coef / scale``; the
        same as ``coef`` for a model that is not standardized)."""
        if self.standardization is None:
            return self.coef
        return self.coef.copy(data=self.standardization.coef_original(self.coef.values))

    @property
    def intercept_original(self) -> float:
        """The intercept on the original scale (``intercept - sum(coef * center /
        scale)``; the same as ``intercept`` for a model that is not standardized)."""
        if self.standardization is None:
            return self.intercept
        return float(self.standardization.intercept_original(self.intercept,
                                                             self.coef.values))

    @property
    def sigma(self) -> float | None:
        """The fixed gaussian noise scale the estimate was computed with."""
        return self.penalty.sigma

    def __repr__(self) -> str:
        nz = int(np.count_nonzero(self.coef.values))
        return (f"MapEstimate(n_features={self.coef.size}, n_nonzero={nz}, "
                f"intercept={self.intercept:.6g}, objective={self.objective:.10g}, "
                f"solver={self.solver!r}, n_iter={self.n_iter}, converged={self.converged}, "
                f"kkt_violation={self.kkt_violation:.2e})")


def _intercept_penalty(model, sigma: float | None) -> tuple[float, float]:
    prior = model.intercept_prior
    if not model.fit_intercept or isinstance(prior, Flat):
        return 0.0, 0.0
    if isinstance(prior, (Gaussian, Laplace)):
        l1, l2, _ = prior_penalty(prior, sigma, what="intercept prior")
        return l1, l2
    raise ValueError(
        f"MAP supports a Flat (default), Gaussian or Laplace intercept prior; got "
        f"{prior!r}. Use intercept_prior=None (unpenalized, as in scikit-learn) or sample "
        f"the posterior with model.sample()."
    )


def map_penalty(model, sigma: float | None = None) -> Penalty:
    """Translate a model's priors into ``fit_map`` penalty weights.

    Parameters
    ----------
    model : bayesreg.Model
    sigma : float, optional
        Fixed gaussian noise scale overriding ``model.sigma``.

    Returns
    -------
    bayesreg.math.penalties.Penalty

    Raises
    ------
    ValueError
        For any model without a well-defined MAP that equals a penalized fit (see the
        module docstring).
    """
    family = model.family.name
    if isinstance(model.prior, ShrinkagePrior):
        raise ValueError(
            f"MAP is not available for the sparse prior {model.prior!r}: its density has a "
            f"pole at 0, so the joint mode over the coefficients and their local scales "
            f"sets every coefficient to 0 and says nothing about the posterior. Sample with "
            f"model.sample() and get a sparse point estimate with bayesreg.savs(model, fit).")
    if family not in GLM_FAMILIES:
        raise ValueError(
            f"MAP is not implemented for family={family!r} (its noise scale and degrees of "
            f"freedom have no penalized-fit twin). Sample the posterior with model.sample(), "
            f"or use family='gaussian', 'bernoulli' or 'poisson'."
        )
    if family == "gaussian":
        if sigma is not None:
            sigma = check_positive_float(sigma, "sigma")
        elif isinstance(model.sigma, Prior):
            raise ValueError(
                f"MAP needs a fixed noise scale, but model.sigma is the prior {model.sigma!r}; "
                f"the penalized fit equals the MAP only with sigma held fixed. Pass a float, "
                f"e.g. Model(..., sigma=1.0) or model.map(sigma=1.0)."
            )
        else:
            sigma = float(model.sigma)
    elif sigma is not None:
        raise ValueError(f"sigma is not a parameter of family={family!r}; leave it as None.")
    l1, l2, student_t = prior_penalty(model.prior, sigma)
    b_l1, b_l2 = _intercept_penalty(model, sigma)
    if student_t is not None and (b_l1 or b_l2):
        raise ValueError(
            "MAP with a StudentT coefficient prior needs the default Flat intercept prior "
            "(intercept_prior=None); or sample the posterior with model.sample()."
        )
    return Penalty(family, l1, l2, model.fit_intercept, sigma=sigma, student_t=student_t,
                   intercept_l1=b_l1, intercept_l2=b_l2)


def _check_identifiable(model, pen: Penalty) -> None:
    """A Flat prior (no curvature) needs a full-rank (centred) design for a unique mode."""
    if pen.l1 > 0 or pen.l2 > 0 or pen.student_t is not None:
        return
    X = model.X
    if model.fit_intercept and not (pen.intercept_l1 or pen.intercept_l2):
        X = X - np.average(X, axis=0, weights=model.sample_weight)
    elif model.fit_intercept:
        X = np.column_stack([X, np.ones(X.shape[0])])
    rank = np.linalg.matrix_rank(X)
    if rank < X.shape[1]:
        raise ValueError(
            f"The coefficient prior is Flat and the design has rank {rank} < {X.shape[1]} "
            f"(n_samples={model.n_samples}, n_features={model.n_features}): the posterior has "
            f"no unique mode. Use a proper prior (e.g. Gaussian(1.0) or Laplace(0.1)) for MAP, "
            f"or sample the posterior with model.sample()."
        )


def map_estimate(model, *, sigma: float | None = None, tol: float = 1e-10,
                 max_iter: int = 10_000) -> MapEstimate:
    """Maximum a posteriori estimate: the minimizer of the negative log posterior.

    .. math::

        F(w, b) = \\sum_i s_i \\,\\mathrm{nll}(y_i, x_i^\\top w + b)
                  + \\sum_j \\big(l1 |w_j| + \\tfrac12 l2 w_j^2\\big) + \\mathrm{pen}_t(w)

    with ``l1 = 1/b`` (Laplace), ``l2 = 1/tau^2`` (Gaussian), both for ``ElasticNet(b,
    tau)``, the Student-t penalty for ``StudentT(nu, s)`` and none for ``Flat``. For the
    gaussian family ``sigma`` is held fixed; that is the condition under which the MAP
    equals the penalized least-squares fit, e.g. ``Ridge(alpha = sigma^2 / tau^2)`` and
    ``Lasso(alpha = sigma^2 / (S b))`` with ``S = sum(sample_weight)`` (see
    :func:`bayesreg.from_sklearn`).

    Parameters
    ----------
    model : bayesreg.Model
        Family gaussian, bernoulli or poisson; coefficient prior Gaussian, Laplace,
        ElasticNet, StudentT (non-convex: the local mode reached from ``w = 0``) or Flat
        (full-rank design); fixed hyperparameters, ``loc = 0``.
    sigma : float, optional
        Fixed gaussian noise scale. Required when ``model.sigma`` is a prior; overrides a
        fixed ``model.sigma``. Must be ``None`` for the other families.
    tol : float, default 1e-10
        Stopping tolerance on the KKT violation (optimality of ``F / sum(s)``).
    max_iter : int, default 10000
        Coordinate-descent sweeps or Newton iterations.

    Returns
    -------
    MapEstimate

    Warns
    -----
    bayesreg.ConvergenceWarning
        When the solver stops before ``kkt_violation <= tol`` (``converged=False``).

    Raises
    ------
    ValueError
        Prior on ``sigma`` without a ``sigma`` override, hyperpriors, non-zero ``loc``,
        unsupported priors, Flat prior with a rank-deficient design, student_t family.

    Examples
    --------
    >>> import numpy as np, bayesreg as br
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(50, 3)); y = X @ [1.0, 0.0, -2.0] + rng.normal(size=50)
    >>> est = br.Model(X, y, prior=br.Laplace(0.1), sigma=1.0).map()
    >>> est.coef.dims
    ('feature',)
    """
    pen = map_penalty(model, sigma)
    tol = check_param(tol, "tol", "map_estimate", POSITIVE)
    max_iter = check_param(max_iter, "max_iter", "map_estimate", POSITIVE_INT)
    _check_identifiable(model, pen)
    X, p = model.X, model.n_features
    l1, l2 = pen.l1, pen.l2
    fit_intercept = pen.fit_intercept
    augmented = pen.intercept_l1 > 0 or pen.intercept_l2 > 0
    if augmented:  # a penalized intercept is one more penalized coefficient
        X = np.column_stack([X, np.ones(model.n_samples)])
        l1 = np.append(np.full(p, l1), pen.intercept_l1)
        l2 = np.append(np.full(p, l2), pen.intercept_l2)
        fit_intercept = False
    res = fit_map(X, model.y, family=pen.family, l1=l1, l2=l2, student_t=pen.student_t,
                  sigma=1.0 if pen.sigma is None else pen.sigma,
                  sample_weight=model.sample_weight, fit_intercept=fit_intercept,
                  tol=tol, max_iter=int(max_iter))
    if not res.converged:
        warnings.warn(
            f"The MAP solver {res.solver!r} stopped after {res.n_iter} iterations with KKT "
            f"violation {res.kkt_violation:.3g} > tol={tol:g}; increase max_iter (or tol). "
            f"With a Flat prior on separable bernoulli data the mode does not exist: use a "
            f"proper prior.", ConvergenceWarning, stacklevel=2)
    coef, intercept = res.coef, res.intercept
    if augmented:
        coef, intercept = coef[:p], float(coef[p])
    da = xr.DataArray(np.array(coef), dims=("feature",),
                      coords={"feature": list(model.feature_names)}, name="coef")
    solved = {f.name: getattr(res, f.name) for f in fields(MapResult)}
    return MapEstimate(**{**solved, "coef": da, "intercept": float(intercept)}, penalty=pen,
                       standardization=model.standardization)
