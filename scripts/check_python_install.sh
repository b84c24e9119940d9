#!/usr/bin/env bash
# The README's Python install, checked: a venv from Debian's interpreter with the system's
# python3-* packages, `pip install --no-build-isolation --no-index .` from this checkout
# (offline: no PyPI), then the installed package imported and used from outside the
# checkout. Usage: scripts/check_python_install.sh WORK_DIR (the venv goes there).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:?usage: check_python_install.sh WORK_DIR}
rm -rf "$work"
mkdir -p "$work"
/usr/bin/python3 -m venv --system-site-packages "$work/venv"
(cd "$root" && "$work/venv/bin/pip" install --no-build-isolation --no-index --quiet .)
cd "$work"  # not the checkout: the import must find the installed package
"$work/venv/bin/python" - "$root" <<'PY'
import os, sys, tempfile
import trainops
root = sys.argv[1]
assert not trainops.__file__.startswith(os.path.join(root, "python")), trainops.__file__
out = tempfile.mkdtemp()
model = trainops.train(data=os.path.join(root, "examples/awesomeshoes/train.csv"), text_column="text",
                       label_column="intent", epochs=3, threads=1, out=os.path.join(out, "run"))
answer = model.predict("where is my parcel? it has not arrived")
assert answer[0][0] in model.labels, answer
from trainops.sklearn import TrainopsClassifier
print("installed", trainops.__file__, "version", trainops.__version__, "answer", answer)
PY
