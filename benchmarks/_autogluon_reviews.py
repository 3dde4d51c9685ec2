"""AutoGluon on the clothing-reviews benchmark, for the fit-time ratio of bench_real_world.py.

Run with a Python that has ``autogluon.tabular[all]`` (a separate environment),
from the project root::

    PYTHONPATH=. /path/to/ag/bin/python benchmarks/_autogluon_reviews.py T1 0 medium_quality

It fits ``TabularPredictor`` on one split of the protocol (time_limit 600 s) and
writes accuracy, ROC AUC or macro-F1, fit and predict seconds to
``benchmarks/results/real_world_autogluon/<task>_<seed>_<preset>.json``, which
``bench_real_world.py`` puts beside AutoFusion's fit on the same split.
"""

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

from skfusion.datasets import load_clothing_reviews

ROOT = Path(__file__).resolve().parent.parent


def main(task="T1", seed=0, preset="medium_quality", time_limit=600):
    from autogluon.tabular import TabularPredictor

    home = os.environ.get("SKFUSION_DATA", ROOT.parent / "shared" / "data")
    data = load_clothing_reviews(task=task, data_home=home)
    frame = data.data["table"].copy()
    frame["Review"] = data.data["text"]
    frame["label"] = data.target
    train, test = data.splits[int(seed)]
    with tempfile.TemporaryDirectory() as path:
        tic = time.perf_counter()
        predictor = TabularPredictor(label="label", path=path, verbosity=1).fit(
            frame.iloc[train], presets=preset, time_limit=time_limit)
        fit_time = time.perf_counter() - tic
        tic = time.perf_counter()
        proba = predictor.predict_proba(frame.iloc[test].drop(columns="label"))
        predict_time = time.perf_counter() - tic
    y_test = data.target[test]
    pred = proba.columns.to_numpy()[proba.to_numpy().argmax(axis=1)]
    result = {"task": task, "seed": int(seed), "preset": preset, "time_limit": time_limit,
              "accuracy": float(accuracy_score(y_test, pred)),
              "fit_time": fit_time, "predict_time": predict_time}
    if task == "T1":
        result["roc_auc"] = float(roc_auc_score(y_test, proba[1]))
    else:
        result["macro_f1"] = float(f1_score(y_test, pred, average="macro"))
    out = ROOT / "benchmarks" / "results" / "real_world_autogluon" / f"{task}_{seed}_{preset}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result))


if __name__ == "__main__":
    main(*sys.argv[1:])
