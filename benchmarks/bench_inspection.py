"""Inspection of four fusion models on AV-MNIST: modality importance and robustness.

Run from the project root::

    python benchmarks/bench_inspection.py

Protocol: AV-MNIST, leave-2-speakers-out, 3 rotations (``docs/benchmarks.rst``).
For each rotation four models are fitted on the training speakers:

- early fusion: per-block standardisation of [HOG, MFCC] -> logistic regression (C=0.1);
- late fusion, product rule, logistic-regression members;
- late fusion, stacking (cv=5), the same members;
- a FusionNet (skorch): one MLP encoder per modality, concatenation, trained with
  modality dropout 0.3 so that it predicts without a modality.

On the held-out speakers, each model gets:

- ``modality_importance``: permutation (5 shuffles) and exact Shapley values (the empty
  set scores as the class prior; the two values add up to the accuracy minus the
  prior's), accuracy;
- ``modality_robustness``: accuracy as 0, 10, ..., 100% of test rows lose the image, and
  as they lose the audio (3 draws per level).

All four models read the same features view of the data: the image as its HOG
features and the audio as its MFCC statistics, computed once per sample. Both
extractors work sample by sample (nothing is learned at fit), so shuffling or removing
a modality's feature rows is the same as shuffling or removing its raw rows, and the
~700 scorings do not recompute MFCCs (20 s per pass over the 3,000 clips here).

Noise, on the raw data of the first rotation: early fusion and the product rule built
on the raw modalities (HOG and MFCC inside their pipelines) scored as Gaussian noise
grows on the uint8 images (0 to 2 times their std) and as white noise is added to the
int16 waveforms (SNR from clean to -10 dB).

Writes ``benchmarks/results/inspection.json`` and four figures:
``inspection_importance.png``, ``inspection_robustness.png`` (mean +- std over the
rotations), ``inspection_calibration.png`` (the product rule's members on the first
rotation, with 30% of the images missing) and ``inspection_noise.png``.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    RESULTS, Timer, fmt, load_av_mnist, missing_rows, pin_threads, print_table,
    speaker_splits, write_results,
)

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skfusion import ModalityDict  # noqa: E402
from skfusion.inspection import (  # noqa: E402
    MemberCalibrationDisplay,
    ModalityImportanceDisplay,
    RobustnessDisplay,
    modality_importance,
    modality_robustness,
)

MODALITIES = ("image", "audio")
LEVELS = np.linspace(0.0, 1.0, 11)
SEED = 0


def features_view(data):
    """The image as HOG features and the audio as MFCC statistics, one row per sample."""
    from skfusion.features import HOGFeatures, MFCCFeatures

    with Timer() as hog:
        image = HOGFeatures().fit_transform(data["image"])
    with Timer() as mfcc:
        audio = MFCCFeatures(sr=8000).fit_transform(data["audio"])
    print(f"features: HOG {image.shape} in {hog.seconds:.1f} s, "
          f"MFCC {audio.shape} in {mfcc.seconds:.1f} s")
    return ModalityDict(image=image, audio=audio)


def _member():
    return make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=1000))


def build_models():
    """name -> unfitted model, in the order of the tables and figures."""
    from skfusion import EarlyFusion, LateFusionClassifier

    models = {
        "early fusion": make_pipeline(
            EarlyFusion([("image", "passthrough", "image"), ("audio", "passthrough", "audio")]),
            LogisticRegression(C=0.1, max_iter=1000)),
        "product rule": LateFusionClassifier(
            [("image", _member(), "image"), ("audio", _member(), "audio")], fusion="product"),
        "stacking": LateFusionClassifier(
            [("image", _member(), "image"), ("audio", _member(), "audio")],
            fusion="stacking", cv=5),
    }
    try:
        from skfusion.neural import FusionNetClassifier
    except ImportError as exc:  # reported, the other models still run
        print(f"FusionNet left out: {exc}")
        return models
    models["FusionNet"] = FusionNetClassifier(
        fusion="concat", modality_dropout=0.3, max_epochs=30, lr=1e-3, device="cpu",
        random_state=SEED)
    return models


def build_raw_models():
    """Early fusion and the product rule on the raw modalities (features inside)."""
    from skfusion import EarlyFusion, LateFusionClassifier
    from skfusion.features import HOGFeatures, MFCCFeatures

    def image():
        return make_pipeline(HOGFeatures(), StandardScaler())

    def audio():
        return make_pipeline(MFCCFeatures(sr=8000), StandardScaler())

    def member(features):
        return make_pipeline(features, LogisticRegression(C=0.1, max_iter=1000))

    return {
        "early fusion": make_pipeline(
            EarlyFusion([("image", image(), "image"), ("audio", audio(), "audio")]),
            LogisticRegression(C=0.1, max_iter=1000)),
        "product rule": LateFusionClassifier(
            [("image", member(image()), "image"), ("audio", member(audio()), "audio")],
            fusion="product"),
    }


def noise_curves(data, y, split):
    """Accuracy under Gaussian image noise and audio noise at an SNR, raw data."""
    rotation, train, test = split
    models = {name: model.fit(data[train], y[train])
              for name, model in build_raw_models().items()}
    curves = {}
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    for ax, (modality, corruption) in zip(axes, (("image", "gaussian"), ("audio", "snr"))):
        with Timer() as timer:
            display = RobustnessDisplay.from_estimator(
                models, data[test], y[test], modality=modality, corruption=corruption,
                random_state=SEED, ax=ax)
        curves[corruption] = {"levels": [float(v) for v in display.levels],
                              **{name: s[:, 0].tolist() for name, s in display.scores.items()}}
        print(f"{rotation}: {modality} {corruption} curves in {timer.seconds:.0f} s: "
              + "; ".join(f"{name} {np.round(s[:, 0], 3).tolist()}"
                          for name, s in display.scores.items()))
        ax.set_title(f"{modality}: {corruption} noise (held out {rotation})")
    fig.tight_layout()
    _save(fig, "noise")
    return curves


def inspect_rotation(model, X_test, y_test):
    """Every number and curve of one fitted model on one rotation's test rows."""
    out = {"accuracy": float(model.score(X_test, y_test))}
    for method, n_repeats in (("permutation", 5), ("shapley", 1)):
        result = modality_importance(model, X_test, y_test, method=method,
                                     n_repeats=n_repeats, random_state=SEED)
        out[method] = result.importances.tolist()
    out["prior_accuracy"] = result.null_score  # Shapley values sum to accuracy minus this
    for modality in MODALITIES:
        result = modality_robustness(model, X_test, y_test, modality=modality,
                                     levels=LEVELS, n_repeats=3, random_state=SEED)
        out[f"missing_{modality}"] = result.scores_mean.tolist()
        protocol_rows = missing_rows(len(y_test), 0.3, SEED)
        out[f"protocol_missing_{modality}"] = float(
            model.score(X_test.with_missing(modality, protocol_rows), y_test))
    return out


