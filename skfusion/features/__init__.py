"""Per-modality feature extractors: one scikit-learn transformer per kind of data.

Each transformer takes one modality array, the value that
:class:`~skfusion.ModalitySelector` returns, so that they compose as
``make_pipeline(ModalitySelector("audio"), MFCCFeatures(sr=8000), SVC())``.

- images ``(n, h, w[, c])``: :class:`PixelFeatures`, :class:`HOGFeatures`, and
  :class:`DeskewImages` before them for handwriting
- audio (object array of 1-D waveforms): :class:`MFCCFeatures`, :class:`LogMelFeatures`
- text (strings): :class:`SentenceEmbeddingFeatures`, or scikit-learn's own
  :class:`~sklearn.feature_extraction.text.TfidfVectorizer`
- tables (DataFrames): scikit-learn's :class:`~sklearn.compose.ColumnTransformer`
"""

from ._audio import LogMelFeatures, MFCCFeatures
from ._deskew import DeskewImages
from ._image import HOGFeatures, PixelFeatures
from ._text import SentenceEmbeddingFeatures

__all__ = [
    "DeskewImages",
    "HOGFeatures",
    "LogMelFeatures",
    "MFCCFeatures",
    "PixelFeatures",
    "SentenceEmbeddingFeatures",
]
