"""trainops.sklearn.TrainopsClassifier: a trainops model as a scikit-learn estimator.

    from trainops.sklearn import TrainopsClassifier
    clf = TrainopsClassifier(epochs=10).fit(texts, labels)
    clf.predict(["where is my order?"])
    cross_val_score(TrainopsClassifier(), texts, labels, cv=5)

X is a list (or 1-D array, or pandas Series) of str; y any hashable labels, or for a
multi-label task a list of label lists or a 0/1 indicator matrix (MultiLabelBinarizer's),
when predict answers an indicator matrix and predict_proba each label's probability. fit trains with
the same library and the same defaults as ``trainops train`` (a seeded validation split of
the data selects the checkpoint; the pre-train data check runs, and its errors are logged,
not fatal, unless ``allow_data_errors=False``). Hyper-parameters are the task spec's
training parameters; None leaves the library's default. The fitted model is ``model_`` (a
trainops.Model): pickling the estimator carries the model's bytes.

Thread-safety: a fitted estimator may be used for predict/predict_proba from many threads at
once; fit is not to be called concurrently on one estimator (scikit-learn's rule).
"""
import csv
import os
import shutil
import tempfile

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from . import InputError, Model, train


def _texts(X, what="X"):
    """X as a list of str, with scikit-learn's errors for the wrong shape or type."""
    if isinstance(X, str):
        raise ValueError(f"{what}: expected a list of texts, got a single str; pass [text]")
    if hasattr(X, "ndim") and getattr(X, "ndim", 1) != 1:
        if X.ndim == 2 and X.shape[1] == 1:
            X = X[:, 0] if isinstance(X, np.ndarray) else X.iloc[:, 0]
        else:
            raise ValueError(f"{what}: expected a 1-D list of texts, got an array of shape {X.shape}; "
                             "TrainopsClassifier reads raw text, not feature vectors")
    texts = list(X)
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise ValueError(f"{what}[{i}]: expected str (raw text), got {type(t).__name__}; "
                             "TrainopsClassifier reads raw text, not feature vectors")
    return texts


def _label_sets(y):
    """(sets, classes) when y is multi-label: an indicator matrix (n, labels) of 0/1, as
    MultiLabelBinarizer writes it (classes are the column numbers; also as a scipy sparse
    matrix, or as lists of 0/1 rows of one length, which scikit-learn reads as an indicator
    matrix too), or a list of label lists (classes sorted); None for single-label y."""
    if hasattr(y, "toarray"):  # a scipy sparse indicator matrix
        y = y.toarray()
    if isinstance(y, np.ndarray) and y.ndim == 2:
        if y.shape[1] == 1:
            return None  # a column vector of single labels
        if not np.isin(y, (0, 1)).all():
            raise ValueError("y: a 2-D y is read as a label indicator matrix and must hold only 0 and 1")
        return [[j for j in np.nonzero(row)[0]] for row in y], list(range(y.shape[1]))
    if (isinstance(y, (list, tuple)) and y and all(isinstance(v, (list, tuple)) for v in y)
            and len({len(v) for v in y}) == 1 and len(y[0]) > 1
            and all(type(x) in (int, bool, np.int64, np.int32) and x in (0, 1) for v in y for x in v)):
        # Rows of 0/1 of one length are an indicator matrix written as lists, as scikit-learn's
        # type_of_target reads them ("multilabel-indicator"): Y.tolist() fits like Y.
        return _label_sets(np.asarray(y))
    if isinstance(y, (list, tuple)) and y and all(isinstance(v, (list, tuple, set, frozenset)) for v in y):
        sets = [sorted(set(v), key=str) for v in y]
        return sets, sorted({label for v in sets for label in v}, key=str)
    return None


