r"""Chunk reductions on Dask: the only module that imports dask (optional extra).

Data that do not fit one process stay where they are, in the row chunks of a Dask
collection (a ``dask.array``, a ``dask.dataframe`` or a Dask-backed ``xarray``
object). Every quantity bayesreg needs from them is a *reduction over chunks*: a
function of one chunk runs where the chunk lives (a thread of the local scheduler, or a
worker of a ``dask.distributed`` cluster) and returns a small result that does not grow
with the number of rows; the results are merged along a balanced tree. Only the merged
result reaches the client:

* :func:`reduce_stats` -- the centred :class:`~bayesreg.base._suffstats.SufficientStats`
  of ``(X, y)`` (a ``p x p`` matrix per chunk, merged by Chan et al.'s update);
* :func:`reduce_glm` -- a GLM's negative log-likelihood, its gradient and its Hessian
  at one coefficient vector,

  .. math::

      f = \sum_i s_i\,\mathrm{nll}(y_i, \eta_i), \quad
      g = \sum_i s_i\,\mathrm{nll}'(y_i, \eta_i)\, d_i, \quad
      H = \sum_i s_i\,\mathrm{nll}''(y_i, \eta_i)\, d_i d_i^\top,

  with :math:`d_i = (1, x_i - c)` and :math:`\eta_i = d_i^\top\theta` (chunk by chunk
  through the family's ``nll_derivs`` (:mod:`bayesreg.families`); sums add);
* :func:`map_chunks` -- any per-chunk function (e.g. the pointwise log-likelihood for
  PSIS-LOO), merged by the caller's ``combine``.

The computation runs on the scheduler in use: ``dask.compute`` uses a
``dask.distributed.Client`` when one is active, else Dask's local threads.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ..base._suffstats import SufficientStats

__all__ = ["DASK_EXTRA", "ChunkedData", "import_dask", "is_dask_collection", "chunked_data",
           "reduce_stats", "reduce_glm", "map_chunks", "compute", "tree_reduce",
           "settle_lazy_modules"]

DASK_EXTRA = 'pip install "bayesreg[dask]"'
_LAZY_LOCK = threading.Lock()
#: array libraries that scipy's array-API helpers look up in ``sys.modules``
_ARRAY_LIBS = ("jax", "torch", "cupy", "sparse", "ndonnx")


def settle_lazy_modules() -> None:
    """Finish loading array libraries that another package registered lazily.

    A ``lazy_loader`` placeholder for ``jax`` in ``sys.modules`` is loaded on first
    attribute access, and that is not thread-safe: scipy's helpers (used by ArviZ's PSIS)
    probe ``jax.Array`` and, in a worker thread, can see the half-loaded module. Chunk
    functions that run SciPy in threads call this first (under a lock, once).
    """
    with _LAZY_LOCK:
        for name in _ARRAY_LIBS:
            mod = sys.modules.get(name)
            if mod is not None and type(mod).__name__ == "_LazyModule":
                getattr(mod, "__name__", None)


def import_dask():
    """``(dask, dask.array)``; an ImportError naming the extra when Dask is missing."""
    try:
        import dask
        import dask.array as da
    except ImportError as err:  # pragma: no cover - exercised without the extra
        raise ImportError(f"Out-of-core and distributed fits need Dask: {DASK_EXTRA}.") from err
    return dask, da


def is_dask_collection(obj) -> bool:
    """Whether ``obj`` is a Dask collection or an xarray object backed by one (no import)."""
    graph = getattr(obj, "__dask_graph__", None)
    return callable(graph) and graph() is not None


@dataclass(frozen=True, eq=False)
class ChunkedData:
    """``(X, y, sample_weight)`` as aligned row blocks of Dask delayed values.

    Attributes
    ----------
    blocks : list of tuple
        ``(X_block, y_block, weight_block or None)`` per row chunk, each a
        ``dask.delayed`` value (a NumPy array or a pandas object once computed).
    feature_names : list of str
    lengths : tuple of int or None
        Rows per block when Dask knows them (arrays), else None (data frames).
    """

    blocks: list
    feature_names: list
    lengths: tuple | None

    @property
    def n_features(self) -> int:
        return len(self.feature_names)


def _as_column_array(obj, name, chunks, da):
    """A 1-D dask array with the given row chunks (from a dask or an in-memory array)."""
    if obj is None:
        return None
    if hasattr(obj, "to_dask_array"):
        obj = obj.to_dask_array(lengths=True)
    elif type(obj).__module__.startswith("xarray"):
        obj = obj.data
    if not is_dask_collection(obj):
        obj = da.from_array(np.asarray(obj, dtype=np.float64), chunks=(chunks,))
    if obj.ndim != 1:
        raise ValueError(f"{name} must be 1-D; got shape {obj.shape}.")
    if obj.shape[0] != sum(chunks):
        raise ValueError(f"{name} has {obj.shape[0]} rows but X has {sum(chunks)}.")
    return obj.rechunk((chunks,))


def chunked_data(X, y, sample_weight=None) -> ChunkedData:
    """Split Dask-held ``X``, ``y`` (and ``sample_weight``) into aligned row blocks.

    ``X`` is a 2-D ``dask.array`` (rows may be chunked at will; columns are gathered into
    one chunk per row block), a ``dask.dataframe.DataFrame`` (its partitions are the
    blocks; column names become features) or a 2-D xarray DataArray backed by Dask
    (dims ``(obs, feature)``). ``y`` and ``sample_weight`` are Dask arrays or series with
    the same rows, or in-memory arrays (split to match).
    """
    dask, da = import_dask()
    if not is_dask_collection(X):
        raise TypeError(f"X must be a Dask collection (dask.array, dask.dataframe or a "
                        f"Dask-backed xarray.DataArray); got {type(X).__name__}. For data "
                        f"in memory use bayesreg.Model.")
    names = None
    if type(X).__module__.startswith("xarray"):
        if X.ndim != 2:
            raise ValueError(f"X must be a 2-D DataArray (obs, feature); got dims {X.dims}.")
        dim = X.dims[1]
        names = [str(v) for v in X[dim].values] if dim in X.coords else None
        X = X.data
    if hasattr(X, "columns"):  # dask DataFrame: one block per partition
        names = [str(c) for c in X.columns]
        same = (hasattr(y, "npartitions") and y.npartitions == X.npartitions
                and (sample_weight is None or getattr(sample_weight, "npartitions", -1)
                     == X.npartitions))
        if same:
            ws = [None] * X.npartitions if sample_weight is None else sample_weight.to_delayed()
            blocks = list(zip(X.to_delayed(), y.to_delayed(), ws))
            return ChunkedData(blocks=blocks, feature_names=names, lengths=None)
        X = X.to_dask_array(lengths=True)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features); got shape {X.shape}.")
    for name, arr in (("X", X), ("y", y)):
        kind = getattr(getattr(arr, "dtype", None), "kind", "f")
        if kind == "c":  # the blocks would be cast to float with only NumPy's warning
            raise ValueError(f"{name} must be real; got a Dask array of dtype {arr.dtype}. "
                             f"Pass the real part ({name}.real) or the real and imaginary "
                             f"parts as two columns.")
    X = X.rechunk({1: -1})
    chunks = X.chunks[0]
    yd = _as_column_array(y, "y", chunks, da)
    wd = _as_column_array(sample_weight, "sample_weight", chunks, da)
    xb = X.to_delayed().ravel()
    wb = [None] * len(xb) if wd is None else list(wd.to_delayed().ravel())
    names = names or [f"x{i}" for i in range(X.shape[1])]
    return ChunkedData(blocks=list(zip(xb, yd.to_delayed().ravel(), wb)),
                       feature_names=names, lengths=tuple(int(c) for c in chunks))


def _arrays(X, y, w):
    """NumPy float64 arrays of one block (pandas partitions converted)."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    return X, y, None if w is None else np.asarray(w, dtype=np.float64).reshape(-1)


