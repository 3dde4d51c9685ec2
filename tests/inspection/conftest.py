"""A small fusion model that handles missing modalities, and data to inspect it on."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from skfusion.datasets import make_multimodal_classification
from skfusion.data import check_multimodal


class MeanOfMembers(ClassifierMixin, BaseEstimator):
    """One logistic regression per numeric modality; averages the members present.

    A row that lacks every modality gets the training class prior.
    """

    def __init__(self, C=1.0):
        self.C = C

    def fit(self, X, y):
        X = check_multimodal(X, estimator=self)
        self.classes_, counts = np.unique(y, return_counts=True)
        self.prior_ = counts / counts.sum()
        self.modalities_ = list(X.modalities)
        self.members_ = {}
        for name in self.modalities_:
            present = ~X.is_missing(name)
            self.members_[name] = LogisticRegression(C=self.C).fit(
                _flat(X[name])[present], np.asarray(y)[present]
            )
        return self

    def member_proba(self, X, name):
        """The member's probabilities, NaN on rows that lack its modality."""
        check_is_fitted(self)
        X = check_multimodal(X, modalities=self.modalities_, estimator=self)
        present = ~X.is_missing(name)
        proba = np.full((X.n_samples, len(self.classes_)), np.nan)
        if present.any():
            proba[present] = self.members_[name].predict_proba(_flat(X[name])[present])
        return proba

    def predict_proba(self, X):
        check_is_fitted(self)
        stacked = np.stack([self.member_proba(X, name) for name in self.modalities_])
        n_present = (~np.isnan(stacked[:, :, 0])).sum(axis=0)
        total = np.nansum(stacked, axis=0)
        proba = np.where(n_present[:, None] > 0, total / np.maximum(n_present, 1)[:, None],
                         self.prior_)
        return proba

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


def _flat(values):
    values = np.asarray(values, dtype=float)
    return values.reshape(len(values), -1)


@pytest.fixture(scope="session")
def fusion_model_class():
    return MeanOfMembers


@pytest.fixture(scope="session")
def noise_and_signal():
    """Train/test data: an uninformative image and an informative table, 3 classes."""
    X, y = make_multimodal_classification(
        n_samples=360, n_classes=3, informativeness={"image": 0.0, "table": 1.0},
        image_shape=(6, 6), random_state=0,
    )
    return X[:240], y[:240], X[240:], y[240:]


@pytest.fixture(scope="session")
def fitted_fusion(noise_and_signal):
    X_train, y_train, _, _ = noise_and_signal
    return MeanOfMembers(C=0.1).fit(X_train, y_train)
