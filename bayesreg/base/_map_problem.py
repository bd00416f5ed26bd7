"""The MAP problem shared by every solver: its validated set-up, the objective ``F``
(likelihood pieces and penalties), the KKT certificate and the weighted Gram matrices.
See :mod:`bayesreg.base._solvers` for the objective and the solvers. NumPy/SciPy only.

The likelihood is a *family object* (duck-typed: a :class:`bayesreg.families.Family`
value from the layer above, which this layer does not import): the solvers call its
``nll`` / ``nll_derivs`` / ``intercept_start`` with its auxiliary parameters (``sigma``,
``dispersion``, ...) fixed, and read its ``convex``, ``sufficient_statistics`` and
``link``; they never ask which family it is."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg
from scipy.linalg import blas

from ._penalties import student_t_penalty_derivs

_CENTER_RATIO = 10.0  # centre X explicitly when some |mean_j| > _CENTER_RATIO * std_j
_EPS = np.finfo(np.float64).eps


@dataclass(frozen=True)
class MapResult:
    """The minimizer of the negative log posterior ``F`` (see the module docstring).

    Attributes
    ----------
    coef : numpy.ndarray, shape (p,)
        MAP coefficients ``w``; coordinates with ``l1 > 0`` can be exactly zero.
    intercept : float
        MAP intercept ``b`` (``0.0`` when ``fit_intercept=False``).
    objective : float
        ``F(coef, intercept)``.
    n_iter : int
        Iterations of the solver: 1 for closed forms, coordinate-descent sweeps for
        ``"cd"``/``"cd-gram"``, outer iterations for ``"newton"``/``"prox-newton"``/
        ``"lbfgs"``.
    converged : bool
        Closed forms: always ``True``. Iterative solvers: ``kkt_violation <= tol``.
    kkt_violation : float
        ``max_j dist(0, subdifferential_j F) / max(1, sum(sample_weight))`` over the
        coefficients and the intercept.
    solver : str
        One of ``"spectral"``, ``"spectral-dual"``, ``"cholesky"``, ``"lstsq"``,
        ``"cd-gram"``, ``"cd"``,
        ``"newton"``, ``"newton-dual"``, ``"lbfgs"``, ``"prox-newton"``.
    """

    coef: np.ndarray
    intercept: float
    objective: float
    n_iter: int
    converged: bool
    kkt_violation: float
    solver: str


# =====================================================================================
# Problem set-up
# =====================================================================================


@dataclass
class _Problem:
    """Validated inputs plus the working design ``X0 = X - x_off``.

    Solvers work with ``eta = X0 @ w + b0``; the user's intercept is
    ``b = b0 - x_off @ w``. ``x_off`` is the ``s``-weighted column mean when the design
    is centred explicitly (large means relative to spread, for conditioning), else 0.
    """

    X: np.ndarray
    X0: np.ndarray
    x_off: np.ndarray
    y: np.ndarray
    s: np.ndarray
    s_unit: bool  # all s_i == 1
    family: object  # a bayesreg Family (duck-typed)
    aux: dict  # the family's auxiliary parameters, fixed floats (e.g. {"sigma": 1.0})
    l1: np.ndarray
    l2: np.ndarray
    student_t: tuple[float, float] | None
    fit_intercept: bool

    @property
    def n(self) -> int:
        return self.X.shape[0]

    @property
    def p(self) -> int:
        return self.X.shape[1]

    @property
    def sigma(self) -> float:
        """The noise scale of a family with sufficient statistics (1.0 when it has none)."""
        return float(self.aux.get("sigma", 1.0))

    @property
    def kkt_scale(self) -> float:
        # log-link gradients carry float64 noise ~ eps * sum(s y |x|): with counts far above
        # 1 the certificate is relative to them, else it could never reach tol
        big = 1e-4 * float(self.s @ self.y) if self.family.link == "log" else 0.0
        return max(1.0, float(self.s.sum()), big)


def _penalty_vector(value, p: int, name: str) -> np.ndarray:
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        arr = np.full(p, float(arr))
    if arr.shape != (p,):
        raise ValueError(f"{name} must be a scalar or have shape ({p},); got {arr.shape}.")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f"{name} must be finite and >= 0.")
    return np.ascontiguousarray(arr)


def _family_aux(family, sigma, aux) -> dict:
    """The family's auxiliary parameters as positive floats: ``sigma`` (when the family
    has one) and the others from ``aux``; ValueError when one is missing or not > 0."""
    if not hasattr(family, "nll_derivs") or not getattr(family, "convex", False):
        raise ValueError(
            f"family must be a family object with a convex negative log-likelihood (e.g. "
            f"bayesreg.families.get_family('bernoulli')); got {family!r}.")
    given = dict(aux or {}, sigma=sigma)
    out = {}
    for name in family.auxiliary:
        value = given.get(name)
        if value is None or not float(value) > 0:
            raise ValueError(f"{name} must be > 0; got {value}.")
        out[name] = float(value)
    return out


def _setup(X, y, family, l1, l2, student_t, sigma, sample_weight, fit_intercept,
           aux=None) -> _Problem:
    X = np.asarray(X, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64)
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise ValueError(f"X must be (n, p) and y (n,); got {X.shape} and {y.shape}.")
    aux = _family_aux(family, sigma, aux)
    n, p = X.shape
    if sample_weight is None:
        s, s_unit = np.ones(n), True
    else:
        s = np.ascontiguousarray(sample_weight, dtype=np.float64)
        if s.shape != (n,):
            raise ValueError(f"sample_weight must have shape ({n},); got {s.shape}.")
        s_unit = bool(np.all(s == 1.0))
    l1v, l2v = _penalty_vector(l1, p, "l1"), _penalty_vector(l2, p, "l2")
    if student_t is not None:
        nu, scale = (float(v) for v in student_t)
        if not (nu > 0 and scale > 0):
            raise ValueError(f"student_t=(nu, scale) needs nu > 0 and scale > 0; got {student_t}.")
        if np.any(l1v > 0) or np.any(l2v > 0):
            raise ValueError("student_t can only be combined with l1=0 and l2=0.")
        student_t = (nu, scale)
    x_off = np.zeros(p)
    X0 = X
    if fit_intercept and n > 0:
        mean = s @ X / s.sum()
        step = max(1, n // 4096)  # the spread only steers a heuristic: a row sample will do
        Xs, ss = X[::step], s[::step]
        std = np.sqrt(np.maximum(ss @ (Xs - mean) ** 2 / max(ss.sum(), 1e-300), 0.0))
        if np.any(np.abs(mean) > _CENTER_RATIO * std + 1e-300):
            x_off = mean
            X0 = X - mean
    return _Problem(X, X0, x_off, y, s, s_unit, family, aux, l1v, l2v, student_t,
                    bool(fit_intercept))


# =====================================================================================
# Likelihood pieces (vectorized over observations)
# =====================================================================================


def _nll(pb: _Problem, eta: np.ndarray) -> np.ndarray:
    """Pointwise negative log-likelihood (up to constants), without weights."""
    return pb.family.nll(pb.y, eta, **pb.aux)


def _nll_derivs(pb: _Problem, eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and second derivative of ``nll`` with respect to ``eta``."""
    return pb.family.nll_derivs(pb.y, eta, **pb.aux)


