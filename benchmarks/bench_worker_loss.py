"""Losing a dask worker during a GridSearchCV over late fusion.

Starts a LocalCluster of two worker processes on 127.0.0.1 (no other
network), runs the scaling guide's recipe -- a GridSearchCV over a
LateFusionClassifier's rules with ``memory=`` under joblib's dask backend --
once undisturbed, then again while SIGKILL ends one worker (its nanny starts a
new one), either as soon as the first fits run ("start") or 1 s later ("middle",
a quarter to a third into a search on warm workers); the victim is the worker holding the most
data. Each recipe runs ``--runs`` times (default 5) per moment, each on a fresh
cluster and under a time limit, and the script reports how many disturbed runs
finished and whether their result (every candidate's mean score, the best
parameters, the refitted model's probabilities) equals the undisturbed one.

Recipes:

- ``default``: ``parallel_config(backend="dask")``, as the guide used to say.
  joblib scatters each large argument (X, y, every split's rows) to ONE worker;
  scattered data has no lineage, so when that worker dies the tasks needing it
  are cancelled (``FutureCancelledError``).
- ``resilient``: the splits made once (``cv=list(cv.split(X, y))``), X, y and
  every split's rows broadcast to all workers (``scatter=[...]``), the
  scheduler's active memory manager paused meanwhile (``client.amm.stop()``:
  it would drop the extra copies within seconds), tasks retried
  (``retries=2``) and the final refit run in the calling process (the
  estimator's ``n_jobs=1``; its own jobs would scatter again): what a dead
  worker held is held by the other, and the scheduler reruns the fits it was
  running.

Usage::

    python benchmarks/bench_worker_loss.py            # both recipes and moments, 5 runs each
    python benchmarks/bench_worker_loss.py --runs 2 resilient
"""

import argparse
import json
import os
import signal
import tempfile
import threading
import time
import warnings

import numpy as np

from _common import RESULTS, print_table, write_results

N_SAMPLES = 3000
TIME_LIMIT = 180  # seconds per run (cluster start, undisturbed and disturbed search)


def _problem():
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import KFold
    from sklearn.pipeline import make_pipeline

    from skfusion import LateFusionClassifier
    from skfusion.datasets import make_multimodal_classification
    from skfusion.features import PixelFeatures

    X, y = make_multimodal_classification(
        N_SAMPLES, n_classes=3, informativeness={"image": 0.5, "table": 0.5}, random_state=0)
    members = [("image", make_pipeline(PixelFeatures(), LogisticRegression(C=0.5, max_iter=2000)),
                "image"),
               ("table", LogisticRegression(C=0.5, max_iter=2000), "table")]
    model = LateFusionClassifier(members, cv=3)
    grid = {"fusion": ["mean", "product", "stacking"], "weights": [None, [2, 1]]}
    return X, y, model, grid, KFold(3, shuffle=True, random_state=0)


def search_default(X, y, model, grid, cv, memory):
    """The recipe as the guide gave it."""
    from joblib import parallel_config
    from sklearn.base import clone
    from sklearn.model_selection import GridSearchCV

    search = GridSearchCV(clone(model).set_params(memory=memory), grid, cv=cv, n_jobs=-1)
    with parallel_config(backend="dask"):
        return search.fit(X, y)


def search_resilient(X, y, model, grid, cv, memory):
    """The recipe that survives a lost worker (docs/user_guide/scaling.rst)."""
    from distributed import get_client
    from joblib import parallel_config
    from sklearn.base import clone
    from sklearn.model_selection import GridSearchCV

    client = get_client()
    splits = list(cv.split(X, y))
    everything_large = [X, y, *(rows for split in splits for rows in split)]
    # n_jobs=1: the final refit runs in this process, not as tasks on scattered copies
    search = GridSearchCV(clone(model).set_params(memory=memory, n_jobs=1), grid, cv=splits,
                          n_jobs=-1)
    client.amm.stop()  # the active memory manager would drop the broadcast copies
    try:
        with parallel_config(backend="dask", scatter=everything_large, retries=2):
            return search.fit(X, y)
    finally:
        client.amm.start()


RECIPES = {"default": search_default, "resilient": search_resilient}


def _kill_one_worker(client, pids, report, stop, delay):
    """SIGKILL the worker holding the most data ``delay`` seconds after the
    first fits run (at once: scattered data then often lives on that worker
    only; later: after the memory manager dropped extra copies)."""
    while not stop.is_set():
        if any(client.processing().values()):
            break
        time.sleep(0.01)
    else:
        return
    if stop.wait(delay):
        return
    held = client.has_what()
    victim = max(pids, key=lambda address: len(held.get(address, ())))
    report["killed_after_s"] = round(time.perf_counter() - report["started"], 2)
    report["victim_held_keys"] = len(held.get(victim, ()))
    os.kill(pids[victim], signal.SIGKILL)


