"""Late fusion on AV-MNIST: every rule, missing modalities, fit time, cheap fusion search.

Protocol (docs/benchmarks.rst): leave-2-speakers-out, 3 rotations. The same
members everywhere (the recipe that reached the best product-rule accuracy):

- image: DeskewImages (second-moment shear correction) -> HOG (4x4-pixel
  cells, 3x3-cell blocks) -> PCA(100) -> PairwiseCalibratedClassifier(SVC(C=10))
- audio: peak-normalized clip, silence trimmed at 20 dB -> 13 MFCCs (26 mel
  bands) with deltas, pooled as statistics plus 6 time segments ->
  StandardScaler -> PairwiseCalibratedClassifier(SVC()) (the audio settings
  found by ``benchmarks/bench_features.py``)

PairwiseCalibratedClassifier gives the SVCs libsvm's probabilities (per-pair
Platt sigmoids on out-of-fold one-vs-one decision values, pairwise coupling)
without ``SVC(probability=True)``, deprecated in scikit-learn 1.9. The same
SVCs are also fused from their raw decision values (with and without
temperature scaling) and wrapped in scikit-learn's
``CalibratedClassifierCV(ensemble=False)``, for comparison.

Every feature parameter is spelled out, so that a change of defaults in
skfusion.features does not change this benchmark.

The features are stateless per-sample transforms, so they are computed once
for all 3,000 samples (as float32) and shared by every configuration (the
members start at PCA / StandardScaler). sklearn's StackingClassifier and
VotingClassifier get the same members behind ModalitySelector.

Run from the project root: ``python benchmarks/bench_late_fusion.py``.
"""

import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import (  # noqa: E402
    Timer,
    fmt,
    load_av_mnist,
    mean_std,
    missing_rows,
    pin_threads,
    print_table,
    speaker_splits,
    write_results,
)

import numpy as np  # noqa: E402
from sklearn.calibration import CalibratedClassifierCV  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.ensemble import StackingClassifier, VotingClassifier  # noqa: E402
from sklearn.model_selection import GridSearchCV, GroupKFold  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

from skfusion import (  # noqa: E402
    LateFusionClassifier,
    LateFusionClassifierCV,
    ModalityDict,
    ModalitySelector,
    PairwiseCalibratedClassifier,
)

RULES = ["mean", "weighted", "product", "max", "min", "median", "vote", "stacking"]
# fusion choices both searches can express: soft votes with weights, hard votes
VOTING_GRID = [
    ("soft", None), ("soft", [2, 1]), ("soft", [1, 2]), ("soft", [3, 1]), ("soft", [1, 3]),
    ("hard", None), ("hard", [1, 1.5]), ("hard", [1.5, 1]),
]
INNER_FOLDS = 3
CALIBRATED = ["mean", "product", "stacking"]
SEARCH_REPEATS = 3
TIMING_REPEATS = 3


def features(bunch):
    from skfusion.features import DeskewImages, HOGFeatures, MFCCFeatures

    with Timer() as t:
        upright = DeskewImages().fit_transform(bunch.data["image"])
        image = HOGFeatures(orientations=9, pixels_per_cell=(4, 4), cells_per_block=(3, 3),
                            block_norm="L2-Hys").fit_transform(upright)
        audio = MFCCFeatures(sr=8000, n_mfcc=13, n_mels=26, deltas=1, normalize="peak",
                             trim_db=20, pooling="stats+segments", n_segments=6,
                             ).fit_transform(bunch.data["audio"])
    print(f"features: HOG {image.shape}, MFCC {audio.shape} in {t.seconds:.0f} s")
    return ModalityDict(image=image.astype(np.float32), audio=audio.astype(np.float32))


def image_member(calibrate=PairwiseCalibratedClassifier):
    svc = SVC(C=10)
    return make_pipeline(PCA(100, random_state=0), calibrate(svc) if calibrate else svc)


def audio_member(calibrate=PairwiseCalibratedClassifier):
    svc = SVC()
    return make_pipeline(StandardScaler(), calibrate(svc) if calibrate else svc)


def members(calibrate=PairwiseCalibratedClassifier):
    return [("image", image_member(calibrate), "image"),
            ("audio", audio_member(calibrate), "audio")]


