#!/usr/bin/python3
"""The serving benchmark's comparison: what a team would otherwise stand up.

FastAPI + uvicorn around a scikit-learn pipeline (TF-IDF word 1-2 and char_wb 2-4
n-grams, LinearSVC), answering the same JSON as `trainops serve`'s POST /v1/predict:
{"text": ...} -> {"label", "confidence", "rejected", "top_k", "model", "request_id"} and
{"texts": [...]} -> {"predictions": [...], "model"}. Confidence is a softmax over the SVM
scores (LinearSVC has no probabilities); the point is the serving cost, not calibration.

  train --train F.csv --out model.pkl      columns text and label (or category)
  serve --model model.pkl --port P [--workers 2]
          uvicorn on 127.0.0.1:P. The listening socket gets TCP_NODELAY first (Linux passes it
          on to accepted connections): uvicorn's h11 protocol writes headers and body
          separately, and without it every answer waits ~40 ms for a delayed ACK, which
          would make the comparison measure Nagle's algorithm instead of the server.

Needs Debian's python3-sklearn, python3-fastapi and python3-uvicorn (/usr/bin/python3).
"""

import argparse
import csv
import itertools
import os
import pickle
import sys
from typing import List, Optional

import numpy as np


def train(args):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion, Pipeline
    from sklearn.svm import LinearSVC

    texts, labels = [], []
    with open(args.train, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            texts.append(row["text"])
            labels.append(row.get("label") or row["category"])
    pipe = Pipeline([
        ("features", FeatureUnion([
            ("word", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True)),
            ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True)),
        ])),
        ("svm", LinearSVC(C=1.0)),
    ])
    pipe.fit(texts, labels)
    with open(args.out, "wb") as f:
        pickle.dump(pipe, f)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("--train", required=True)
    t.add_argument("--out", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--model", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if args.cmd == "train":
        train(args)
        sys.exit(0)
    import socket
    import uvicorn
    os.environ["SK_MODEL"] = os.path.abspath(args.model)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", args.port))
    sock.set_inheritable(True)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    uvicorn.run("serve_fastapi_app:app", fd=sock.fileno(), workers=args.workers, log_level="warning")
    sys.exit(0)

from fastapi import FastAPI, HTTPException  # noqa: E402
from pydantic import BaseModel  # noqa: E402

with open(os.environ["SK_MODEL"], "rb") as f:
    MODEL = pickle.load(f)
CLASSES = list(MODEL.classes_)
MODEL_ID = "sklearn-" + os.path.basename(os.environ["SK_MODEL"])
_ids = itertools.count(1)
app = FastAPI()


class PredictRequest(BaseModel):
    text: Optional[str] = None
    texts: Optional[List[str]] = None
    k: int = 3


def answer(scores, k):
    e = np.exp(scores - scores.max())
    p = e / e.sum()
    order = np.argsort(-p)[:k]
    return {
        "label": CLASSES[order[0]],
        "confidence": float(p[order[0]]),
        "rejected": False,
        "top_k": [{"label": CLASSES[i], "confidence": float(p[i])} for i in order],
        "request_id": f"{os.getpid()}-{next(_ids)}",
    }


@app.post("/v1/predict")
def predict(req: PredictRequest):
    texts = [req.text] if req.text is not None else req.texts
    if not texts or any(not t or not t.strip() for t in texts):
        raise HTTPException(status_code=400, detail="text is empty")
    scores = MODEL.decision_function(texts)
    answers = [answer(s, req.k) for s in np.atleast_2d(scores)]
    if req.text is not None:
        return dict(answers[0], model=MODEL_ID)
    return {"predictions": answers, "model": MODEL_ID}
