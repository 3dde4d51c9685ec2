"""Early fusion: per-modality features, balanced and concatenated."""

from ._early import EarlyFusion, make_early_fusion

__all__ = ["EarlyFusion", "make_early_fusion"]
