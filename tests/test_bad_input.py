"""Every public estimator against the bad input users really give it.

One table of cases: (estimator, bad input, stage) -> the error type and the
words its message must contain (the modality, what was expected and seen), or,
where accepting the input is the documented behaviour, the outcome it must
have. Every message is also checked to be skfusion's own, not an internal
numpy, torch or librosa one. Cases that other owners have to fix are strict
xfails that say what is wrong; flip them when fixed.
"""

import re
from dataclasses import dataclass

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline

from skfusion import (
    EarlyFusion,
    LateFusionClassifier,
    LateFusionClassifierCV,
    LateFusionRegressor,
    ModalityDict,
    ModalitySelector,
    ModalityTransformer,
)
from skfusion.augment import (
    AudioAugmenter,
    AugmentedEstimator,
    ImageAugmenter,
    ModalityAugmenter,
    TextAugmenter,
)
from skfusion.datasets import load_multimodal_files, make_multimodal_classification
from skfusion.features import (
    DeskewImages,
    HOGFeatures,
    LogMelFeatures,
    MFCCFeatures,
    PixelFeatures,
    SentenceEmbeddingFeatures,
)
from skfusion.inspection import (
    MemberCalibrationDisplay,
    ModalityImportanceDisplay,
    modality_importance,
    modality_robustness,
)
from skfusion.data import check_multimodal, naming_modality, predict_in_batches

# Cases whose estimator needs an absent optional package (librosa, scikit-image, torch)
# are skipped one by one, naming the package (conftest.py), not the whole table.

N = 16

# messages of numpy, torch, librosa and Python internals: never what a user should read
FOREIGN = re.compile(
    "could not broadcast|mat1 and mat2|setting an array element with a sequence|"
    "inhomogeneous shape|unhashable type|out of bounds for axis|has no attribute|"
    "Audio buffer is not finite|index .* is out of bounds|"
    "object of type .* has no len|operands could not be"
)


# -- data ---------------------------------------------------------------------------


def _objects(items):
    out = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        out[i] = item
    return out


