"""Per-modality features and fit-time augmentation on AV-MNIST.

For each modality alone: held-out accuracy on unseen speakers with skfusion's
feature extractors and a simple classifier, the extraction time per 1,000
samples, and accuracy with and without fit-time augmentation on the same
splits. Protocol: ``docs/benchmarks.rst`` (leave-2-speakers-out, 3
rotations, mean +- std).

Every model is a scikit-learn pipeline on the ModalityDict, evaluated with
``cross_validate(..., cv=speaker_cv(groups))``: features are fitted on the
training speakers and applied to the held-out ones; augmented copies are made
inside ``AugmentedEstimator.fit``, so only the training folds grow.

Run from the project root::

    python benchmarks/bench_features.py            # everything (~15 min on 1 core)
    python benchmarks/bench_features.py --quick    # no augmentation rows
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _common import (  # noqa: E402
    Timer,
    fmt,
    load_av_mnist,
    mean_std,
    pin_threads,
    print_table,
    speaker_cv,
    write_results,
)

pin_threads()

import numpy as np  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.model_selection import cross_validate  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

from skfusion import ModalitySelector  # noqa: E402
from skfusion.augment import AudioAugmenter, AugmentedEstimator, ImageAugmenter  # noqa: E402
from skfusion.features import (  # noqa: E402
    HOGFeatures,
    LogMelFeatures,
    MFCCFeatures,
    PixelFeatures,
)

SR = 8000
# MFCCFeatures' defaults are the classic speech setting found on this protocol:
# 13 MFCCs of 26 mel bands with deltas, clips trimmed at 20 dB below their peak,
# pooled as mean, std and 6 time segments (the order of the sounds). The first
# defaults, kept here for comparison: 20 MFCCs of 40 bands, mean and std only.
TUNED_MFCC = dict(n_mfcc=13, n_mels=26, deltas=1, pooling="stats+segments", n_segments=6,
                  trim_db=20)
FIRST_MFCC = dict(n_mfcc=20, n_mels=40, deltas=1, pooling="stats", trim_db=None)
# SVC gamma relative to the feature count (after StandardScaler, "scale" is 1 / n_features)
TUNED_GAMMA = 0.5


def image_model(features):
    return make_pipeline(ModalitySelector("image"), features, PCA(100, random_state=0),
                         SVC(C=10))


def audio_model(features, gamma="scale"):
    if gamma != "scale":
        n_features = clone(features).fit(_ONE_CLIP).get_feature_names_out().size
        gamma = gamma / n_features
    return make_pipeline(ModalitySelector("audio"), features, StandardScaler(),
                         SVC(gamma=gamma))


_ONE_CLIP = np.empty(1, dtype=object)
_ONE_CLIP[0] = np.zeros(800, dtype=np.int16)


def extractors():
    return {
        "PixelFeatures()": ("image", PixelFeatures()),
        "HOGFeatures()": ("image", HOGFeatures()),
        "MFCCFeatures(sr=8000)": ("audio", MFCCFeatures(sr=SR)),
        "MFCCFeatures(first defaults)": ("audio", MFCCFeatures(sr=SR, **FIRST_MFCC)),
        "LogMelFeatures(sr=8000)": ("audio", LogMelFeatures(sr=SR)),
        "LogMelFeatures(matrix)": ("audio", LogMelFeatures(sr=SR, output="matrix")),
    }


def configurations(quick):
    tuned = audio_model(MFCCFeatures(sr=SR, **TUNED_MFCC), gamma=TUNED_GAMMA)
    speed = AudioAugmenter(speed=0.1, shift=0.0, gain_db=0.0)
    pitch = AudioAugmenter(speed=0.0, pitch=2.0, shift=0.0, gain_db=0.0, sr=SR)
    rows = [
        ("image", "pixels -> PCA(100) -> SVC", image_model(PixelFeatures()), None),
        ("image", "HOG -> PCA(100) -> SVC", image_model(HOGFeatures()), None),
        ("audio", "MFCC first defaults (20 of 40 bands, mean+std) -> SVC",
         audio_model(MFCCFeatures(sr=SR, **FIRST_MFCC)), None),
        ("audio", "log-mel defaults -> SVC", audio_model(LogMelFeatures(sr=SR)), None),
        ("audio", "MFCC defaults, SVC gamma 0.5/n_features", tuned, None),
    ]
    if not quick:
        rows += [
            ("image", "HOG ... + ImageAugmenter x1", image_model(HOGFeatures()),
             ({"image": ImageAugmenter(rotation=10, shift=0.08, zoom=0.1)}, 1)),
            ("audio", "MFCC defaults + speed x2", tuned, ({"audio": speed}, 2)),
            ("audio", "MFCC defaults + pitch x2", tuned, ({"audio": pitch}, 2)),
        ]
    return rows


def time_extraction(X):
    """Seconds per 1,000 samples to fit and transform all 3,000 samples, once each."""
    out = {}
    for name, (modality, extractor) in extractors().items():
        values = X[modality]
        extractor.fit(values[:10]).transform(values[:10])  # imports, caches
        with Timer() as timer:
            extractor.fit(values).transform(values)
        out[name] = 1000 * timer.seconds / len(values)
    return out


def evaluate(X, y, cv, model, augmentation):
    if augmentation is not None:
        augmenters, n_copies = augmentation
        model = AugmentedEstimator(model, augmenters, n_copies=n_copies, random_state=0)
    with Timer() as timer:
        result = cross_validate(model, X, y, cv=cv)
    return result["test_score"], timer.seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the augmentation rows")
    args = parser.parse_args()
    data = load_av_mnist()
    X, y, cv = data.data, data.target, speaker_cv(data.groups)

    times = time_extraction(X)
    print_table([{"extractor": k, "s / 1000 samples": f"{v:.2f}"} for k, v in times.items()],
                ["extractor", "s / 1000 samples"])
    print()

    rows, results = [], []
    for modality, name, model, augmentation in configurations(args.quick):
        scores, seconds = evaluate(X, y, cv, model, augmentation)
        mean, std = mean_std(scores)
        rows.append({"modality": modality, "model": name, "accuracy": fmt(scores),
                     "folds": " ".join(f"{s:.3f}" for s in scores), "time (s)": f"{seconds:.0f}"})
        results.append({"modality": modality, "model": name, "mean": mean, "std": std,
                        "folds": scores.tolist(), "seconds": seconds,
                        "n_copies": 0 if augmentation is None else augmentation[1]})
        print(f"{modality}: {name}: {fmt(scores)} ({seconds:.0f} s)", flush=True)
    print()
    print_table(rows, ["modality", "model", "accuracy", "folds", "time (s)"])
    write_results("features", {
        "protocol": "AV-MNIST, leave-2-speakers-out, 3 rotations (george+jackson, "
                    "lucas+nicolas, theo+yweweler held out)",
        "extraction_seconds_per_1000": times,
        "tuned_mfcc": TUNED_MFCC,
        "tuned_svc_gamma": f"{TUNED_GAMMA} / n_features",
        "results": results,
    })


if __name__ == "__main__":
    main()
