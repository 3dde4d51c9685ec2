"""FusionNet on raw audio: the default log-mel front-end against an MFCC step (AV-Digits).

The first thing a newcomer tries is ``FusionNetClassifier(max_epochs=5).fit(
load_av_digits().data, y)``: 8x8 digit images and ragged int16 clips of
1,600 to 6,160 samples at 8 kHz, as they come. With every default, the clips
go through the default audio encoder: a log-mel spectrogram computed inside
the net (``LogMelSpectrogram``: 32 bands, 32 ms windows every 20 ms, floored
60 dB under each clip's peak) and a 1-D CNN over its frames. This script
compares it, on the same folds, with

* the *MFCC step*: ``MFCCFeatures(sr=8000)`` statistics of every clip
  (computed once, the step is stateless; its time is reported apart), then
  the same net with its default MLP for the audio;
* the *previous default* (``encoders={"audio": "cnn1d"}``): a 1-D CNN over
  the waveform samples themselves, one epoch on the first fold only
  (``--old-epochs``; 0 skips it), for its time per epoch.

Protocol: ``GroupKFold`` over the 60 voices (5 folds), so the test clips
come from voices never heard in training, as in ``python -m skfusion.demo``;
every net with its defaults (concat fusion, Adam at 1e-3 with the cosine
schedule, batch 64), ``random_state=0``, on the CPU with one thread; the two
configurations alternate fold by fold. Seconds per epoch are the median of
skorch's per-epoch durations.

Results (2026-12-05, ``benchmarks/results/raw_audio.json``), accuracy and
seconds per epoch, 5 / 10 epochs:

* raw clips, defaults: 0.997 (0.57 s) / 0.998 (0.46 s);
* MFCC step, defaults: 0.997 (0.21 s) / 0.997 (0.20 s), plus 4.9 s once for
  the MFCC step;
* audio alone, raw clips: 0.968 (0.35 s) / 0.980 (0.29 s); after an MFCC step:
  0.970 (0.06 s) / 0.968 (0.04 s);
* the previous default, one epoch on fold 0: 0.711, 27 s.

On a busier machine (an earlier run, 10 ms frames) the raw-clip net took 1.6 s
and the MFCC-step net 0.6 s an epoch, the previous default 121 s. The raw
clips' slowest fold (0.87 s) stays under 2 s an epoch.

Run from the project root: ``python benchmarks/bench_raw_audio.py`` (about
5 minutes on one core); ``--quick`` runs 2 folds with 2 epochs.
"""

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _common import Timer, fmt, mean_std, pin_threads, print_table, write_results  # noqa: E402


def mfcc_step(X):
    """The audio as MFCC statistics (``MFCCFeatures(sr=8000)``), images as they are."""
    from skfusion import ModalityTransformer
    from skfusion.features import MFCCFeatures

    return ModalityTransformer([("audio", MFCCFeatures(sr=8000), "audio")]).fit_transform(X)


