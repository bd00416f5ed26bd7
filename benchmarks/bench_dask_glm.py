"""Logistic posteriors out of core (issue 22, item 3): ``DaskModel.sample()`` for a
bernoulli model whose data are generated lazily by ``dask.array.random`` and never
materialized in the client.

Cases, each in its own subprocess so that every peak RSS is its own:

* ``check``: ``--check-n`` rows x ``--p`` columns (default 10^6 x 20). The same data
  (computed into memory) are fit in memory with ``bayesreg.Model(...).sample()`` (the
  independence sampler, ``sampler="auto"``), and out of core with
  ``DaskModel(...).sample()`` on a ``LocalCluster`` of 2 worker processes (1 thread
  each); the posterior means must agree within Monte Carlo error (z = difference / the
  combined MCSE, |z| < 4.5 for every parameter).
* ``big``: ``--n`` rows x ``--p`` columns (default 10^7 x 20, 1.6 GB of float64 X)
  generated lazily on 2 worker processes: wall time of ``DaskModel(...)`` (the
  statistics pass) and of ``sample()``, the client's peak RSS against the size of X.

BLAS runs on 1 thread in every process (``OMP_NUM_THREADS=1``, set before NumPy loads).

Usage::

    python benchmarks/bench_dask_glm.py                       # both cases
    python benchmarks/bench_dask_glm.py --cases big --n 4000000 --draws 250
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402


def _peak() -> int:
    """Peak resident set size of this process, bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _lazy_problem(n: int, p: int, chunk: int):
    import dask.array as da
    rs = da.random.RandomState(0)
    X = rs.normal(size=(n, p), chunks=(chunk, p))
    beta = np.linspace(-0.5, 0.5, p)
    eta = X @ beta + 0.3
    u = da.random.RandomState(1).uniform(size=n, chunks=chunk)
    y = (u < 1.0 / (1.0 + da.exp(-eta))).astype(float)
    return X, y


def _cluster():
    from dask.distributed import Client, LocalCluster
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=None)
    return Client(cluster)


def _summary(fit) -> dict:
    import arviz as az
    post = fit.posterior
    out = {}
    for name in ("coef", "intercept"):
        v = post[name].values
        v = v.reshape(v.shape[0], v.shape[1], -1)
        out[name] = {"mean": v.mean(axis=(0, 1)).tolist(),
                     "mcse": [float(az.mcse(v[..., j])) for j in range(v.shape[-1])]}
    return out


def case_check(args) -> dict:
    import bayesreg as br
    X, y = _lazy_problem(args.check_n, args.p, args.chunk)
    out = {}
    with _cluster():
        t = time.perf_counter()
        dm = br.DaskModel(X, y, family="bernoulli", prior=br.Gaussian(1.0))
        fit = dm.sample(draws=args.draws, random_seed=1, progressbar=False)
        out["dask_s"] = time.perf_counter() - t
        out["dask_khat"] = fit.sample_stats.attrs["bayesreg_imh_pareto_k"]
        out["dask_acceptance"] = fit.sample_stats.attrs["bayesreg_imh_acceptance"]
        Xm, ym = X.compute(), y.compute()
    t = time.perf_counter()
    ref = br.Model(Xm, ym, family="bernoulli", prior=br.Gaussian(1.0)).sample(
        draws=args.draws, random_seed=2, progressbar=False, log_likelihood=False)
    out["memory_s"] = time.perf_counter() - t
    out["memory_sampler"] = ref.posterior.attrs["bayesreg_sampler"]
    a, b = _summary(fit), _summary(ref)
    z = []
    for name in a:
        for m1, s1, m2, s2 in zip(a[name]["mean"], a[name]["mcse"], b[name]["mean"],
                                  b[name]["mcse"]):
            z.append((m1 - m2) / np.hypot(s1, s2))
    out["max_abs_z"] = float(np.max(np.abs(z)))
    out["n_params"] = len(z)
    return out


def case_big(args) -> dict:
    import bayesreg as br
    X, y = _lazy_problem(args.n, args.p, args.chunk)
    out = {"X_bytes": int(args.n * args.p * 8)}
    with _cluster():
        t = time.perf_counter()
        dm = br.DaskModel(X, y, family="bernoulli", prior=br.Gaussian(1.0))
        out["model_s"] = time.perf_counter() - t
        t = time.perf_counter()
        fit = dm.sample(draws=args.draws, random_seed=1, progressbar=False)
        out["sample_s"] = time.perf_counter() - t
        out["khat"] = fit.sample_stats.attrs["bayesreg_imh_pareto_k"]
        out["acceptance"] = fit.sample_stats.attrs["bayesreg_imh_acceptance"]
        rep = json.loads(fit.sample_stats.attrs["bayesreg_convergence"])
        out["ess_bulk_min"], out["r_hat_max"] = rep["ess_bulk_min"], rep["r_hat_max"]
        out["passes"] = json.loads(fit.posterior.attrs["bayesreg_out_of_core"])["map_passes"]
    out["client_peak_rss"] = _peak()
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", default="check,big")
    ap.add_argument("--n", type=int, default=10_000_000)
    ap.add_argument("--check-n", type=int, default=1_000_000)
    ap.add_argument("--p", type=int, default=20)
    ap.add_argument("--chunk", type=int, default=250_000)
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--case", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case:
        result = {"check": case_check, "big": case_big}[args.case](args)
        print(json.dumps(result))
        return
    print(f"# {platform.node()} {os.cpu_count()} CPUs, Python {platform.python_version()}")
    for case in args.cases.split(","):
        cmd = [sys.executable, __file__, "--case", case, "--n", str(args.n), "--check-n",
               str(args.check_n), "--p", str(args.p), "--chunk", str(args.chunk),
               "--draws", str(args.draws)]
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode:
            print(case, "FAILED\n", res.stderr[-3000:])
            continue
        print(case, res.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
