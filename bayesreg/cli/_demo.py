"""``bayesreg demo``: the README's main job on scikit-learn's bundled diabetes data.

442 patients, 10 standardized predictors, disease progression after one year. The demo
shows, in order: the MAP estimates of a Gaussian and a Laplace prior equal scikit-learn's
``Ridge`` and ``Lasso`` fits; the full posteriors under both priors, with a hyperprior on
their scale, and their convergence (R-hat, ESS); the evidence curve across fixed prior
scales (the Occam view) next to PSIS-LOO and ``RidgeCV``; and, with ``--out DIR``, the
key plots as PNG files.
"""

from __future__ import annotations

import time
from pathlib import Path

import arviz as az
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.datasets import load_diabetes
from sklearn.linear_model import Lasso, Ridge

from ..inference import Model
from ..inference._arguments import choose_sampler
from .._io import save
from ..occam import empirical_bayes, regularization_path, scale_grid
from ..plots import (
    plot_diagnostics,
    plot_map_parity,
    plot_occam,
    plot_ppc,
    plot_prior_sensitivity,
    plot_regularization_path,
    plot_shrinkage,
)
from ..sklearn import compare_map, from_sklearn
from ..priors import Gaussian, HalfNormal, Laplace
from ._common import (
    add_sampler_options,
    titled,
    convergence_line,
    output_dir,
    sample_quietly,
    sampler_options,
    save_figure,
    stored_convergence,
    write_atomic,
)
from ._figures import PPC_FIGURE, ppc_title

__all__ = ["demo_table", "map_table", "evidence_table", "add_parser", "FIGURES"]

#: the files ``--out DIR`` writes, with what each shows
FIGURES = {
    "map_parity.png": "MAP = scikit-learn's Ridge and Lasso, coefficient by coefficient",
    "shrinkage.png": "posterior means and 94% HDIs against least squares, both priors",
    "occam.png": "the evidence curve: best fit + Occam factor across prior scales, LOO, CV",
    "regularization_path.png": "posterior mean and HDI of each coefficient across scales",
    "prior_sensitivity.png": "which coefficients the Laplace prior decides (power-scaling)",
    "trace.png": "trace and marginal posteriors of the Laplace fit (sampler diagnostics)",
    "ppc.png": "posterior predictive check of the Laplace fit",
}
SCALES = np.logspace(-0.5, 2.5, 13)


def _diabetes():
    data = load_diabetes(as_frame=True)
    X = (data.data - data.data.mean()) / data.data.std(ddof=0)
    return X, data.target.to_numpy()


def demo_table(*, draws: int = 1000, tune: int = 1000, chains: int = 2, sampler: str = "auto",
               random_seed: int = 0, progressbar: bool = False, target_accept=None,
               log_likelihood: bool = False):
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
    X, y = _diabetes()
    # 442 observations dominate 10 coefficients: the centred hierarchy samples without
    # divergences here, the non-centred default does not.
    priors = {"gaussian (L2)": Gaussian(scale=HalfNormal(50.0), noncentered=False),
              "laplace (L1)": Laplace(scale=HalfNormal(50.0), noncentered=False)}
    options = {} if target_accept is None else {"target_accept": target_accept}
    fits, cols = {}, {}
    for label, prior in priors.items():
        model = Model(X, y, prior=prior, sigma=HalfNormal(100.0))
        idata = sample_quietly(model, label=label, draws=draws, tune=tune, chains=chains,
                               sampler=sampler, random_seed=random_seed,
                               progressbar=progressbar, log_likelihood=log_likelihood,
                               **options)
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
    X, y = _diabetes()
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


def evidence_table(scales=SCALES, *, random_seed: int = 0):
    """The evidence curve of a Gaussian prior with fixed scale ``tau`` on the diabetes
    data, ``sigma`` fixed at its empirical-Bayes value: exact evidence, Occam factor,
    effective parameters and PSIS-LOO per scale (:func:`bayesreg.scale_grid`).

    Returns
    -------
    grid : pandas.DataFrame
    eb : bayesreg.EmpiricalBayes
        The type-II maximum-likelihood scale and sigma (scikit-learn's BayesianRidge).
    """
    X, y = _diabetes()
    eb = empirical_bayes(Model(X, y, prior=Gaussian(10.0), sigma=50.0))
    model = eb.model
    return scale_grid(model, scales, random_seed=random_seed), eb


