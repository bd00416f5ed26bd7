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
``ElasticNetPrior(b, tau)``            ``sum |w_j| / b + w_j^2 / (2 tau^2)``
``StudentT(nu, s)``                 ``(nu+1)/2 sum log(1 + w_j^2 / (nu s^2))``
``Flat()``                          none (maximum likelihood; needs a full-rank design)
==================================  ==========================================

A prior with ``scaled_by_sigma=True`` uses the scale ``sigma * tau`` (``sigma * b``,
``sigma * s``) at the fixed ``sigma``; e.g. ``Gaussian(tau, scaled_by_sigma=True)`` gives
``Ridge(alpha = 1 / tau^2)`` whatever ``sigma``.

The minimizer of ``F`` is computed by :func:`bayesreg.base.fit_map`. For the
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
has no unique mode), a bernoulli or poisson model whose likelihood improves without end
along unpenalized coordinates (separated labels under a ``Flat`` prior, a single class or
all-zero counts with the flat intercept: no mode exists, see
:mod:`bayesreg.base._existence`), and the ``student_t`` family.

Extreme fixed scales are taken to their float64 limits: a prior scale whose precision
``1/scale^2`` underflows is no shrinkage, one whose precision overflows pins the
coefficients (or the intercept) to exactly 0. Predictors whose magnitude is outside
``[1e-4, 1e4]`` are solved in units of their largest value, and a fixed ``sigma``
outside ``[1e-8, 1e8]`` in units of ``sigma`` (the same objective; ``kkt_violation`` is
then the certificate in those units, which float64 rounding lets reach ``tol``); a
``sigma`` outside ``[1e-100, 1e100]`` is refused. A solver that
produces non-finite values raises ``ValueError``; ``converged`` is never true for
a non-finite estimate or certificate.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, fields, replace

import numpy as np
import xarray as xr

from ..base._existence import no_mode_direction
from ..base._penalties import Penalty
from ..base._solvers import MapResult, fit_map
from ..families._family import family_names, get_family
from ..priors._penalty import prior_penalty
from ..priors._priors import Prior
from ._standardize import Standardization
from ..utils._validation import POSITIVE, POSITIVE_INT, check_param, check_positive_float
from ._diagnostics import ConvergenceWarning

__all__ = ["MapEstimate", "map_estimate", "map_penalty"]


@dataclass(frozen=True)
class MapEstimate(MapResult):
    """Maximum a posteriori estimate of a :class:`bayesreg.Model`.

    The solver's :class:`bayesreg.base.MapResult` (``intercept``, ``objective``: ``F`` at
    the estimate, the negative log posterior up to an additive constant, a sum over
    observations; ``n_iter``, ``converged``, ``kkt_violation``: the optimality
    certificate ``max_j dist(0, subdifferential_j F) / max(1, sum(s))``, 0 at the exact
    optimum; ``solver``), with the coefficients labeled and the penalty it solved.

    Attributes
    ----------
    coef : xarray.DataArray, dims ("feature",)
        MAP coefficients, labeled by feature; exact zeros under L1-type priors.
    penalty : bayesreg.base._penalties.Penalty
        The prior as penalty weights, and the ``sigma`` used.
    standardization : bayesreg.inference._standardize.Standardization or None
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
    if not model.fit_intercept or prior.penalty_kind == "none":
        return 0.0, 0.0
    if prior.penalty_kind in ("l1", "l2"):
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
    bayesreg.base._penalties.Penalty

    Raises
    ------
    ValueError
        For any model without a well-defined MAP that equals a penalized fit (see the
        module docstring).
    """
    family = model.family
    if model.prior.sparse:
        raise ValueError(
            f"MAP is not available for the sparse prior {model.prior!r}: its density has a "
            f"pole at 0, so the joint mode over the coefficients and their local scales "
            f"sets every coefficient to 0 and says nothing about the posterior. Sample with "
            f"model.sample() and get a sparse point estimate with bayesreg.savs(model, fit).")
    if not family.convex:
        convex = " or ".join(repr(n) for n in family_names() if get_family(n).convex)
        raise ValueError(
            f"MAP is not implemented for family={family.name!r} (its noise scale and degrees "
            f"of freedom have no penalized-fit twin). Sample the posterior with "
            f"model.sample(), or use family={convex}."
        )
    if family.has_sigma:
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
        if not 1e-100 <= sigma <= 1e100:
            with np.errstate(over="ignore"):
                raise ValueError(
                f"sigma={sigma:g} is too extreme for the MAP solver: the likelihood weight "
                f"1/sigma^2 = {np.float64(sigma) ** -2.0:g} leaves float64 precision. Rescale y and sigma "
                f"together (e.g. y / {sigma:.0e} with sigma=1.0): the coefficients scale with "
                f"them.")
    elif sigma is not None:
        raise ValueError(f"sigma is not a parameter of family={family.name!r}; leave it as "
                         f"None.")
    aux = {}
    for name in family.auxiliary:  # the family's parameters besides sigma, held fixed
        value = getattr(model, name)
        if name != "sigma" and isinstance(value, Prior):
            raise ValueError(
                f"MAP needs a fixed {name}, but model.{name} is the prior {value!r}; the "
                f"penalized fit equals the MAP only with {name} held fixed. Pass a float, "
                f"e.g. Model(..., {name}=1.0).")
        if name != "sigma":
            aux[name] = float(value)
    l1, l2, student_t = prior_penalty(model.prior, sigma)
    if student_t is not None and not 1e-100 <= student_t[1] <= 1e100:
        raise ValueError(
            f"The StudentT prior's scale {student_t[1]:g} is too extreme for the MAP solver "
            f"(its penalty log(1 + w^2 / (nu s^2)) leaves float64 precision). Use a scale in "
            f"[1e-100, 1e100], or a Gaussian prior for the same limit.")
    b_l1, b_l2 = _intercept_penalty(model, sigma)
    if student_t is not None and (b_l1 or b_l2):
        raise ValueError(
            "MAP with a StudentT coefficient prior needs the default Flat intercept prior "
            "(intercept_prior=None); or sample the posterior with model.sample()."
        )
    return Penalty(family, l1, l2, model.fit_intercept, sigma=sigma, student_t=student_t,
                   intercept_l1=b_l1, intercept_l2=b_l2, aux=aux or None)