def penalty_value(w: np.ndarray, l1, l2, student_t: tuple[float, float] | None = None
                  ) -> float:
    """The penalty of ``F``: ``sum_j l1_j |w_j| + l2_j w_j^2 / 2`` plus, with
    ``student_t = (nu, scale)``, ``sum_j (nu + 1)/2 log(1 + w_j^2 / (nu scale^2))``.

    ``l1``, ``l2`` are scalars or arrays of the shape of ``w``. Every solver in this
    package and the out-of-core GLM MAP (:mod:`bayesreg.inference._outofcore_glm`)
    evaluate their objective with it.
    """
    w = np.asarray(w, dtype=np.float64)
    l1 = np.broadcast_to(np.asarray(l1, dtype=np.float64), w.shape)
    l2 = np.broadcast_to(np.asarray(l2, dtype=np.float64), w.shape)
    smooth = 0.5 * float(l2 @ (w * w))
    if student_t is not None:
        nu, scale = student_t
        smooth += 0.5 * (nu + 1.0) * float(np.sum(np.log1p(w * w / (nu * scale**2))))
    return float(l1 @ np.abs(w)) + smooth


def _penalty(pb: _Problem, w: np.ndarray) -> float:
    return penalty_value(w, pb.l1, pb.l2, pb.student_t)


