"""The scaling guide's distributed recipe survives the loss of a dask worker.

Skipped by default: it starts a two-worker LocalCluster (127.0.0.1 only),
SIGKILLs one worker as the search's first fits run, and takes about 20 s on
two cores, with timing that depends on the machine's load. Run it with
``SKFUSION_SLOW_TESTS=1``; ``benchmarks/bench_worker_loss.py`` repeats it and
compares with the plain ``parallel_config(backend="dask")``.
"""

import os
import signal
import threading
import time

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline

from skfusion import LateFusionClassifier
from skfusion.datasets import make_multimodal_classification
from skfusion.features import PixelFeatures

distributed = pytest.importorskip("distributed")

pytestmark = pytest.mark.skipif(
    not os.environ.get("SKFUSION_SLOW_TESTS"),
    reason="kills a LocalCluster worker: ~20 s and load-dependent timing; set "
           "SKFUSION_SLOW_TESTS=1 to run it")


def _search(X, y, memory, client):
    from joblib import parallel_config

    members = [("image", make_pipeline(PixelFeatures(), LogisticRegression(max_iter=2000)),
                "image"),
               ("table", LogisticRegression(max_iter=2000), "table")]
    splits = list(KFold(3, shuffle=True, random_state=0).split(X, y))
    search = GridSearchCV(LateFusionClassifier(members, cv=3, memory=memory, n_jobs=1),
                          {"fusion": ["mean", "product", "stacking"], "weights": [None, [2, 1]]},
                          cv=splits, n_jobs=-1)
    large = [X, y, *(rows for split in splits for rows in split)]
    client.amm.stop()
    try:
        with parallel_config(backend="dask", scatter=large, retries=2):
            return search.fit(X, y)
    finally:
        client.amm.start()


def test_search_survives_a_killed_worker(tmp_path):
    X, y = make_multimodal_classification(3000, n_classes=3, random_state=0)
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=None)
    with distributed.Client(cluster) as client:
        undisturbed = _search(X, y, tmp_path / "a", client)
        pids = client.run(os.getpid)
        killed = []

        def kill_when_fits_run():
            deadline = time.monotonic() + 60
            while not any(client.processing().values()) and time.monotonic() < deadline:
                time.sleep(0.01)
            held = client.has_what()
            victim = max(pids, key=lambda address: len(held.get(address, ())))
            os.kill(pids[victim], signal.SIGKILL)
            killed.append(victim)

        killer = threading.Thread(target=kill_when_fits_run, daemon=True)
        killer.start()
        disturbed = _search(X, y, tmp_path / "b", client)
        killer.join(60)
    cluster.close()
    assert killed
    np.testing.assert_allclose(disturbed.cv_results_["mean_test_score"],
                               undisturbed.cv_results_["mean_test_score"])
    assert disturbed.best_params_ == undisturbed.best_params_
    np.testing.assert_allclose(disturbed.predict_proba(X), undisturbed.predict_proba(X))
