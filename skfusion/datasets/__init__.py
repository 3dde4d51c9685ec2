"""Data sets: embedded (``load_*``), downloaded (``fetch_*``) and synthetic (``make_*``)."""

from ._av_mnist import fetch_av_mnist
from ._base import get_data_home
from ._synthetic import make_multimodal_classification

__all__ = [
    "fetch_av_mnist",
    "get_data_home",
    "make_multimodal_classification",
]