def run():
    pin_threads()
    bunch = load_av_mnist()
    X, y = features_view(bunch.data), bunch.target
    splits = speaker_splits(bunch.groups)
    names = list(build_models())
    pin_threads()  # again: building the models imported torch
    results = {name: [] for name in names}
    timings = {name: [] for name in names}
    calibration_model = None
    for rotation, train, test in splits:
        for name, model in build_models().items():
            with Timer() as fit:
                model.fit(X[train], y[train])
            with Timer() as inspect:
                results[name].append(inspect_rotation(model, X[test], y[test]))
            timings[name].append({"fit_s": fit.seconds, "inspect_s": inspect.seconds})
            print(f"{rotation:18s} {name:13s} accuracy {results[name][-1]['accuracy']:.3f} "
                  f"(fit {fit.seconds:.1f} s, inspection {inspect.seconds:.1f} s)")
            if name == "product rule" and calibration_model is None:
                calibration_model = (model, X[test], y[test])
    table = summary_table(results)
    columns = ["model", "accuracy", "perm image", "perm audio", "Shapley image",
               "Shapley audio", "30% no image", "30% no audio", "no image", "no audio"]
    print()
    print_table(table, columns)
    plot_importance(results)
    plot_robustness(results)
    plot_calibration(*calibration_model)
    noise = noise_curves(bunch.data, y, splits[0])
    write_results("inspection", {
        "protocol": "AV-MNIST, leave-2-speakers-out, 3 rotations; features view: HOG "
                    "(image), MFCC statistics (audio)",
        "rotations": [rotation for rotation, _, _ in splits],
        "levels": LEVELS.tolist(),
        "table": table,
        "per_rotation": results,
        "noise_first_rotation": noise,
        "timings_s": timings,
        "figures": [f"inspection_{kind}.png"
                    for kind in ("importance", "robustness", "calibration", "noise")],
    })