# ------------------------------------------------------------------ per-chunk functions
def _stats_chunk(X, y, w, family) -> tuple[SufficientStats, int]:
    X, y, w = _arrays(X, y, w)
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
        raise ValueError("X and y must be finite (a chunk holds NaN or inf).")
    if w is not None and (not np.all(np.isfinite(w)) or np.any(w < 0)):
        raise ValueError("sample_weight must be finite and non-negative.")
    family.check_y(y)
    return SufficientStats.centered(X, y, w), X.shape[0]


def _merge_stats(a, b):
    return a[0].merge(b[0]), a[1] + b[1]


def _glm_chunk(X, y, w, family, theta: np.ndarray, shift: np.ndarray,
               fit_intercept: bool, order: int):
    """``(f, g, H)`` of one block at ``theta`` (``g``, ``H`` None below ``order``)."""
    X, y, w = _arrays(X, y, w)
    D = X - shift
    if fit_intercept:
        D = np.column_stack([np.ones(X.shape[0]), D])
    eta = D @ theta
    s = np.ones(X.shape[0]) if w is None else w
    f = float(s @ family.nll(y, eta))
    if order == 0:
        return f, None, None
    g1, g2 = family.nll_derivs(y, eta)
    g = D.T @ (s * g1)
    H = (D * (s * g2)[:, None]).T @ D if order > 1 else None
    return f, g, H


