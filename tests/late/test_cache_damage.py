"""A damaged ``memory=`` entry is recomputed and overwritten, with a warning."""

import warnings
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.linear_model import LogisticRegression

from skfusion import LateFusionClassifier, ModalityDict
from skfusion.datasets import make_multimodal_classification

FITS = []


class CountingLogisticRegression(LogisticRegression):
    def fit(self, X, y, sample_weight=None):
        FITS.append(len(y))
        return super().fit(X, y, sample_weight=sample_weight)


@pytest.fixture(scope="module")
def data():
    X, y = make_multimodal_classification(90, n_classes=3, random_state=0)
    return ModalityDict(image=X["image"].reshape(90, -1), table=X["table"]), y


def _clf(memory):
    return LateFusionClassifier(
        [("img", CountingLogisticRegression(C=0.1), "image"),
         ("tab", CountingLogisticRegression(), "table")],
        fusion="stacking", cv=3, memory=memory)


def _damage(path, how):
    content = path.read_bytes()
    path.write_bytes({"empty": b"", "truncated": content[: len(content) // 2],
                      "garbage": b"\x80\x04not a pickle at all"}[how])


@pytest.mark.parametrize("how", ["empty", "truncated", "garbage"])
@pytest.mark.parametrize("cached", ["fit_member", "fit_predict_fold", "predict_member"])
def test_damaged_entry_is_refitted_and_overwritten(data, tmp_path, how, cached):
    X, y = data
    expected = _clf(tmp_path).fit(X, y).predict_proba(X)
    outputs = sorted(Path(tmp_path).glob(f"joblib/**/{cached}/*/output.pkl"))
    assert outputs, f"nothing cached by {cached}"
    for path in outputs:
        _damage(path, how)

    FITS.clear()
    with pytest.warns(UserWarning, match="could not be loaded"):
        proba = _clf(tmp_path).fit(X, y).predict_proba(X)
    assert_allclose(proba, expected)
    # only the damaged fits ran again: 2 full fits or 6 fold fits, none for predictions
    assert len(FITS) == {"fit_member": 2, "fit_predict_fold": 6, "predict_member": 0}[cached]

    # the entries were overwritten: the next fit loads everything, silently
    FITS.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        proba = _clf(tmp_path).fit(X, y).predict_proba(X)
    assert_allclose(proba, expected)
    assert FITS == []


def test_damaged_fit_warning_names_the_member_and_the_folder(data, tmp_path):
    X, y = data
    _clf(tmp_path).fit(X, y)
    for path in Path(tmp_path).glob("joblib/**/fit_member/*/output.pkl"):
        path.write_bytes(b"")
    with pytest.warns(UserWarning, match=r"cached fit_member of CountingLogisticRegression in .*"
                                         r"could not be loaded \(EOFError.*computing it again"):
        _clf(tmp_path).fit(X, y)
