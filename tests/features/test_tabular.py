"""The tabular path: a DataFrame modality through scikit-learn's ColumnTransformer."""

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skfusion import ModalityDict, ModalitySelector


def test_dataframe_modality_through_column_transformer():
    rng = np.random.RandomState(0)
    n = 60
    y = np.repeat([0, 1], n // 2)
    frame = pd.DataFrame({
        "caption": ["x"] * n,
        "age": rng.normal(30 + 10 * y, 2),
        "size": rng.normal(0, 1, n),
        "color": np.where(y == 1, "red", "blue"),
    })
    X = ModalityDict.from_dataframe(frame, {"text": "caption",
                                            "table": ["age", "size", "color"]})
    table = ColumnTransformer([
        ("num", StandardScaler(), ["age", "size"]),
        ("cat", OneHotEncoder(), ["color"]),
    ])
    model = make_pipeline(ModalitySelector("table"), table, LogisticRegression())
    result = cross_validate(model, X, y, cv=3, return_estimator=True)
    assert result["test_score"].min() == 1.0
    fitted_table = result["estimator"][0][1]
    assert fitted_table.get_feature_names_out().tolist() == [
        "num__age", "num__size", "cat__color_blue", "cat__color_red",
    ]