#: linear predictors computed at once per chunk: at most this many bytes
_LOGLIK_BLOCK_BYTES = 32 * 2**20


def _loglik_columns_chunk(X, y, w, family, theta: np.ndarray, shift: np.ndarray,
                          fit_intercept: bool) -> np.ndarray:
    """``sum_i s_i log p(y_i | eta_is)`` of one block for each row ``s`` of ``theta``
    (``(S, k)``), in sub-blocks of bounded memory."""
    X, y, w = _arrays(X, y, w)
    return family.log_likelihood_draws(X, y, theta, w, fit_intercept=fit_intercept,
                                       shift=shift, block_bytes=_LOGLIK_BLOCK_BYTES)


def _add(a, b):
    return tuple(None if u is None else u + v for u, v in zip(a, b))


# ------------------------------------------------------------------ reductions
def tree_reduce(values: list, combine: Callable):
    """Merge delayed ``values`` pairwise along a balanced tree of delayed ``combine``."""
    dask, _ = import_dask()
    comb = dask.delayed(combine, pure=True)
    level = list(values)
    while len(level) > 1:
        level = [comb(level[i], level[i + 1]) if i + 1 < len(level) else level[i]
                 for i in range(0, len(level), 2)]
    return level[0]


def compute(value) -> Any:
    """Compute one delayed value on the scheduler in use (a distributed Client if active)."""
    dask, _ = import_dask()
    return dask.compute(value)[0]


def map_chunks(fn: Callable, data: ChunkedData, *args) -> list:
    """``fn(X_block, y_block, w_block, *args)`` for every block, as delayed values."""
    dask, _ = import_dask()
    f = dask.delayed(fn, pure=True)
    return [f(x, y, w, *args) for x, y, w in data.blocks]


def reduce_stats(data: ChunkedData, family) -> tuple[SufficientStats, int]:
    """Centred sufficient statistics of all blocks and the number of rows (one pass).

    Each block is checked (finite, valid ``y`` for the family object ``family``) where
    it lives.
    """
    if not data.blocks:
        raise ValueError("X has no rows.")
    return compute(tree_reduce(map_chunks(_stats_chunk, data, family), _merge_stats))


def reduce_log_likelihood(data: ChunkedData, family, theta: np.ndarray, shift: np.ndarray,
                          fit_intercept: bool) -> np.ndarray:
    r"""The log-likelihood of all blocks at each row of ``theta`` (``(S, k)``; one pass,
    ``S`` numbers back from each block): :math:`\sum_i s_i \log p(y_i \mid
    \eta_{is})` with ``eta`` as in :func:`reduce_glm`."""
    parts = map_chunks(_loglik_columns_chunk, data, family, np.asarray(theta, float),
                       np.asarray(shift, float), bool(fit_intercept))
    return compute(tree_reduce(parts, np.add))


def reduce_glm(data: ChunkedData, family, theta: np.ndarray, shift: np.ndarray,
               fit_intercept: bool, order: int = 2):
    r"""``(f, g, H)`` summed over blocks at ``theta`` (one pass; see the module docstring).

    ``theta`` is ``(b_c, w)`` with :math:`\eta = b_c + (x - c)^\top w` (``w`` alone
    without an intercept) and ``shift`` is ``c``; ``order`` 0 returns only ``f``, 1 adds
    ``g``, 2 adds ``H``.
    """
    parts = map_chunks(_glm_chunk, data, family, np.asarray(theta, float),
                       np.asarray(shift, float), bool(fit_intercept), int(order))
    return compute(tree_reduce(parts, _add))
