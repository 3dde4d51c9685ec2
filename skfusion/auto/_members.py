"""The default members AutoFusion builds for each kind of modality.

Every default is a plain scikit-learn pipeline made of skfusion's and
scikit-learn's own parts, chosen for accuracy per second of fitting:

- text: word 1-2-grams, hashed (no vocabulary to build, so a fold costs a
  second rather than ten on 20,000 reviews), TF-IDF weighted with sublinear
  term frequencies, then a logistic regression (``C=4``, as the hand-tuned
  anchor of the reviews benchmark); optionally a second member on hashed
  character 2-5-grams, or on the packaged sentence embeddings;
- table: HistGradientBoosting with native categorical support (categories
  beyond 255 levels grouped as infrequent), numeric columns as they are;
- image: the user guide's recipe, deskewing and HOG for grey images of at
  least 24 pixels (HOG alone for other sizes, raw pixels below 16), PCA(100)
  and an RBF SVC (``C=10``) with libsvm's pairwise Platt probabilities
  (:class:`~skfusion.late.PairwiseCalibratedClassifier`, as
  ``SVC(probability=True)``, which is deprecated, computed them);
- audio: MFCC statistics, standardised, and an RBF SVC (``C=1``) with the
  same probabilities, as in the user guide.
"""

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import PCA
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    MaxAbsScaler,
    OneHotEncoder,
    OrdinalEncoder,
    StandardScaler,
)
from sklearn.svm import SVC, SVR

from ..utils.arrays import is_frame

__all__ = ["default_members", "early_member", "stacking_logit"]

# hashed text features: about 32 slots per training text, 4,096 to 524,288
_HASH_RANGE = (12, 19)
# HistGradientBoosting's limit on the levels of a native categorical feature
_MAX_LEVELS = 255


def stacking_logit(probas):
    """Per-class logits of stacked probabilities, for a linear stacker.

    Near 0 and 1, where a confident member's probabilities crowd together,
    the logit keeps them apart.
    """
    probas = np.clip(np.asarray(probas, dtype=float), 1e-6, 1 - 1e-6)
    return np.log(probas) - np.log1p(-probas)


def _hash_size(n_samples):
    low, high = _HASH_RANGE
    return 2 ** int(np.clip(np.ceil(np.log2(32 * max(n_samples, 1))), low, high))


def _word_features(n_samples):
    return make_pipeline(
        HashingVectorizer(ngram_range=(1, 2), n_features=_hash_size(n_samples),
                          alternate_sign=False, norm=None),
        TfidfTransformer(sublinear_tf=True))


def _char_features(n_samples):
    return make_pipeline(
        HashingVectorizer(analyzer="char_wb", ngram_range=(2, 5),
                          n_features=_hash_size(n_samples), alternate_sign=False, norm=None),
        TfidfTransformer(sublinear_tf=True))


def _linear(classifier, C=4.0, alpha=1.0):
    if classifier:
        return LogisticRegression(C=C, solver="saga", tol=1e-3, max_iter=300, random_state=0)
    return Ridge(alpha=alpha)


def _table_columns(value):
    """(categorical, numeric) column names of a DataFrame table."""
    categorical = [c for c in value.columns if value[c].dtype.kind not in "biufM"]
    numeric = [c for c in value.columns if c not in categorical]
    return categorical, numeric


def _table_member(value, classifier):
    gbdt = HistGradientBoostingClassifier if classifier else HistGradientBoostingRegressor
    if not is_frame(value):
        if hasattr(value, "tocsr"):  # sparse features: a linear model
            return make_pipeline(MaxAbsScaler(), _linear(classifier, C=1.0))
        return make_pipeline(FunctionTransformer(_as_2d), gbdt(random_state=0))
    categorical, numeric = _table_columns(value)
    encode = ColumnTransformer(
        [("categorical", OrdinalEncoder(
            max_categories=_MAX_LEVELS, handle_unknown="use_encoded_value",
            unknown_value=np.nan, encoded_missing_value=np.nan), categorical),
         ("numeric", "passthrough", numeric)],
        verbose_feature_names_out=False)
    mask = [True] * len(categorical) + [False] * len(numeric)
    return make_pipeline(encode, gbdt(categorical_features=mask or None, random_state=0))


