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
    python benchmarks/bench_map.py --glm-peers   # issue 22 item 5, see below

``--glm-peers`` times the GLM MAP against the *default* fits of its peers instead:
logistic L2 and L1, Poisson L2 and L1, each solved by bayesreg's ``fit_map`` at its
default ``tol`` (what ``Model.map()`` runs), by scikit-learn's default estimator with
the matching penalty (``LogisticRegression(C)``: lbfgs, ``tol=1e-4``, ``max_iter=100``; L1:
``LogisticRegression(C, l1_ratio=1, solver="saga")``, the solver scikit-learn's user
guide recommends for L1 on large data, since liblinear penalizes the intercept and so
solves another problem; ``PoissonRegressor(alpha)``: lbfgs, ``tol=1e-4``; scikit-learn
has no L1 Poisson) and by glum's ``GeneralizedLinearRegressor`` at its defaults (solver
``"auto"``: IRLS with Cholesky for L2, IRLS with coordinate descent for L1,
``gradient_tol=1e-4``). glum minimizes ``mean_i(deviance_i) / 2 + alpha (l1_ratio |w|_1
+ (1 - l1_ratio) |w|^2 / 2)``, i.e. ``F / n`` with ``l1 = n alpha l1_ratio`` and ``l2 = n
alpha (1 - l1_ratio)``. Every solution's KKT violation is measured by bayesreg's
``kkt_violation`` and ``max|dcoef|`` against ``fit_map(tol=1e-13)``.
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
    ap.add_argument("--glm-peers", action="store_true",
                    help="logistic/Poisson L2/L1 vs scikit-learn's and glum's default fits")
    ap.add_argument("--threads", type=int, default=1,
                    help="BLAS threads for both libraries (threadpoolctl); default 1")
    args = ap.parse_args(argv)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=args.threads):
        return _run_glm_peers(args) if args.glm_peers else _run(args)


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


def glm_peer_cases(n: int):
    """(name, family, l1, l2, scikit-learn estimator or None, glum alpha, glum l1_ratio)."""
    C_l1, a_pois, a_pois_l1 = 0.01, 1e-3, 1e-3
    return [
        # LogisticRegression() as it comes: C = 1, i.e. l2 = 1
        ("logistic L2", "bernoulli", 0.0, 1.0, lm.LogisticRegression(), 1.0 / n, 0.0),
        ("logistic L1", "bernoulli", 1.0 / C_l1, 0.0,
         lm.LogisticRegression(C=C_l1, l1_ratio=1.0, solver="saga"), 1.0 / (C_l1 * n), 1.0),
        # a realistic weak prior (PoissonRegressor's default alpha = 1 is the next row)
        ("Poisson L2", "poisson", 0.0, n * a_pois, lm.PoissonRegressor(alpha=a_pois),
         a_pois, 0.0),
        # PoissonRegressor() as it comes: alpha = 1, i.e. l2 = n (strong shrinkage here)
        ("Poisson L2 a=1", "poisson", 0.0, float(n), lm.PoissonRegressor(), 1.0, 0.0),
        ("Poisson L1", "poisson", n * a_pois_l1, 0.0, None, a_pois_l1, 1.0),
    ]


def _run_glm_peers(args):
    import platform

    import glum
    import sklearn

    from bayesreg.families import get_family

    X, _, yb, yp = make_data(args.n, args.p)
    ys = {"bernoulli": yb, "poisson": yp}
    glum_family = {"bernoulli": "binomial", "poisson": "poisson"}
    warnings.simplefilter("ignore", ConvergenceWarning)
    rows = []
    for name, fam, l1, l2, sk, alpha, rho in glm_peer_cases(args.n):
        if args.only and name not in args.only.split(","):
            continue
        y = ys[fam]
        kw = dict(family=get_family(fam), l1=l1, l2=l2)
        ref = fit_map(X, y, tol=1e-13, max_iter=100_000, **kw)
        gl = glum.GeneralizedLinearRegressor(family=glum_family[fam], alpha=alpha,
                                             l1_ratio=rho)
        fits = {"bayesreg": lambda: fit_map(X, y, **kw), "glum": lambda: gl.fit(X, y)}
        if sk is not None:
            fits["sklearn"] = lambda: sk.fit(X, y)
        for fn in fits.values():  # warm-up (numba compile, caches)
            fn()
        times = {k: [] for k in fits}
        for _ in range(args.repeats):  # interleaved
            for k, fn in fits.items():
                times[k].append(timed(fn)[0])
        res = fit_map(X, y, **kw)
        sols = {"bayesreg": (res.coef, res.intercept),
                "glum": (np.ravel(gl.coef_), float(gl.intercept_))}
        if sk is not None:
            sols["sklearn"] = (np.ravel(sk.coef_), float(np.ravel(sk.intercept_)[0]))
        row = dict(case=name, solver=res.solver, n_iter=res.n_iter,
                   nnz=int(np.count_nonzero(res.coef)))
        for k in ("bayesreg", "sklearn", "glum"):
            if k not in sols:
                row[f"t_{k}"] = row[f"kkt_{k}"] = row[f"dcoef_{k}"] = np.nan
                continue
            w, b = sols[k]
            row[f"t_{k}"] = float(np.median(times[k]))
            row[f"kkt_{k}"] = kkt_violation(X, y, w, b, **kw)
            row[f"dcoef_{k}"] = float(np.max(np.abs(w - ref.coef)))
        row["r_sklearn"] = row["t_bayesreg"] / row["t_sklearn"]
        row["r_glum"] = row["t_bayesreg"] / row["t_glum"]
        rows.append(row)
    print(f"Python {platform.python_version()}, numpy {np.__version__}, scikit-learn "
          f"{sklearn.__version__}, glum {glum.__version__}")
    print(f"n = {args.n}, p = {args.p}, median of {args.repeats} interleaved repeats, "
          f"{args.threads} BLAS thread(s); times in s")
    print(f"{'case':14s} {'t_br':>7s} {'t_sk':>7s} {'t_glum':>7s} {'br/sk':>6s} "
          f"{'br/glum':>7s} {'kkt_br':>8s} {'kkt_sk':>8s} {'kkt_glum':>8s} {'dc_br':>8s} "
          f"{'dc_sk':>8s} {'dc_glum':>8s} {'br solver':>11s} {'it':>3s} {'nnz':>4s}")
    for r in rows:
        print(f"{r['case']:14s} {r['t_bayesreg']:7.3f} {r['t_sklearn']:7.3f} "
              f"{r['t_glum']:7.3f} {r['r_sklearn']:6.2f} {r['r_glum']:7.2f} "
              f"{r['kkt_bayesreg']:8.1e} {r['kkt_sklearn']:8.1e} {r['kkt_glum']:8.1e} "
              f"{r['dcoef_bayesreg']:8.1e} {r['dcoef_sklearn']:8.1e} {r['dcoef_glum']:8.1e} "
              f"{r['solver']:>11s} {r['n_iter']:3d} {r['nnz']:4d}")
    return rows


if __name__ == "__main__":
    main()
