"""Multi-label models from Python: Model.predict answers label sets, predict_proba every
label's probability, and the scikit-learn estimator takes label lists or an indicator matrix."""
import os

import numpy as np
import pytest
from sklearn.preprocessing import MultiLabelBinarizer

import trainops
from trainops.sklearn import TrainopsClassifier
from conftest import EXAMPLE, read_csv


@pytest.fixture(scope="module")
def multi_data():
    folder = os.path.join(EXAMPLE, "multi_label")
    train = read_csv(os.path.join(folder, "train.csv"))
    test = read_csv(os.path.join(folder, "test.csv"))

    def sets(rows):
        return [[x for x in r["intents"].split("|") if x] for r in rows]
    return [r["text"] for r in train], sets(train), [r["text"] for r in test], sets(test)


@pytest.fixture(scope="module")
def multi_model():
    folder = os.path.join(EXAMPLE, "multi_label")
    return trainops.train(data=os.path.join(folder, "train.csv"), text_column="text", label_column="intents",
                          multi_label=True, epochs=6, threads=1)


def test_model_predicts_label_sets(multi_model, multi_data):
    _, _, texts, gold = multi_data
    assert multi_model.multi_label
    answers = multi_model.predict(texts[:50])
    assert len(answers) == 50
    exact = 0
    for answer, expected in zip(answers, gold[:50]):
        labels = [label for label, _ in answer]
        assert labels == sorted(labels, key=multi_model.labels.index)  # the model's label order
        assert all(0 <= confidence <= 1 for _, confidence in answer)
        exact += set(labels) == set(expected)
    assert exact >= 40
    assert multi_model.predict("thanks!") == [] or all(isinstance(p, tuple) for p in multi_model.predict("thanks!"))
    probs = multi_model.predict_proba(texts[:10])
    assert probs.shape == (10, len(multi_model.labels))
    # Sigmoids: a message's probabilities need not sum to 1.
    assert not np.allclose(probs.sum(axis=1), 1.0)


def test_sklearn_estimator_takes_label_lists(multi_data):
    X, y, X_test, y_test = multi_data
    clf = TrainopsClassifier(epochs=6, threads=1).fit(X, y)
    assert clf.multi_label_
    assert list(clf.classes_) == sorted({label for s in y for label in s})
    predicted = clf.predict(X_test)
    assert predicted.shape == (len(X_test), len(clf.classes_))
    truth = MultiLabelBinarizer(classes=clf.classes_).fit_transform(y_test)
    assert (predicted == truth).all(axis=1).mean() > 0.8
    assert clf.predict_proba(X_test).shape == predicted.shape


def test_sklearn_estimator_takes_an_indicator_matrix(multi_data):
    X, y, X_test, _ = multi_data
    binarizer = MultiLabelBinarizer()
    Y = binarizer.fit_transform(y)
    clf = TrainopsClassifier(epochs=6, threads=1).fit(X, Y)
    assert list(clf.classes_) == list(range(Y.shape[1]))
    predicted = clf.predict(X_test[:20])
    assert predicted.shape == (20, Y.shape[1])
    assert set(np.unique(predicted)) <= {0, 1}
    with pytest.raises(ValueError, match="only 0 and 1"):
        TrainopsClassifier().fit(X[:5], np.full((5, 3), 2))


# scikit-learn's multi-label estimator checks (check_classifiers_multilabel_*) draw numeric
# features, which a text estimator cannot take; these are the same checks on texts.
@pytest.fixture(scope="module")
def indicator_fit(multi_data):
    X, y, X_test, _ = multi_data
    Y = MultiLabelBinarizer().fit_transform(y)
    return X, Y, X_test[:50], TrainopsClassifier(epochs=4, threads=1).fit(X, Y)


def test_multilabel_representation_invariance(indicator_fit):
    """check_classifiers_multilabel_representation_invariance: an indicator matrix as an
    array, as lists of 0/1 rows and as a sparse matrix fit the same classifier."""
    import scipy.sparse
    X, Y, X_test, fitted = indicator_fit
    expected = fitted.predict(X_test)
    for other in (Y.tolist(), scipy.sparse.csr_matrix(Y)):
        again = TrainopsClassifier(epochs=4, threads=1).fit(X, other)
        np.testing.assert_array_equal(again.predict(X_test), expected)
        assert list(again.classes_) == list(fitted.classes_)


def test_multilabel_output_format_predict(indicator_fit):
    """check_classifiers_multilabel_output_format_predict: (n_samples, n_outputs), y's dtype."""
    _, Y, X_test, fitted = indicator_fit
    predicted = fitted.predict(X_test)
    assert predicted.shape == (len(X_test), Y.shape[1])
    assert predicted.dtype.kind == Y.dtype.kind


def test_multilabel_output_format_predict_proba(indicator_fit):
    """check_classifiers_multilabel_output_format_predict_proba: one column per output, each
    a probability, thresholded consistently with predict."""
    _, Y, X_test, fitted = indicator_fit
    probs = fitted.predict_proba(X_test)
    assert probs.shape == (len(X_test), Y.shape[1])
    assert probs.dtype.kind == "f"
    assert (probs >= 0).all() and (probs <= 1).all()
    # predict is predict_proba against each label's own threshold (the model's info).
    thresholds = np.asarray(fitted.model_.info["label_thresholds"])
    columns = [fitted.model_.labels.index(str(c)) for c in fitted.classes_]
    np.testing.assert_array_equal(fitted.predict(X_test), (probs >= thresholds[columns]).astype(int))