def _result(search, X):
    return {"scores": search.cv_results_["mean_test_score"],
            "best_params": search.best_params_,
            "proba": search.best_estimator_.predict_proba(X)}


def _same(a, b):
    return bool(np.allclose(a["scores"], b["scores"]) and a["best_params"] == b["best_params"]
                and np.allclose(a["proba"], b["proba"]))


class _TimeLimit(Exception):
    pass


def one_run(recipe, moment):
    import distributed

    X, y, model, grid, cv = _problem()
    search = RECIPES[recipe]
    report = {}

    def expire(*_):
        raise _TimeLimit(f"over {TIME_LIMIT} s")

    signal.signal(signal.SIGALRM, expire)
    signal.alarm(TIME_LIMIT)
    cluster = client = None
    try:
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           host="127.0.0.1", dashboard_address=None)
        client = distributed.Client(cluster)
        pids = client.run(os.getpid)
        with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as memory:
            started = time.perf_counter()
            undisturbed = _result(search(X, y, model, grid, cv, memory), X)
            report["undisturbed_s"] = round(time.perf_counter() - started, 2)
        stop = threading.Event()
        report["started"] = time.perf_counter()
        delay = 0.0 if moment == "start" else 1.0
        killer = threading.Thread(target=_kill_one_worker,
                                  args=(client, pids, report, stop, delay), daemon=True)
        with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as memory:
            killer.start()
            try:
                disturbed = _result(search(X, y, model, grid, cv, memory), X)
                report["outcome"] = "finished"
                report["same_result"] = _same(disturbed, undisturbed)
            except _TimeLimit:
                raise
            except Exception as exc:  # noqa: BLE001 -- what the loss makes of the search
                report["outcome"] = "failed"
                report["error"] = f"{type(exc).__name__}: {str(exc)[:200]}"
            finally:
                stop.set()
                killer.join(5)
        report["disturbed_s"] = round(time.perf_counter() - report.pop("started"), 2)
        report["worker_killed"] = "killed_after_s" in report
    except _TimeLimit as exc:
        report.pop("started", None)
        report["outcome"] = "time limit"
        report["error"] = str(exc)
    finally:
        signal.alarm(0)
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    return report


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recipes", nargs="*", default=list(RECIPES),
                        help=f"among {list(RECIPES)} (default: all)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--moments", nargs="+", default=["start", "middle"],
                        help="when the worker dies: 'start' (as the first fits run) and/or "
                             "'middle' (1 s later, a quarter to a third of a warm search)")
    args = parser.parse_args()
    unknown = sorted(set(args.recipes) - set(RECIPES))
    if unknown:
        parser.error(f"unknown recipes {unknown}; choose among {list(RECIPES)}")
    warnings.simplefilter("ignore")
    import logging

    logging.getLogger("distributed").setLevel(logging.CRITICAL)
    payload, rows = {"n_samples": N_SAMPLES, "runs": args.runs, "results": {}}, []
    for moment in args.moments:
        for recipe in args.recipes:
            runs = []
            for i in range(args.runs):
                runs.append(one_run(recipe, moment))
                print(f"{recipe}, killed at {moment}, run {i + 1}: {runs[-1]}", flush=True)
            killed = [r for r in runs if r.get("worker_killed")]
            finished = [r for r in killed if r["outcome"] == "finished"]
            same = sum(r["same_result"] for r in finished)
            payload["results"][f"{recipe}, {moment}"] = {
                "recipe": recipe, "killed_at": moment, "killed": len(killed),
                "finished": len(finished), "same_result": same, "runs": runs}
            errors = sorted({r["error"].split(":")[0] for r in runs if "error" in r})
            rows.append({"recipe": recipe, "worker killed": moment,
                         "finished": f"{len(finished)} of {len(killed)}",
                         "same result as undisturbed": f"{same} of {len(finished)}",
                         "errors": ", ".join(errors) or "-"})
    previous = RESULTS / "worker_loss.json"
    if previous.exists():  # keep the moments and recipes not rerun
        old = json.loads(previous.read_text()).get("results", {})
        payload["results"] = {**old, **payload["results"]}
        rows = [{"recipe": r["recipe"], "worker killed": r["killed_at"],
                 "finished": f"{r['finished']} of {r['killed']}",
                 "same result as undisturbed": f"{r['same_result']} of {r['finished']}",
                 "errors": ", ".join(sorted({run["error"].split(":")[0] for run in r["runs"]
                                             if "error" in run})) or "-"}
                for r in payload["results"].values()]
    print(f"\nGridSearchCV (6 candidates x 3 folds) over LateFusionClassifier, {N_SAMPLES} "
          "samples, memory=, LocalCluster(2 workers, 127.0.0.1); one worker SIGKILLed")
    print_table(rows, ["recipe", "worker killed", "finished", "same result as undisturbed",
                       "errors"])
    write_results("worker_loss", payload)


if __name__ == "__main__":
    main()
