#!/usr/bin/python3
"""scikit-learn baselines for the benchmark: TF-IDF word + character n-grams, then a linear classifier.

The standard strong linear baseline for short-text intent classification:
  word n-grams 1-2   TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True)
  char n-grams 2-5   TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
  the two matrices side by side (FeatureUnion = hstack), then
  LogisticRegression(C=10, solver="lbfgs", max_iter=1000) -- multinomial softmax.
--classifier linear_svc swaps the last step for LinearSVC(C=1) (liblinear, one-vs-rest
squared hinge; scikit-learn's default C), the fast linear anchor of issue 28; its
confidences are a softmax of the decision values (LinearSVC has no probabilities).
C=10 is fixed, not tuned per dataset (weak regularization suits TF-IDF rows that are
L2-normalized per block). Both vectorizers lowercase (their default).
n_jobs=2 is passed as asked, but lbfgs fits the multinomial model in one process; the
parallel part is numpy/BLAS, capped by the caller with OMP_NUM_THREADS etc.

  train   --train F.csv --out model.pkl [--report R.json]
          reads columns text,label; R.json gets fit seconds (vectorize + fit, in-process),
          iterations and whether lbfgs converged.
  predict --model model.pkl --data F.csv --output OUT.csv [--report R.json]
          writes label,confidence (the top class and its probability) in input order.

Needs Debian's python3-sklearn: run with /usr/bin/python3.
"""

import argparse
import csv
import json
import os
import pickle
import sys
import time
import warnings

import numpy as np

SEED = 1


def read_csv(path, need_label):
    texts, labels = [], []
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            texts.append(row["text"])
            if need_label:
                labels.append(row["label"])
    return texts, labels


CLASSIFIERS = ("logreg", "linear_svc")


def build_pipeline(classifier):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline
    from sklearn.svm import LinearSVC

    features = FeatureUnion([
        ("word", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True)),
        ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)),
    ])
    if classifier == "linear_svc":
        model = LinearSVC(C=1.0, random_state=SEED)
    else:
        model = LogisticRegression(C=10.0, solver="lbfgs", max_iter=1000, n_jobs=2,
                                   random_state=SEED)
    return Pipeline([("features", features), ("model", model)])


def write_report(path, report):
    if path:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=2)
            f.write("\n")


def train(args):
    import sklearn
    from sklearn.exceptions import ConvergenceWarning

    texts, labels = read_csv(args.train, need_label=True)
    pipeline = build_pipeline(args.classifier)
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        pipeline.fit(texts, labels)
    fit_seconds = time.perf_counter() - start
    with open(args.out, "wb") as f:
        pickle.dump(pipeline, f, protocol=pickle.HIGHEST_PROTOCOL)
    model = pipeline.named_steps["model"]
    n_iter = int(max(np.atleast_1d(model.n_iter_)))
    report = {
        "sklearn_version": sklearn.__version__,
        "rows": len(texts),
        "features": int(model.coef_.shape[1]),
        "labels": int(model.coef_.shape[0]),
        "fit_seconds": fit_seconds,
        "n_iter": n_iter,
        "converged": n_iter < model.max_iter and not any(
            issubclass(w.category, ConvergenceWarning) for w in caught),
        "model_bytes": os.path.getsize(args.out),
        "params": "word(1,2)+char_wb(2,5) tf-idf sublinear, " + (
            "LinearSVC(C=1)" if args.classifier == "linear_svc"
            else "LogisticRegression(C=10, lbfgs, max_iter=1000)"),
    }
    write_report(args.report, report)
    print(json.dumps(report), file=sys.stderr)


def predict(args):
    load_start = time.perf_counter()
    with open(args.model, "rb") as f:
        pipeline = pickle.load(f)
    load_seconds = time.perf_counter() - load_start
    texts, _ = read_csv(args.data, need_label=False)
    start = time.perf_counter()
    if hasattr(pipeline, "predict_proba"):  # Pipeline exposes it only when its last step has it
        proba = pipeline.predict_proba(texts)
    else:
        scores = pipeline.decision_function(texts)
        scores = np.exp(scores - scores.max(axis=1, keepdims=True))
        proba = scores / scores.sum(axis=1, keepdims=True)
    predict_seconds = time.perf_counter() - start
    classes = pipeline.classes_
    best = proba.argmax(axis=1)
    with open(args.output, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["label", "confidence"])
        for row, k in enumerate(best):
            writer.writerow([classes[k], f"{proba[row, k]:.6f}"])
    report = {"rows": len(texts), "load_seconds": load_seconds,
              "predict_seconds": predict_seconds}
    write_report(args.report, report)
    print(json.dumps(report), file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("train")
    p.add_argument("--train", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--report")
    p.add_argument("--classifier", choices=CLASSIFIERS, default="logreg")
    p.set_defaults(func=train)
    p = sub.add_parser("predict")
    p.add_argument("--model", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--output", required=True)
    p.add_argument("--report")
    p.set_defaults(func=predict)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
