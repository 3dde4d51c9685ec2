"""The one module that imports scikit-learn's private helpers.

Everything skfusion needs from private scikit-learn modules is imported here,
so that a change in scikit-learn is fixed in one place. Supported: 1.6 to 1.11
(tested: 1.6.0 and 1.9.1).
"""

from sklearn.base import _fit_context  # noqa: F401
from sklearn.pipeline import _name_estimators  # noqa: F401
from sklearn.utils._param_validation import (  # noqa: F401
    HasMethods,
    Interval,
    InvalidParameterError,
    StrOptions,
    validate_params,
)
from sklearn.utils._indexing import _get_column_indices  # noqa: F401
from sklearn.utils import _safe_indexing  # noqa: F401
from sklearn.utils._set_output import _get_output_config  # noqa: F401
from sklearn.utils.metaestimators import _BaseComposition  # noqa: F401
from sklearn.utils.validation import _check_feature_names_in  # noqa: F401

try:
    from sklearn.utils._repr_html.estimator import _VisualBlock  # noqa: F401
except ImportError:  # scikit-learn < 1.7
    from sklearn.utils._estimator_html_repr import _VisualBlock  # noqa: F401
