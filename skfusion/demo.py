"""skfusion's demo: each modality alone and fused, on the embedded AV-Digits data.

Run ``python -m skfusion.demo`` (or ``bash scripts/demo.sh`` from a checkout).
It cross-validates over held-out voices (``GroupKFold``), so the spoken digits
of the test folds come from voices never heard in training, and prints one row
per model: accuracy, accuracy when 30% of the test rows lose their image or
their audio, and fit time. ``--no-neural`` skips the torch model.
"""

import argparse
import os
import time

import numpy as np


def _pin_threads():
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:
        pass


def _svc():
    """An RBF SVC with Platt-scaled, pairwise-coupled probabilities.

    ``PairwiseCalibratedClassifier`` computes them as libsvm's deprecated
    ``SVC(probability=True)`` did. They fuse far better than
    ``CalibratedClassifierCV(SVC())``, whose one-vs-rest sigmoids over SVC's
    vote-based decision values are poorly calibrated for many classes.
    """
    from sklearn.svm import SVC

    from . import PairwiseCalibratedClassifier

    return PairwiseCalibratedClassifier(SVC())


def _models(neural):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from . import EarlyFusion, LateFusionClassifier, ModalitySelector
    from .features import PixelFeatures

    image = make_pipeline(PixelFeatures(), _svc())
    audio = make_pipeline(StandardScaler(), _svc())
    members = [("image", image, "image"), ("audio", audio, "audio")]
    models = {
        "image alone (pixels, SVC)": make_pipeline(ModalitySelector("image"), image),
        "audio alone (MFCC, SVC)": make_pipeline(ModalitySelector("audio"), audio),
        "early fusion (EarlyFusion, logistic)": make_pipeline(
            EarlyFusion([("image", PixelFeatures(), "image"), ("audio", "passthrough", "audio")]),
            LogisticRegression(C=0.1, max_iter=2000)),
        "late fusion, mean": LateFusionClassifier(members, fusion="mean"),
        "late fusion, product": LateFusionClassifier(members, fusion="product"),
        "late fusion, stacking": LateFusionClassifier(members, fusion="stacking", cv=3),
    }
    if neural:
        from .neural import FusionNetClassifier

        # images go to a small CNN as they are, MFCC statistics to an MLP; the
        # recipe of benchmarks/bench_neural.py: auxiliary losses, modality dropout
        models["neural fusion (FusionNet, concat)"] = FusionNetClassifier(
            fusion="concat", max_epochs=20, lr=3e-3, modality_dropout=0.5,
            aux_loss_weight=1.0, random_state=0)
    return models


def _audio_features(X):
    """MFCC statistics of every clip, computed once.

    The MFCC step is stateless (each clip's features depend on that clip
    only), so computing it once before cross-validation leaks nothing; the
    scaling that follows is learned inside each fold.
    """
    from . import ModalityTransformer
    from .features import MFCCFeatures

    return ModalityTransformer([("audio", MFCCFeatures(sr=8000), "audio")]).fit_transform(X)


def _evaluate(name, model, X, y, groups, cv):
    """Accuracy over the folds, also with 30% of test rows missing a modality."""
    from sklearn.base import clone

    rng = np.random.RandomState(0)
    scores = {"full": [], "no image (30%)": [], "no audio (30%)": []}
    seconds = 0.0
    for train, test in cv.split(X, y, groups):
        fitted = clone(model)
        start = time.perf_counter()
        fitted.fit(X[train], y[train])
        seconds += time.perf_counter() - start
        X_test = X[test]
        scores["full"].append(fitted.score(X_test, y[test]))
        lost = rng.choice(len(test), int(0.3 * len(test)), replace=False)
        for modality, key in (("image", "no image (30%)"), ("audio", "no audio (30%)")):
            if _handles_missing(name, modality):
                damaged = X_test.with_missing(modality, lost)
                scores[key].append(fitted.score(damaged, y[test]))
    return scores, seconds


def _handles_missing(name, modality):
    if "alone" in name:
        return modality not in name
    return True


def _format(values):
    if not values:
        return "-"
    return f"{np.mean(values):.3f} ± {np.std(values):.3f}"


def main(argv=None):
    """Run the demo and print the comparison table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5, help="voice-wise folds (default 5)")
    parser.add_argument("--no-neural", action="store_true", help="skip the torch model")
    args = parser.parse_args(argv)
    _pin_threads()
    from sklearn.model_selection import GroupKFold

    from .datasets import load_av_digits

    data = load_av_digits()
    y, groups = data.target, data.groups
    X = _audio_features(data.data)
    print(f"AV-Digits: {data.data!r}\n{len(np.unique(groups))} voices; "
          f"{args.folds}-fold cross-validation over held-out voices\n")
    cv = GroupKFold(n_splits=args.folds)
    rows = []
    for name, model in _models(neural=not args.no_neural).items():
        scores, seconds = _evaluate(name, model, X, y, groups, cv)
        rows.append((name, _format(scores["full"]), _format(scores["no image (30%)"]),
                     _format(scores["no audio (30%)"]), f"{seconds:.1f}"))
        print(f"  done: {name}", flush=True)
    header = ("model", "accuracy", "30% lose image", "30% lose audio", "fit seconds")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print()
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(str(v).ljust(w) for v, w in zip(row, widths)))


if __name__ == "__main__":
    main()
