"""Progress bars for long extractions and file loads (tqdm, optional)."""

__all__ = ["progress_bar"]


def progress_bar(total, verbose, desc, unit="sample"):
    """A tqdm bar when ``verbose`` is truthy and tqdm is installed, else None.

    Parameters
    ----------
    total : int
        Items to process.
    verbose : int or bool
        Show the bar when truthy.
    desc : str
        The bar's label.
    unit : str, default="sample"
        What one item is called.

    Returns
    -------
    bar : tqdm or None
    """
    if not verbose:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc=desc, unit=unit)
