"""load_clothing_reviews: the real text + table benchmark, read from the data folder."""

import os
from pathlib import Path

import numpy as np
import pytest

from skfusion import ModalityDict
from skfusion.datasets import load_clothing_reviews

pytest.importorskip("pandas")
HOME = Path(os.environ.get("SKFUSION_DATA",
                           Path(__file__).resolve().parents[3] / "shared" / "data"))
needs_data = pytest.mark.skipif(not (HOME / "reviews" / "splits.npz").is_file(),
                                reason=f"clothing reviews not found in {HOME}")


@pytest.fixture(scope="module")
def t1():
    return load_clothing_reviews(task="T1", data_home=HOME)


@needs_data
def test_shapes_types_and_protocol(t1):
    X = t1.data
    assert isinstance(X, ModalityDict) and X.modalities == ("text", "table")
    assert len(X) == 22642 and X["text"].dtype == object
    assert all(isinstance(text, str) and text == text.strip() for text in X["text"][:500])
    table = X["table"]
    assert list(table.columns) == ["Age", "Positive Feedback Count", "Clothing ID",
                                   "Division Name", "Department Name", "Class Name"]
    assert [str(t) for t in table.dtypes] == ["int64", "int64"] + ["category"] * 4
    assert not table.isna().any().any() and "NA" in set(table["Class Name"])
    # T1: 81.9% recommend; the splits are 18,113 / 4,529, disjoint, stratified
    assert abs(t1.target.mean() - 0.819) < 0.001
    assert len(t1.splits) == 3
    for train, test in t1.splits:
        assert (len(train), len(test)) == (18113, 4529)
        assert not np.intersect1d(train, test).size
        assert abs(t1.target[test].mean() - t1.target.mean()) < 0.002
    # the row filter: the 844 rows without title and text are gone, file order kept
    assert len(t1.row_id) == 22642 and np.all(np.diff(t1.row_id) > 0)
    assert t1.row_id[-1] == 23485


@needs_data
def test_t2_is_the_rating_without_the_recommendation():
    X, y = load_clothing_reviews(task="T2", data_home=HOME, return_X_y=True)
    assert sorted(np.unique(y)) == [1, 2, 3, 4, 5]
    assert abs(np.mean(y == 5) - 0.55) < 0.01
    assert "Recommended IND" not in X["table"] and "Rating" not in X["table"]


@needs_data
def test_text_joins_title_and_review(t1):
    frame = t1.frame
    row = int(np.flatnonzero(frame["Title"].notna() & frame["Review Text"].notna())[0])
    assert t1.data["text"][row] == f"{frame['Title'][row]} {frame['Review Text'][row]}"


def test_missing_files_and_bad_task_raise(tmp_path):
    with pytest.raises(FileNotFoundError, match="reviews.*womens_clothing_reviews"):
        load_clothing_reviews(data_home=tmp_path)
    with pytest.raises(ValueError, match="task must be one of"):
        load_clothing_reviews(task="T3", data_home=tmp_path)


def test_reads_the_environment_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("SKFUSION_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=str(tmp_path)):
        load_clothing_reviews()
