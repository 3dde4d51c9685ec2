"""scikit-learn's estimator checks, with a plain 2-D array as the single modality."""

from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from skfusion import EarlyFusion


@parametrize_with_checks(
    [
        EarlyFusion([("all", StandardScaler(), None)]),
        EarlyFusion([("first", StandardScaler(), [0])], remainder="passthrough"),
        EarlyFusion([("all", "passthrough", slice(None))], block_scaling="block"),
    ]
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
