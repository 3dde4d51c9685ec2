"""Validation helpers shared by skfusion's estimators."""

from .validation import check_multimodal

__all__ = ["check_multimodal"]
