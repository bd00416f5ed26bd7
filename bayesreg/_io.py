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

from .utils._datatree import group_names
from .inference._model_spec import SUPPORTED_SPEC_VERSIONS, check_spec, spec_from_idata
from .inference._pointwise import SPEC_ATTR
from .utils._validation import check_bool

__all__ = ["save", "load", "write_atomic"]


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
    overwrite = check_bool(overwrite, "overwrite", "save")  # "no" would be truthy
    path = Path(path)
    folder = path.resolve().parent
    if not folder.is_dir():
        raise FileNotFoundError(f"Cannot save to {str(path)!r}: folder {str(folder)!r} does not "
                                f"exist. Create it first.")
    if path.exists() and not overwrite:
        raise FileExistsError(f"{str(path)!r} exists; pass overwrite=True to replace it.")
    return write_atomic(path, lambda tmp: idata.to_netcdf(tmp, engine="h5netcdf"))


def write_atomic(path: str | os.PathLike, write) -> Path:
    """``write(tmp)`` to a temporary file next to ``path``, then rename it to ``path``.

    On any failure, Ctrl-C included, the temporary file is removed and ``path`` is left as
    it was (a rename within one folder is atomic). The file gets the mode a plain
    ``open()`` would give it (``0o666`` less the umask), not the temporary file's 0600.
    """
    path = Path(path)
    folder = path.resolve().parent
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except PermissionError:
        raise PermissionError(f"Cannot save to {str(path)!r}: folder {str(folder)!r} is not "
                              f"writable. Choose another folder, or fix its permissions.") from None
    os.close(fd)
    try:
        write(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
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
    except (KeyError, RuntimeError) as err:  # h5py: damaged metadata inside a valid header
        raise ValueError(f"{str(path)!r} is damaged: its NetCDF/HDF5 structure cannot be "
                         f"read ({err}). Save the fit again from its source.") from None
    if "posterior" not in group_names(idata) or SPEC_ATTR not in idata["posterior"].attrs:
        raise ValueError(f"{str(path)!r} holds no bayesreg model spec; it was not written by "
                         f"bayesreg.save.")
    try:
        spec = spec_from_idata(idata)
    except (ValueError, RecursionError) as err:  # json.JSONDecodeError is a ValueError
        raise ValueError(f"{str(path)!r} holds a bayesreg model spec that is not valid JSON "
                         f"({type(err).__name__}); the file is damaged or was edited. Refit "
                         f"the model and save it again.") from None
    if not isinstance(spec, dict) or spec.get("version") not in SUPPORTED_SPEC_VERSIONS:
        spec = spec if isinstance(spec, dict) else {}
        raise ValueError(
            f"{str(path)!r} was written by a bayesreg whose model spec has version "
            f"{spec.get('version')!r}; this bayesreg reads versions "
            f"{list(SUPPORTED_SPEC_VERSIONS)}. Load it with the bayesreg that wrote it and "
            f"save it again, or upgrade bayesreg.")
    try:  # validate everything before anything is built from it
        check_spec(spec)
        _check_data(idata, spec)
    except ValueError as err:
        raise ValueError(f"{str(path)!r} holds a bayesreg fit that fails validation: {err}. "
                         f"The file is damaged or was edited; refit the model and save it "
                         f"again.") from None
    return idata


def _check_data(idata, spec) -> None:
    """The data groups that :meth:`Model.from_idata` reads agree with the spec."""
    groups = group_names(idata)
    if "constant_data" not in groups or "observed_data" not in groups:
        raise ValueError("the constant_data or observed_data group is missing")
    cd, od = idata["constant_data"], idata["observed_data"]
    name = "X_original" if "X_original" in cd else "X"
    if name not in cd or "y" not in od or "feature" not in cd.coords:
        raise ValueError("the data X, y or the feature coordinate are missing")
    X, y = cd[name], od["y"]
    features = [str(f) for f in cd["feature"].values]
    if X.ndim != 2 or y.ndim != 1 or X.shape[0] != y.shape[0]:
        raise ValueError(f"X has shape {X.shape} and y {y.shape}: they do not match")
    if features != spec["feature_names"] or X.shape[1] != len(features):
        raise ValueError("the features of the data differ from the spec's feature_names")
    if X.dtype.kind not in "biuf" or y.dtype.kind not in "biuf":
        raise ValueError("X or y is not numeric")
