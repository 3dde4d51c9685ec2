"""scikit-learn's estimator checks, with a plain 2-D array as the one modality."""

from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.utils.estimator_checks import parametrize_with_checks

from skfusion.late import LateFusionClassifier, LateFusionClassifierCV, LateFusionRegressor


def _instances():
    return [
        LateFusionClassifier([("a", LogisticRegression(), None),
                              ("b", LogisticRegression(C=0.1), None)], fusion="product"),
        LateFusionClassifierCV([("lr", LogisticRegression(), None)],
                               fusions=["mean", "stacking"], cv=3),
        LateFusionRegressor([("ridge", Ridge(), None)], fusion="stacking", cv=3),
    ]


def _expected_failed_checks(estimator):
    if isinstance(estimator, LateFusionClassifierCV):
        # as for sklearn's StackingClassifier: repeating rows changes the
        # folds the rule is chosen on, which weighting rows does not
        reason = "the inner cross-validation splits differ with repeated rows"
        return {"check_sample_weight_equivalence_on_dense_data": reason,
                "check_sample_weight_equivalence_on_sparse_data": reason}
    return {}


@parametrize_with_checks(_instances(), expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)
