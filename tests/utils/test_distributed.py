"""The joblib dask backend on a LocalCluster gives the same results as the default backend."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skfusion import ModalitySelector
from skfusion.datasets import make_multimodal_classification

distributed = pytest.importorskip("distributed")


def _flatten(images):
    return np.asarray(images).reshape(len(images), -1)


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=None)
    with distributed.Client(cluster) as client:
        yield client
    cluster.close()


def test_grid_search_on_dask_equals_default_backend(client):
    from joblib import parallel_config

    X, y = make_multimodal_classification(n_samples=90, n_classes=3, random_state=0)
    pipe = make_pipeline(ModalitySelector("image"), FunctionTransformer(_flatten),
                         LogisticRegression(max_iter=300))
    grid = {"logisticregression__C": [0.01, 0.1, 1.0]}
    cv = KFold(3, shuffle=True, random_state=0)
    local = GridSearchCV(pipe, grid, cv=cv, n_jobs=2).fit(X, y)
    with parallel_config(backend="dask"), distributed.get_task_stream(client) as stream:
        remote = GridSearchCV(pipe, grid, cv=cv, n_jobs=2).fit(X, y)
    np.testing.assert_allclose(remote.cv_results_["mean_test_score"],
                               local.cv_results_["mean_test_score"])
    np.testing.assert_array_equal(remote.predict(X), local.predict(X))
    # the 9 fits (3 candidates x 3 folds) ran as tasks on the cluster's workers
    assert len(stream.data) >= 9
