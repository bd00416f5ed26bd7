"""Save and load fits: one NetCDF file with the fit's groups and the model spec.

The model specification travels as JSON in ``posterior.attrs["bayesreg_spec"]`` (never
pickle), so a loaded file can rebuild its :class:`bayesreg.Model` with
:meth:`bayesreg.Model.from_idata`. Writing goes to a temporary file in the target folder
that is renamed into place only when complete: a failed save leaves nothing behind.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import xarray as xr

from .backends.results import group_names
from .inference.model import SPEC_ATTR, SUPPORTED_SPEC_VERSIONS, spec_from_idata

__all__ = ["save", "load"]


def _check_idata(idata) -> None:
    if not isinstance(idata, xr.DataTree):
        raise TypeError(
            f"save() needs the xarray.DataTree returned by Model.sample(); got "
            f"{type(idata).__name__}."
        )
    spec_from_idata(idata)  # raises a clear error when the spec is missing


def save(idata, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Write a fit to one NetCDF file.

    Parameters
    ----------
    idata : xarray.DataTree
        The result of :meth:`bayesreg.Model.sample` (it carries the model spec).
    path : str or path-like
        Target file, conventionally ``*.nc``. Its folder must exist.
    overwrite : bool, default False
        Replace an existing file.

    Returns
    -------
    pathlib.Path
        The written path.

    Raises
    ------
    FileExistsError
        ``path`` exists and ``overwrite`` is False.
    FileNotFoundError
        The folder of ``path`` does not exist.
    """
    _check_idata(idata)
    path = Path(path)
    folder = path.resolve().parent
    if not folder.is_dir():
        raise FileNotFoundError(f"Cannot save to {str(path)!r}: folder {str(folder)!r} does not "
                                f"exist. Create it first.")
    if path.exists() and not overwrite:
        raise FileExistsError(f"{str(path)!r} exists; pass overwrite=True to replace it.")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        idata.to_netcdf(tmp, engine="h5netcdf")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return path


def load(path: str | os.PathLike):
    """Read a fit written by :func:`save`.

    The data are read into memory (the file is closed on return).

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    xarray.DataTree
        With the model spec in ``posterior.attrs["bayesreg_spec"]``; rebuild the model
        with :meth:`bayesreg.Model.from_idata`.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No bayesreg fit at {str(path)!r}.")
    try:
        with xr.open_datatree(str(path), engine="h5netcdf") as lazy:
            idata = lazy.load().copy()
    except (OSError, ValueError) as err:
        raise ValueError(f"{str(path)!r} is not a NetCDF file written by bayesreg.save "
                         f"({err}).") from None
    if "posterior" not in group_names(idata) or SPEC_ATTR not in idata["posterior"].attrs:
        raise ValueError(f"{str(path)!r} holds no bayesreg model spec; it was not written by "
                         f"bayesreg.save.")
    spec = spec_from_idata(idata)
    if spec.get("version") not in SUPPORTED_SPEC_VERSIONS:
        raise ValueError(
            f"{str(path)!r} was written by a bayesreg whose model spec has version "
            f"{spec.get('version')!r}; this bayesreg reads versions "
            f"{list(SUPPORTED_SPEC_VERSIONS)}. Load it with the bayesreg that wrote it and "
            f"save it again, or upgrade bayesreg.")
    return idata
