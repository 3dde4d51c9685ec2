"""Neural intermediate fusion through skorch: encoders, fusion layers, estimators.

This subpackage imports torch and skorch, which the ``neural`` extra installs
(``pip install "skfusion[neural]"``); ``import skfusion`` does not import it
until it is used.
"""

try:
    import torch  # noqa: F401
    import skorch  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        f"skfusion.neural needs torch and skorch ({exc.name} is not installed): install the "
        "'neural' extra, pip install \"skfusion[neural]\" (install torch first to choose "
        "its build, CPU or CUDA)"
    ) from exc

from ._augment import GaussianNoise, RandomShift
from ._encoders import (
    ConvEncoder,
    EmbeddingBagEncoder,
    GRUEncoder,
    MLPEncoder,
    SequenceConvEncoder,
    make_encoder,
)
from ._estimator import FusionNetClassifier, FusionNetRegressor
from ._frontend import LogMelSpectrogram, SpectrogramEncoder, mel_filter_bank
from ._fusion import (
    AttentionFusion,
    ConcatFusion,
    GatedFusion,
    LowRankFusion,
    SumFusion,
    TensorFusion,
)
from ._module import FusionModule

__all__ = [
    "FusionNetClassifier",
    "FusionNetRegressor",
    "FusionModule",
    "MLPEncoder",
    "ConvEncoder",
    "SequenceConvEncoder",
    "GRUEncoder",
    "EmbeddingBagEncoder",
    "SpectrogramEncoder",
    "LogMelSpectrogram",
    "mel_filter_bank",
    "make_encoder",
    "ConcatFusion",
    "SumFusion",
    "GatedFusion",
    "TensorFusion",
    "LowRankFusion",
    "AttentionFusion",
    "GaussianNoise",
    "RandomShift",
]
