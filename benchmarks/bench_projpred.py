"""Projection predictive selection (issue 14): RHS + projpred vs RHS + SAVS vs LassoCV.

The problem of ``bench_sparse.py --parts selection``: n = 100, p = 200, 5 non-zeros
(``simulate`` there), seeds 0..``--seeds``-1. For each seed the regularized horseshoe
(``expected_nonzero=10``, ``standardize=True``, bayesreg's default sampling: 4 chains x
1000 draws, nutpie) is the reference of

* ``RHS + projpred``: :func:`bayesreg.projection_selection` (``method="l1"``, path up to
  20 terms, 400 predictive draws), the suggested size (projpred's rule: the smallest
  submodel whose ELPD difference to the reference is within one SE of 0); its
  coefficients are the projected submodel's mean coefficients in the columns' units,
  zero elsewhere;
* ``RHS + SAVS``: :func:`bayesreg.savs` on the same fit;

against scikit-learn's ``LassoCV(cv=5)`` on standardized columns. Columns: precision
and recall of the selected set, ``||coef - truth||_2``, the selected count, and the
seconds projpred takes (the fit excluded; BLAS limited to 1 thread).

Run: ``OMP_NUM_THREADS=1 python benchmarks/bench_projpred.py [--seeds 5]``
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from bench_sparse import simulate
from sklearn.linear_model import LassoCV
from sklearn.preprocessing import StandardScaler

import bayesreg as br

METHODS = ("RHS + projpred", "RHS + SAVS", "LassoCV")


def scores(b, w):
    sel, true = b != 0, w != 0
    return ((sel & true).sum() / max(sel.sum(), 1), (sel & true).sum() / true.sum(),
            float(np.linalg.norm(b - w)), int(sel.sum()))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=5)
    args = ap.parse_args()
    print(f"### Support recovery, {args.seeds} seeds (n = 100, p = 200, 5 non-zeros)\n\n"
          "| seed | method | precision | recall | ||coef - truth||_2 | selected | "
          "projpred s | notes |\n|---|---|---|---|---|---|---|---|", flush=True)
    res = {name: [] for name in METHODS}
    for seed in range(args.seeds):
        X, y, w = simulate(seed)
        model = br.Model(X, y, prior=br.RegularizedHorseshoe(expected_nonzero=10),
                         standardize=True)
        with warnings.catch_warnings():  # convergence notes of a short default run
            warnings.simplefilter("ignore")
            fit = model.sample(random_seed=seed, progressbar=False)
        t0 = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            sel = br.projection_selection(model, fit, method="l1", random_seed=seed)
        seconds = time.perf_counter() - t0
        size = sel.suggested_size if sel.suggested_size is not None else len(sel.path) - 1
        est = {"RHS + projpred": sel.coef(size).values,
               "RHS + SAVS": br.savs(model, fit).values / model.standardization.scale}
        lasso = LassoCV(cv=5, random_state=0, max_iter=20_000).fit(
            StandardScaler().fit_transform(X), y)
        est["LassoCV"] = lasso.coef_ / X.std(0)
        for name in METHODS:
            r = scores(est[name], w)
            res[name].append((*r, seconds if name == "RHS + projpred" else np.nan))
            extra = "-"
            note = ""
            if name == "RHS + projpred":
                extra = f"{seconds:.1f}"
                note = ("no size within 1 SE: 20 terms; " if sel.suggested_size is None
                        else "") + (f"{len(caught)} warnings" if caught else "")
            print(f"| {seed} | {name} | {r[0]:.2f} | {r[1]:.2f} | {r[2]:.3f} | {r[3]} | "
                  f"{extra} | {note} |", flush=True)
    for name in METHODS:
        m = np.mean(res[name], axis=0)
        t = f"{m[4]:.1f}" if name == "RHS + projpred" else "-"
        print(f"| mean | {name} | {m[0]:.2f} | {m[1]:.2f} | {m[2]:.3f} | {m[3]:.1f} | {t} | |")


if __name__ == "__main__":
    main()
