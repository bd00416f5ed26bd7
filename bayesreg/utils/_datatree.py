"""The result of a fit: an ``xarray.DataTree`` with ArviZ's groups, as ``pm.sample`` returns.

One builder (:func:`datatree`) turns named ``xarray.Dataset`` groups into the tree that
ArviZ 1.x works with (``posterior``, ``sample_stats``, ``observed_data``,
``constant_data``, ``log_likelihood``, ``log_prior``, ...), and :func:`draws_dataset`
labels ``(chain, draw, ...)`` arrays the way ArviZ does (``<name>_dim_<i>`` for
unnamed dimensions).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import xarray as xr

__all__ = ["datatree", "group_names", "group", "draws_dataset"]


def datatree(groups: Mapping[str, xr.Dataset]) -> xr.DataTree:
    """A DataTree with one child node per group, in the given order."""
    return xr.DataTree.from_dict({name: ds for name, ds in groups.items() if ds is not None})


def group_names(tree) -> list[str]:
    """The names of the groups (child nodes) of a fit."""
    return list(tree.children)


def group(tree, name: str) -> xr.Dataset:
    """Group ``name`` of a fit as a (mutable) ``xarray.Dataset``."""
    return tree[name].to_dataset()


def draws_dataset(arrays: Mapping[str, np.ndarray], *, dims: Mapping[str, list] | None = None,
                  coords: Mapping[str, object] | None = None, attrs=None) -> xr.Dataset:
    """``(chain, draw, *shape)`` arrays as a Dataset with ArviZ's dimension names.

    ``dims[name]`` names the non-sample dimensions of ``name``; others are called
    ``<name>_dim_<i>``. Coordinates default to ``0 .. size - 1``.
    """
    dims = dims or {}
    coords = dict(coords or {})
    data = {}
    for name, arr in arrays.items():
        arr = np.asarray(arr)
        extra = list(dims.get(name, []))
        extra += [f"{name}_dim_{i}" for i in range(len(extra), arr.ndim - 2)]
        data[name] = (("chain", "draw", *extra), arr)
    n_chain, n_draw = next(iter(arrays.values())).shape[:2]
    coords = {"chain": np.arange(n_chain), "draw": np.arange(n_draw),
              **{k: v for k, v in coords.items() if k not in ("chain", "draw")}}
    ds = xr.Dataset(data)
    return ds.assign_coords({k: v for k, v in coords.items() if k in ds.dims},
                            ).assign_attrs(attrs or {})
