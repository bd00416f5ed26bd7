"""MAP (bayesreg) vs scikit-learn: time to the same solution, side by side.

For each estimator the scikit-learn twin is fitted first (the solver scikit-learn
recommends for ``n >> p``, with a tight tolerance); its optimality (KKT violation in the
bayesreg scaling, ``max_j dist(0, subdifferential_j F) / sum(s)``) is measured and
bayesreg's MAP is then run with ``tol`` equal to that violation, i.e. to at least the
same accuracy. ``max|dcoef|`` of both is measured against a reference MAP at
``tol=1e-13``. Times are medians over ``--repeats`` interleaved runs (after one warm-up
that also compiles numba), with BLAS limited to ``--threads`` threads (default 1: on a
shared 2-core machine multi-threaded BLAS timings are dominated by contention).

Run::

    python benchmarks/bench_map.py            # n = 100_000, p = 100, 5 repeats
    python benchmarks/bench_map.py --n 20000 --repeats 3
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from sklearn import linear_model as lm
from sklearn.exceptions import ConvergenceWarning

from bayesreg.sklearn import penalty_from_sklearn
from bayesreg.base import fit_map, kkt_violation


def make_data(n: int, p: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    # correlated, non-centred columns (AR(1) correlation 0.5)
    Z = rng.normal(size=(n, p))
    X = np.empty_like(Z)
    X[:, 0] = Z[:, 0]
    for j in range(1, p):
        X[:, j] = 0.5 * X[:, j - 1] + np.sqrt(1 - 0.25) * Z[:, j]
    X += rng.uniform(-1, 1, size=p)
    w = np.zeros(p)
    k = max(1, p // 5)
    w[:k] = rng.normal(size=k)
    eta = (X - X.mean(0)) @ w
    y_gauss = eta + 1.0 + rng.normal(size=n)
    y_bern = (rng.uniform(size=n) < 1 / (1 + np.exp(-0.5 * eta))).astype(float)
    y_pois = rng.poisson(np.exp(0.2 * eta / max(np.std(eta), 1e-12))).astype(float)
    return X, y_gauss, y_bern, y_pois


def cases():
    tight = dict(tol=1e-8, max_iter=100_000)
    return [
        ("Ridge", lm.Ridge(alpha=10.0), "gaussian"),
        ("Lasso", lm.Lasso(alpha=0.01, **tight), "gaussian"),
        ("ElasticNet", lm.ElasticNet(alpha=0.01, l1_ratio=0.5, **tight), "gaussian"),
        ("Logistic L2", lm.LogisticRegression(C=0.01, solver="newton-cholesky", tol=1e-8,
                                              max_iter=1000), "bernoulli"),
        ("Logistic L1", lm.LogisticRegression(C=0.01, l1_ratio=1.0, solver="saga", tol=1e-6,
                                              max_iter=10_000), "bernoulli"),
        ("Poisson", lm.PoissonRegressor(alpha=1e-3, solver="newton-cholesky", tol=1e-8,
                                        max_iter=1000), "poisson"),
    ]


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--p", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--only", default=None, help="comma-separated case names")
    ap.add_argument("--threads", type=int, default=1,
                    help="BLAS threads for both libraries (threadpoolctl); default 1")
    args = ap.parse_args(argv)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=args.threads):
        return _run(args)


def _run(args):
    X, yg, yb, yp = make_data(args.n, args.p)
    ys = {"gaussian": yg, "bernoulli": yb, "poisson": yp}
    warnings.simplefilter("ignore", ConvergenceWarning)
    rows = []
    for name, est, family in cases():
        if args.only and name not in args.only.split(","):
            continue
        y = ys[family]
        spec = penalty_from_sklearn(est, args.n, None, sigma=1.0)
        kw = dict(family=spec.family, l1=spec.l1, l2=spec.l2, sigma=1.0,
                  fit_intercept=spec.fit_intercept)
        ref = fit_map(X, y, tol=1e-13, max_iter=100_000, **kw)
        est.fit(X, y)  # warm-up
        w_s = np.ravel(est.coef_)
        b_s = float(np.ravel(est.intercept_)[0])
        kkt_s = kkt_violation(X, y, w_s, b_s, **{k: v for k, v in kw.items()})
        tol = max(kkt_s, 1e-13)
        fit_map(X, y, tol=tol, **kw)  # warm-up (numba compile)
        t_s, t_b = [], []
        for _ in range(args.repeats):
            t, _ = timed(lambda: est.fit(X, y))
            t_s.append(t)
            t, res = timed(lambda: fit_map(X, y, tol=tol, **kw))
            t_b.append(t)
        ts, tb = float(np.median(t_s)), float(np.median(t_b))
        rows.append(dict(
            case=name, sk_solver=getattr(est, "solver", "cd"), t_sklearn=ts, t_bayesreg=tb,
            ratio=tb / ts, kkt_sklearn=kkt_s, kkt_bayesreg=res.kkt_violation,
            dcoef_sklearn=float(np.max(np.abs(w_s - ref.coef))),
            dcoef_bayesreg=float(np.max(np.abs(res.coef - ref.coef))),
            bayesreg_solver=res.solver, nnz=int(np.count_nonzero(res.coef))))
    hdr = (f"{'case':12s} {'sklearn':>16s} {'t_sklearn':>10s} {'t_bayesreg':>10s} "
           f"{'ratio':>6s} {'kkt_sk':>9s} {'kkt_br':>9s} {'dcoef_sk':>9s} {'dcoef_br':>9s} "
           f"{'br solver':>12s} {'nnz':>4s}")
    import platform

    import sklearn

    print(f"Python {platform.python_version()}, numpy {np.__version__}, "
          f"scikit-learn {sklearn.__version__}")
    print(f"n = {args.n}, p = {args.p}, median of {args.repeats} repeats, "
          f"{args.threads} BLAS thread(s)")
    print(hdr)
    for r in rows:
        print(f"{r['case']:12s} {r['sk_solver']:>16s} {r['t_sklearn']:10.4f} "
              f"{r['t_bayesreg']:10.4f} {r['ratio']:6.2f} {r['kkt_sklearn']:9.1e} "
              f"{r['kkt_bayesreg']:9.1e} {r['dcoef_sklearn']:9.1e} {r['dcoef_bayesreg']:9.1e} "
              f"{r['bayesreg_solver']:>12s} {r['nnz']:4d}")
    return rows


if __name__ == "__main__":
    main()
