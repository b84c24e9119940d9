"""trainops for Python: train, predict, evaluate, gate and release text classifiers.

The same library the ``trainops`` command line runs (C++, through the extension module
``trainops._trainops``): a model trained here is the model ``trainops train`` makes with the
same settings, and ``Model.predict`` gives the answers ``trainops predict`` gives.

    import trainops
    model = trainops.train(data="train.csv", text_column="text", label_column="intent",
                           out="runs/r1", epochs=10)
    model.predict(["where is my order?"])          # [[("order_status", 0.97)]]
    model.evaluate(data="test.csv")["macro_f1"]

Training parameters are keyword arguments named as in the task spec (``epochs``,
``learning_rate``, ``word_ngrams``, ``model="embedding"``, ...; ``trainops.parameters()``
lists them). Messages and progress go to the ``logging`` logger ``"trainops"``. Errors are
``trainops.Error`` subclasses; bad input raises ``trainops.InputError``, a ``ValueError``.
The scikit-learn estimator is ``trainops.sklearn.TrainopsClassifier``. docs/python.md.

Thread-safety: a Model is immutable; any number of threads may call predict,
predict_proba and evaluate on it at once (the GIL is released while the C++ code runs).
"""
import logging
import os
import shutil
import tempfile

from . import _trainops
from ._trainops import CheckFailedError, CorruptFileError, Error, InputError, InternalError

__version__ = "0.1.0"
__all__ = [
    "Model", "train", "resume", "load_model", "check_data", "gate", "release", "promote", "rollback",
    "monitor", "cycle", "select", "parameters", "Error", "InputError", "CorruptFileError", "CheckFailedError", "InternalError",
]

logger = logging.getLogger("trainops")
_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING}


def _log(level, text):
    logger.log(_LEVELS.get(level, logging.INFO), text)