def _make_data():
    rng = np.random.RandomState(0)
    y = np.tile([0, 1], N // 2)
    images = rng.randint(0, 120, (N, 8, 8)).astype(np.uint8)
    images[y == 1, 2:6, 3:5] = 255
    clips = _objects([(rng.randn(rng.randint(250, 600)) * (1000 + 3000 * label)).astype(np.int16)
                      for label in y])
    texts = _objects([f"{'bright' if label else 'dark'} digit number {i}"
                      for i, label in enumerate(y)])
    table = rng.randn(N, 3) + y[:, None]
    return ModalityDict(image=images, audio=clips, text=texts, table=table), y


X, Y = _make_data()
Y_REG = Y.astype(float) + np.linspace(0, 0.5, N)


def _with(name, value):
    """X with one modality replaced, as a plain dict (not checked before the estimator)."""
    return {**X, name: value}


def _scattered_nan(values, value=np.nan):
    out = values.astype(float, copy=True)
    out[::2, 1] = value  # some entries, never a whole row: not a missing modality
    return out


def _equal_length_clips(n_samples=200):
    return np.stack([clip[:n_samples] for clip in X["audio"]])


# bad multimodal inputs: name -> a function returning the bad X
BAD_X = {
    "missing modality": lambda: ModalityDict({k: v for k, v in X.items() if k != "image"}),
    "extra modality": lambda: ModalityDict({**X, "depth": np.zeros((N, 4))}),
    "unequal lengths (dict)": lambda: {**X, "table": X["table"][:-2]},
    "ndarray": lambda: X["table"],
    "list": lambda: X["table"].tolist(),
    "flat image": lambda: _with("image", X["image"].reshape(N, -1)),
    "other image size": lambda: _with("image", np.zeros((N, 10, 10), dtype=np.uint8)),
    "stereo clips": lambda: _with("audio", _objects([np.zeros((2, 300), np.int16)] * N)),
    "equal-length 2-D clips": lambda: _with("audio", _equal_length_clips()),
    "strings in table": lambda: _with("table", np.array([["a", "b", "c"]] * N, dtype=object)),
    "numbers in text": lambda: _with("text", np.arange(N, dtype=float)),
    "NaN in table": lambda: _with("table", _scattered_nan(X["table"])),
    "inf in table": lambda: _with("table", _scattered_nan(X["table"], np.inf)),
    "empty clip": lambda: _with("audio", _objects([np.zeros(0, np.int16), *X["audio"][1:]])),
    "complex image": lambda: _with("image", X["image"].astype(np.complex128)),
    "0 samples": lambda: {name: value[:0] for name, value in X.items()},
}


# -- estimators -----------------------------------------------------------------------


def _mfcc():
    return MFCCFeatures(sr=8000, n_mfcc=5, n_mels=10, deltas=0, pooling="stats")


def _late_members(final):
    return [("img", make_pipeline(PixelFeatures(), final()), "image"),
            ("aud", make_pipeline(_mfcc(), final()), "audio"),
            ("txt", make_pipeline(TfidfVectorizer(), final()), "text"),
            ("tab", final(), "table")]


def _fusion_net(kind):
    neural = pytest.importorskip("skfusion.neural")
    return getattr(neural, kind)(max_epochs=1, batch_size=16, random_state=0)


ESTIMATORS = {
    "EarlyFusion": lambda: EarlyFusion([("img", PixelFeatures(), "image"),
                                        ("aud", _mfcc(), "audio"),
                                        ("tab", "passthrough", "table")]),
    "LateFusionClassifier": lambda: LateFusionClassifier(
        _late_members(lambda: LogisticRegression(max_iter=200))),
    "LateFusionRegressor": lambda: LateFusionRegressor(_late_members(Ridge)),
    "LateFusionClassifierCV": lambda: LateFusionClassifierCV(
        _late_members(lambda: LogisticRegression(max_iter=200)), cv=2),
    "FusionNetClassifier": lambda: _fusion_net("FusionNetClassifier"),
    "FusionNetRegressor": lambda: _fusion_net("FusionNetRegressor"),
    "ModalityTransformer": lambda: ModalityTransformer([("pixels", PixelFeatures(), "image"),
                                                        ("mfcc", _mfcc(), "audio")]),
    "AugmentedEstimator": lambda: AugmentedEstimator(
        LateFusionClassifier(_late_members(lambda: LogisticRegression(max_iter=200))),
        {"image": ImageAugmenter(), "audio": AudioAugmenter(), "text": TextAugmenter()},
        random_state=0),
    "ModalitySelector": lambda: ModalitySelector(["image", "table"]),
}
REGRESSORS = {"LateFusionRegressor", "FusionNetRegressor"}
_FITTED = {}


def _target(key):
    return Y_REG if key in REGRESSORS else Y


def _fitted(key):
    if key not in _FITTED:
        _FITTED[key] = ESTIMATORS[key]().fit(X, _target(key))
    return _FITTED[key]


def _apply(estimator, X_bad):
    method = getattr(estimator, "predict", None) or estimator.transform
    return method(X_bad)


def _assert_same_output(out, expected):
    """Equal predictions, or equal modalities of two ModalityDicts (the features they made)."""
    if not isinstance(expected, ModalityDict):
        np.testing.assert_allclose(out, expected)
        return
    for name in expected.modalities:
        if name in ("pixels", "mfcc"):
            np.testing.assert_allclose(out[name], expected[name])
        else:  # passed through untouched
            assert out[name] is expected[name] or np.array_equal(out[name], expected[name])


# -- the outcomes of inputs that are accepted by design --------------------------------


def _same_as_clean(estimator, out):
    """Unknown modalities are ignored (ModalityTransformer passes them through)."""
    expected = _apply(estimator, X)
    _assert_same_output(out, expected)
    if isinstance(expected, ModalityDict):
        assert set(out.modalities) == {*expected.modalities, "depth"}


def _same_as_ragged(estimator, out):
    """Equal-length clips as a 2-D array are the same clips as a 1-D object array."""
    ragged = _apply(estimator, _with("audio", _objects(list(_equal_length_clips()))))
    _assert_same_output(out, ragged)


def _passes_through_table_block(estimator, out):
    """'passthrough' passes a table's NaN or inf entries on (as ColumnTransformer does),
    in the table's own columns only: the next step decides what they mean."""
    names = estimator.get_feature_names_out()
    bad = ~np.isfinite(out)
    assert bad.sum() == N // 2
    assert all(name.startswith("tab__") for name in names[bad.any(axis=0)])


def _only_the_selection(estimator, out):
    """The selector returns the modalities it names and ignores the others."""
    assert isinstance(out, ModalityDict) and out.modalities == ("image", "table")
    assert out.n_samples == N


# -- the table --------------------------------------------------------------------------


@dataclass
class Case:
    estimator: str
    bad: str
    error: type = None           # the exception type expected
    words: tuple = ()            # regexes its message must contain
    accepted: object = None      # or: a check of the accepted outcome
    stage: str = "predict"       # "predict"/transform after a clean fit, "fit", "augment"...
    xfail: str = None            # a defect for another owner: what is wrong, where

    def param(self):
        marks = [pytest.mark.xfail(strict=True, reason=self.xfail)] if self.xfail else []
        return pytest.param(self, id=f"{self.estimator}-{self.stage}-{self.bad}", marks=marks)


MULTIMODAL = ["EarlyFusion", "LateFusionClassifier", "LateFusionRegressor",
              "LateFusionClassifierCV", "FusionNetClassifier", "FusionNetRegressor",
              "ModalityTransformer", "AugmentedEstimator"]
LATE = ["LateFusionClassifier", "LateFusionRegressor", "LateFusionClassifierCV",
        "AugmentedEstimator"]  # AugmentedEstimator predicts with a LateFusionClassifier here
NETS = ["FusionNetClassifier", "FusionNetRegressor"]


def _common_cases():
    """Cases whose outcome is the same for every multimodal estimator."""
    for key in MULTIMODAL:
        yield Case(key, "missing modality", ValueError, ("'image'", "lacks|not in X"))
        yield Case(key, "extra modality", accepted=_same_as_clean)
        yield Case(key, "unequal lengths (dict)", ValueError,
                   ("same number of samples", "'table': 14"))
        # a plain dict of empty arrays; the nets word it as scikit-learn's check_array
        yield Case(key, "0 samples", ValueError,
                   (r"'image' (has no samples|of X has 0 sample\(s\))",))
        yield Case(key, "other image size", ValueError, ("'image'", r"8, 8\)", r"10, 10"))
        yield Case(key, "unequal lengths (dict)", ValueError, ("same number of samples",),
                   stage="fit")
        yield Case(key, "stereo clips", ValueError, ("'audio'", "channel|1-D"))
    for key in ("EarlyFusion", "ModalityTransformer", *LATE):
        yield Case(key, "empty clip", ValueError, ("'audio'", "clip 0 is empty"))
        if key == "EarlyFusion":  # it checks each modality's shape against fit
            yield Case(key, "equal-length 2-D clips", ValueError,
                       ("'audio'", r"\(n_samples, 200\)", "one entry per sample"))
        else:  # the MFCC step takes both forms
            yield Case(key, "equal-length 2-D clips", accepted=_same_as_ragged)
        yield Case(key, "complex image", ValueError, ("'image'", "Complex data not supported"))


def _specific_cases():
    yield from [
        # plain arrays where a ModalityDict is needed
        Case("EarlyFusion", "ndarray", TypeError, ("ModalityDict", "'image'")),
        Case("EarlyFusion", "list", TypeError, ("ModalityDict", "'image'")),
        Case("ModalityTransformer", "ndarray", TypeError, ("ModalityDict", "ndarray")),
        Case("ModalityTransformer", "list", TypeError, ("ModalityDict", "list")),
        Case("ModalityTransformer", "ndarray", TypeError, ("ModalityDict",), stage="fit"),
        Case("ModalitySelector", "ndarray", ValueError, ("'image'", "without names")),
        Case("ModalitySelector", "list", ValueError, ("'image'", "a list without names")),
        Case("ModalitySelector", "missing modality", ValueError, ("'image' is not in X",)),
        Case("ModalitySelector", "unequal lengths (dict)", ValueError,
             ("same number of samples", "'table': 14")),
        Case("ModalitySelector", "extra modality", accepted=_only_the_selection),
        # a wrong image shape names the modality and both shapes
        Case("EarlyFusion", "flat image", ValueError, ("'image'", r"\(n_samples, 64\)",
                                                       r"\(n_samples, 8, 8\)")),
        Case("ModalityTransformer", "flat image", ValueError,
             ("'image'", r"\(8, 8\)", r"\(64,\)", "flattened")),
        Case("EarlyFusion", "strings in table", TypeError, ("'table'", "numeric")),
        Case("EarlyFusion", "NaN in table", accepted=_passes_through_table_block),
        Case("EarlyFusion", "inf in table", accepted=_passes_through_table_block),
        Case("ModalityTransformer", "empty clip", ValueError, ("'audio'", "clip 0 is empty"),
             stage="fit"),
        Case("ModalityTransformer", "complex image", ValueError,
             ("'image'", "Complex data not supported"), stage="fit"),
        *[Case("ModalityAugmenter", bad, error, words, stage="fit_resample")
          for bad, error, words in [
              ("missing modality", ValueError, ("'image'", "lacks")),
              ("numbers in text", TypeError, ("'text'", "strings")),
              ("stereo clips", ValueError, ("'audio'", "clip 0")),
              ("flat image", ValueError, ("'image'", "shape")),
              ("empty clip", ValueError, ("'audio'", "clip 0 is empty")),
              ("ndarray", TypeError, ("ModalityDict",)),
              ("y of the wrong length", ValueError, ("y has 15 samples but X has 16",))]],
        # late fusion: a member's own check fails, named with its modality
        *[Case(key, bad, error, ("'image'", *words))
          for key in LATE
          for bad, error, words in [("flat image", ValueError, (r"\(8, 8\)",))]],
        *[Case(key, bad, error, ("'table'", *words))
          for key in ("LateFusionClassifier", "LateFusionRegressor")
          for bad, error, words in [("strings in table", ValueError, ()),
                                    ("NaN in table", ValueError, ("NaN",)),
                                    ("inf in table", ValueError, ("infinity",))]],
        # text members (TfidfVectorizer) do not check their input: late fusion checks
        # that a modality that held strings at fit still does
        *[Case(key, "numbers in text", TypeError, ("'text'", "held text at fit", "float64"))
          for key in ("LateFusionClassifier", "LateFusionRegressor")],
        Case("AugmentedEstimator", "numbers in text", TypeError, ("'text'", "strings"),
             stage="fit"),
        Case("AugmentedEstimator", "empty clip", ValueError, ("'audio'", "clip 0 is empty"),
             stage="fit"),
        *[Case(key, "ndarray", TypeError, ("ModalityDict",)) for key in LATE],
        *[Case(key, "list", TypeError, ("ModalityDict",)) for key in LATE],
        # neural nets: one converter checks every modality
        *[Case(key, "ndarray", ValueError, ("needs modality 'image'", "'X'")) for key in NETS],
        *[Case(key, "list", ValueError, ("needs modality 'image'", "'X'")) for key in NETS],
        *[Case(key, "flat image", ValueError, ("'image'", r"\(n, h, w\)")) for key in NETS],
        *[Case(key, "strings in table", TypeError, ("'table'", "numbers")) for key in NETS],
        *[Case(key, "numbers in text", TypeError, ("'text'", "expected a str")) for key in NETS],
        *[Case(key, "NaN in table", ValueError, ("'table'", "NaN")) for key in NETS],
        *[Case(key, "inf in table", ValueError, ("'table'", "inf")) for key in NETS],
        *[Case(key, "complex image", TypeError, ("'image'", "complex128"), stage="fit")
          for key in NETS],
        *[Case(key, "equal-length 2-D clips", accepted=_same_as_ragged) for key in NETS],
        *[Case(key, "complex image", TypeError, ("'image'", "complex128", "real numbers"))
          for key in NETS],
        *[Case(key, "strings in table", TypeError,
               ("'table'", "2-D object array", "feature step"), stage="fit")
          for key in NETS],
        *[Case(key, "empty clip", ValueError, ("'audio'", "sample 0 is empty")) for key in NETS],
    ]
    for key in MULTIMODAL:
        yield Case(key, "y of the wrong length", ValueError, ("15|14", "16"), stage="fit")


def _all_cases():
    return [case.param() for case in (*_common_cases(), *_specific_cases())]


def _bad_input(case):
    if case.bad == "y of the wrong length":
        return X, _target(case.estimator)[:-1]
    return BAD_X[case.bad](), _target(case.estimator)


def _check_message(exc, words):
    message = str(exc)
    # our own words come first; a modality named in front of an internal message is not enough
    own = re.sub(r"^modalit(y|ies) [^:]*: ", "", message)
    assert not FOREIGN.match(own), f"an internal message reached the user: {message}"
    for word in words:
        assert re.search(word, message), f"{word!r} not in: {message}"


@pytest.mark.parametrize("case", _all_cases())
def test_bad_multimodal_input(case):
    X_bad, y = _bad_input(case)
    if case.estimator == "ModalityAugmenter":
        sampler = ModalityAugmenter({"image": ImageAugmenter(), "audio": AudioAugmenter(),
                                     "text": TextAugmenter()}, random_state=0)
        call = lambda: sampler.fit_resample(X_bad, y)  # noqa: E731
    elif case.stage == "fit":
        call = lambda: ESTIMATORS[case.estimator]().fit(X_bad, y)  # noqa: E731
    else:
        estimator = _fitted(case.estimator)
        call = lambda: _apply(estimator, X_bad)  # noqa: E731
    if case.accepted is not None:
        case.accepted(_fitted(case.estimator), call())
        return
    with pytest.raises(case.error) as info:
        call()
    _check_message(info.value, case.words)


@pytest.mark.parametrize("key", list(ESTIMATORS))
def test_predict_or_transform_before_fit(key):
    estimator = ESTIMATORS[key]()
    if key == "ModalitySelector":
        # stateless: selects without fit, as FunctionTransformer transforms
        assert estimator.transform(X).modalities == ("image", "table")
        return
    with pytest.raises(NotFittedError):
        _apply(estimator, X)


# -- one modality at a time: the feature extractors and the augmenters --------------------

IMAGES = X["image"]
CLIPS = X["audio"]


def _nan_pixels():
    out = IMAGES.astype(float)
    out[:, 2, 3] = np.nan
    return out


def _one_bad_clip(clip):
    return _objects([clip, *CLIPS[1:]])


BAD_IMAGES = {
    "flat images": lambda: IMAGES.reshape(N, -1),
    "other image size": lambda: np.zeros((N, 10, 10)),
    "one image": lambda: IMAGES[0],
    "object array of images": lambda: _objects(list(IMAGES)),
    "complex images": lambda: IMAGES.astype(np.complex64),
    "strings": lambda: IMAGES.astype(str),
    "NaN pixels": _nan_pixels,
    "inf pixel": lambda: np.where(np.arange(8) == 3, np.inf, IMAGES.astype(float)),
    "0 images": lambda: IMAGES[:0],
}
BAD_CLIPS = {
    "one clip": lambda: CLIPS[0],
    "stereo clip": lambda: _one_bad_clip(np.zeros((2, 300), np.int16)),
    "string clips": lambda: _objects(["a clip"] * N),
    "strings": lambda: np.array(["a clip"] * N),
    "empty clip": lambda: _one_bad_clip(np.zeros(0, np.int16)),
    "inf in a clip": lambda: _one_bad_clip(np.r_[0.1, np.inf, np.zeros(300)]),
    "complex clip": lambda: _one_bad_clip(CLIPS[0].astype(np.complex128)),
    "3-D array": lambda: np.zeros((N, 2, 300)),
    "0 clips": lambda: CLIPS[:0],
    "all-NaN clip": lambda: _one_bad_clip(np.full(300, np.nan)),
    "NaN samples in a clip": lambda: _one_bad_clip(np.r_[np.nan, CLIPS[0][1:] / 32768.0]),
    "list of clips": lambda: list(CLIPS),
}
BAD_TEXTS = {
    "numbers": lambda: np.arange(N, dtype=float),
    "numbers (object)": lambda: _objects(list(range(N))),
    "one string": lambda: "a single caption",
    "2-D strings": lambda: np.array([["a", "b"]] * N, dtype=object),
}


def _nan_pixels_pass_through(estimator, out):
    """PixelFeatures (allow_nan) keeps a NaN pixel as a NaN feature, in its place only."""
    assert np.isnan(out).sum() == N and np.isnan(out[:, 2 * 8 + 3]).all()


def _all_nan_clip_is_missing(estimator, out):
    """An all-NaN clip is a missing one (as ModalityDict.is_missing says): a NaN row."""
    assert np.isnan(out[0]).all() and np.isfinite(out[1:]).all()


def _nan_samples_are_silence(estimator, out):
    """NaN samples in a clip are read as silence."""
    silent = np.r_[0.0, CLIPS[0][1:] / 32768.0]
    np.testing.assert_allclose(out, estimator.transform(_one_bad_clip(silent)), rtol=1e-5)


def _list_is_object_array(estimator, out):
    np.testing.assert_allclose(out, estimator.transform(CLIPS))


def _augmented_clip_list(augmenter, out):
    assert len(out) == N and all(clip.dtype == np.int16 for clip in out)


def _augmented_nothing(augmenter, out):
    assert len(out) == 0


IMAGE_FEATURES = {"PixelFeatures": PixelFeatures, "HOGFeatures": HOGFeatures,
                  "DeskewImages": DeskewImages}
AUDIO_FEATURES = {"MFCCFeatures": _mfcc,
                  "LogMelFeatures": lambda: LogMelFeatures(sr=8000, n_mels=10)}
AUGMENTERS = {"ImageAugmenter": ImageAugmenter, "AudioAugmenter": AudioAugmenter,
              "TextAugmenter": TextAugmenter}


def _array_cases():
    for key in IMAGE_FEATURES:
        yield Case(key, "flat images", ValueError, (r"\(8, 8\)", r"\(64,\)", "flattened"))
        yield Case(key, "other image size", ValueError, (r"\(8, 8\)", r"\(10, 10\)"))
        yield Case(key, "one image", ValueError, (r"\(8, 8\)", r"\(8,\)", "single image"))
        for stage in ("fit", "predict"):
            yield Case(key, "object array of images", ValueError, ("np.stack",), stage=stage)
            yield Case(key, "complex images", ValueError, ("Complex data not supported",
                                                           "complex64"), stage=stage)
            yield Case(key, "strings", ValueError, ("strings",), stage=stage)
            yield Case(key, "inf pixel", ValueError, ("infinity",), stage=stage)
            yield Case(key, "0 images", ValueError, ("0 sample",), stage=stage)
    yield Case("PixelFeatures", "NaN pixels", accepted=_nan_pixels_pass_through)
    for key in ("HOGFeatures", "DeskewImages"):
        for stage in ("fit", "predict"):
            yield Case(key, "NaN pixels", ValueError, ("NaN pixels", "all NaN"), stage=stage)
    for key in AUDIO_FEATURES:
        for stage in ("fit", "predict"):
            yield Case(key, "one clip", ValueError, ("one clip per sample", "int16",
                                                    "Reshape your data"), stage=stage)
            yield Case(key, "stereo clip", ValueError, ("clip 0", r"\(2, 300\)"), stage=stage)
            yield Case(key, "string clips", ValueError, ("clip 0", "<U6"), stage=stage)
            yield Case(key, "strings", ValueError, ("one clip per sample", "<U6"), stage=stage)
            yield Case(key, "empty clip", ValueError, ("clip 0 is empty", "None"), stage=stage)
            yield Case(key, "inf in a clip", ValueError, ("clip 0", "infinite"), stage=stage)
            yield Case(key, "complex clip", ValueError, ("clip 0", "complex128"), stage=stage)
            yield Case(key, "3-D array", ValueError, ("one clip per sample", r"\(16, 2, 300\)"),
                       stage=stage)
            yield Case(key, "0 clips", ValueError, ("at least one clip, got 0",), stage=stage)
        yield Case(key, "all-NaN clip", accepted=_all_nan_clip_is_missing)
        yield Case(key, "NaN samples in a clip", accepted=_nan_samples_are_silence)
        yield Case(key, "list of clips", accepted=_list_is_object_array)
    augment = "augment"
    yield from [
        Case("ImageAugmenter", "flat images", ValueError, ("height, width", r"\(16, 64\)"),
             stage=augment),
        Case("ImageAugmenter", "complex images", ValueError, ("complex64",), stage=augment),
        Case("ImageAugmenter", "object array of images", ValueError, ("dtype object",),
             stage=augment),
        Case("ImageAugmenter", "NaN pixels", ValueError, ("NaN or infinite pixels",),
             stage=augment),
        Case("ImageAugmenter", "inf pixel", ValueError, ("NaN or infinite pixels",),
             stage=augment),
        Case("ImageAugmenter", "0 images", accepted=_augmented_nothing, stage=augment),
        Case("AudioAugmenter", "one clip", ValueError, ("1-D object array", r"\(\d+,\)"),
             stage=augment),
        Case("AudioAugmenter", "stereo clip", ValueError, ("clip 0", r"\(2, 300\)"),
             stage=augment),
        Case("AudioAugmenter", "complex clip", ValueError, ("clip 0", "complex128"),
             stage=augment),
        Case("AudioAugmenter", "empty clip", ValueError, ("clip 0 is empty",), stage=augment),
        Case("AudioAugmenter", "inf in a clip", ValueError, ("clip 0", "infinite"),
             stage=augment),
        Case("AudioAugmenter", "list of clips", accepted=_augmented_clip_list, stage=augment),
        Case("AudioAugmenter", "0 clips", accepted=_augmented_nothing, stage=augment),
        Case("TextAugmenter", "numbers", TypeError, ("strings", "entry 0 is a float"),
             stage=augment),
        Case("TextAugmenter", "numbers (object)", TypeError, ("entry 0 is a int",),
             stage=augment),
        Case("TextAugmenter", "one string", ValueError, ("1-D array of strings",),
             stage=augment),
        Case("TextAugmenter", "2-D strings", ValueError, ("1-D array of strings",
                                                          r"\(16, 2\)"), stage=augment),
        # checked before the (offline) model is loaded
        Case("SentenceEmbeddingFeatures", "numbers", TypeError, ("strings", "float"),
             stage="fit"),
        Case("SentenceEmbeddingFeatures", "one string", TypeError, ("single string",),
             stage="fit"),
    ]


def _array_estimator(key):
    factories = {**IMAGE_FEATURES, **AUDIO_FEATURES, **AUGMENTERS,
                 "SentenceEmbeddingFeatures": SentenceEmbeddingFeatures}
    return factories[key]()


def _clean_values(key):
    return CLIPS if key in AUDIO_FEATURES else IMAGES


def _bad_values(case):
    for table in (BAD_IMAGES, BAD_CLIPS, BAD_TEXTS):
        if case.bad in table and (
                (table is BAD_TEXTS) == (case.estimator in ("TextAugmenter",
                                                             "SentenceEmbeddingFeatures"))
                and (table is BAD_CLIPS) == (case.estimator in AUDIO_FEATURES
                                             or case.estimator == "AudioAugmenter")):
            return table[case.bad]()
    raise KeyError(case.bad)


@pytest.mark.parametrize("case", [case.param() for case in _array_cases()])
def test_bad_modality_values(case):
    bad = _bad_values(case)
    estimator = _array_estimator(case.estimator)
    if case.stage == "augment":
        call = lambda: estimator.augment(bad, random_state=0)  # noqa: E731
    elif case.stage == "fit":
        call = lambda: estimator.fit(bad)  # noqa: E731
    else:
        estimator.fit(_clean_values(case.estimator))
        call = lambda: estimator.transform(bad)  # noqa: E731
    if case.accepted is not None:
        case.accepted(estimator, call())
        return
    with pytest.raises(case.error) as info:
        call()
    _check_message(info.value, case.words)


@pytest.mark.parametrize("key", [*IMAGE_FEATURES, *AUDIO_FEATURES, "SentenceEmbeddingFeatures"])
def test_features_before_fit(key):
    with pytest.raises(NotFittedError):
        _array_estimator(key).transform(_clean_values(key))


# -- inspection and utilities ------------------------------------------------------------


def _late():
    return _fitted("LateFusionClassifier")


INSPECTION_CALLS = {
    "modality_importance": lambda est, X_, y: modality_importance(est, X_, y, n_repeats=1,
                                                                   random_state=0),
    "modality_robustness": lambda est, X_, y: modality_robustness(
        est, X_, y, modality="table", corruption="gaussian", levels=[1.0], random_state=0),
    "ModalityImportanceDisplay": lambda est, X_, y: ModalityImportanceDisplay.from_estimator(
        est, X_, y, n_repeats=1, random_state=0),
    "MemberCalibrationDisplay": lambda est, X_, y: MemberCalibrationDisplay.from_estimator(
        est, X_, y),
    "predict_in_batches": lambda est, X_, y: predict_in_batches(est, X_, batch_size=5),
}
WITH_Y = [key for key in INSPECTION_CALLS if key != "predict_in_batches"]


def _inspection_cases():
    for key in INSPECTION_CALLS:
        yield Case(key, "ndarray", TypeError, ("ModalityDict", "ndarray"))
        yield Case(key, "missing modality", ValueError, ("'image'", "lacks"))
        yield Case(key, "unequal lengths (dict)", ValueError,
                   ("same number of samples", "'table': 14"))
        yield Case(key, "not fitted", NotFittedError)
    for key in WITH_Y:
        yield Case(key, "y of the wrong length", ValueError, ("y has 15 samples but X has 16",))
    yield Case("modality_robustness", "unknown modality", ValueError, ("'depth'", "'image'"))


@pytest.mark.parametrize("case", [case.param() for case in _inspection_cases()])
def test_bad_input_to_inspection(case):
    estimator, X_bad, y = _late(), X, Y
    if case.bad == "not fitted":
        estimator = clone(estimator)
    elif case.bad == "y of the wrong length":
        y = Y[:-1]
    elif case.bad == "unknown modality":
        call = lambda: modality_robustness(estimator, X, Y, modality="depth")  # noqa: E731
    else:
        X_bad = BAD_X[case.bad]()
    if case.bad != "unknown modality":
        call = lambda: INSPECTION_CALLS[case.estimator](estimator, X_bad, y)  # noqa: E731
    with pytest.raises(case.error) as info:
        call()
    _check_message(info.value, case.words)


def test_check_multimodal_names_what_it_got():
    with pytest.raises(TypeError, match="check_multimodal expects a skfusion.ModalityDict .*"
                                        "got list"):
        check_multimodal(X["table"].tolist())
    with pytest.raises(ValueError, match="'table': 14"):
        check_multimodal(BAD_X["unequal lengths (dict)"]())


@pytest.mark.parametrize("params", [
    pytest.param({}, id="serial"),
    pytest.param({"n_jobs": 2}, id="parallel"),
    pytest.param({"memory": "cache"}, id="cached"),
    pytest.param({"fusion": "stacking", "cv": 2, "n_jobs": 2, "memory": "cache"},
                 id="out-of-fold, parallel, cached"),
])
def test_late_fusion_names_the_modality_of_a_member_that_fails_to_fit(params, tmp_path):
    if "memory" in params:
        params = {**params, "memory": tmp_path}
    estimator = ESTIMATORS["LateFusionClassifier"]().set_params(**params)
    with pytest.raises(ValueError, match="^modality 'table': could not convert string to "
                                         "float: 'a'"):
        estimator.fit(BAD_X["strings in table"](), Y)


def test_late_fusion_text_modality_must_hold_strings():
    texts = X["text"].copy()
    texts[3] = 7.0
    with pytest.raises(TypeError, match="modality 'text' holds text, but entry 3 is a float"):
        ESTIMATORS["LateFusionClassifier"]().fit({**X, "text": texts}, Y)
    estimator = _fitted("LateFusionClassifier")
    with pytest.raises(TypeError, match="modality 'text' held text at fit, but entry 3 is a "
                                        "float"):
        estimator.predict({**X, "text": texts})
    # a missing text is None (the other rows' predictions do not change); str arrays are text
    texts[3] = None
    np.testing.assert_array_equal(np.delete(estimator.predict({**X, "text": texts}), 3),
                                  np.delete(estimator.predict(X), 3))
    np.testing.assert_array_equal(estimator.predict({**X, "text": X["text"].astype(str)}),
                                  estimator.predict(X))


def test_naming_modality_keeps_the_error_and_names_the_modality():
    with pytest.raises(ValueError, match=r"^modality 'image': X has 3 features") as info:
        with naming_modality("image"):
            raise ValueError("X has 3 features")
    assert info.traceback[-1].name == "test_naming_modality_keeps_the_error_and_names_the_modality"
    with pytest.raises(TypeError, match=r"^modalities \['image', 'table'\]: bad dtype"):
        with naming_modality(["image", "table"]):
            raise TypeError("bad dtype")
    # already named, not fitted, or no modality name to give: unchanged
    for modality, error in [("image", ValueError("modality 'image' has no samples")),
                            ("image", NotFittedError("not fitted")),
                            ([0, 1], ValueError("columns")), ("image", KeyError("image"))]:
        with pytest.raises(type(error)) as info:
            with naming_modality(modality):
                raise error
        assert info.value.args == error.args


@pytest.mark.parametrize("params, words", [pytest.param(*case, id=str(case[0])) for case in [
    ({"informativeness": {"image": "high"}}, ("'image'", ">= 0", "'high'")),
    ({"informativeness": {"video": 1.0}}, ("unknown modalities", "'video'")),
    ({"informativeness": {}}, ("names no modality",)),
    ({"missing": {"image": 1.5}}, ("missing of modality 'image'", r"\[0, 1\]", "1.5")),
    ({"missing": {"audio": 0.2}}, ("'audio'", "'image', 'sequence', 'table'")),
    ({"image_shape": (0, 3)}, ("image_shape", r"\(0, 3\)")),
    ({"sequence_length": (60, 20)}, ("sequence_length", "low <= high")),
    ({"n_table_features": 0}, ("n_table_features", "positive")),
]])
def test_make_multimodal_classification_bad_parameters(params, words):
    with pytest.raises(ValueError) as info:
        make_multimodal_classification(n_samples=10, random_state=0, **params)
    _check_message(info.value, words)


# -- mistakes in putting the pieces together ----------------------------------------------


class _DropsFirstRow(PixelFeatures):
    def transform(self, X):
        return super().transform(X)[1:]


@pytest.mark.parametrize("make, call, error, words", [
    pytest.param(lambda: ModalityTransformer([("pixels", PixelFeatures())]), "fit", ValueError,
                 (r"\(name, transformer, modality\) triples",), id="transformer pair"),
    pytest.param(lambda: ModalityTransformer([("table", PixelFeatures(), "image")]), "fit",
                 ValueError, ("'table'", "would replace it"), id="output replaces a modality"),
    pytest.param(lambda: ModalityTransformer([("pixels", _DropsFirstRow(), "image")]),
                 "transform", ValueError, ("'pixels' returned 15 rows for 16 samples",),
                 id="transformer drops a row"),
    pytest.param(lambda: ModalityTransformer([("pixels", PixelFeatures(), "image")]),
                 "fit all missing", ValueError, ("no training sample has modality 'image'",),
                 id="modality missing in every row"),
    pytest.param(lambda: ModalityAugmenter({"image": PixelFeatures()}), "fit_resample",
                 TypeError, (r"augmenters\['image'\]", "PixelFeatures"),
                 id="a transformer as augmenter"),
    pytest.param(lambda: ModalityAugmenter(ImageAugmenter()), "fit_resample", TypeError,
                 ("single augmenter", "augmenters={modality: augmenter}"),
                 id="one augmenter for a ModalityDict"),
])
def test_bad_composition(make, call, error, words):
    estimator = make()
    with pytest.raises(error) as info:
        if call == "fit":
            estimator.fit(X, Y)
        elif call == "transform":
            estimator.fit(X, Y).transform(X)
        elif call == "fit all missing":
            estimator.fit(X.with_missing("image", slice(None)), Y)
        else:
            estimator.fit_resample(X, Y)
    _check_message(info.value, words)


def test_concat_names_the_modality_whose_parts_differ():
    other = ModalityDict({**X[:2], "image": np.zeros((2, 9, 9), dtype=np.uint8)})
    with pytest.raises(ValueError, match=r"modality 'image'.*\(n_samples, 8, 8\).*"
                                         r"\(n_samples, 9, 9\)"):
        ModalityDict.concat([X, other])
    with pytest.raises(TypeError, match="part 1 is a ndarray"):
        ModalityDict.concat([X, X["table"]])
    # ragged clips of any lengths concatenate
    assert ModalityDict.concat([X, X[:3]]).n_samples == N + 3


def test_selecting_one_modality_from_a_plain_dict_checks_its_lengths():
    # a plain dict is not checked on construction, so selecting from it checks the rows
    with pytest.raises(ValueError, match="same number of samples.*'table': 14"):
        ModalitySelector("image").fit_transform(BAD_X["unequal lengths (dict)"]())
    assert ModalitySelector("image").fit_transform(dict(X)) is X["image"]


@pytest.fixture
def audio_folder(tmp_path):
    soundfile = pytest.importorskip("soundfile")
    (tmp_path / "audio").mkdir()
    soundfile.write(tmp_path / "audio" / "a.wav", np.zeros(0, np.int16), 8000)
    soundfile.write(tmp_path / "audio" / "b.wav", CLIPS[1], 8000, subtype="PCM_16")
    return tmp_path


def test_an_empty_recording_is_named_when_loaded(audio_folder):
    with pytest.raises(ValueError, match=r"a\.wav \(modality 'audio', sample 'a'\).*"
                                         r"empty \(0 samples\)"):
        load_multimodal_files(root=audio_folder)
    bunch = load_multimodal_files(root=audio_folder, on_error="missing")
    assert bunch.data.is_missing("audio").tolist() == [True, False]
    assert "empty" in bunch.errors[0]["error"]


@pytest.mark.parametrize("manifest, root, words", [
    pytest.param({"audio": ["audio/a.wav", "audio/b.wav"], "label": [1]}, ".",
                 ("one entry per sample", "'audio': 2, 'label': 1"), id="unequal columns"),
    pytest.param(None, "no_such_folder", ("no_such_folder is not a folder",),
                 id="root missing"),
])
def test_load_multimodal_files_bad_arguments(audio_folder, manifest, root, words):
    with pytest.raises(ValueError) as info:
        load_multimodal_files(manifest, root=audio_folder / root)
    _check_message(info.value, words)
