"""Out-of-core and distributed fits on Dask (issue 15): wall time and peak memory.

Cases, each in its own subprocess so that every peak RSS is its own:

* ``dask``: a Gaussian regression of ``--n`` rows x ``--p`` columns generated chunk-wise
  by ``dask.array.random`` (never materialized in one array) and fit with
  ``bayesreg.DaskModel`` on a ``LocalCluster`` of 2 worker processes (1 thread each):
  the sufficient-statistics pass, the MAP, 1000 exact posterior draws, the evidence.
  Peak RSS of the client (which also runs the scheduler) and of each worker.
* ``threads``: the same on Dask's local threaded scheduler (one process).
* ``numpy``: the same model in memory (``bayesreg.Model`` on NumPy arrays) at the sizes
  ``--numpy-sizes``; the data generation is not timed, its memory is in the peak.
  ``--loo-draws``: also chunked PSIS-LOO (dask case; one GPD fit per row, so slow).
* ``grid``: ``bayesreg.fit_many`` over ``--grid-scales`` prior scales (exact posterior,
  1000 draws and PSIS-LOO per scale) on an in-memory model of ``--grid-n`` rows, on 2
  worker processes against a serial loop.

Usage::

    python benchmarks/bench_dask.py                      # everything, 1e7 x 50
    python benchmarks/bench_dask.py --cases dask --n 4000000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time

import numpy as np


def _peak() -> int:
    """Peak resident set size of this process, bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _lazy_problem(n: int, p: int, chunk: int):
    import dask.array as da
    rs = da.random.RandomState(0)
    X = rs.normal(size=(n, p), chunks=(chunk, p))
    beta = np.linspace(-1.0, 1.0, p)
    y = X @ beta + 2.0 + rs.normal(size=n, chunks=chunk)
    return X, y, beta


def _fit(model, beta) -> dict:
    out = {}
    t = time.perf_counter()
    est = model.map()
    out["map_s"] = time.perf_counter() - t
    t = time.perf_counter()
    fit = model.sample(sampler="exact", draws=1000, chains=1, random_seed=0, progressbar=False,
                       log_likelihood=False)  # in memory: n x 1000 values otherwise
    out["sample_s"] = time.perf_counter() - t
    t = time.perf_counter()
    out["log_evidence"] = float(model.log_evidence().log_evidence)
    out["evidence_s"] = time.perf_counter() - t
    out["max_abs_err_map"] = float(np.abs(est.coef.values - beta).max())
    out["posterior_sd_mean"] = float(fit.posterior["coef"].std(("chain", "draw")).mean())
    return out


def case_dask(args, threads: bool) -> dict:
    import dask
    from distributed import Client, LocalCluster

    import bayesreg as br
    X, y, beta = _lazy_problem(args.n, args.p, args.chunk)
    res = {"case": "threads" if threads else "dask", "n": args.n, "p": args.p,
           "chunk_rows": args.chunk, "X_bytes": int(X.nbytes)}
    if threads:
        with dask.config.set(scheduler="threads", num_workers=2):
            t = time.perf_counter()
            m = br.DaskModel(X, y, prior=br.Gaussian(1.0), sigma=1.0)
            res["stats_pass_s"] = time.perf_counter() - t
            res.update(_fit(m, beta))
        res["peak_rss_client"] = _peak()
        return res
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None, memory_limit="6GiB") as cluster, \
            Client(cluster) as client:
        client.run(lambda: __import__("bayesreg"))  # imports are not part of the timing
        t = time.perf_counter()
        m = br.DaskModel(X, y, prior=br.Gaussian(1.0), sigma=1.0)
        res["stats_pass_s"] = time.perf_counter() - t
        res.update(_fit(m, beta))
        if args.loo_draws:
            t = time.perf_counter()
            loo = m.loo(m.sample(sampler="exact", draws=args.loo_draws, chains=1,
                                 random_seed=1, progressbar=False))
            res["loo_s"] = time.perf_counter() - t
            res["loo_draws"] = args.loo_draws
            res["elpd_loo"] = loo.elpd
        res["peak_rss_client"] = _peak()
        res["peak_rss_workers"] = sorted(client.run(_peak).values())
    return res