class TrainopsClassifier(ClassifierMixin, BaseEstimator):
    """A text classifier trained by trainops (TF-IDF n-gram softmax, or fastText-style
    embeddings with ``model="embedding"``), with calibrated probabilities.

    Parameters mirror the task spec (docs/task_spec.md); None = the library's default:
    model ("linear" or "embedding"), word_ngrams, char_ngram_min, char_ngram_max, min_count,
    buckets, dim, epochs, learning_rate, l2, validation_split, patience, every_updates,
    metric (selects the checkpoint), seed, threads (None = all cores; 1 is bit-for-bit
    reproducible), oos_label (enables out-of-scope rejection in predict),
    allow_data_errors (True: the pre-train data check's errors are logged, not raised).
    """

    def __init__(self, model="linear", word_ngrams=None, char_ngram_min=None, char_ngram_max=None, min_count=None,
                 buckets=None, dim=None, epochs=None, learning_rate=None, l2=None, validation_split=None,
                 patience=None, every_updates=None, metric=None, seed=42, threads=None, oos_label=None,
                 allow_data_errors=True):
        self.model = model
        self.word_ngrams = word_ngrams
        self.char_ngram_min = char_ngram_min
        self.char_ngram_max = char_ngram_max
        self.min_count = min_count
        self.buckets = buckets
        self.dim = dim
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.l2 = l2
        self.validation_split = validation_split
        self.patience = patience
        self.every_updates = every_updates
        self.metric = metric
        self.seed = seed
        self.threads = threads
        self.oos_label = oos_label
        self.allow_data_errors = allow_data_errors

    def fit(self, X, y):
        texts = _texts(X)
        sets = _label_sets(y)
        if sets is not None:
            return self._fit_multi_label(texts, *sets)
        self.multi_label_ = False
        labels = list(y.ravel() if isinstance(y, np.ndarray) else y)
        if len(labels) != len(texts):
            raise ValueError(f"X has {len(texts)} texts but y has {len(labels)} labels; they must match")
        if not texts:
            raise ValueError("fit needs at least one text; X is empty")
        for i, t in enumerate(texts):
            if not t.strip():
                raise ValueError(f"X[{i}]: the text is empty; remove the row or fill it in")
        self.classes_ = np.unique(np.asarray(labels, dtype=object) if any(isinstance(v, str) for v in labels)
                                  else np.asarray(labels))
        if len(self.classes_) < 2:
            raise ValueError(f"fit needs at least 2 classes; y has {len(self.classes_)}: {list(self.classes_)}")
        # The library reads labels as text: each class must stay itself as text.
        names = [str(c) for c in self.classes_]
        if len(set(names)) != len(names):
            raise ValueError(f"y has classes that are the same as text ({names}); use distinct labels")
        params = {k: v for k, v in self.get_params().items() if k not in ("allow_data_errors",)}
        return self._train(texts, [str(label) for label in labels], names, params)

    def _fit_multi_label(self, texts, sets, classes):
        """Multi-label y: each text's label set (task.multi_label); predict answers an
        indicator matrix (n, len(classes_)), as scikit-learn's multi-label estimators do."""
        if len(sets) != len(texts):
            raise ValueError(f"X has {len(texts)} texts but y has {len(sets)} label sets; they must match")
        if not texts:
            raise ValueError("fit needs at least one text; X is empty")
        names = [str(c) for c in classes]
        for name in names:
            if "|" in name:
                raise ValueError(f"label {name!r} contains '|', which joins a set's labels; rename it")
        self.multi_label_ = True
        self.classes_ = np.asarray(classes)
        params = {k: v for k, v in self.get_params().items() if k not in ("allow_data_errors", "oos_label")}
        cells = ["|".join(str(label) for label in labels) for labels in sets]
        return self._train(texts, cells, names, dict(params, multi_label=True))

    def _train(self, texts, cells, names, params):
        """Trains on (text, label cell) rows written to a temporary CSV; `names` are the
        classes as text, in classes_ order."""
        work = tempfile.mkdtemp(prefix="trainops-fit-")
        try:
            data = os.path.join(work, "train.csv")
            with open(data, "w", newline="", encoding="utf-8") as f:
                writer = csv.writer(f)
                writer.writerow(["text", "label"])
                writer.writerows(zip(texts, cells))
            self.model_ = train(data=data, text_column="text", label_column="label", out=os.path.join(work, "run"),
                                record=False, allow_data_errors=self.allow_data_errors, **params)
        except InputError as e:
            # The library names its temporary file; say which argument it was.
            raise InputError(f"fit(X, y): {e}".replace(data, "the training data (X, y)")) from None
        finally:
            shutil.rmtree(work, ignore_errors=True)
        self.model_.path = None
        model_labels = self.model_.labels
        self._columns = np.array([model_labels.index(n) if n in model_labels else -1 for n in names])
        return self

    def predict(self, X):
        check_is_fitted(self, "model_")
        if getattr(self, "multi_label_", False):
            answers = self.model_.predict(_texts(X), threads=self._threads())
            index = {str(c): i for i, c in enumerate(self.classes_)}
            out = np.zeros((len(answers), len(self.classes_)), dtype=int)
            for i, answer in enumerate(answers):
                for label, _ in answer:
                    out[i, index[label]] = 1
            return out
        answers = self.model_.predict(_texts(X), k=1, threads=self._threads())
        index = {str(c): i for i, c in enumerate(self.classes_)}
        try:
            return self.classes_[[index[a[0][0]] for a in answers]]
        except KeyError as e:  # only a rejection label that y never had
            raise InputError(f"the model answered {e.args[0]!r}, which is not one of classes_; give oos_label "
                             "one of the labels in y") from None

    def predict_proba(self, X):
        check_is_fitted(self, "model_")
        texts = _texts(X)
        probs = self.model_.predict_proba(texts, threads=self._threads())
        out = np.zeros((len(texts), len(self.classes_)))
        present = self._columns >= 0
        out[:, present] = probs[:, self._columns[present]]
        return out

    def predict_log_proba(self, X):
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def _threads(self):
        return 0 if self.threads is None else int(self.threads)

    def _more_tags(self):
        return {"X_types": ["string"], "requires_y": True}