def one_vs_rest(svc):
    """scikit-learn's replacement for ``SVC(probability=True)``."""
    return CalibratedClassifierCV(svc, ensemble=False)


def sklearn_members():
    """The same members as (name, pipeline) pairs that select their modality first."""
    return [(name, make_pipeline(ModalitySelector(modality), *[step for _, step in member.steps]))
            for name, member, modality in members()]


def accuracy(est, X, y):
    return float(np.mean(est.predict(X) == y))


def test_variants(X_test):
    rows = missing_rows(X_test.n_samples, 0.3, seed=0)
    return {"full": X_test, "no_audio_30": X_test.with_missing("audio", rows),
            "no_image_30": X_test.with_missing("image", rows)}


def rules_on_split(X_train, y_train, X_test, y_test, memory):
    """Accuracy of every rule (and some temperature-calibrated), members fitted once."""
    out = {}
    variants = test_variants(X_test)
    configs = [(rule, None) for rule in RULES] + [(rule, "temperature") for rule in CALIBRATED]
    for rule, calibration in configs:
        est = LateFusionClassifier(members(), fusion=rule, calibration=calibration,
                                   memory=memory).fit(X_train, y_train)
        key = rule if calibration is None else f"{rule}+temperature"
        out[key] = {name: accuracy(est, X, y_test) for name, X in variants.items()}
    for name, est in est.named_estimators_.items():
        out[f"{name} alone"] = {"full": accuracy(est, X_test[name], y_test)}
    return out


def calibration_on_split(X_train, y_train, groups, X_test, y_test, memory):
    """The same SVCs calibrated otherwise: CalibratedClassifierCV's one-vs-rest
    sigmoids; or none, the softmax of their decision values, optionally temperature
    scaled on out-of-fold values from stratified folds or from held-out speakers."""
    out = {}
    for rule in ("mean", "product"):
        est = LateFusionClassifier(members(one_vs_rest), fusion=rule, memory=memory)
        est.fit(X_train, y_train)
        out[f"{rule}, CalibratedClassifierCV(SVC(), ensemble=False) members"] = {
            "full": accuracy(est, X_test, y_test)}
    cvs = {"": (5, {}), " + temperature": (5, {}),
           " + temperature (speaker folds)": (GroupKFold(4), {"groups": groups})}
    for rule in ("mean", "product"):
        for suffix, (cv, split_params) in cvs.items():
            est = LateFusionClassifier(members(None), fusion=rule, cv=cv, memory=memory,
                                       calibration="temperature" if suffix else None)
            est.fit(X_train, y_train, **split_params)
            out[f"{rule}, SVC decision values{suffix}"] = {"full": accuracy(est, X_test, y_test)}
    return out


def stock_on_split(X_train, y_train, X_test, y_test, timing):
    """sklearn's StackingClassifier and soft VotingClassifier; with ``timing``, our
    stacking and product rule too (no cache), each fitted right after sklearn's, in
    ``TIMING_REPEATS`` rounds (the machine is shared: single timings are noisy)."""
    contenders = {
        "sklearn StackingClassifier(cv=5)": lambda: StackingClassifier(sklearn_members(), cv=5),
        "skfusion stacking (cv=5)": lambda: LateFusionClassifier(members(), fusion="stacking"),
        "sklearn VotingClassifier(soft)": lambda: VotingClassifier(sklearn_members(),
                                                                   voting="soft"),
        "skfusion product": lambda: LateFusionClassifier(members(), fusion="product"),
    }
    out, times = {}, {}
    for _ in range(TIMING_REPEATS if timing else 1):
        for name, make in contenders.items():
            if not timing and name.startswith("skfusion"):
                continue
            with Timer() as t:
                est = make().fit(X_train, y_train)
            times.setdefault(name, []).append(t.seconds)
            out[name] = {"full": accuracy(est, X_test, y_test)}
    return out, times


def ours_voting_grid():
    grid = [{"fusion": ["mean"], "weights": [w for v, w in VOTING_GRID if v == "soft"]},
            {"fusion": ["vote"], "weights": [w for v, w in VOTING_GRID if v == "hard"]}]
    return grid


def stock_voting_grid():
    return [{"voting": ["soft"], "weights": [w for v, w in VOTING_GRID if v == "soft"]},
            {"voting": ["hard"], "weights": [w for v, w in VOTING_GRID if v == "hard"]}]


