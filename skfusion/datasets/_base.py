"""Where skfusion keeps downloaded data."""

import os
from pathlib import Path

__all__ = ["get_data_home"]


def get_data_home(data_home=None):
    """Return the folder that holds skfusion's downloaded data sets.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The folder. By default the environment variable ``SKFUSION_DATA``,
        else ``~/skfusion_data``.

    Returns
    -------
    data_home : pathlib.Path

    Examples
    --------
    >>> from skfusion.datasets import get_data_home
    >>> str(get_data_home("/tmp/data"))
    '/tmp/data'
    """
    if data_home is None:
        data_home = os.environ.get("SKFUSION_DATA", Path.home() / "skfusion_data")
    return Path(data_home).expanduser()