def _check_mode_exists(model, pen: Penalty) -> None:
    """Bernoulli and poisson: no mode when the likelihood improves without end along
    unpenalized coordinates (separation, one class, all-zero counts);
    :mod:`bayesreg.base._existence`."""
    free_coef = pen.l1 == 0 and pen.l2 == 0 and pen.student_t is None
    free_b = pen.fit_intercept and not (pen.intercept_l1 or pen.intercept_l2)
    cols = ([model.X] if free_coef else []) + ([np.ones((model.n_samples, 1))] if free_b else [])
    if not cols or not no_mode_direction(np.hstack(cols), model.y, pen.family):
        return
    binary = pen.family.outcome == "binary"
    single = np.all(model.y > 0.5) or np.all(model.y < 0.5) if binary \
        else np.all(model.y == 0)
    if single and free_b:
        what = ("every label of y is " + f"{model.y[0]:g}" if binary
                else "every count of y is 0")
        raise ValueError(
            f"No posterior mode exists: {what}, so the likelihood keeps improving as the "
            f"unpenalized (Flat) intercept runs to {'+' if model.y[0] > 0.5 else '-'}inf. "
            f"Check the labels, or give the intercept a proper prior (e.g. intercept_prior="
            f"Gaussian(10.0)) and sample the posterior with model.sample().")
    raise ValueError(
        f"No posterior mode exists: the {pen.family.name} likelihood keeps improving without "
        f"end along the unpenalized coefficients (the {'labels are separated' if binary else 'zero counts are separated from the others'} "
        f"by the predictors, and the prior is Flat), so any reported estimate would be an "
        f"arbitrary point. Use a proper prior (e.g. Gaussian(1.0) or Laplace(1.0)).")


def _check_identifiable(model, pen: Penalty) -> None:
    """A Flat prior (no curvature) needs a full-rank (centred) design for a unique mode."""
    if pen.l1 > 0 or pen.l2 > 0 or pen.student_t is not None:
        return _check_mode_exists(model, pen)
    X = model.X
    if model.fit_intercept and not (pen.intercept_l1 or pen.intercept_l2):
        X = X - np.average(X, axis=0, weights=model.sample_weight)
    elif model.fit_intercept:
        X = np.column_stack([X, np.ones(X.shape[0])])
    scale = np.max(np.abs(X), axis=0, initial=0.0)  # the rank of the columns, whatever
    rank = np.linalg.matrix_rank(X / np.where(scale > 0, scale, 1.0))  # their scales
    if rank < X.shape[1]:
        raise ValueError(
            f"The coefficient prior is Flat and the design has rank {rank} < {X.shape[1]} "
            f"(n_samples={model.n_samples}, n_features={model.n_features}): the posterior has "
            f"no unique mode. Use a proper prior (e.g. Gaussian(1.0) or Laplace(0.1)) for MAP, "
            f"or sample the posterior with model.sample()."
        )
    _check_mode_exists(model, pen)