def fit_and_score(X, y, train, test, epochs, **params):
    from skfusion.neural import FusionNetClassifier

    net = FusionNetClassifier(max_epochs=epochs, device="cpu", random_state=0, **params)
    with Timer() as timer:
        net.fit(X[train], y[train])
    epoch_seconds = [float(d) for d in net.net_.history[:, "dur"]]
    return {"accuracy": float(net.score(X[test], y[test])), "fit_seconds": timer.seconds,
            "epoch_seconds": epoch_seconds,
            "audio_encoder": type(net.net_.module_.encoders[
                str(net.modalities_.index("audio"))]).__name__}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, nargs="+", default=[5, 10],
                        help="max_epochs of the compared nets (5: the newcomer's command; "
                             "10: FusionNetClassifier's default)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--old-epochs", type=int, default=1,
                        help="epochs of the previous default (waveform 1-D CNN), first fold")
    parser.add_argument("--quick", action="store_true", help="2 folds, 2 epochs, no old default")
    args = parser.parse_args()
    if args.quick:
        args.epochs, args.folds, args.old_epochs = [2], 2, 0
    import torch
    from sklearn.model_selection import GroupKFold

    from skfusion.datasets import load_av_digits

    pin_threads(1)
    torch.set_num_threads(1)
    av = load_av_digits()
    X_raw, y = av.data, av.target
    with Timer() as mfcc_timer:
        X_mfcc = mfcc_step(X_raw)
    print(f"MFCC step for {len(y)} clips: {mfcc_timer.seconds:.1f}s\n")
    folds = list(GroupKFold(n_splits=args.folds).split(np.zeros(len(y)), y, av.groups))
    from skfusion import ModalityDict

    inputs = {"raw clips, defaults (log-mel front-end + 1-D CNN)": X_raw,
              "MFCC step, defaults (MLP on MFCC statistics)": X_mfcc,
              "audio alone: raw clips, defaults": ModalityDict(audio=X_raw["audio"]),
              "audio alone: MFCC step, defaults": ModalityDict(audio=X_mfcc["audio"])}
    runs = {(label, epochs): [] for epochs in args.epochs for label in inputs}
    for epochs in args.epochs:
        for k, (train, test) in enumerate(folds):
            for label, X in inputs.items():  # alternating, fold by fold
                run = fit_and_score(X, y, train, test, epochs)
                runs[label, epochs].append(run)
                print(f"  {epochs:2d} epochs, fold {k}: {label:50s} acc={run['accuracy']:.3f} "
                      f"{np.median(run['epoch_seconds']):.2f}s/epoch", flush=True)
    old = None
    if args.old_epochs:
        train, test = folds[0]
        old = fit_and_score(X_raw, y, train, test, args.old_epochs, encoders={"audio": "cnn1d"})
        print(f"  previous default (waveform 1-D CNN), fold 0, {args.old_epochs} epoch(s): "
              f"acc={old['accuracy']:.3f} {np.median(old['epoch_seconds']):.1f}s/epoch")

    rows = []
    for (label, epochs), fold_runs in runs.items():
        per_epoch = [float(np.median(r["epoch_seconds"])) for r in fold_runs]
        rows.append({"configuration": label, "epochs": epochs,
                     "accuracy": fmt([r["accuracy"] for r in fold_runs]),
                     "s/epoch": fmt(per_epoch), "fit s": fmt([r["fit_seconds"] for r in fold_runs]),
                     "runs": fold_runs})
    if old is not None:
        rows.append({"configuration": "raw clips, previous default (1-D CNN on samples)",
                     "epochs": f"{args.old_epochs} (fold 0)", "accuracy": f"{old['accuracy']:.3f}",
                     "s/epoch": f"{np.median(old['epoch_seconds']):.2f}",
                     "fit s": f"{old['fit_seconds']:.1f}", "runs": [old]})
    print(f"\nAV-Digits, GroupKFold over voices ({args.folds} folds), CPU, 1 thread; "
          f"MFCC step {mfcc_timer.seconds:.1f}s once (not in the fit times)")
    print_table(rows, ["configuration", "epochs", "accuracy", "s/epoch", "fit s"])
    labels = list(inputs)
    for epochs in args.epochs:
        raw, mfcc, raw_alone, mfcc_alone = (
            mean_std([r["accuracy"] for r in runs[label, epochs]])[0] for label in labels)
        raw_s = max(np.median(r["epoch_seconds"]) for r in runs[labels[0], epochs])
        print(f"{epochs} epochs: raw-clip default {raw:.3f} vs MFCC step {mfcc:.3f} "
              f"(audio alone {raw_alone:.3f} vs {mfcc_alone:.3f}; target: at least as "
              f"accurate); slowest fold {raw_s:.2f}s/epoch (target <= 2)")
    write_results("raw_audio_quick" if args.quick else "raw_audio", {
        "data": "AV-Digits (load_av_digits), raw int16 clips at 8 kHz",
        "protocol": f"GroupKFold({args.folds}) over voices", "mfcc_step_seconds":
        mfcc_timer.seconds, "rows": rows, "command": " ".join(sys.argv)})


if __name__ == "__main__":
    main()
