"""Batch norm over the present rows vs over all rows, with training images missing.

FusionNetClassifier's encoders normalise each batch with statistics of the
rows that have the modality (masked batch norm). Before, the zeros that fill
missing rows entered the batch and running statistics. This script trains
both ways (the old way by withholding the presence mask from the encoders),
alternating them, where 40% (``--missing``) of the TRAINING rows lack the
image, and scores held-out voices or speakers with every modality present
and with 40% of the images missing. Data: AV-Digits (8x8 images + log-mel
audio; per seed, 20% of the voices held out) or AV-MNIST (28x28 images +
log-mel audio; the protocol's 3 leave-2-speakers-out rotations per seed).

Run from the project root: ``python benchmarks/bench_masked_norm.py``
(``--data av_digits --seeds 10``; ``--data av_mnist --seeds 5``; ``--missing 0.7``).
"""

import argparse
import contextlib
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _common import (  # noqa: E402
    Timer,
    fmt,
    load_av_mnist,
    mean_std,
    pin_threads,
    print_table,
    speaker_splits,
    write_results,
)



def build_inputs(data):
    """Images as they are, audio as 32-band log-mel matrices (as bench_neural.py)."""
    from skfusion import ModalityDict
    from skfusion.datasets import load_av_digits
    from skfusion.features import LogMelFeatures

    bunch = load_av_digits() if data == "av_digits" else load_av_mnist()
    mel = LogMelFeatures(sr=bunch.sample_rate, n_mels=32, hop_length=160, trim_db=30,
                         top_db=60, output="matrix", n_frames=32 if data == "av_digits" else 48)
    X = ModalityDict(image=bunch.data["image"], audio=mel.fit_transform(bunch.data["audio"]))
    return X, bunch.target, bunch.groups


def splits(data, groups, seed):
    """(train, test) pairs: 20% of the voices held out, or the 3 speaker rotations."""
    from sklearn.model_selection import GroupShuffleSplit

    if data == "av_mnist":
        return [(train, test) for _, train, test in speaker_splits(groups)]
    return list(GroupShuffleSplit(1, test_size=0.2, random_state=seed)
                .split(groups, groups, groups))


@contextlib.contextmanager
def batch_norm_over_all_rows():
    """The old behaviour: no encoder gets the presence mask (torch's batch norm)."""
    from skfusion.neural import _module

    original = _module.takes_presence
    _module.takes_presence = lambda encoder: False
    try:
        yield
    finally:
        _module.takes_presence = original


def fit_and_score(X, y, train, test, *, seed, epochs, missing, old):
    from skfusion.neural import FusionNetClassifier

    rng = np.random.RandomState(seed)
    X_train = X[train].with_missing(
        "image", rng.choice(len(train), round(missing * len(train)), replace=False))
    clf = FusionNetClassifier(encoders={"audio": "cnn1d"}, max_epochs=epochs, batch_size=32,
                              lr=2e-3, device="cpu", random_state=seed)
    with batch_norm_over_all_rows() if old else contextlib.nullcontext(), Timer() as timer:
        clf.fit(X_train, y[train])
    X_test = X[test]
    test_missing = rng.choice(len(test), round(0.4 * len(test)), replace=False)
    return {"full": clf.score(X_test, y[test]),
            "missing": clf.score(X_test.with_missing("image", test_missing), y[test]),
            "seconds": timer.seconds}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=["av_digits", "av_mnist"], default="av_digits")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--missing", type=float, default=0.4,
                        help="share of the training rows without the image")
    args = parser.parse_args()
    import torch  # noqa: F401  (imported first, so that pin_threads pins it)

    pin_threads()
    X, y, groups = build_inputs(args.data)
    results = {"old": [], "masked": []}
    runs = [(seed, fold) for seed in range(args.seeds)
            for fold in splits(args.data, groups, seed)]
    for i, (seed, (train, test)) in enumerate(runs):
        for variant in ["old", "masked"] if i % 2 == 0 else ["masked", "old"]:
            score = fit_and_score(X, y, train, test, seed=seed, epochs=args.epochs,
                                  missing=args.missing, old=variant == "old")
            results[variant].append(score)
            print(f"seed {seed} {variant:6s} full {score['full']:.3f} "
                  f"missing {score['missing']:.3f} ({score['seconds']:.0f} s)", flush=True)
    labels = {"old": "batch norm over all rows (before)",
              "masked": "batch norm over present rows (after)"}
    rows = [{"batch norm": labels[v],
             "full test rows": fmt([s["full"] for s in results[v]]),
             "40% test images missing": fmt([s["missing"] for s in results[v]]),
             "fit s": f"{mean_std([s['seconds'] for s in results[v]])[0]:.0f}"}
            for v in ["old", "masked"]]
    print()
    print_table(rows, list(rows[0]))
    diffs = {key: [m[key] - o[key] for m, o in zip(results["masked"], results["old"])]
             for key in ["full", "missing"]}
    print(f"\npaired difference (after - before): full {fmt(diffs['full'])}, "
          f"40% images missing {fmt(diffs['missing'])}")
    suffix = "" if args.missing == 0.4 else f"_missing{round(100 * args.missing)}"
    write_results(f"masked_norm_{args.data}{suffix}", {"data": args.data, "seeds": args.seeds,
                                  "training_rows_missing_image": args.missing,
                                  "epochs": args.epochs, "results": results,
                                  "paired_difference": diffs})


if __name__ == "__main__":
    main()