def summary_table(results):
    rows = []
    for name, per_rotation in results.items():
        def values(key, index=None, position=None):
            picked = [r[key] if index is None else np.mean(r[key][index]) for r in per_rotation]
            return fmt(picked if position is None else [v[position] for v in picked])

        rows.append({
            "model": name,
            "accuracy": values("accuracy"),
            "perm image": values("permutation", 0),
            "perm audio": values("permutation", 1),
            "Shapley image": values("shapley", 0),
            "Shapley audio": values("shapley", 1),
            "30% no image": values("protocol_missing_image"),
            "30% no audio": values("protocol_missing_audio"),
            "no image": values("missing_image", position=-1),
            "no audio": values("missing_audio", position=-1),
        })
    return rows


def plot_importance(results):
    """Rows: permutation, Shapley; columns: models. Spread over shuffles and rotations."""
    names = list(results)
    fig, axes = plt.subplots(2, len(names), figsize=(3.2 * len(names), 5.0), sharex="row",
                             squeeze=False)
    for row, method in enumerate(("permutation", "shapley")):
        for col, name in enumerate(names):
            importances = np.hstack([np.asarray(r[method]) for r in results[name]])
            ModalityImportanceDisplay(importances, MODALITIES, method=method,
                                      score_name="accuracy", estimator_name=name
                                      ).plot(ax=axes[row, col])
            if row == 1:
                axes[row, col].set_title("")
    fig.suptitle("AV-MNIST, held-out speakers: importance of each modality "
                 "(permutation: 5 shuffles x 3 rotations; Shapley: 3 rotations)")
    fig.tight_layout()
    _save(fig, "importance")


def plot_robustness(results):
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    for ax, modality in zip(axes, MODALITIES):
        scores = {name: np.array([r[f"missing_{modality}"] for r in per_rotation]).T
                  for name, per_rotation in results.items()}
        RobustnessDisplay(LEVELS, scores, modality=modality, corruption="missing",
                          level_name="share of test rows missing", score_name="accuracy"
                          ).plot(ax=ax)
        ax.set_title(f"{modality} goes missing (mean +- std over 3 rotations)")
    fig.tight_layout()
    _save(fig, "robustness")


def plot_calibration(model, X_test, y_test):
    X_test = X_test.with_missing("image", missing_rows(len(y_test), 0.3, SEED))
    fig, ax = plt.subplots(figsize=(5.5, 5))
    MemberCalibrationDisplay.from_estimator(model, X_test, y_test, n_bins=10, ax=ax)
    ax.set_title("product rule: its members' reliability\n(first rotation, 30% images missing)")
    fig.tight_layout()
    _save(fig, "calibration")


def _save(fig, kind):
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"inspection_{kind}.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(f"wrote {path.relative_to(RESULTS.parent.parent)}")


if __name__ == "__main__":
    run()
