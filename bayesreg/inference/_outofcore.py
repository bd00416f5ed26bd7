r"""``bayesreg.DaskModel``: a regression model whose data stay in Dask chunks.

Gaussian family: the likelihood sees the data only through their sufficient statistics,

.. math::

    \sum_i s_i (y_i - b - x_i^\top w)^2 = C_{yy} - 2 w^\top C_{xy} + w^\top C_{xx} w
        + S\,(\bar y - b - \bar x^\top w)^2,

so one pass over the chunks (:func:`bayesreg.backends._dask_chunks.reduce_stats`, merged
by Chan et al.'s update) gives everything: the model is then the in-memory
:class:`bayesreg.Model` of the ``2(p + 1)`` weighted pseudo-observations with the same
statistics (:meth:`bayesreg.base.SufficientStats.pseudo_data`), *the same likelihood for
every coefficient, intercept and noise scale*, so every prior, every sampler (exact,
PyMC, nutpie, numpyro, blackjax), the MAP, the evidence and ``standardize=True`` work
unchanged and cost nothing more whatever ``n``. Only the pointwise log-likelihood (for
PSIS-LOO) and predictions at the training rows need the rows: they are computed chunk by
chunk (:meth:`DaskModel.loo`, :meth:`DaskModel.log_likelihood`), for every family.

Bernoulli and Poisson families: no finite statistics exist; the MAP is a proximal-Newton
loop whose every iteration is one pass over the chunks returning the gradient and the
Hessian (:mod:`bayesreg.inference._outofcore_glm`). NUTS cannot run out of core (every
gradient touches every row: thousands of passes). The posterior is sampled by the
independence sampler of :mod:`bayesreg.backends._imh` instead: with the proposal fixed
(a multivariate t at the MAP with the inverse Hessian as its scale, one more pass for the
Hessian), the log-likelihood of **all** ``chains * (draws + burn-in)`` proposals is one
more pass over the chunks (:func:`bayesreg.backends._dask_chunks.reduce_log_likelihood`:
``X_chunk @ Theta`` where the chunk lives, ``S`` numbers back from each), and the
accept/reject steps run in this process on those numbers. Three passes in all, whatever
the number of draws; the client holds the ``S x (p + 1)`` proposals, never the data.
The Pareto ``k`` of the proposal's importance ratios says whether to trust it (with
millions of rows a posterior with a few dozen coefficients is Gaussian to high
accuracy); a high ``k`` warns, as there is no NUTS to fall back to out of core.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr
from scipy.special import logsumexp

from ..backends._dask_chunks import (
    ChunkedData,
    chunked_data,
    compute,
    import_dask,
    is_dask_collection,
    map_chunks,
    reduce_glm,
    reduce_log_likelihood,
    reduce_stats,
    settle_lazy_modules,
    tree_reduce,
)
from ..backends._draws import coefficient_values, posterior_dataset
from ..backends._imh import SAMPLER_NOTE_ATTR, imh_failure, imh_run
from ..backends._laplace import smooth_prior_reason
from ..base._evidence import laplace_evidence
from ..base._psis import psis_loo
from ..base._random import seed_sequence_int
from ..utils._validation import (NON_NEGATIVE_INT, POSITIVE_INT, OneOf, check_bool,
                                 check_param, check_random_seed)
from ._diagnostics import CONVERGENCE_ATTR, ConvergenceWarning, check_convergence
from ..utils._datatree import datatree, group_names
from ..families._family import family_names, get_family
from ._evidence import EvidenceResult
from ._map import MapEstimate, map_penalty
from ._model import Model, prediction
from ._outofcore_glm import glm_map_chunked
from ._loo import _by_row, _reff
from ._pointwise import pointwise_loglik
from ._blocks import predictive_mean
from ._model_spec import check_coef_prior, check_intercept_prior

__all__ = ["DaskModel", "DaskMapEstimate", "ChunkedLoo"]

_GLM_SAMPLING = (
    "DaskModel samples a {family} model with sampler='imh' (independence "
    "Metropolis-Hastings from the Laplace approximation, three passes over the chunks); "
    "{why}. Load the data into bayesreg.Model(X.compute(), y.compute(), ...) to sample it "
    "with NUTS.")


@dataclass(frozen=True)
class DaskMapEstimate(MapEstimate):
    """The MAP estimate of a :class:`DaskModel` GLM, with its Laplace approximation.

    Attributes
    ----------
    laplace_cov : numpy.ndarray or None
        The inverse Hessian of the negative log posterior at the MAP, in ``(intercept,
        coef)`` order (``coef`` only without an intercept): the covariance of the Laplace
        approximation ``N(theta_MAP, H^{-1})``. Gaussian and Flat priors (no L1 part);
        ``None`` otherwise.
    """

    laplace_cov: np.ndarray | None = None


@dataclass(frozen=True)
class ChunkedLoo:
    """PSIS-LOO computed chunk by chunk (the totals of :func:`arviz_stats.loo`).

    Attributes
    ----------
    elpd, se, p : float
        :math:`\\sum_i \\mathrm{elpd}_i`, :math:`\\sqrt{n\\,\\mathrm{var}(\\mathrm{elpd}_i)}` (``ddof=1``),
        :math:`\\sum_i \\mathrm{lppd}_i - \\mathrm{elpd}`.
    n_data_points, n_samples : int
    pareto_k_max : float
    n_bad_k : int
        Observations with Pareto :math:`\\hat k > 0.7`.
    """

    elpd: float
    se: float
    p: float
    n_data_points: int
    n_samples: int
    pareto_k_max: float
    n_bad_k: int


@dataclass(frozen=True)
class _RowModel:
    """What the per-row quantities of a GLM fit (pointwise log-likelihood, predictions)
    read of its model: the in-memory stand-in of a :class:`DaskModel` GLM, light enough to
    ship to the workers (a gaussian DaskModel ships its in-memory ``core`` model)."""

    family: Any
    fit_intercept: bool
    feature_names: tuple
    standardization: None = None
    formula: None = None


def _design(core: Model, X) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    return X if core.standardization is None else core.standardization.transform(X)


def _loglik_chunk(X, y, w, core: Model, posterior: xr.Dataset) -> np.ndarray:
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    w = None if w is None else np.asarray(w, dtype=np.float64).reshape(-1)
    return pointwise_loglik(core, posterior, _design(core, X), y, w).values


def _loo_chunk(X, y, w, core: Model, posterior: xr.Dataset, reff):
    """``(n, mean elpd_i, M2 of elpd_i, sum lppd_i, max k, #k > 0.7)`` of one chunk,
    over sub-blocks of rows of about 32 MB of log-likelihood values each."""
    settle_lazy_modules()
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    w = None if w is None else np.asarray(w, dtype=np.float64).reshape(-1)
    S = posterior.sizes["chain"] * posterior.sizes["draw"]
    step = max(1, (4 * 2**20) // max(S, 1))
    out = (0, 0.0, 0.0, 0.0, -np.inf, 0)
    for a in range(0, X.shape[0], step):
        out = _merge_loo(out, _loo_rows(X[a:a + step], y[a:a + step],
                                        None if w is None else w[a:a + step],
                                        core, posterior, reff))
    return out


def _loo_rows(X, y, w, core: Model, posterior: xr.Dataset, reff):
    ll = _loglik_chunk(X, y, w, core, posterior)
    n = ll.shape[2]
    if n == 0:
        return 0, 0.0, 0.0, 0.0, -np.inf, 0
    e, k, _ = psis_loo(_by_row(ll), reff)  # arviz-stats' PSIS, vectorized over rows
    lppd = logsumexp(ll.reshape(-1, n), axis=0) - np.log(ll.shape[0] * ll.shape[1])
    m = float(e.mean())
    return n, m, float(((e - m) ** 2).sum()), float(lppd.sum()), float(k.max()), \
        int((k > 0.7).sum())


def _merge_loo(a, b):
    """Chan et al.'s merge of counts, means and centred sums of squares."""
    if a[0] == 0:
        return b
    if b[0] == 0:
        return a
    n = a[0] + b[0]
    d = b[1] - a[1]
    return (n, a[1] + d * b[0] / n, a[2] + b[2] + d * d * a[0] * b[0] / n, a[3] + b[3],
            max(a[4], b[4]), a[5] + b[5])


def _chunkable(family) -> bool:
    """Whether a family's MAP runs on chunks: sufficient statistics (gaussian), or a convex
    likelihood with no parameter of its own (its Newton steps add over blocks)."""
    return family.sufficient_statistics or (family.convex and not family.auxiliary)


class DaskModel:
    r"""A Bayesian regularized regression on data held by Dask (out of core, distributed).

    The parameters and the log posterior are those of :class:`bayesreg.Model`; ``X`` and
    ``y`` stay in their Dask chunks, on the scheduler in use (Dask's threads, or a
    ``dask.distributed`` cluster when a ``Client`` is active), and only
    :math:`O(p^2)` statistics reach this process. See the module docstring for what runs
    where and what needs the data in memory.

    Parameters
    ----------
    X : dask.array.Array, dask.dataframe.DataFrame or Dask-backed xarray.DataArray
        ``(n_samples, n_features)``, chunked by rows.
    y, sample_weight : Dask array/series (same rows) or in-memory array
    prior, family, fit_intercept, intercept_prior, sigma, nu, standardize
        As in :class:`bayesreg.Model` (family gaussian, bernoulli or poisson;
        ``standardize`` and every prior for gaussian; bernoulli/poisson: MAP with a
        Gaussian, Laplace, ElasticNetPrior or Flat prior and a flat intercept).

    Attributes
    ----------
    stats : bayesreg.base.SufficientStats
        Centred statistics of ``(X, y)`` (weighted means, :math:`C_{xx}, C_{xy}, C_{yy}`).
    n_samples : int
    core : bayesreg.Model or None
        Gaussian family: the in-memory model of the pseudo-observations (same
        likelihood); ``None`` for GLMs.

    Notes
    -----
    The default ``sigma`` prior is ``HalfStudentT(3, sd(y))`` with the *weighted*
    standard deviation of ``y`` (the in-memory model uses the unweighted one; they agree
    without ``sample_weight``).
    """

    def __init__(self, X, y, *, prior, family: str = "gaussian", fit_intercept: bool = True,
                 intercept_prior=None, sigma=None, nu=None, sample_weight=None,
                 standardize: bool = False):
        self.family = get_family(family)
        if not _chunkable(self.family):
            names = [n for n in family_names() if _chunkable(get_family(n))]
            raise ValueError(f"DaskModel supports family {', '.join(map(repr, names))}; got "
                             f"{self.family.name!r} (a family with a parameter besides "
                             f"sigma needs its data in memory: use bayesreg.Model).")
        self.data: ChunkedData = chunked_data(X, y, sample_weight)
        self.feature_names = list(self.data.feature_names)
        self.stats, self.n_samples = reduce_stats(self.data, self.family)
        self.fit_intercept = bool(fit_intercept)
        self.core = None
        if self.family.sufficient_statistics:
            Xp, yp, wp = self.stats.pseudo_data()
            Xp = xr.DataArray(Xp, dims=("obs_id", "feature"),
                              coords={"feature": self.feature_names})
            self.core = Model(Xp, yp, sample_weight=wp, prior=prior, family=self.family,
                              fit_intercept=fit_intercept, intercept_prior=intercept_prior,
                              sigma=sigma, standardize=standardize)
            self.prior, self.intercept_prior = self.core.prior, self.core.intercept_prior
            self.sigma, self.nu = self.core.sigma, None
        else:
            if standardize:
                raise ValueError("standardize=True is supported for the gaussian family out "
                                 "of core; standardize the columns lazily in Dask first, "
                                 "e.g. (X - X.mean(0)) / X.std(0).")
            self.prior = check_coef_prior(prior, self.family)
            self.intercept_prior = check_intercept_prior(intercept_prior)
            self.sigma = self.nu = None
        self._frozen = True  # the last line of __init__: attributes are read-only from here

    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    def __repr__(self) -> str:
        return (f"DaskModel(n_samples={self.n_samples}, n_features={self.n_features}, "
                f"family={self.family.name!r}, prior={self.prior!r}, "
                f"fit_intercept={self.fit_intercept}, n_chunks={len(self.data.blocks)})")

    def replace(self, **changes) -> DaskModel:
        """The same data and statistics under another specification, without a pass over
        the data: ``model.replace(prior=Laplace(0.1))``. ``changes`` are among ``prior``,
        ``fit_intercept``, ``intercept_prior``, ``sigma`` and (gaussian) ``standardize``."""
        allowed = {"prior", "fit_intercept", "intercept_prior", "sigma"} | \
            ({"standardize"} if self.core is not None else set())
        unknown = sorted(set(changes) - allowed)
        if unknown:
            raise TypeError(f"DaskModel.replace() got unknown parameters {unknown}; must be "
                            f"among {', '.join(sorted(allowed))} (new data: a new DaskModel).")
        if self.core is not None:
            core = self.core.replace(**changes)
            values = dict(core=core, prior=core.prior, intercept_prior=core.intercept_prior,
                          sigma=core.sigma, fit_intercept=core.fit_intercept)
        else:
            if changes.get("sigma") is not None:
                raise ValueError(f"sigma is not a parameter of family={self.family.name!r}.")
            values = dict(
                prior=check_coef_prior(changes.get("prior", self.prior), self.family),
                fit_intercept=bool(changes.get("fit_intercept", self.fit_intercept)),
                intercept_prior=check_intercept_prior(changes.get("intercept_prior",
                                                                  self.intercept_prior)))
        new = object.__new__(DaskModel)  # the same data and statistics, other values
        new.__dict__.update({**self.__dict__, **values})
        return new

    def __setattr__(self, name: str, value) -> None:
        if self.__dict__.get("_frozen", False):
            raise AttributeError(
                f"DaskModel is immutable: cannot set {name!r}. Use model.replace(...) for "
                f"a new model with other values (same data, no pass over it).")
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"DaskModel is immutable: cannot delete {name!r}.")

    def _need_gaussian(self, what: str):
        if self.core is None:
            raise ValueError(f"{what} needs the gaussian family (its statistics); a "
                             f"{self.family.name} model has none: use bayesreg.Model on the "
                             f"data in memory (or a subset of it).")
        return self.core

    @property
    def _rows(self):
        """The model the per-row computations read, light enough to ship to the workers:
        a copy of the in-memory ``core`` (gaussian) or a :class:`_RowModel` (GLMs)."""
        if self.core is not None:
            return self.core.replace()
        return _RowModel(self.family, self.fit_intercept, tuple(self.feature_names))

    # ---------------------------------------------------------------- results
    def map(self, *, tol: float = 1e-10, max_iter: int = 100,
            **kwargs) -> MapEstimate | DaskMapEstimate:
        """The MAP estimate (see :func:`bayesreg.map_estimate` for the objective).

        Gaussian: from the sufficient statistics (no pass over the data). Bernoulli and
        Poisson: proximal Newton, one pass over the chunks per iteration, typically 5-10
        (:mod:`bayesreg.inference._outofcore_glm`); data computed lazily are recomputed
        on every pass, so ``persist()`` them first when they fit the workers' memory.
        Their result is a :class:`DaskMapEstimate`, whose ``laplace_cov`` is the inverse
        Hessian of the negative log posterior at the MAP in ``(intercept, coef)`` order
        (Laplace approximation; Gaussian and Flat priors; one more pass). The model is
        left as it is.
        """
        if self.core is not None:
            return self.core.map(tol=tol, **kwargs)
        pen = map_penalty(self)
        cov = None
        w, b, info = glm_map_chunked(self.data, self, pen, x_mean=self.stats.x_mean,
                                     y_mean=self.stats.y_mean, tol=tol, max_iter=max_iter)
        if pen.l1 == 0:
            k = 1 if self.fit_intercept else 0
            theta = np.concatenate([[b], w]) if k else w
            cov = np.linalg.inv(self._hessian(theta, np.zeros(len(w)), pen.l2))
        return DaskMapEstimate(coef=xr.DataArray(w, dims=("feature",),
                                                 coords={"feature": self.feature_names}),
                               intercept=b, objective=info["objective"],
                               n_iter=info["n_iter"], converged=info["converged"],
                               kkt_violation=info["kkt_violation"], solver="dask-prox-newton",
                               penalty=pen, laplace_cov=cov)

    def sample(self, draws: int = 1000, tune: int = 1000, chains: int = 4,
               sampler: str = "auto", random_seed=None, progressbar: bool = True, **kwargs):
        """Posterior draws, as :meth:`bayesreg.Model.sample`.

        The fit has the ``posterior``, ``sample_stats`` and ``log_prior`` groups; no data
        groups and no ``log_likelihood`` (``n`` values per draw): use :meth:`loo` or
        :meth:`log_likelihood`, which compute it chunk by chunk.
        ``posterior.attrs["bayesreg_out_of_core"]`` records ``n_samples`` and ``sum_w``.

        Gaussian family: every sampler of :class:`bayesreg.Model`, on the sufficient
        statistics. Bernoulli and Poisson families (a ``Gaussian`` or ``Flat``
        coefficient prior, a flat intercept or none): ``sampler="imh"`` (the default
        here), independence Metropolis-Hastings from the Laplace approximation in three
        passes over the chunks (module docstring); ``tune`` beyond 50 is not used.
        """
        if self.core is None:
            return self._sample_glm(draws=draws, tune=tune, chains=chains, sampler=sampler,
                                    random_seed=random_seed, progressbar=progressbar,
                                    **kwargs)
        core = self.core
        kwargs.pop("log_likelihood", None)
        fit = core.sample(draws=draws, tune=tune, chains=chains, sampler=sampler,
                          random_seed=random_seed, progressbar=progressbar,
                          log_likelihood=False, **kwargs)
        groups = {name: fit[name].to_dataset() for name in group_names(fit)
                  if name not in ("observed_data", "constant_data")}
        groups["posterior"].attrs["bayesreg_out_of_core"] = json.dumps(
            {"n_samples": int(self.n_samples), "sum_w": float(self.stats.sum_w)})
        return datatree(groups)

    def _sample_glm(self, *, draws, tune, chains, sampler, random_seed, progressbar,
                    **kwargs):
        owner = "DaskModel.sample"
        family = self.family.name
        check_param(sampler, "sampler", owner, OneOf(("auto", "imh")))
        if kwargs:
            raise TypeError(f"sampler='imh' takes no sampler options; got {sorted(kwargs)}.")
        draws = check_param(draws, "draws", owner, POSITIVE_INT)
        tune = check_param(tune, "tune", owner, NON_NEGATIVE_INT)
        chains = check_param(chains, "chains", owner, POSITIVE_INT)
        check_random_seed(random_seed, owner)
        check_bool(progressbar, "progressbar", owner)
        why = self._laplace_unsupported()
        if why is not None:
            raise ValueError(_GLM_SAMPLING.format(family=family, why=f"here {why}"))
        theta, H, shift, info = self._glm_laplace()
        k = 1 if self.fit_intercept else 0
        x_mean = np.asarray(self.stats.x_mean, dtype=float)
        prior = self.prior

        def log_density(th):
            ll = reduce_log_likelihood(self.data, self.family, th, shift, bool(k))
            return ll + prior.logpdf(th[:, k:]).sum(axis=1)

        (seed,) = seed_sequence_int(random_seed)
        run = imh_run(theta, H, log_density, draws=draws, tune=tune, chains=chains,
                      rng=np.random.default_rng(seed))
        values = coefficient_values(run.draws, "flat" if k else "none", x_mean)
        posterior = posterior_dataset(values, list(values), self.feature_names)
        coef = values["coef"]
        coords = dict(posterior.coords)
        dims = ("chain", "draw")
        stats = xr.Dataset({"lp": (dims, run.lp), "accepted": (dims, run.accepted),
                            "diverging": (dims, np.zeros(run.lp.shape, bool))},
                           coords={d: coords[d] for d in dims})
        run.annotate(stats)
        log_prior = xr.Dataset({"coef": (("chain", "draw", "feature"), prior.logpdf(coef))},
                               coords=coords)
        if k:
            log_prior["intercept"] = (dims, np.zeros(run.lp.shape))
        groups = {"posterior": posterior, "sample_stats": stats, "log_prior": log_prior}
        report = check_convergence(datatree(groups), sampler="imh", hierarchical=False)
        stats.attrs[CONVERGENCE_ATTR] = report.to_json()
        posterior.attrs["bayesreg_sampler"] = "imh"
        posterior.attrs["bayesreg_out_of_core"] = json.dumps(
            {"n_samples": int(self.n_samples), "sum_w": float(self.stats.sum_w),
             "map_passes": int(info["n_passes"]) + 2})
        failed = imh_failure(groups, report)
        if failed is not None:
            note = (f"DaskModel.sample: the independence sampler's draws are not to be "
                    f"trusted: {failed}. Out of core there is no NUTS to fall back to; "
                    f"load the data (or a subset) into bayesreg.Model to sample with NUTS.")
            posterior.attrs[SAMPLER_NOTE_ATTR] = note
            warnings.warn(ConvergenceWarning(note, report), stacklevel=2)
        elif not report.ok:
            warnings.warn(ConvergenceWarning(report.message, report), stacklevel=2)
        return datatree(groups)

    def _laplace_unsupported(self) -> str | None:
        """Why the Laplace approximation of a GLM cannot be built out of core, or None."""
        why = smooth_prior_reason(self.prior)
        if why is None and self.prior.penalty_kind == "student_t":
            why = "the out-of-core MAP has no StudentT prior"
        if why is None and self.fit_intercept and not self.intercept_prior.improper:
            why = "the out-of-core MAP needs a flat intercept"
        return why

    def _glm_laplace(self):
        """``(theta, H, shift, info)``: the MAP in the centred parameters ``(b_c, w)``,
        ``b_c = b + x_mean' w`` (``w`` alone without an intercept), the Hessian of the
        negative log posterior there (one more pass over the chunks), the centring ``shift``
        and the MAP's report."""
        pen = map_penalty(self)
        x_mean = np.asarray(self.stats.x_mean, dtype=float)
        k = 1 if self.fit_intercept else 0
        shift = x_mean if k else np.zeros_like(x_mean)
        w, b, info = glm_map_chunked(self.data, self, pen, x_mean=x_mean,
                                     y_mean=self.stats.y_mean, tol=1e-10)
        theta = np.concatenate([[b + shift @ w], w]) if k else np.asarray(w)
        return theta, self._hessian(theta, shift, pen.l2), shift, info

    def _hessian(self, theta, shift, l2: float) -> np.ndarray:
        """The Hessian of the negative log posterior at ``theta`` (``(b, w)`` with
        ``eta = b + (x - shift)' w``, or ``w``), one pass over the chunks: the
        likelihood's plus the L2 penalty's ``l2 I`` on the coefficients."""
        k = 1 if self.fit_intercept else 0
        _, _, H = reduce_glm(self.data, self.family, theta, shift, bool(k), 2)
        H[k:, k:] += l2 * np.eye(len(theta) - k)
        return H

    def log_evidence(self, method: str = "exact", **kwargs):
        r"""The evidence, as :func:`bayesreg.log_evidence`.

        Gaussian family: every method, ``"exact"`` from the statistics. Bernoulli and
        Poisson (a ``Gaussian`` or ``Flat`` coefficient prior, a flat intercept or none):
        ``method="laplace"``, from the out-of-core MAP and one pass each for the Hessian and
        the log-likelihood there,

        .. math::

            \log p(y) \approx \log p(y \mid \theta^*) + \log p(\theta^*)
                + \tfrac d2 \log 2\pi - \tfrac12 \log\det H

        (the same as :meth:`bayesreg.Model.log_evidence` with ``method="laplace"`` on the
        data in memory).
        """
        if self.core is not None:
            return self.core.log_evidence(method=method, **kwargs)
        family = self.family.name
        if method != "laplace":
            raise ValueError(f"DaskModel.log_evidence of a {family} model supports "
                             f"method='laplace' only (the out-of-core MAP and Hessian); got "
                             f"method={method!r}.")
        if kwargs:
            raise TypeError(f"method='laplace' takes no options; got {sorted(kwargs)}.")
        why = self._laplace_unsupported()
        if why is not None:
            raise ValueError(f"DaskModel.log_evidence(method='laplace') of a {family} model "
                             f"needs a Gaussian or Flat coefficient prior and a flat intercept; "
                             f"here {why}. Load the data into bayesreg.Model for "
                             f"method='smc'.")
        theta, H, shift, _ = self._glm_laplace()
        k = 1 if self.fit_intercept else 0
        w = theta[k:]
        ll = float(reduce_log_likelihood(self.data, self.family, theta[None], shift,
                                         bool(k))[0])
        _, curvature = self.prior.logpdf_derivs(w)
        prec = np.concatenate([np.zeros(k), curvature])
        ev = laplace_evidence(ll, float(np.sum(self.prior.logpdf(w))), H, theta,
                              prior_precision=prec)
        return EvidenceResult(log_evidence=ev.log_evidence, method="laplace",
                              stderr=float("nan"), log_likelihood_max=ev.log_likelihood_max,
                              log_occam_factor=ev.log_occam_factor,
                              effective_params=ev.effective_params, coef=w.copy(),
                              intercept=float(theta[0] - shift @ w) if k else 0.0,
                              sigma=float("nan"),
                              intercept_convention="flat" if k else "none")

    def _shipped(self, fit):
        """The row model (:attr:`_rows`) and the posterior, one key each in the graph."""
        dask, _ = import_dask()
        core = self._rows
        post = fit["posterior"].to_dataset()
        post.attrs = {}
        return dask.delayed(core, pure=True), dask.delayed(post, pure=True), post

    def log_likelihood(self, fit) -> xr.DataArray:
        """Pointwise log-likelihood ``s_i log p(y_i | theta_draw)``, lazily, chunked.

        A Dask-backed ``DataArray`` with dims ``(chain, draw, obs_id)``; nothing is
        computed until asked (``.sum("obs_id").compute()``, a slice, ...). Needs a
        ``dask.array`` ``X`` (row counts known).
        """
        if self.data.lengths is None:
            raise ValueError("log_likelihood needs X as a dask.array (known chunk sizes); "
                             "use X.to_dask_array(lengths=True), or loo() which needs none.")
        _, da = import_dask()
        core, post, ds = self._shipped(fit)
        shape = (ds.sizes["chain"], ds.sizes["draw"])
        parts = map_chunks(_loglik_chunk, self.data, core, post)
        arr = da.concatenate([da.from_delayed(p, shape=shape + (n,), dtype=float)
                              for p, n in zip(parts, self.data.lengths)], axis=2)
        return xr.DataArray(arr, dims=("chain", "draw", "obs_id"),
                            coords={"chain": ds["chain"].values, "draw": ds["draw"].values})

    def loo(self, fit, *, reff: float | None = None) -> ChunkedLoo:
        """PSIS-LOO of a fit from :meth:`sample`, one pass over the chunks.

        PSIS smooths each observation's importance weights on its own, so each chunk
        runs arviz-stats' PSIS (:func:`bayesreg.base.psis_loo`, vectorized over rows) on
        its own rows (where they live) and the totals merge: :math:`\\mathrm{elpd} = \\sum_i \\mathrm{elpd}_i`, its standard error
        from the merged variance of the :math:`\\mathrm{elpd}_i`. ``reff`` defaults to 1
        for exact (i.i.d.) draws and to ArviZ's estimate from the posterior otherwise.
        """
        reff = _reff(fit) if reff is None else float(reff)  # as bayesreg.loo
        core, post, ds = self._shipped(fit)
        parts = map_chunks(_loo_chunk, self.data, core, post, reff)
        n, mean, m2, lppd, kmax, nbad = compute(tree_reduce(parts, _merge_loo))
        elpd = mean * n
        se = np.sqrt(m2 * n / (n - 1)) if n > 1 else np.nan  # arviz: var with ddof=1
        return ChunkedLoo(elpd=float(elpd), se=float(se), p=float(lppd - elpd),
                          n_data_points=int(n), n_samples=int(ds.sizes["chain"]
                                                             * ds.sizes["draw"]),
                          pareto_k_max=float(kmax), n_bad_k=int(nbad))

    def predict(self, X_new, fit, *, random_seed=None, draws: bool = True):
        """Posterior predictions at ``X_new`` under a fit from :meth:`sample`.

        In-memory ``X_new``: a :class:`bayesreg.Prediction`, as
        :meth:`bayesreg.Model.predict` (the posterior mean of ``E[y | x] = g^{-1}(eta)``,
        and predictive draws of ``y`` unless ``draws=False``). A Dask ``X_new`` (array, or
        Dask-backed ``DataArray``, chunked by rows): the posterior mean of ``E[y | x]`` as
        a lazy Dask array, each chunk computed where it lives.
        """
        post = fit["posterior"].to_dataset()
        rows = self._rows
        if not is_dask_collection(X_new):
            return prediction(rows, post, X_new, random_seed=random_seed, draws=draws,
                              owner="DaskModel.predict")
        X_new = getattr(X_new, "data", X_new)  # a DataArray's dask array
        if getattr(X_new, "ndim", None) != 2 or X_new.shape[1] != self.n_features:
            raise ValueError(f"DaskModel.predict: a Dask X_new must be 2-D with the "
                             f"{self.n_features} training features as columns; got shape "
                             f"{getattr(X_new, 'shape', None)}.")
        keep = [v for v in ("coef", "intercept") if v in post]
        post = post[keep]
        post.attrs = {}
        return X_new.rechunk({1: -1}).map_blocks(_mean_chunk, rows, post, drop_axis=1,
                                                 dtype=float)


def _mean_chunk(X, rows, posterior) -> np.ndarray:
    """The posterior mean of ``E[y | x]`` at the rows of one chunk."""
    return predictive_mean(rows, posterior, _design(rows, X))
