"""Data sets: embedded (``load_*``), downloaded (``fetch_*``) and synthetic (``make_*``)."""

from ._av_digits import load_av_digits
from ._av_mnist import fetch_av_mnist
from ._base import get_data_home
from ._files import load_multimodal_files
from ._reviews import load_clothing_reviews
from ._synthetic import make_multimodal_classification

__all__ = [
    "fetch_av_mnist",
    "get_data_home",
    "load_av_digits",
    "load_clothing_reviews",
    "load_multimodal_files",
    "make_multimodal_classification",
]
