"""Every feature extractor takes a lazily loaded modality of its kind and gives
what it gives on the same files loaded eagerly (small files written here)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline

from skfusion import ModalitySelector
from skfusion.datasets import load_multimodal_files
from skfusion.features import (
    DeskewImages,
    HOGFeatures,
    LogMelFeatures,
    MFCCFeatures,
    PixelFeatures,
    SentenceEmbeddingFeatures,
)

sf = pytest.importorskip("soundfile")
Image = pytest.importorskip("PIL.Image")
pytest.importorskip("librosa")

SR = 8000
N = 8


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Ragged WAV clips (two tones), 16x16 PNG digit-like bars, captions,
    and the clips and images as .npy files; one sample lacks its audio and
    one its PNG image."""
    root = tmp_path_factory.mktemp("lazy")
    rng = np.random.default_rng(0)
    y = np.arange(N) % 2
    for i in range(N):
        t = np.arange(700 + 61 * i) / SR
        clip = 0.4 * np.sin(2 * np.pi * (400 if y[i] else 1200) * t) + 0.01 * rng.standard_normal(len(t))
        sf.write(root / f"a{i}.wav", clip.astype(np.float32), SR)
        np.save(root / f"c{i}.npy", clip.astype(np.float32))
        image = np.zeros((16, 16), dtype=np.uint8)
        image[3:13, (4 if y[i] else 9):(7 if y[i] else 12)] = 200 + 5 * i
        Image.fromarray(image).save(root / f"i{i}.png")
        np.save(root / f"m{i}.npy", image.astype(np.float32) / 255)
        (root / f"t{i}.txt").write_text(["a dog barks", "the market fell"][y[i]] + f" ({i})")
    manifest = {
        "sound": [None if i == 2 else f"a{i}.wav" for i in range(N)],
        "image": [None if i == 5 else f"i{i}.png" for i in range(N)],
        "text": [f"t{i}.txt" for i in range(N)],
        "clip": [f"c{i}.npy" for i in range(N)],
        "npyimage": [f"m{i}.npy" for i in range(N)],
        "label": y,
    }
    lazy = load_multimodal_files(manifest, root=root, target="label", lazy=True)
    eager = load_multimodal_files(manifest, root=root, target="label")
    return lazy.data, eager.data, lazy.target


EXTRACTORS = [
    ("sound", MFCCFeatures(sr=SR)),
    ("sound", LogMelFeatures(sr=SR, n_mels=16)),
    ("sound", MFCCFeatures(sr=SR, output="matrix")),
    ("clip", MFCCFeatures(sr=SR)),
    ("image", PixelFeatures()),
    ("image", HOGFeatures()),
    ("image", DeskewImages()),
    ("npyimage", PixelFeatures()),
    ("npyimage", HOGFeatures()),
]


@pytest.mark.parametrize("modality, extractor", EXTRACTORS,
                         ids=[f"{m}-{type(e).__name__}" for m, e in EXTRACTORS])
def test_extractor_takes_a_lazy_modality(files, modality, extractor):
    lazy, eager, _ = files
    assert type(lazy[modality]).__name__ == "LazyFileArray"
    expected = extractor.fit_transform(eager[modality])
    got = extractor.fit_transform(lazy[modality])
    assert got.shape == expected.shape and got.shape[0] == N
    assert_allclose(got, expected, equal_nan=True)
    # a row selection stays lazy and transforms like the same rows loaded eagerly
    rows = np.array([6, 2, 0])
    assert_allclose(extractor.transform(lazy[modality][rows]), expected[rows], equal_nan=True)
    missing = {"sound": 2, "image": 5}.get(modality)
    if missing is not None and not isinstance(extractor, DeskewImages):
        assert np.isnan(got[missing]).all()
        assert not np.isnan(np.delete(got, missing, axis=0)).any()


def test_sentence_embeddings_take_a_lazy_text_modality(files):
    pytest.importorskip("sentence_transformers")
    lazy, eager, _ = files
    extractor = SentenceEmbeddingFeatures()
    assert_allclose(extractor.fit_transform(lazy["text"]), extractor.fit_transform(eager["text"]),
                    rtol=1e-5, atol=1e-6)


def test_lazy_audio_in_a_cross_validated_pipeline(files):
    lazy, eager, y = files
    pipe = make_pipeline(ModalitySelector("clip"), MFCCFeatures(sr=SR), LogisticRegression())
    cv = StratifiedKFold(2, shuffle=True, random_state=0)
    scores = cross_val_score(pipe, lazy, y, cv=cv)
    assert_allclose(scores, cross_val_score(pipe, eager, y, cv=cv))
    assert scores.mean() == 1.0


def test_a_lazy_wrong_kind_gets_a_consistent_message(files):
    lazy, _, _ = files
    with pytest.raises(ValueError, match=r"one clip per sample.*got an array of dtype float32 "
                                         r"and shape \(8, 16, 16\)"):
        MFCCFeatures(sr=SR).fit(lazy["image"])
