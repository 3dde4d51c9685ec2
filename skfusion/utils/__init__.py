"""Validation and batching helpers shared by skfusion's estimators."""

from ._batching import iter_batches, predict_in_batches
from .validation import check_multimodal

__all__ = ["check_multimodal", "iter_batches", "predict_in_batches"]