def searches_on_split(X_train, y_train, groups, X_test, y_test):
    """The same 8-choice search, stock vs skfusion (fresh cache), alternated; then
    all 8 rules by GridSearchCV (with a cache) and by LateFusionClassifierCV."""
    inner = GroupKFold(INNER_FOLDS)
    memory = tempfile.mkdtemp(prefix="late_fusion_search_")
    try:
        stock_seconds, ours_seconds = [], []
        for _ in range(SEARCH_REPEATS):  # alternating; a fresh cache each time
            with Timer() as t_stock:
                stock = GridSearchCV(VotingClassifier(sklearn_members()), stock_voting_grid(),
                                     cv=inner).fit(X_train, y_train, groups=groups)
            fresh = tempfile.mkdtemp(prefix="late_fusion_search_")
            try:
                with Timer() as t_ours:
                    ours = GridSearchCV(LateFusionClassifier(members(), memory=fresh),
                                        ours_voting_grid(), cv=inner).fit(X_train, y_train,
                                                                           groups=groups)
            finally:
                shutil.rmtree(fresh, ignore_errors=True)
            stock_seconds.append(t_stock.seconds)
            ours_seconds.append(t_ours.seconds)
        # stacking's own out-of-fold predictions: 3 folds here, to keep the run short
        with Timer() as t_rules:
            rules = GridSearchCV(LateFusionClassifier(members(), cv=3, memory=memory),
                                 {"fusion": RULES}, cv=inner).fit(X_train, y_train,
                                                                  groups=groups)
        with Timer() as t_cv:
            cv_est = LateFusionClassifierCV(members(), cv=inner).fit(  # no cache needed
                X_train, y_train, groups=groups)
    finally:
        shutil.rmtree(memory, ignore_errors=True)
    soft = [i for i, (voting, _) in enumerate(VOTING_GRID) if voting == "soft"]
    stock_scores = stock.cv_results_["mean_test_score"]
    ours_scores = ours.cv_results_["mean_test_score"]
    return {
        "voting_search": {
            "choices": [f"{v} vote, weights={w}" for v, w in VOTING_GRID],
            "stock_seconds": stock_seconds, "skfusion_seconds": ours_seconds,
            "speedups": [a / b for a, b in zip(stock_seconds, ours_seconds)],
            "speedup": min(stock_seconds) / min(ours_seconds),
            "member_fits": {"stock": (len(VOTING_GRID) * INNER_FOLDS + 1) * 2,
                            "skfusion": (INNER_FOLDS + 1) * 2},
            "stock_best": stock.best_params_, "skfusion_best": ours.best_params_,
            "stock_scores": stock_scores.round(4).tolist(),
            "skfusion_scores": ours_scores.round(4).tolist(),
            # soft votes must agree (hard votes follow VotingClassifier(voting="hard")
            # too: members vote by predict, ties go to the lower class)
            "same_soft_scores": bool(np.allclose(stock_scores[soft], ours_scores[soft])),
        },
        "rule_search": {
            "grid_seconds": t_rules.seconds, "grid_best": rules.best_params_["fusion"],
            "grid_scores": dict(zip(RULES, rules.cv_results_["mean_test_score"].round(4)
                                    .tolist())),
            "grid_held_out": accuracy(rules, X_test, y_test),
            "cv_estimator_seconds": t_cv.seconds, "cv_estimator_best": cv_est.fusion_,
            "cv_estimator_scores": {k: round(v, 4) for k, v in cv_est.scores_.items()},
            "cv_estimator_held_out": accuracy(cv_est, X_test, y_test),
        },
    }


