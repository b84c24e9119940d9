"""trainops.sklearn.TrainopsClassifier as a scikit-learn estimator."""
import pickle
import random

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils import estimator_checks

import trainops
from trainops.sklearn import TrainopsClassifier
from conftest import read_csv


@pytest.fixture(scope="module")
def data(example):
    train = read_csv(example["train.csv"])
    test = read_csv(example["test.csv"])
    return ([r["text"] for r in train], [r["intent"] for r in train], [r["text"] for r in test],
            [r["intent"] for r in test])


@pytest.fixture(scope="module")
def fitted(data):
    X, y, _, _ = data
    return TrainopsClassifier(epochs=4, threads=1).fit(X, y)


def test_fit_predict_score(fitted, data):
    _, y, X_test, y_test = data
    assert list(fitted.classes_) == sorted(set(y))
    predicted = fitted.predict(X_test)
    assert predicted.shape == (len(X_test),)
    assert set(predicted) <= set(fitted.classes_)
    assert fitted.score(X_test, y_test) > 0.8
    probs = fitted.predict_proba(X_test)
    assert probs.shape == (len(X_test), len(fitted.classes_))
    np.testing.assert_allclose(probs.sum(axis=1), 1, atol=1e-5)
    np.testing.assert_array_equal(fitted.classes_[probs.argmax(axis=1)], predicted)


def test_integer_labels_come_back_as_integers(data):
    X, y, X_test, _ = data
    names = sorted(set(y))
    y_int = np.array([names.index(v) for v in y])
    clf = TrainopsClassifier(epochs=2, threads=1).fit(X, y_int)
    assert clf.classes_.dtype.kind == "i"
    assert clf.predict(X_test[:5]).dtype.kind == "i"


def test_not_fitted_and_bad_input(data):
    X, y, _, _ = data
    with pytest.raises(NotFittedError):
        TrainopsClassifier().predict(["hello"])
    with pytest.raises(ValueError, match="1-D"):
        TrainopsClassifier().fit(np.zeros((10, 3)), [0, 1] * 5)
    with pytest.raises(ValueError, match="X has 3 texts but y has 2"):
        TrainopsClassifier().fit(["a", "b", "c"], [1, 2])
    with pytest.raises(ValueError, match=r"X\[1\]: the text is empty"):
        TrainopsClassifier().fit(["a", " ", "c"], [1, 2, 1])
    with pytest.raises(ValueError, match="at least 2 classes"):
        TrainopsClassifier().fit(X[:20], ["one"] * 20)
    with pytest.raises(ValueError, match="raw text"):
        TrainopsClassifier().fit([1.0, 2.0], [0, 1])
    with pytest.raises(ValueError, match="learning_rate"):
        TrainopsClassifier(learning_rate=-1.0).fit(X, y)


def test_params_clone_and_pickle(fitted, data):
    _, _, X_test, _ = data
    params = fitted.get_params()
    assert params["epochs"] == 4 and params["model"] == "linear"
    copy = clone(fitted)
    assert copy.get_params() == params and not hasattr(copy, "model_")
    copy.set_params(epochs=2, learning_rate=0.2)
    assert copy.epochs == 2 and fitted.epochs == 4
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict(X_test), fitted.predict(X_test))
    np.testing.assert_array_equal(restored.predict_proba(X_test), fitted.predict_proba(X_test))


def test_fit_is_deterministic_with_one_thread(data):
    X, y, X_test, _ = data
    a = TrainopsClassifier(epochs=2, threads=1).fit(X, y)
    b = TrainopsClassifier(epochs=2, threads=1).fit(X, y)
    # (The model files differ in their provenance: each fit's temporary data file path.)
    assert a.model_.info["training"] == b.model_.info["training"]
    np.testing.assert_array_equal(a.predict_proba(X_test), b.predict_proba(X_test))


def test_cross_validation_and_grid_search(data):
    X, y, _, _ = data
    rng = random.Random(3)
    idx = rng.sample(range(len(X)), 900)
    Xs, ys = [X[i] for i in idx], [y[i] for i in idx]
    scores = cross_val_score(TrainopsClassifier(epochs=3, threads=1), Xs, ys, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.5
    search = GridSearchCV(TrainopsClassifier(threads=1), {"epochs": [1, 4]}, cv=2)
    search.fit(Xs, ys)
    assert search.best_params_["epochs"] in (1, 4)
    assert search.best_estimator_.predict(Xs[:3]).shape == (3,)


def test_in_a_pipeline(data):
    X, y, X_test, y_test = data
    pipe = make_pipeline(FunctionTransformer(lambda texts: [t.lower() for t in texts]),
                         TrainopsClassifier(epochs=3, threads=1))
    pipe.fit(X, y)
    assert pipe.score(X_test, y_test) > 0.8


# The estimator checks of scikit-learn that apply to an estimator of raw text
# (check_estimator itself skips X_types=["string"] estimators).
@pytest.mark.parametrize("check", [
    estimator_checks.check_no_attributes_set_in_init,
    estimator_checks.check_parameters_default_constructible,
    estimator_checks.check_get_params_invariance,
    estimator_checks.check_set_params,
    estimator_checks.check_estimators_unfitted,
    estimator_checks.check_estimator_repr if hasattr(estimator_checks, "check_estimator_repr") else
    estimator_checks.check_get_params_invariance,
], ids=lambda c: c.__name__)
def test_sklearn_estimator_checks(check):
    check("TrainopsClassifier", TrainopsClassifier())


def test_estimator_tags_say_text():
    assert TrainopsClassifier()._get_tags()["X_types"] == ["string"]


def test_every_hyper_parameter_is_a_training_parameter():
    # A constructor argument the library does not know would fail only at fit time.
    for name in TrainopsClassifier().get_params():
        if name != "allow_data_errors":
            assert name in trainops._ALIASES, name
