"""Checks of single values that several subpackages share (no multimodal X here)."""

import numpy as np
from sklearn import get_config

__all__ = ["check_waveform", "refuse_metadata_without_routing"]


def check_waveform(clip, *, index, who):
    """Return one clip as an array, or None when it is all NaN (a missing clip).

    Parameters
    ----------
    clip : array-like
        One waveform.
    index : int
        Its position in the modality, named in errors.
    who : str
        The estimator or augmenter, named in errors.

    Returns
    -------
    clip : ndarray or None

    Raises
    ------
    ValueError
        If the clip is not a 1-D real numeric array, is empty, or has
        infinite samples. NaN samples in a clip that is not all NaN are
        left to the caller (the feature extractors read them as silence).
    """
    clip = np.asarray(clip)  # lists are read, never written back into X
    if clip.ndim != 1 or clip.dtype.kind not in "biuf":
        raise ValueError(
            f"{who} expects each clip to be a 1-D numeric (mono) waveform; clip {index} "
            f"has dtype {clip.dtype} and shape {clip.shape}"
        )
    if clip.size == 0:
        raise ValueError(f"{who}: clip {index} is empty (0 samples); mark a missing clip "
                         "with None")
    if clip.dtype.kind == "f" and not np.isfinite(clip).all():
        if np.isnan(clip).all():
            return None
        if np.isinf(clip).any():
            raise ValueError(
                f"{who}: clip {index} has {int(np.isinf(clip).sum())} infinite samples; "
                "a missing clip is None (or all NaN)"
            )
    return clip



def refuse_metadata_without_routing(owner, method, params):
    """Raise scikit-learn's ValueError for metadata given while routing is off.

    Parameters
    ----------
    owner : estimator
        The estimator whose ``method`` got the metadata.
    method : str
        The method, named in the message.
    params : dict
        The metadata passed; nothing happens when it is empty or when
        ``sklearn.set_config(enable_metadata_routing=True)`` is on.
    """
    if params and not get_config()["enable_metadata_routing"]:
        raise ValueError(
            f"Passing extra keyword arguments to {type(owner).__name__}.{method} is only "
            "supported if enable_metadata_routing=True, which you can set using "
            "`sklearn.set_config`. See the User Guide "
            "<https://scikit-learn.org/stable/metadata_routing.html> for more details; "
            "then request the metadata on the inner estimators "
            "(StandardScaler().set_fit_request(sample_weight=True)). "
            f"Extra parameters passed are: {sorted(params)}"
        )