def _penalty_change(pb: _Problem, w: np.ndarray, u: np.ndarray) -> float:
    """``pen(u) - pen(w)`` summed term by term (no cancellation between two large sums).

    Near the optimum the prox-Newton step is tiny and ``pen(u) - pen(w)`` of two
    separately rounded sums would swamp the directional derivative.
    """
    diff = float(pb.l1 @ (np.abs(u) - np.abs(w))) + 0.5 * float(pb.l2 @ ((u - w) * (u + w)))
    if pb.student_t is not None:
        nu, scale = pb.student_t
        a = nu * scale**2
        diff += 0.5 * (nu + 1.0) * float(np.sum(np.log1p((u - w) * (u + w) / (a + w * w))))
    return diff


def _smooth_penalty_derivs(pb: _Problem, w: np.ndarray, clip: bool = False):
    """Gradient and diagonal Hessian of the smooth penalty (``l2`` and Student-t)."""
    grad, hess = pb.l2 * w, pb.l2.copy()
    if pb.student_t is not None:
        g, h = student_t_penalty_derivs(w, *pb.student_t)
        grad = grad + g
        hess = hess + (np.maximum(h, 0.0) if clip else h)
    return grad, hess


def _initial_intercept(pb: _Problem) -> float:
    """The intercept-only optimum with ``w = 0`` (a good Newton starting point)."""
    return pb.family.intercept_start(pb.y, pb.s) if pb.fit_intercept else 0.0


# =====================================================================================
# Optimality conditions
# =====================================================================================


def _subgrad_distance(g: np.ndarray, w: np.ndarray, l1: np.ndarray) -> np.ndarray:
    """``dist(0, g_j + l1_j * d|w_j|)`` coordinate-wise (``g`` = smooth gradient)."""
    return np.where(w > 0, np.abs(g + l1), np.where(w < 0, np.abs(g - l1),
                                                    np.maximum(np.abs(g) - l1, 0.0)))


def kkt_distance(g_w: np.ndarray, w: np.ndarray, l1, g_b: float | None = None) -> float:
    """The KKT certificate of ``F``, unnormalized: ``max_j dist(0, subdifferential_j F)``.

    ``g_w`` is the gradient of the smooth part of ``F`` (loss and smooth penalties) in
    the coefficients ``w``, ``l1`` the L1 weights (scalar or per coefficient) and ``g_b``
    the gradient in an unpenalized intercept (``None`` without one). Every solver in
    this package and the out-of-core GLM MAP stop on it (divided by
    ``max(1, sum(sample_weight))``, see :class:`MapResult`).
    """
    viol = float(np.max(_subgrad_distance(g_w, w, l1), initial=0.0))
    return viol if g_b is None else max(viol, abs(float(g_b)))


def _full_kkt(pb: _Problem, w: np.ndarray, b0: float, eta: np.ndarray) -> float:
    """Absolute KKT violation of ``F`` in the user's ``(w, b)`` parametrization."""
    g_eta = pb.s * _nll_derivs(pb, eta)[0]
    g_b = float(g_eta.sum())
    g_w = pb.X0.T @ g_eta + pb.x_off * g_b + _smooth_penalty_derivs(pb, w)[0]
    return kkt_distance(g_w, w, pb.l1, g_b if pb.fit_intercept else None)


#: largest certificate of a closed-form ("exact") solution still put down to rounding
EXACT_KKT = 1e-6


def _finish(pb: _Problem, w: np.ndarray, b0: float, n_iter: int, solver: str,
            tol: float, exact: bool = False, eta: np.ndarray | None = None,
            state: tuple[float, float] | None = None) -> MapResult:
    """The result at ``(w, b0)``; ``state = (F, absolute KKT violation)`` of a Newton-type
    solver at ``eta = X0 w + b0`` is reused when ``X0 = X`` (both then hold in the
    user's parametrization)."""
    if eta is None:
        eta = pb.X0 @ w + b0
    if state is not None and not np.any(pb.x_off):
        objective, kkt = state[0], state[1] / pb.kkt_scale
    else:
        objective = float(pb.s @ _nll(pb, eta)) + _penalty(pb, w)
        kkt = _full_kkt(pb, w, b0, eta) / pb.kkt_scale
    b = float(b0 - pb.x_off @ w) if pb.fit_intercept else 0.0
    # a NaN or infinite estimate, objective or certificate is never reported as converged
    finite = bool(np.all(np.isfinite(w)) and np.isfinite([b, objective, kkt]).all())
    # a closed form is converged up to rounding (its certificate may sit a little above a
    # tight tol), never with a certificate that shows it is not the optimum
    ok = kkt <= tol or (exact and kkt <= max(tol, EXACT_KKT))
    return MapResult(coef=np.array(w, dtype=np.float64), intercept=b, objective=objective,
                     n_iter=int(n_iter), converged=bool(finite and ok),
                     kkt_violation=float(kkt), solver=solver)


