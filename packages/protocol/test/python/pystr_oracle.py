"""Oracle for the Python str() renderer: reads JSON lines {"type": T, "value": V}, builds the
Python value of type T from V, and writes one JSON line with str() of it.

T is "int" | "float" | "str" | "bool" | "none" | ["list", T] | ["dict", T] | ["opt", T].
Floats arrive as strings (JSON numbers lose -0.0 and the int/float distinction)."""
import json
import sys


def build(t, v):
    if v is None:
        return None
    if t == "int":
        return int(v)
    if t == "float":
        return float(v)
    if t in ("str", "bool"):
        return v
    kind, inner = t
    if kind == "opt":
        return build(inner, v)
    if kind == "list":
        return [build(inner, x) for x in v]
    if kind == "dict":
        return {k: build(inner, x) for k, x in v}
    raise ValueError(f"unknown type {t!r}")


for line in sys.stdin:
    case = json.loads(line)
    sys.stdout.write(json.dumps(str(build(case["type"], case["value"]))) + "\n")