def _print_table(table: pd.DataFrame, fmt: str) -> None:
    with pd.option_context("display.width", 160, "display.max_columns", 20,
                           "display.float_format", fmt.format):
        print(table.to_string(na_rep=""))


def _evidence_rows(grid: pd.DataFrame) -> pd.DataFrame:
    best = grid["log_evidence"].max()
    rows = pd.DataFrame({
        "tau": grid["scale"],
        "log evidence": grid["log_evidence"] - best,
        "= best fit": grid["log_likelihood_max"] - best,
        "+ log Occam": grid["log_occam_factor"],
        "eff. params": grid["effective_params"],
        "elpd_loo": grid["elpd_loo"] - grid["elpd_loo"].max(),
    })
    marks = []
    for _, r in grid.iterrows():
        m = [w for flag, w in (("is_evidence_best", "evidence"), ("is_loo_best", "LOO"),
                               ("is_cv_best", "RidgeCV")) if bool(r.get(flag, False))]
        marks.append("<- best: " + ", ".join(m) if m else "")
    width = max(map(len, marks))
    rows[""] = [m.ljust(width) for m in marks]  # pandas right-aligns text: pad it
    return rows.set_index("tau")


def _run(args) -> int:
    out = None
    if args.out is not None:
        out = output_dir(args.out, FIGURES, overwrite=args.overwrite)
    names = {label: f"diabetes_{label.split()[0]}.nc" for label in ("gaussian (L2)",
                                                                    "laplace (L1)")}
    if args.save is not None:
        output_dir(args.save, names.values(), overwrite=args.overwrite, option="--save")
    options = sampler_options(args)
    start = time.perf_counter()

    print("bayesreg demo: the diabetes data (442 patients, 10 standardized predictors, "
          "y = disease progression)\n")
    print("1. MAP = penalized fit. scikit-learn's Ridge and Lasso are the posterior modes of "
          "a Gaussian and a\n   Laplace prior (bayesreg.from_sklearn); bayesreg's own solvers "
          "find the same coefficients:\n")
    mtable, comps = map_table()
    _print_table(mtable, "{:12.6f}")
    print()
    for label, (model, comp) in comps.items():
        print(f"   {label} = {type(model.prior).__name__}(scale={model.prior.scale:.4g}) prior "
              f"with sigma = {model.sigma:.4g}:\n      max|dcoef| = {comp.max_abs_dcoef:.1e}, "
              f"same zero set: {comp.same_zero_set}, KKT violation "
              f"{comp.map.kkt_violation:.1e}")

    print(f"\n2. Full posteriors: y ~ N(b + Xw, sigma^2), w_j ~ N(0, tau^2) (L2) or "
          f"Laplace(0, tau) (L1),\n   tau ~ HalfNormal(50), sigma ~ HalfNormal(100); "
          f"{choose_sampler(args.sampler)}, {args.chains} chains x {args.draws} draws after "
          f"{args.tune} tuning steps,\n   seed {args.seed}\n")
    keep = out is not None or args.save is not None  # LOO and prior sensitivity need it
    table, fits = demo_table(progressbar=args.progress, log_likelihood=keep,
                             **options)
    _print_table(table, "{:9.2f}")
    print()
    for label, fit in fits.items():
        print(f"   {label}: {convergence_line(stored_convergence(fit))}")
    print("   Both priors shrink the least-squares estimates towards zero (most the "
          "collinear s1-s5); the\n   posterior of tau says how strongly the data want to "
          "regularize.")

    print("\n3. The evidence curve (the Occam view): a Gaussian prior with fixed scale tau, "
          "sigma fixed at its\n   empirical-Bayes value; log evidence = best fit + log Occam "
          "factor, relative to the best scale\n")
    grid, eb = evidence_table(random_seed=args.seed)
    _print_table(_evidence_rows(grid), "{:8.2f}")
    tau_post = float(fits["gaussian (L2)"]["posterior"]["coef_scale"].mean())
    print(f"\n   Too small a tau underfits (low best fit); too large a tau pays a larger Occam "
          f"factor. The evidence\n   peaks at tau = {grid.attrs['evidence_best_scale']:.3g} on "
          f"this grid; empirical Bayes (scikit-learn's BayesianRidge) gives "
          f"{eb.model.prior.scale:.1f},\n   with sigma = {eb.model.sigma:.1f}; the hyperprior's "
          f"posterior mean of tau (part 2) is {tau_post:.1f}.")

    if out is not None:
        print(f"\n4. Plots in {out}/:")
        _figures(out, comps, fits, grid, eb, seed=args.seed)
    if args.save is not None:
        print("\nThe fits, saved for 'bayesreg summary', 'bayesreg plot' and 'bayesreg report':")
        for label, fit in fits.items():
            path = write_atomic(Path(args.save) / names[label],
                                lambda tmp, fit=fit: save(fit, tmp, overwrite=True))
            print(f"   saved the {label} fit to {path}")
    took = time.perf_counter() - start
    print(f"\nIn short: regularization is a prior. The MAP is the penalized fit (1), the "
          f"posterior adds honest\nuncertainty (2), and the evidence chooses the strength "
          f"(3). Done in {took:.0f} s." +
          ("" if out is not None else "\nTo write the plots as PNG files: bayesreg demo --out "
           "demo-plots"))
    return 0


