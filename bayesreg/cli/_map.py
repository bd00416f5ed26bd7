"""``bayesreg map DATA.csv``: the MAP estimate, which is the penalized fit, with its
optimality certificate and the scikit-learn estimator it equals.

The model is the one ``bayesreg fit`` would sample (the same data and prior options); the
MAP is :meth:`bayesreg.Model.map` (:func:`bayesreg.base.fit_map`), its certificate the
KKT violation ``max_j dist(0, subdifferential_j F) / max(1, sum(s))`` (0 at the exact
optimum), its twin :func:`bayesreg.to_sklearn`, and ``--check`` refits the twin
(:func:`bayesreg.compare_map`).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..families import family_names, get_family
from ..sklearn import compare_map, to_sklearn
from ._common import UsageError, output_file, short, write_atomic
from ._fit import (
    SPARSE,
    add_data_options,
    add_prior_options,
    build_model,
    check_prior_options,
    estimator_label,
    read_csv,
)

__all__ = ["add_parser", "map_document"]

_OUT_SUFFIXES = (".json", ".csv")


def _check_mappable(args) -> None:
    """The models without a MAP = penalized fit, said in the command line's terms before
    the data are read (the library says the rest, e.g. separated labels)."""
    if args.prior in SPARSE:
        raise UsageError(f"--prior {args.prior} has no MAP (its density has a pole at 0: the "
                         f"joint mode sets every coefficient to 0); sample it with 'bayesreg "
                         f"fit' and read its shrinkage in 'bayesreg report'.")
    if args.hyperprior is not None:
        raise UsageError("the MAP needs a fixed prior scale (with --hyperprior the joint mode "
                         "collapses to 0); leave out --hyperprior, or sample with 'bayesreg "
                         "fit'.")
    family = get_family(args.family)
    if not family.convex:
        convex = ", ".join(n for n in family_names() if get_family(n).convex)
        raise UsageError(f"--family {args.family} has no penalized-fit twin; use one of "
                         f"{convex}, or sample with 'bayesreg fit'.")
    if "dispersion" in family.auxiliary and args.dispersion is None:
        raise UsageError(f"the MAP of --family {args.family} needs a fixed --dispersion.")
    if family.has_sigma and args.scale is not None and args.sigma is None:
        raise UsageError("with --scale the MAP equals the penalized fit only at a fixed noise "
                         "scale: give --sigma S too (or give --alpha, which fixes it at the "
                         "residual sd).")


def map_document(args, model, est, twin, check) -> dict:
    """The MAP as a JSON-ready dict."""
    coef = {str(k): float(v) for k, v in zip(est.coef["feature"].values, est.coef.values)}
    doc = {"data": str(args.data), "target": args.target, "n_samples": model.n_samples,
           "family": model.family.name, "prior": short(model.prior),
           "sigma": est.sigma, "coef": coef, "intercept": float(est.intercept),
           "n_nonzero": int(np.count_nonzero(est.coef.values)),
           "objective": float(est.objective), "kkt_violation": float(est.kkt_violation),
           "converged": bool(est.converged), "solver": est.solver, "n_iter": int(est.n_iter),
           "sklearn": None if twin is None else estimator_label(twin)}
    if model.standardization is not None:
        doc["coef_original"] = {str(k): float(v) for k, v in
                                zip(est.coef["feature"].values, est.coef_original.values)}
        doc["intercept_original"] = float(est.intercept_original)
    if check is not None:
        doc["check"] = {"max_abs_dcoef": check.max_abs_dcoef,
                        "abs_dintercept": check.abs_dintercept,
                        "same_zero_set": check.same_zero_set,
                        "objective": check.objective,
                        "kkt_violation": check.kkt_violation,
                        "sklearn_converged": check.sklearn_converged}
    return doc


def _table(est) -> pd.DataFrame:
    table = pd.DataFrame({"coef": est.coef.values},
                         index=pd.Index(est.coef["feature"].values, name="feature"))
    if est.standardization is not None:
        table["coef_original"] = est.coef_original.values
    return table


def _csv(doc: dict) -> str:
    rows = [("intercept", doc["intercept"], doc.get("intercept_original"))]
    rows += [(name, value, doc.get("coef_original", {}).get(name))
             for name, value in doc["coef"].items()]
    df = pd.DataFrame(rows, columns=["term", "estimate", "estimate_original"])
    if "coef_original" not in doc:
        df = df.drop(columns="estimate_original")
    return df.to_csv(index=False, float_format="%.17g")


def _print(args, model, est, twin, check) -> None:
    names = ", ".join(model.feature_names[:8]) + (", ..." if model.n_features > 8 else "")
    print(f"bayesreg map: {args.data}, {model.n_samples} rows; target {args.target!r} on "
          f"{model.n_features} features ({names})")
    noise = "" if est.sigma is None else f", sigma = {est.sigma:.4g} (fixed)"
    print(f"  family:     {model.family.name}{noise}")
    print(f"  prior:      {short(model.prior)} on each coefficient")
    print("  twin:       " + (f"scikit-learn's {estimator_label(twin)} has the same fit" if
                              twin is not None else "no scikit-learn estimator has this "
                              "penalty"))
    print(f"  objective:  F = {est.objective:.10g} (the negative log posterior up to a "
          f"constant; solver {est.solver}, {est.n_iter} iteration"
          f"{'' if est.n_iter == 1 else 's'})")
    verdict = "optimal" if est.converged else "NOT converged"
    print(f"  KKT:        max violation {est.kkt_violation:.2e} ({verdict}: 0 at the exact "
          f"minimum of F)")
    if check is not None:
        print(f"  check:      refitted {estimator_label(check.estimator)}: max |dcoef| = "
              f"{check.max_abs_dcoef:.2e}, |dintercept| = {check.abs_dintercept:.2e}, same "
              f"zero set: {'yes' if check.same_zero_set else 'NO'}; its KKT violation "
              f"{check.kkt_violation['sklearn']:.2e}"
              + ("" if check.sklearn_converged else " (scikit-learn did not converge)"))
    print()
    with pd.option_context("display.width", 160, "display.max_rows", 200):
        print(_table(est).reset_index().to_string(index=False,
                                                  float_format="{:.6g}".format))
    intercept = ("none" if not model.fit_intercept else f"{est.intercept:.6g}" +
                 (f" (original scale {est.intercept_original:.6g})"
                  if est.standardization is not None else ""))
    nz = int(np.count_nonzero(est.coef.values))
    print(f"\nintercept {intercept}; {nz} of {model.n_features} coefficients non-zero")


def _run(args) -> int:
    out = None if args.out is None else output_file(args.out, overwrite=args.overwrite)
    if out is not None and out.suffix.lower() not in _OUT_SUFFIXES:
        raise UsageError(f"--out {str(out)!r}: give a .json or a .csv file name.")
    check_prior_options(args)
    _check_mappable(args)
    df = read_csv(args.data)
    model, _ = build_model(df, args)
    try:
        twin = to_sklearn(model)
    except ValueError:  # no scikit-learn estimator has this penalty (e.g. studentt)
        twin = None
    if args.check and twin is None:
        raise UsageError(f"--check refits the scikit-learn twin, and {short(model.prior)} "
                         f"has none; leave out --check.")
    est = model.map()
    check = compare_map(model) if args.check else None
    doc = map_document(args, model, est, twin, check)
    if args.json:
        print(json.dumps(doc, indent=1))
    else:
        _print(args, model, est, twin, check)
    if out is not None:
        text = json.dumps(doc, indent=1) if out.suffix.lower() == ".json" else _csv(doc)
        write_atomic(out, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
        if not args.json:
            print(f"saved {out}")
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser(
        "map", help="the MAP estimate = the penalized fit, with its optimality certificate",
        description="Compute the maximum a posteriori (MAP) estimate of the model 'bayesreg\n"
                    "fit' would sample: for a fixed prior scale (and noise scale) it is the\n"
                    "penalized fit, e.g. a Laplace prior gives the lasso. Prints the\n"
                    "coefficients, the intercept, the objective, the KKT certificate of\n"
                    "optimality and the scikit-learn estimator with the same fit.",
        epilog="examples:\n"
               "  bayesreg map data.csv --target y --prior laplace --alpha 0.1 --check\n"
               "      (the lasso: Lasso(alpha=0.1), refitted by scikit-learn and compared)\n"
               "  bayesreg map data.csv --target y --prior gaussian --scale 1 --sigma 2\n"
               "      (Ridge(alpha = sigma^2 / scale^2) = Ridge(alpha=4))\n"
               "  bayesreg map data.csv --target sick --family bernoulli --C 1 --json",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add_data_options(p)
    add_prior_options(p)
    o = p.add_argument_group("output")
    o.add_argument("--check", action="store_true",
                   help="also fit the scikit-learn estimator and print how far its "
                        "coefficients are from the MAP")
    o.add_argument("--json", action="store_true",
                   help="print the estimate as JSON instead (for scripts)")
    o.add_argument("--out", metavar="FILE", default=None,
                   help="also write the estimate to FILE: .json (everything) or .csv (term, "
                        "estimate)")
    o.add_argument("--overwrite", action="store_true",
                   help="replace --out if it exists (default: refuse)")
    p.set_defaults(func=_run)