def _text(value):
    """A Python value as the text a user would write in the YAML (the library parses it)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


_PARAMETERS = _trainops.parameters()


def _build_aliases():
    # Each parameter answers to its spec key ("training.epochs"), its last part ("epochs"),
    # the key with underscores ("training_epochs"), its run.json key ("learning_rate") and
    # its flag ("lr", "word_ngrams"); a name two parameters share is not an alias.
    names = {}
    for p in _PARAMETERS:
        spellings = {p["name"], p["name"].rsplit(".", 1)[-1], p["name"].replace(".", "_")}
        if p["json_key"]:
            spellings.add(p["json_key"])
        if p["flag"]:
            spellings.add(p["flag"].lstrip("-").replace("-", "_"))
        for s in spellings:
            names.setdefault(s, set()).add(p["name"])
    return {s: next(iter(v)) for s, v in names.items() if len(v) == 1}


_ALIASES = _build_aliases()


def parameters():
    """The training parameters: a list of dicts with name, flag, json_key and help."""
    return _trainops.parameters()


def _parameter_map(params):
    out = {}
    for key, value in params.items():
        if value is None:
            continue  # not given: the spec's value, else the default
        name = _ALIASES.get(key)
        if name is None:
            raise TypeError(f"train() got an unknown parameter {key!r}; training parameters are "
                            f"{', '.join(sorted(_SHORT_NAMES))} (trainops.parameters() lists them)")
        if name in out:
            raise TypeError(f"train(): parameter {name} given twice (as {key!r} and another spelling)")
        out[name] = _text(value)
    return out


_SHORT_NAMES = sorted({p["name"].rsplit(".", 1)[-1] for p in _PARAMETERS})


class Model:
    """A trained model: what ``trainops train`` writes to ``model.bin``, loaded.

    Immutable and thread-safe. It keeps the model file's bytes, so it pickles (the bytes
    travel) and saves without the original file. ``path`` is the file it came from (None
    for a model trained without ``out`` or made from bytes; a pickle keeps it, and
    ``evaluate`` uses that file only while it still holds these bytes); ``run`` is the run record
    (run.json) when it came from ``train``.
    """

    def __init__(self, data, path=None, run=None, check_data=None, training=None):
        self._bytes = bytes(data)
        self.path = path
        self._classifier = _trainops.Classifier.from_bytes(self._bytes, path or "<model in memory>")
        self.run = run
        self.check_data = check_data
        # The registry record of the training run (registry, run_id, model_id, model_status)
        # when it was recorded; None otherwise.
        self.training = training

    # -- what the model is ------------------------------------------------------------
    @property
    def labels(self):
        """The classes the model predicts, in the model's order (predict_proba's columns)."""
        return list(self._classifier.labels)

    @property
    def id(self):
        """The model's id: XXH3-128 of the file's bytes, as the registry knows it."""
        return self._classifier.id

    @property
    def task(self):
        return self._classifier.task

    @property
    def oos_label(self):
        """The out-of-scope label rejected texts get ("" = none)."""
        return self._classifier.oos_label

    @property
    def threshold(self):
        """The stored rejection threshold (0 = rejection off)."""
        return self._classifier.threshold

    @property
    def info(self):
        """Settings and provenance stored with the weights (docs/model_format.md)."""
        return self._classifier.info

    def to_bytes(self):
        """The model file's bytes."""
        return self._bytes

    # -- inference ---------------------------------------------------------------------
    @property
    def multi_label(self):
        """True for a multi-label model (task.multi_label): predict answers label sets."""
        return self._classifier.multi_label

    def predict(self, texts, k=1, threshold=None, threads=0):
        """Labels for texts, with out-of-scope rejection applied as ``trainops predict`` does.

        A multi-label model answers each text with its label set instead: the list of
        ``(label, confidence)`` pairs whose calibrated probability reaches the label's
        threshold (``threshold``: one threshold for every label), in ``labels`` order, ``[]``
        for a text with none of the intents; ``k`` is then ignored (``predict_proba`` has
        every label's probability).

        ``texts`` is a list of str (or one str). For each text, a list of ``k``
        ``(label, confidence)`` pairs, best first; the first is the answer (the out-of-scope
        label for a rejected text, with the confidence of the class it refused). For one str,
        that list alone. ``threshold``: None = the model's, 0 = never reject. ``threads``:
        0 = all cores (one thread below a few hundred texts).
        """
        single = isinstance(texts, str)
        answers = self._classifier.predict([texts] if single else texts, k, -1.0 if threshold is None else threshold,
                                           threads)
        return answers[0] if single else answers

    def predict_proba(self, texts, threads=0):
        """A numpy array (n texts, n labels) of calibrated probabilities, columns in
        ``labels`` order. Rejection does not change them."""
        return self._classifier.predict_proba([texts] if isinstance(texts, str) else texts, threads)

    def evaluate(self, data, text_column=None, label_column=None, task=None, *, format=None, on_bad_row=None,
                 oos_label=None, segments=None, resamples=None, seed=None, threshold=None, threads=0):
        """Evaluates on a labelled file: the dict ``trainops eval --json`` writes (accuracy,
        macro_f1, weighted_f1, per_label, confusion, segments, calibration, oos, failures).
        Columns default to the ones the model was trained on; ``task`` applies a spec's
        evaluation section, segment columns and out-of-scope label."""
        with self._as_file() as model_path:
            result = _trainops.evaluate(
                model=model_path, data=os.fspath(data), task=_path(task), text_column=text_column or "",
                label_column=label_column or "", format=format or "", on_bad_row=on_bad_row or "",
                oos_label=oos_label or "", segments=list(segments or []), resamples=resamples, seed=seed,
                threshold=threshold, threads=threads)
        report = result["report"]
        report["model"] = self.path if self.path else "<model in memory>"
        for warning in result["warnings"]:
            logger.warning(warning)
        return report

    # -- persistence -------------------------------------------------------------------
    def save(self, path, overwrite=False):
        """Writes the model file (atomically: a temp file, fsync, rename). An existing file
        with other content is refused unless ``overwrite=True``."""
        path = os.fspath(path)
        if os.path.isdir(path):
            raise InputError(f"{path}: is a folder; give the model file's name, e.g. {os.path.join(path, 'model.bin')}")
        if os.path.exists(path):
            if self._is_in(path):
                return path
            if not overwrite:
                raise FileExistsError(f"{path}: exists and holds something else; pass overwrite=True to replace it")
        folder = os.path.dirname(os.path.abspath(path))
        fd, tmp = tempfile.mkstemp(prefix=".tmp-" + os.path.basename(path) + "-", dir=folder)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(self._bytes)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        return path

    def _as_file(self):
        return _ModelFile(self)

    def _is_in(self, path):
        """Whether the file at `path` holds exactly this model's bytes."""
        with open(path, "rb") as f:
            return f.read() == self._bytes

    def __reduce__(self):
        return (_model_from_bytes, (self._bytes, self.path))

    def __repr__(self):
        return (f"<trainops.Model {self.id[:12]} task={self.task!r} labels={len(self.labels)}"
                f"{' path=' + repr(self.path) if self.path else ''}>")