def map_estimate(model, *, sigma: float | None = None, tol: float = 1e-10,
                 max_iter: int = 10_000) -> MapEstimate:
    """Maximum a posteriori estimate: the minimizer of the negative log posterior.

    .. math::

        F(w, b) = \\sum_i s_i \\,\\mathrm{nll}(y_i, x_i^\\top w + b)
                  + \\sum_j \\big(l1 |w_j| + \\tfrac12 l2 w_j^2\\big) + \\mathrm{pen}_t(w)

    with ``l1 = 1/b`` (Laplace), ``l2 = 1/tau^2`` (Gaussian), both for ``ElasticNetPrior(b,
    tau)``, the Student-t penalty for ``StudentT(nu, s)`` and none for ``Flat``. For the
    gaussian family ``sigma`` is held fixed; that is the condition under which the MAP
    equals the penalized least-squares fit, e.g. ``Ridge(alpha = sigma^2 / tau^2)`` and
    ``Lasso(alpha = sigma^2 / (S b))`` with ``S = sum(sample_weight)`` (see
    :func:`bayesreg.from_sklearn`).

    Parameters
    ----------
    model : bayesreg.Model
        Family gaussian, bernoulli or poisson; coefficient prior Gaussian, Laplace,
        ElasticNetPrior, StudentT (non-convex: the local mode reached from ``w = 0``) or Flat
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
        unsupported priors, Flat prior with a rank-deficient design, no mode (separation,
        a single class, all-zero counts), student_t family.

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
    X, p = model.X, model.n_features
    l1, l2 = pen.l1, pen.l2
    zero_coef = math.isinf(l1) or math.isinf(l2)  # a prior scale of 0 at float64 precision
    if zero_coef:
        X, l1, l2 = X[:, :0], 0.0, 0.0
    else:
        _check_identifiable(model, pen)
    fit_intercept = pen.fit_intercept
    if math.isinf(pen.intercept_l1) or math.isinf(pen.intercept_l2):
        fit_intercept = False  # the intercept is exactly 0
    augmented = fit_intercept and (pen.intercept_l1 > 0 or pen.intercept_l2 > 0)
    if augmented:  # a penalized intercept is one more penalized coefficient
        X = np.column_stack([X, np.ones(model.n_samples)])
        l1 = np.append(np.full(X.shape[1] - 1, l1), pen.intercept_l1)
        l2 = np.append(np.full(X.shape[1] - 1, l2), pen.intercept_l2)
        fit_intercept = False
    # predictors on extreme scales are solved in units of their scale (v_j = d_j w_j, l1 /
    # d_j, l2 / d_j^2: the same objective, and a certificate that float64 rounding lets
    # reach tol), and an extreme fixed sigma in units of sigma (y / c, w / c with c = sigma)
    d = np.max(np.abs(X), axis=0, initial=0.0)
    d = np.where((d > 0) & ((d < 1e-4) | (d > 1e4)) & (pen.student_t is None), d, 1.0)
    if np.any(d != 1.0):
        X, l1, l2 = X / d, np.broadcast_to(l1, d.shape) / d, np.broadcast_to(l2, d.shape) / d**2
    c = pen.sigma if pen.sigma is not None and not 1e-8 <= pen.sigma <= 1e8 else 1.0
    t = None if pen.student_t is None else (pen.student_t[0], pen.student_t[1] / c)
    res = fit_map(X, model.y / c, family=pen.family, l1=np.multiply(l1, c),
                  l2=np.multiply(l2, c * c), student_t=t,
                  sigma=1.0 if pen.sigma is None else pen.sigma / c,
                  sample_weight=model.sample_weight, fit_intercept=fit_intercept,
                  tol=tol, max_iter=int(max_iter), aux=pen.aux)
    res = replace(res, coef=res.coef * c / d, intercept=res.intercept * c)
    if not (np.all(np.isfinite(res.coef)) and np.isfinite([res.intercept, res.objective]).all()):
        raise ValueError(
            f"The MAP solver {res.solver!r} produced non-finite values (objective "
            f"{res.objective}): X, y or the prior scales are too extreme for float64 "
            f"arithmetic. Rescale X and y (e.g. standardize=True) and fit again.")
    if not res.converged:
        warnings.warn(
            f"The MAP solver {res.solver!r} stopped after {res.n_iter} iterations with KKT "
            f"violation {res.kkt_violation:.3g} > tol={tol:g}; increase max_iter (or tol). "
            f"Predictors on very different scales (e.g. 1e-8 and 1e8) leave float64 rounding "
            f"in the certificate above a tight tol: standardize=True puts them on one scale.",
            ConvergenceWarning, stacklevel=2)
    coef, intercept = res.coef, res.intercept
    if augmented:
        coef, intercept = coef[:-1], float(coef[-1])
    if zero_coef:
        coef = np.zeros(p)
    da = xr.DataArray(np.array(coef), dims=("feature",),
                      coords={"feature": list(model.feature_names)}, name="coef")
    solved = {f.name: getattr(res, f.name) for f in fields(MapResult)}
    return MapEstimate(**{**solved, "coef": da, "intercept": float(intercept)}, penalty=pen,
                       standardization=model.standardization)
