"""The ``bayesreg`` command.

``bayesreg demo`` fits scikit-learn's bundled diabetes data (442 patients, 10
standardized predictors, disease progression after one year) under a Gaussian (L2,
ridge) and a Laplace (L1, lasso) prior whose scales carry a hyperprior, and prints the
posterior of every coefficient side by side.
"""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from pathlib import Path

import arviz as az
import numpy as np
import pandas as pd
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Lasso, Ridge

from .inference import ConvergenceWarning, Model
from .io import save
from .sklearn import compare_map, from_sklearn
from .spec import Gaussian, HalfNormal, Laplace
from .utils.validation import SAMPLERS, check_sampler

__all__ = ["main", "demo_table"]


def demo_table(*, draws: int = 1000, tune: int = 1000, chains: int = 2, sampler: str = "auto",
               random_seed: int = 0, progressbar: bool = False, target_accept=None):
    """Posterior summaries of the diabetes coefficients under Gaussian and Laplace priors.

    The model, with ``x`` the standardized predictors and ``y`` in its own units:

    .. math::

        y_i \\sim N(b + x_i^\\top w, \\sigma^2), \\quad \\sigma \\sim \\mathrm{HalfNormal}(100),
        \\quad w_j \\sim N(0, \\tau^2)\\ \\text{or}\\ \\mathrm{Laplace}(0, \\tau),
        \\quad \\tau \\sim \\mathrm{HalfNormal}(50),

    with a flat intercept ``b``.

    Returns
    -------
    table : pandas.DataFrame
        One row per coefficient (and ``tau``, ``sigma``): posterior mean, sd and 94% HDI
        under each prior, plus the ordinary least-squares estimate for reference.
    fits : dict of str to xarray.DataTree
    """
    data = load_diabetes(as_frame=True)
    X = data.data
    X = (X - X.mean()) / X.std(ddof=0)
    y = data.target.to_numpy()
    # 442 observations dominate 10 coefficients: the centred hierarchy samples without
    # divergences here, the non-centred default does not.
    priors = {"gaussian (L2)": Gaussian(scale=HalfNormal(50.0), noncentered=False),
              "laplace (L1)": Laplace(scale=HalfNormal(50.0), noncentered=False)}
    fits, cols = {}, {}
    for label, prior in priors.items():
        model = Model(X, y, prior=prior, sigma=HalfNormal(100.0))
        options = {} if target_accept is None else {"target_accept": target_accept}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            idata = model.sample(draws=draws, tune=tune, chains=chains, sampler=sampler,
                                 random_seed=random_seed, progressbar=progressbar,
                                 log_likelihood=False, **options)
        for w in caught:  # say which fit failed, in the command line's terms
            if isinstance(w.message, ConvergenceWarning) and w.message.report is not None:
                report = w.message.report
                _warn(f"the {label} fit did not pass the convergence gate: "
                      f"{'; '.join(report.problems)}. Its estimates may be unreliable. "
                      f"To fix: {report.advice_text('cli')}.")
            else:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        fits[label] = idata
        summ = az.summary(idata, var_names=["coef", "coef_scale", "sigma"], ci_prob=0.94,
                          ci_kind="hdi", kind="stats")
        summ.index = [i.replace("coef[", "").rstrip("]").replace("coef_scale", "tau")
                      for i in summ.index]
        cols[label] = summ[["mean", "sd", "hdi94_lb", "hdi94_ub"]]
    table = pd.concat(cols, axis=1)
    design = np.column_stack([np.ones(len(y)), X.to_numpy()])
    ols = np.linalg.lstsq(design, y, rcond=None)[0][1:]
    table[("least squares", "estimate")] = pd.Series(ols, index=list(X.columns))
    return table, fits


def _warn(message: str) -> None:
    print(f"bayesreg: warning: {message}", file=sys.stderr)