class _ModelFile:
    """The model as a file for the workflows that read one: its own file while that still
    holds these bytes, else a temporary copy."""

    def __init__(self, model):
        self._model = model
        self._tmp = None

    def __enter__(self):
        path = self._model.path
        if path and os.path.isfile(path) and self._model._is_in(path):
            return path
        self._tmp = tempfile.mkdtemp(prefix="trainops-model-")
        return self._model.save(os.path.join(self._tmp, "model.bin"))

    def __exit__(self, *exc):
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)


def _model_from_bytes(data, path=None):
    return Model(data, path=path)


def _path(value):
    return "" if value is None else os.fspath(value)


def load_model(path):
    """Loads a model file written by ``trainops train`` (or ``Model.save``). A missing file
    raises InputError, a damaged or foreign one CorruptFileError (both ValueErrors)."""
    path = os.fspath(path)
    return Model(_trainops.read_file(path), path=path)


def _model_from_result(result, temporary):
    training = None
    if result["run_id"]:
        training = {k: result[k] for k in ("registry", "run_id", "model_id", "model_status")}
    path = None if temporary else result["model_path"]
    return Model(_trainops.read_file(result["model_path"]), path=path, run=result["run"],
                 check_data=result["check_data"], training=training)


def train(data=None, text_column=None, label_column=None, validation=None, out=None, *, task=None,
          segment_columns=None, format=None, on_bad_row=None, allow_data_errors=False, registry=None,
          record=None, **params):
    """Trains a model as ``trainops train`` does: the pre-train data check, monitored
    checkpoints, the run record, and (with ``out``) the run in the registry.

    Give ``task=SPEC`` (a task spec), or ``data`` with ``text_column`` and ``label_column``
    (``validation``: a file; default a seeded split of ``data``). Keyword parameters override
    the spec (``epochs=10``, ``learning_rate=0.2``, ``model="embedding"``, ``threads=1``;
    ``trainops.parameters()`` lists them). ``out`` is the run folder; without it the run goes
    to a temporary folder that is removed afterwards (the Model keeps the bytes) and nothing
    is recorded in a registry. ``record``: record the run in the registry (default: when
    ``out`` is given). Data errors found by the check stop training with InputError unless
    ``allow_data_errors``. Ctrl-C stops training with KeyboardInterrupt and keeps the run
    folder for ``trainops.resume``.
    """
    parameters = _parameter_map(params)
    temporary = out is None
    run_dir = tempfile.mkdtemp(prefix="trainops-run-") if temporary else os.fspath(out)
    if temporary:
        run_dir = os.path.join(run_dir, "run")
    try:
        result = _trainops.train(
            task=_path(task), data=_path(data), validation=_path(validation), text_column=text_column or "",
            label_column=label_column or "", segment_columns=list(segment_columns or []), format=format or "",
            on_bad_row=on_bad_row or "", parameters=parameters, out=run_dir, allow_data_errors=allow_data_errors,
            registry=_path(registry), record_in_registry=(not temporary) if record is None else bool(record),
            log=_log)
        return _model_from_result(result, temporary)
    finally:
        if temporary:
            shutil.rmtree(os.path.dirname(run_dir), ignore_errors=True)


def resume(run_dir, threads=None, registry=None, record=True):
    """Continues an interrupted run (``out`` of ``train``, or ``trainops train --out``)
    from its last intact checkpoint; returns the Model."""
    result = _trainops.resume(run_dir=os.fspath(run_dir), threads=threads, registry=_path(registry),
                              record_in_registry=record, log=_log)
    return _model_from_result(result, temporary=False)


def check_data(task=None, data=None, text_column=None, label_column=None, validation=None, test=None, **options):
    """Runs ``trainops check-data``: returns its JSON report as a dict (``summary``,
    ``findings``, ...) with ``has_errors``. Options are the command's flags with
    underscores: format, on_bad_row, time_column, segment_columns, labels, now, max_age,
    min_examples_per_label, label_error_folds, min_segment_examples, max_rows, threads,
    near_duplicate_threshold, max_imbalance_ratio, seed, write_clean, drop_conflicts."""
    known = {"format", "on_bad_row", "time_column", "segment_columns", "labels", "now", "max_age",
             "min_examples_per_label", "label_error_folds", "min_segment_examples", "max_rows", "threads",
             "near_duplicate_threshold", "max_imbalance_ratio", "seed", "write_clean", "drop_conflicts"}
    unknown = sorted(set(options) - known)
    if unknown:
        raise TypeError(f"check_data() got unknown options {unknown}; known: {sorted(known)}")
    given = {"task": task, "data": data, "text_column": text_column, "label_column": label_column,
             "validation": validation, "test": test, **options}
    for key in ("task", "data", "validation", "test", "write_clean"):
        if given.get(key) is not None:
            given[key] = os.fspath(given[key])
    result = _trainops.check_data({k: v for k, v in given.items() if v is not None}, log=_log)
    report = result["report"]
    report["has_errors"] = result["has_errors"]
    return report