def _figures(out: Path, comps, fits, grid, eb, *, seed: int) -> None:
    def done(name, plot):
        path = save_figure(plot, out / name)
        print(f"   {path.name:<24} {FIGURES[name]}")

    fig, axes = plt.subplots(1, 2, figsize=(9.6, 4.5), constrained_layout=True)
    for ax, (label, (_, comp)) in zip(axes, comps.items()):
        plot_map_parity(comp, ax=ax)
        ax.set_title(f"{label}: max |Δcoef| = {comp.max_abs_dcoef:.1e}", fontsize=10)
    done("map_parity.png", fig)

    fig, axes = plt.subplots(1, 2, figsize=(12, 5.2), constrained_layout=True)
    for ax, (label, fit) in zip(axes, fits.items()):
        plot_shrinkage(fit, ax=ax)
        ax.set_title(f"{label} prior, tau ~ HalfNormal(50)", fontsize=10)
    fig.suptitle("Shrinkage: the prior pulls each coefficient towards 0")
    done("shrinkage.png", fig)

    done("occam.png", plot_occam(grid, scale_label="prior scale tau (Gaussian prior)"))
    path = regularization_path(eb.model, SCALES, random_seed=seed)
    done("regularization_path.png",
         plot_regularization_path(path, scale_label="prior scale tau (Gaussian prior)"))
    laplace = fits["laplace (L1)"]
    done("prior_sensitivity.png", plot_prior_sensitivity(laplace))
    done("trace.png", titled(plot_diagnostics(laplace, "trace"),
                             "Laplace prior: each chain's draws (solid, dashed) and densities"))
    model = Model.from_idata(laplace)
    done("ppc.png", titled(plot_ppc(model, laplace, random_seed=seed, **PPC_FIGURE),
                           ppc_title(model.family)))


def add_parser(sub) -> None:
    demo = sub.add_parser(
        "demo", help="the README's main job on the bundled diabetes data (about 15 s)",
        description="Fit scikit-learn's diabetes data (442 patients, 10 predictors): the MAP "
                    "of a Gaussian and a Laplace prior equals Ridge and Lasso; full "
                    "posteriors under both priors with R-hat and ESS; the evidence curve "
                    "across prior scales. With --out, the key plots as PNG files.")
    demo.add_argument("--out", metavar="DIR",
                      help="write the plots into folder DIR as PNG files (created if "
                           f"missing): {', '.join(FIGURES)}")
    demo.add_argument("--save", metavar="DIR",
                      help="also save both posterior fits as NetCDF files in DIR "
                           "(diabetes_gaussian.nc, diabetes_laplace.nc), for bayesreg "
                           "summary/plot/report")
    demo.add_argument("--overwrite", action="store_true",
                      help="replace files that --out or --save would write if they exist "
                           "(default: refuse, before any sampling)")
    demo.add_argument("--progress", action="store_true", help="show progress bars while "
                                                              "sampling")
    add_sampler_options(demo, draws=1000, tune=1000, chains=2, exact=False)
    demo.set_defaults(func=_run)