# =====================================================================================
# Weighted Gram matrices
# =====================================================================================


class _Gram:
    """Weighted Gram of ``X0`` with the intercept eliminated (Schur complement).

    For weights ``d`` it holds ``H = X0' D X0``, ``h = X0' d``, ``D = sum(d)``; with an
    intercept the reduced matrix is ``G = H - h h' / D`` (the ``d``-weighted centred
    Gram), else ``G = H``. ``buf`` is a reusable ``n x p`` work array; ``H`` is one BLAS
    ``syrk`` on it (half the flops of a general product).

    With ``stride = k > 1`` the Gram is that of the rows ``0, k, 2k, ...`` times ``k``
    (and ``compute`` takes the weights of all rows): an unbiased, ``k`` times cheaper
    estimate of the full one, for the early Newton steps (see
    :class:`bayesreg.base._newton._HessianCache`).
    """

    def __init__(self, pb: _Problem, stride: int = 1):
        self.pb = pb
        self.stride = int(stride)
        self.X0 = pb.X0 if self.stride == 1 else np.ascontiguousarray(pb.X0[::self.stride])
        self.buf: np.ndarray | None = None

    def compute(self, d: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        X0, k = self.X0, self.stride
        if k > 1:
            d = k * d[::k]
        if np.all(d == d[0]):
            H = d[0] * (X0.T @ X0)
        else:
            if self.buf is None:
                self.buf = np.empty(X0.shape)
            np.multiply(X0, np.sqrt(d)[:, None], out=self.buf)
            H = _syrk_upper(self.buf)
            iu = np.triu_indices_from(H, 1)
            H[iu[1], iu[0]] = H[iu]  # the lower triangle from the upper
        h = X0.T @ d if self.pb.fit_intercept else np.zeros(X0.shape[1])
        return H, h, float(d.sum())


def _syrk_upper(A: np.ndarray) -> np.ndarray:
    """The upper triangle of ``A' A`` for a C-contiguous ``A`` (one BLAS ``syrk``)."""
    if A.flags.c_contiguous and A.dtype == np.float64:
        # A' is Fortran-ordered: syrk(trans=0) forms A' (A')' without a copy
        return blas.dsyrk(1.0, A.T, trans=0)
    return A.T @ A


def _reduce(H, h, D, cw, cb, fit_intercept):
    """Eliminate the intercept from ``1/2 x'Hx - c'x``; returns ``(G, c)``."""
    if not fit_intercept or D <= 0:
        return H, cw
    return H - np.outer(h, h) / D, cw - h * (cb / D)


def _chol_solve_checked(M: np.ndarray, rhs: np.ndarray) -> np.ndarray | None:
    """Cholesky solve, or ``None`` when ``M`` is (numerically) singular.

    ``M`` is Jacobi-equilibrated first (``D M D``, ``D = diag(M)^(-1/2)``): Cholesky and
    the singularity test are then unaffected by the scales of the columns (predictors on
    1e-8 and 1e8 scales are not a singular system)."""
    dm = np.diag(M)
    d = np.where(dm > 0, 1.0 / np.sqrt(np.where(dm > 0, dm, 1.0)), 1.0)
    Ms = M * d[:, None] * d[None, :]
    try:
        cf = linalg.cho_factor(Ms, lower=False, check_finite=False)
    except linalg.LinAlgError:
        return None
    diag = np.abs(np.diag(cf[0]))
    if diag.size and diag.min() ** 2 <= M.shape[0] * _EPS * max(np.max(np.abs(np.diag(Ms))), 1e-300):
        return None
    return d * linalg.cho_solve(cf, d * rhs, check_finite=False)