def gate(task, candidate, baseline=None, registry=None, threads=0):
    """Runs the spec's release gates on its test data: a dict with passed, report (every
    gate with value, threshold and status), verdict, junit, report_id, ... (docs/gates.md).
    ``candidate``: a model file, a registered model id, or a Model."""
    with _candidate(candidate) as c:
        return _trainops.gate(task=os.fspath(task), candidate=c, baseline=baseline or "", registry=_path(registry),
                              threads=threads)


def release(task, candidate, registry=None, threads=0, reason=None):
    """Gates the candidate against production and promotes it when every gate passes: a
    dict with gate, promotion (None unless promoted) and refused (why not, when the policy
    refused although the gates passed)."""
    with _candidate(candidate) as c:
        return _trainops.release(task=os.fspath(task), candidate=c, registry=_path(registry), threads=threads,
                                 reason=reason or "")


def promote(model, reason=None, force=False, task=None, task_name=None, registry=None, new_policy=False):
    """Makes a registered model production (needs a passing gate report against production,
    made under gate settings no weaker than the task's registered gate policy, or force with
    a reason; new_policy with a reason registers weaker settings knowingly). Raises
    CheckFailedError when the policy refuses."""
    with _candidate(model) as m:
        return _trainops.promote(model=m, reason=reason or "", force=force, task=_path(task),
                                 task_name=task_name or "", registry=_path(registry), new_policy=new_policy)


def rollback(task=None, reason=None, task_name=None, registry=None):
    """Makes the previous production model production again."""
    return _trainops.rollback(task=_path(task), task_name=task_name or "", registry=_path(registry),
                              reason=reason or "")


def monitor(task, traffic=None, since=None, until=None, model=None, registry=None, record=True, format=None):
    """Runs ``trainops monitor`` on a traffic window: the report dict (alerts, signals,
    estimated_accuracy, feedback_accuracy, ...; docs/monitoring.md)."""
    result = _trainops.monitor(task=os.fspath(task), traffic=_path(traffic), format=format or "", since=since or "",
                               until=until or "", model=_path(model), registry=_path(registry), record=record)
    return result["report"]


def cycle(task, traffic=None, since=None, until=None, registry=None, work_dir=None, threads=None, format=None):
    """Runs ``trainops cycle``, the weekly job: monitors the window, records its feedback,
    and when the spec's drift policy triggers, retrains, gates and promotes. Returns the
    report dict (alerts, triggered, retrained, candidate, gate, promoted, production, ...;
    docs/monitoring.md)."""
    return _trainops.cycle(task=os.fspath(task), traffic=_path(traffic), format=format or "", since=since or "",
                           until=until or "", registry=_path(registry), work_dir=_path(work_dir), threads=threads,
                           log=_log)


def select(task, traffic=None, budget=None, since=None, until=None, model=None, registry=None, random_share=None,
           seed=None, text_column=None, format=None, output=None):
    """Runs ``trainops select``: which ``budget`` messages of a window to label first
    (uncertain, drifted, rejected; diverse; plus a uniform random share). Returns a dict
    with ``picks`` (one dict per pick, in labelling order: the row's columns plus score,
    reason, line), model_id, window_rows, ...; with ``output`` the CSV is written too."""
    if budget is None:
        raise TypeError("select() needs budget=N (how many messages to pick)")
    return _trainops.select(task=os.fspath(task), traffic=_path(traffic), budget=int(budget), since=since or "",
                            until=until or "", model=_path(model), registry=_path(registry), random_share=random_share,
                            seed=seed, text_column=text_column or "", format=format or "", output=_path(output),
                            log=_log)


class _candidate:
    """A model argument as the library takes it: a path or id as given, a Model as its
    file."""

    def __init__(self, value):
        self._value = value
        self._file = None

    def __enter__(self):
        if isinstance(self._value, Model):
            self._file = self._value._as_file()
            return self._file.__enter__()
        return os.fspath(self._value) if isinstance(self._value, os.PathLike) else str(self._value)

    def __exit__(self, *exc):
        if self._file:
            self._file.__exit__(*exc)