def _as_2d(value):
    value = np.asarray(value, dtype=float)
    return value.reshape(len(value), -1)


def _table_features(value):
    """A table as linear-model features: one-hot categories, standardised numbers."""
    if not is_frame(value):
        if hasattr(value, "tocsr"):
            return MaxAbsScaler()
        return make_pipeline(FunctionTransformer(_as_2d), SimpleImputer(), StandardScaler())
    categorical, numeric = _table_columns(value)
    return ColumnTransformer(
        [("categorical", OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=5),
          categorical),
         ("numeric", make_pipeline(SimpleImputer(), StandardScaler()), numeric)],
        verbose_feature_names_out=False)


def _image_features(value):
    from ..features import DeskewImages, HOGFeatures, PixelFeatures

    grey = value.ndim == 3
    side = min(value.shape[1:3])
    if side < 16:
        return make_pipeline(PixelFeatures(), StandardScaler())
    if grey and side >= 24:
        steps = [DeskewImages(), HOGFeatures(pixels_per_cell=(4, 4), cells_per_block=(3, 3))]
    else:
        steps = [HOGFeatures()]
    return make_pipeline(*steps, PCA(min(100, value.shape[0] // 2), random_state=0))


def _audio_features(sample_rate):
    from ..features import MFCCFeatures

    return make_pipeline(MFCCFeatures(sr=sample_rate), StandardScaler())


def _svm(classifier, C):
    if not classifier:
        return SVR(C=C)
    from ..late import PairwiseCalibratedClassifier

    # libsvm's Platt probabilities, without the deprecated SVC(probability=True)
    return PairwiseCalibratedClassifier(SVC(C=C))


def default_members(X, kinds, *, classifier, sample_rate, text_chars, text_embeddings):
    """``(name, estimator, modality)`` triples, one or more per modality.

    Returns
    -------
    required : list of triples
        One member per modality.
    optional : list of triples
        Further text members (character n-grams, sentence embeddings).
    """
    required, optional = [], []
    for name, kind in kinds.items():
        value = X[name]
        if kind == "text":
            required.append((name, make_pipeline(_word_features(len(value)), _linear(classifier)), name))
            if text_chars:
                optional.append((f"{name}_chars",
                                 make_pipeline(_char_features(len(value)), _linear(classifier)), name))
            if text_embeddings:
                from ..features import SentenceEmbeddingFeatures

                optional.append((f"{name}_embeddings", make_pipeline(
                    SentenceEmbeddingFeatures(), _linear(classifier, C=1.0, alpha=10.0)), name))
        elif kind == "table":
            required.append((name, _table_member(value, classifier), name))
        elif kind == "image":
            image = np.asarray(value)
            required.append((name, make_pipeline(_image_features(image), _svm(classifier, C=10.0)),
                             name))
        else:
            required.append((name, make_pipeline(_audio_features(sample_rate),
                                                 _svm(classifier, C=1.0)), name))
    return required, optional


def early_member(X, kinds, *, classifier, sample_rate, n_classes=2):
    """An EarlyFusion of every modality's features and one linear model."""
    from ..early import EarlyFusion

    blocks = []
    for name, kind in kinds.items():
        value = X[name]
        if kind == "text":
            features = _word_features(len(value))
        elif kind == "table":
            features = _table_features(value)
        elif kind == "image":
            features = _image_features(np.asarray(value))
        else:
            features = _audio_features(sample_rate)
        blocks.append((name, features, name))
    if not classifier:
        final = Ridge(alpha=1.0)
    elif n_classes > 2 and "text" in kinds.values():
        # hashed text, multinomial: saga converges 2.4x faster than lbfgs (16 s
        # against 37 s on the reviews' 5 ratings, same accuracy); with two
        # classes, or dense standardised blocks, lbfgs is the faster (4 s
        # against 8 s on the reviews' recommendation task)
        final = LogisticRegression(C=1.0, solver="saga", tol=1e-3, max_iter=300,
                                   random_state=0)
    else:
        final = LogisticRegression(C=1.0, tol=1e-3, max_iter=300)
    return ("early_fusion", make_pipeline(EarlyFusion(blocks), final), list(kinds))