def case_numpy(args, n: int) -> dict:
    import bayesreg as br
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, args.p))
    beta = np.linspace(-1.0, 1.0, args.p)
    y = X @ beta + 2.0 + rng.standard_normal(n)
    res = {"case": "numpy", "n": n, "p": args.p, "X_bytes": int(X.nbytes)}
    t = time.perf_counter()
    m = br.Model(X, y, prior=br.Gaussian(1.0), sigma=1.0)
    res["model_s"] = time.perf_counter() - t
    res.update(_fit(m, beta))
    res["peak_rss_client"] = _peak()
    return res


def case_grid(args) -> dict:
    from distributed import Client, LocalCluster

    import bayesreg as br
    rng = np.random.default_rng(1)
    n, p = args.grid_n, 20
    X = rng.standard_normal((n, p))
    y = X @ rng.normal(0, 0.3, p) + rng.standard_normal(n)
    model = br.Model(X, y, prior=br.Gaussian(1.0), sigma=1.0)
    scales = np.logspace(-3, 1, args.grid_scales)
    kw = dict(draws=1000, loo=True, random_seed=0)
    res = {"case": "grid", "n": n, "p": p, "fits": len(scales)}
    t = time.perf_counter()
    serial = br.fit_many(model, scales, **kw)
    res["serial_s"] = time.perf_counter() - t
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        client.run(lambda: __import__("bayesreg"))  # imports are not part of the timing
        t = time.perf_counter()
        par = br.fit_many(model, scales, client=client, **kw)
        res["two_workers_s"] = time.perf_counter() - t
    res["identical"] = bool(np.allclose(serial["elpd_loo"], par["elpd_loo"], rtol=1e-12))
    res["evidence_best_scale"] = par.attrs["evidence_best_scale"]
    res["loo_best_scale"] = par.attrs["loo_best_scale"]
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000_000)
    ap.add_argument("--p", type=int, default=50)
    ap.add_argument("--chunk", type=int, default=250_000)
    ap.add_argument("--numpy-sizes", type=int, nargs="*", default=[2_000_000, 4_000_000])
    ap.add_argument("--grid-n", type=int, default=2_000)
    ap.add_argument("--loo-draws", type=int, default=0,
                    help="also time chunked PSIS-LOO with this many exact draws (dask case)")
    ap.add_argument("--grid-scales", type=int, default=100)
    ap.add_argument("--cases", nargs="*", default=["dask", "threads", "numpy", "grid"])
    ap.add_argument("--one", help=argparse.SUPPRESS)  # run one case in this process
    ap.add_argument("--out", default=None, help="write the results as JSON")
    args = ap.parse_args()
    if args.one:
        kind, _, size = args.one.partition(":")
        res = (case_dask(args, threads=False) if kind == "dask" else
               case_dask(args, threads=True) if kind == "threads" else
               case_numpy(args, int(size)) if kind == "numpy" else case_grid(args))
        print("RESULT " + json.dumps(res))
        return
    runs = []
    for case in args.cases:
        runs += [f"numpy:{s}" for s in args.numpy_sizes] if case == "numpy" else [case]
    results = []
    base = [a for a in sys.argv[1:] if a not in ("--cases",) and a not in args.cases]
    for one in runs:
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, __file__, *base, "--one", one],
                              capture_output=True, text=True)
        line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
        if proc.returncode or not line:
            res = {"case": one, "error": proc.stderr[-1500:]}
        else:
            res = json.loads(line[-1][7:])
        res["process_wall_s"] = time.perf_counter() - t
        results.append(res)
        print(json.dumps(res), flush=True)
    meta = {"machine": platform.platform(), "cpus": os.cpu_count(),
            "python": platform.python_version(), "load_avg": os.getloadavg(),
            "command": " ".join([os.path.basename(sys.executable), *sys.argv])}
    if args.out:
        with open(args.out, "w") as fh:
            json.dump({"meta": meta, "results": results}, fh, indent=1)
    print(json.dumps(meta))


if __name__ == "__main__":
    main()