def main():
    pin_threads()
    bunch = load_av_mnist()
    X, y, groups = features(bunch), bunch.target, np.asarray(bunch.groups)
    accuracies, times, search = {}, {}, None
    for i, (split, train, test) in enumerate(speaker_splits(groups)):
        memory = tempfile.mkdtemp(prefix="late_fusion_")
        X_train, X_test, y_train, y_test = X[train], X[test], y[train], y[test]
        with Timer() as t:
            try:
                acc = rules_on_split(X_train, y_train, X_test, y_test, memory)
                acc.update(calibration_on_split(X_train, y_train, groups[train], X_test, y_test,
                                                memory))
            finally:
                shutil.rmtree(memory, ignore_errors=True)
            stock, split_times = stock_on_split(X_train, y_train, X_test, y_test,
                                                timing=i == 0)
            if i == 0:
                times = split_times
                search = {"split": split, **searches_on_split(X_train, y_train, groups[train],
                                                              X_test, y_test)}
        stock = {k: v for k, v in stock.items() if k.startswith("sklearn")}  # ours: in acc
        for name, value in {**acc, **stock}.items():
            for variant, score in value.items():
                accuracies.setdefault(name, {}).setdefault(variant, []).append(score)
        print(f"rotation {split}: {t.seconds:.0f} s", flush=True)
    report(accuracies, times, search)


def report(accuracies, times, search):
    rows = [{"configuration": name,
             **{variant: fmt(scores) for variant, scores in value.items()}}
            for name, value in accuracies.items()]
    print("\nHeld-out accuracy (mean ± std over 3 rotations; 30% of test rows missing a modality)")
    print_table(rows, ["configuration", "full", "no_audio_30", "no_image_30"])

    base = np.array(times["sklearn StackingClassifier(cv=5)"])
    ratios = {
        "skfusion stacking / sklearn stacking":
            float(np.median(np.array(times["skfusion stacking (cv=5)"]) / base)),
        "skfusion product / sklearn stacking":
            float(np.median(np.array(times["skfusion product"]) / base)),
    }
    print(f"\nFit time on rotation {search['split']} (same members; {TIMING_REPEATS} rounds, "
          "each contender right after the other; ratios: median over rounds)")
    print_table([{"contender": name, "seconds": " / ".join(f"{v:.1f}" for v in value)}
                 for name, value in times.items()]
                + [{"contender": f"ratio {name}", "seconds": f"{value:.2f}"}
                   for name, value in ratios.items()], ["contender", "seconds"])

    vs, rs = search["voting_search"], search["rule_search"]
    print(f"\nGridSearchCV on rotation {search['split']}, GroupKFold({INNER_FOLDS}) over the "
          "training speakers")
    print_table([
        {"search": f"{len(VOTING_GRID)} vote choices, stock sklearn",
         "seconds": " / ".join(f"{v:.1f}" for v in vs["stock_seconds"]),
         "best": vs["stock_best"]},
        {"search": f"{len(VOTING_GRID)} vote choices, skfusion memory=",
         "seconds": " / ".join(f"{v:.1f}" for v in vs["skfusion_seconds"]),
         "best": vs["skfusion_best"]},
        {"search": "speedup (best of each; per round)",
         "seconds": f"{vs['speedup']:.1f}x ("
                    + ", ".join(f"{v:.1f}" for v in vs["speedups"]) + ")",
         "best": f"soft-vote scores identical: {vs['same_soft_scores']}; member fits "
                 f"{vs['member_fits']['stock']} vs {vs['member_fits']['skfusion']}"},
        {"search": "8 rules, GridSearchCV (memory=)", "seconds": f"{rs['grid_seconds']:.1f}",
         "best": f"{rs['grid_best']} (held out {rs['grid_held_out']:.3f})"},
        {"search": "8 rules, LateFusionClassifierCV", "seconds":
         f"{rs['cv_estimator_seconds']:.1f}",
         "best": f"{rs['cv_estimator_best']} (held out {rs['cv_estimator_held_out']:.3f})"},
    ], ["search", "seconds", "best"])
    write_results("late_fusion", {
        "protocol": "AV-MNIST, leave-2-speakers-out, 3 rotations",
        "members": {"image": "deskew -> HOG(4x4-px cells, 3x3 blocks) -> PCA(100) -> "
                             "PairwiseCalibratedClassifier(SVC(C=10))",
                    "audio": "MFCC(13, 26 mels, deltas=1, peak-normalized, trim 20 dB, "
                             "stats+6 segments) -> StandardScaler -> "
                             "PairwiseCalibratedClassifier(SVC())"},
        "accuracy": {name: {variant: {"values": scores, "mean_std": mean_std(scores)}
                            for variant, scores in value.items()}
                     for name, value in accuracies.items()},
        "fit_seconds": times,
        "fit_ratios": ratios,
        "search": search,
    })


if __name__ == "__main__":
    main()
