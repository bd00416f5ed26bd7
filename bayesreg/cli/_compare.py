"""``bayesreg compare A.nc B.nc ...``: compare saved fits by PSIS-LOO.

Each fit's PSIS-LOO is :func:`arviz_stats.loo` on its stored ``log_likelihood`` group, or,
for a fit saved without one, :func:`bayesreg.loo` (the same estimate, computed on demand
from the posterior draws and the fit's data groups, a block of observations at a time).
The table is :func:`arviz_stats.compare`; ``--plot`` draws it with
:func:`arviz_plots.plot_compare`.
"""

from __future__ import annotations

import argparse
import json
import math
import warnings
from pathlib import Path

import arviz_plots as azp
import arviz_stats as azs
import numpy as np
import pandas as pd

from ..inference import loo as loo_on_demand
from ..utils._datatree import group_names
from ._commands import load_fit
from ._common import UsageError, _figure, input_file, output_file, progress, save_figure, \
    show_progress, warn, write_atomic

__all__ = ["add_parser", "fit_names", "loo_of"]

_COLUMNS = ["rank", "elpd", "p", "elpd_diff", "weight", "se", "dse", "warning"]


def fit_names(paths) -> list[str]:
    """A short, unique label per fit: the file name without ``.nc``, with its folder when
    two files share a name."""
    stems = [Path(p).stem for p in paths]
    if len(set(stems)) == len(stems):
        return stems
    names = [str(Path(p).with_suffix("")) for p in paths]
    if len(set(names)) < len(names):
        raise UsageError("the same fit file is given twice; give each fit once.")
    return names


def loo_of(fit, model):
    """``(PSIS-LOO, how)``: arviz-stats' on the stored log-likelihood, else on demand."""
    if "log_likelihood" in group_names(fit):
        return azs.loo(fit), "stored log-likelihood"
    return loo_on_demand(fit, model), "computed from the draws and data"


def _same_data(models, names) -> None:
    first, name0 = models[0], names[0]
    for model, name in zip(models[1:], names[1:]):
        if model.n_samples != first.n_samples or not np.array_equal(model.y, first.y):
            raise UsageError(f"{name} and {name0} were fitted to different observations "
                             f"({model.n_samples} and {first.n_samples} rows, or other target "
                             f"values); LOO compares models of the same data.")


def _frame(table: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in _COLUMNS if c in table.columns]
    return table[cols]


def _verdict(table: pd.DataFrame) -> str:
    best = table.index[0]
    lines = [f"best by LOO: {best} (elpd {table['elpd'].iloc[0]:.2f} ± "
             f"{table['se'].iloc[0]:.2f})"]
    for name, row in table.iloc[1:].iterrows():
        diff, dse = abs(float(row["elpd_diff"])), float(row["dse"])
        clear = dse > 0 and diff > 4 and diff > 2 * dse
        lines.append(f"  {name}: {diff:.2f} ± {dse:.2f} lower; " +
                     ("clearly worse (difference > 4 and > 2 standard errors)" if clear else
                      "not clearly different (difference < 4 or within 2 standard errors)"))
    return "\n".join(lines)


def _run(args) -> int:
    if len(args.fits) < 2:
        raise UsageError("give at least two fits to compare, e.g. bayesreg compare ridge.nc "
                         "lasso.nc.")
    plot = None
    if args.plot is not None:
        plot = output_file(args.plot, overwrite=args.overwrite, option="--plot")
        if plot.suffix.lower() != ".png":
            raise UsageError(f"--plot {str(plot)!r}: give a .png file name.")
    for path in args.fits:
        input_file(path, kind="a fit file (FIT.nc)",
                   missing="give fits saved by 'bayesreg fit DATA.csv ... --out FIT.nc'.")
    names = fit_names(args.fits)
    fits, models = [], []
    for path in args.fits:
        fit, model = load_fit(path)
        fits.append(fit)
        models.append(model)
    _same_data(models, names)
    loos, how = {}, {}
    with progress("PSIS-LOO", len(fits), enabled=show_progress(args)) as advance, \
            warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for name, fit, model in zip(names, fits, models):
            loos[name], how[name] = loo_of(fit, model)
            advance()
        table = azs.compare(loos, round_to="none")
    bad_k = [name for name, res in loos.items() if getattr(res, "warning", False)]
    if bad_k:
        warn(f"PSIS-LOO is unreliable for {', '.join(bad_k)} (Pareto k above "
             f"{loos[bad_k[0]].good_k:.2f} for some observations): treat its elpd with care, "
             f"or refit with more draws.")
    for w in caught:
        if not (bad_k and "Pareto" in str(w.message)):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    shown = _frame(table)
    if args.json:
        doc = {"fits": {n: str(p) for n, p in zip(names, args.fits)},
               "loo": how,
               "compare": json.loads(shown.to_json(orient="index"))}
        print(json.dumps(doc, indent=1))
    else:
        n = models[0].n_samples
        print(f"PSIS-LOO comparison of {len(fits)} fits of the same {n} observations "
              f"(arviz_stats.compare)")
        for name, path in zip(names, args.fits):
            print(f"  {name}: {path} ({how[name]})")
        print()
        with pd.option_context("display.width", 160):
            print(shown.to_string(float_format=lambda v: f"{v:.2f}" if math.isfinite(v)
                                  else str(v)))
        print(f"\n{_verdict(table)}\n\nelpd: expected log predictive density of a new "
              f"observation, summed over the data (higher is better); p: effective number "
              f"of parameters;\nelpd_diff and dse: the difference to the best fit and its "
              f"standard error; weight: stacking weight of each fit.")
    if plot is not None:
        height = 1.6 + 0.5 * len(fits)
        pc = azp.plot_compare(table, backend="matplotlib", figure_kwargs={
            "figsize": (8, height), "layout": "constrained"})
        fig = _figure(pc)
        for ax in fig.axes:
            ax.set_xlabel("elpd (PSIS-LOO) relative to the best fit; bars: ± its standard "
                          "error")
        save_figure(fig, plot)
        if not args.json and not args.quiet:
            print(f"\nsaved {plot}")
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser(
        "compare", help="compare saved fits by PSIS-LOO (the elpd table and its plot)",
        description="Compare fits of the same data by their expected log predictive\n"
                    "density, estimated by Pareto-smoothed importance-sampling leave-one-out\n"
                    "cross-validation (PSIS-LOO; arviz_stats.compare). A fit saved without\n"
                    "its pointwise log-likelihood gets it computed from its draws and data.",
        epilog="examples:\n"
               "  bayesreg compare ridge.nc lasso.nc horseshoe.nc\n"
               "  bayesreg compare ridge.nc lasso.nc --plot compare.png\n"
               "  bayesreg compare ridge.nc lasso.nc --json",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("fits", nargs="+", metavar="FIT.nc",
                   help="two or more fits of the same data, saved by 'bayesreg fit'")
    p.add_argument("--plot", metavar="FILE.png",
                   help="also draw the comparison (arviz_plots.plot_compare) as a PNG file")
    p.add_argument("--overwrite", action="store_true",
                   help="replace --plot if it exists (default: refuse)")
    p.add_argument("--json", action="store_true",
                   help="print the table as JSON instead (for scripts)")
    p.add_argument("--quiet", action="store_true",
                   help="no progress bar (there is none either when stderr is not a "
                        "terminal)")
    p.set_defaults(func=_run)