def map_table(alpha_ridge: float = 10.0, alpha_lasso: float = 1.0):
    """MAP estimates next to scikit-learn's penalized fits on the diabetes data.

    ``from_sklearn(Ridge(alpha))`` gives a Gaussian prior with ``tau = sigma / sqrt(alpha)``
    and ``from_sklearn(Lasso(alpha))`` a Laplace prior with ``b = sigma**2 / (n alpha)``,
    ``sigma`` the residual scale of the fit; :func:`bayesreg.compare_map` refits
    scikit-learn tightly and reports the differences.

    Returns
    -------
    table : pandas.DataFrame
        Coefficients of both solutions for each estimator.
    comparisons : dict of str to (Model, MapComparison)
    """
    data = load_diabetes(as_frame=True)
    X = (data.data - data.data.mean()) / data.data.std(ddof=0)
    y = data.target.to_numpy()
    cols, comps = {}, {}
    for label, est in ((f"Ridge(alpha={alpha_ridge:g})", Ridge(alpha=alpha_ridge)),
                       (f"Lasso(alpha={alpha_lasso:g})", Lasso(alpha=alpha_lasso))):
        model = from_sklearn(est, X, y)
        comp = compare_map(model)
        comps[label] = (model, comp)
        # "+ 0.0" turns the solvers' signed zeros (-0.0) into plain zeros for printing
        cols[(label, "sklearn coef_")] = pd.Series(comp.estimator.coef_ + 0.0, index=X.columns)
        cols[(label, "bayesreg MAP")] = comp.map.coef.to_series() + 0.0
    return pd.DataFrame(cols), comps


def _demo(args) -> int:
    print("bayesreg demo: diabetes (n=442, p=10), y ~ N(b + Xw, sigma^2), "
          "scale tau ~ HalfNormal(50)")
    print(f"sampler={check_sampler(args.sampler)}, chains={args.chains}, draws={args.draws}, "
          f"tune={args.tune}, seed={args.seed}\n")
    table, fits = demo_table(draws=args.draws, tune=args.tune, chains=args.chains,
                             sampler=args.sampler, random_seed=args.seed,
                             progressbar=args.progress, target_accept=args.target_accept)
    with pd.option_context("display.width", 160, "display.max_columns", 20,
                           "display.float_format", "{:9.2f}".format):
        print(table.to_string(na_rep=""))
    print("\nBoth priors shrink the least-squares estimates towards zero; the posterior of "
          "the scale tau says how strongly the data want to regularize.")

    print("\nMAP = penalized fit: the same data, scikit-learn's estimators and their priors\n")
    mtable, comps = map_table()
    with pd.option_context("display.width", 160, "display.float_format", "{:12.6f}".format):
        print(mtable.to_string())
    print()
    for label, (model, comp) in comps.items():
        print(f"{label} = {type(model.prior).__name__}(scale={model.prior.scale:.4g}) prior "
              f"with sigma={model.sigma:.4g}: max|dcoef| = {comp.max_abs_dcoef:.1e}, "
              f"same zero set: {comp.same_zero_set}, KKT violation "
              f"{comp.map.kkt_violation:.1e}")
    if args.save:
        out = Path(args.save)
        out.mkdir(parents=True, exist_ok=True)
        for label, idata in fits.items():
            name = label.split()[0]
            print(f"saved {save(idata, out / f'diabetes_{name}.nc', overwrite=True)}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bayesreg",
                                     description="Bayesian regularized regression.")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="fit the bundled diabetes data under L2 and L1 priors")
    demo.add_argument("--sampler", default="auto", choices=SAMPLERS,
                      help="NUTS implementation; auto = nutpie when installed, else pymc "
                           "(default: %(default)s)")
    demo.add_argument("--draws", type=int, default=1000,
                      help="kept posterior draws per chain (default: %(default)s)")
    demo.add_argument("--tune", type=int, default=1000,
                      help="tuning (warm-up) steps per chain (default: %(default)s)")
    demo.add_argument("--chains", type=int, default=2,
                      help="independent chains (default: %(default)s)")
    demo.add_argument("--seed", type=int, default=0,
                      help="random seed: the same seed gives the same draws "
                           "(default: %(default)s)")
    demo.add_argument("--target-accept", type=float, default=None, metavar="P",
                      help="NUTS target acceptance rate in (0, 1), e.g. 0.95 against "
                           "divergences (default: the sampler's, 0.8)")
    demo.add_argument("--save", metavar="DIR", help="also save both fits as NetCDF files")
    demo.add_argument("--progress", action="store_true", help="show progress bars")
    demo.set_defaults(func=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``bayesreg`` command."""
    args = _parser().parse_args(argv)
    if not getattr(args, "progress", False):
        logging.getLogger("pymc").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=FutureWarning)
        warnings.filterwarnings("ignore", message=".*could not link to a BLAS.*")
        try:
            return args.func(args)
        except (ValueError, ImportError, FileExistsError, FileNotFoundError) as err:
            print(f"bayesreg: error: {err}", file=sys.stderr)
            return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
