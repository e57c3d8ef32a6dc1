"""Python values as YAML text for the scenario loader: dicts as block YAML (one key a line, so
an error's line points at the key), override values as flow scalars. Only what a scenario holds:
dicts with string keys, lists, str, int, float, bool and None; anything else is a TypeError."""
from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from os import PathLike, fspath


def scalar(value: object) -> str:
    """One value as YAML flow text: ``1.5``, ``.nan``, ``true``, ``"text"``, ``[1, 2]``, ``{a: 1}``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    if isinstance(value, (str, PathLike)):
        return json.dumps(fspath(value), ensure_ascii=False)  # a JSON string is a YAML double-quoted one
    if isinstance(value, (bytes, bytearray)):
        raise TypeError(f"cannot write bytes into a scenario (decode them to str): {value!r}")
    if hasattr(value, "tolist") and callable(value.tolist):  # numpy scalars and arrays
        return scalar(value.tolist())
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_key(k)}: {scalar(v)}" for k, v in value.items()) + "}"
    if isinstance(value, Sequence):
        return "[" + ", ".join(scalar(v) for v in value) + "]"
    raise TypeError(f"cannot write a {type(value).__name__} into a scenario: {value!r}")


def _key(key: object) -> str:
    if not isinstance(key, str):
        raise TypeError(f"scenario keys are strings, got {key!r}")
    return json.dumps(key, ensure_ascii=False)


def block(value: Mapping, indent: int = 0) -> str:
    """A dict as block YAML text."""
    lines: list[str] = []
    _block(value, indent, lines)
    return "\n".join(lines) + "\n"


def _block(value: object, indent: int, lines: list[str]) -> None:
    pad = " " * indent
    if isinstance(value, Mapping):
        for k, v in value.items():
            if _nested(v):
                lines.append(f"{pad}{_key(k)}:")
                _block(v, indent + 2, lines)
            else:
                lines.append(f"{pad}{_key(k)}: {scalar(v)}")
    else:  # a list of dicts or lists
        for v in value:
            if isinstance(v, Mapping) and v:
                sub: list[str] = []
                _block(v, indent + 2, sub)
                sub[0] = f"{pad}- " + sub[0][indent + 2:]
                lines.extend(sub)
            elif _nested(v):
                lines.append(f"{pad}-")
                _block(v, indent + 2, lines)
            else:
                lines.append(f"{pad}- {scalar(v)}")


def _nested(v: object) -> bool:
    """Written as a block: a non-empty dict, or a non-empty list holding a dict or a list."""
    if isinstance(v, Mapping):
        return bool(v)
    if isinstance(v, (str, bytes)) or not isinstance(v, Sequence):
        return False
    return bool(v) and any(isinstance(x, (Mapping, list, tuple)) for x in v)


# YAML 1.2's core schema for plain scalars (what yaml-cpp and the scenario loader accept).
_NULL = re.compile(r"~|null|Null|NULL|")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"[-+]?[0-9]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_SPECIAL = {".inf": math.inf, ".Inf": math.inf, ".INF": math.inf, "+.inf": math.inf, "-.inf": -math.inf,
            "-.Inf": -math.inf, "-.INF": -math.inf, ".nan": math.nan, ".NaN": math.nan, ".NAN": math.nan}


TEXT_KINDS = {"string", "timestamp", "string list"}


def resolve(tree: object, kinds: dict[str, str] | None = None, path: str = "") -> object:
    """Nested dicts and lists whose scalars are (text, quoted) pairs, as Python values: a
    quoted scalar, and any scalar of a key whose kind is text (`kinds`: key path as in
    docs/scenario-reference.md -> kind; a site named 007 stays '007'), is a str; a plain one
    null, a bool, an int, a float or else a str, as YAML reads it."""
    kinds = kinds or {}
    kind = kinds.get(path)
    if isinstance(tree, dict):
        def child(key: str) -> str:
            if kind in ("named sections",):
                return f"{path}.<name>"
            return key if not path else f"{path}.{key}"
        return {k: resolve(v, kinds, child(k)) for k, v in tree.items()}
    if isinstance(tree, list):
        return [resolve(v, kinds, path if kind in TEXT_KINDS or kind in ("number list", "integer list")
                        else f"{path}[]") for v in tree]
    if tree is None:
        return None
    text, quoted = tree
    if quoted or kind in TEXT_KINDS:
        return text
    if _NULL.fullmatch(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT.fullmatch(text):
        return int(text)
    if text in _SPECIAL:
        return _SPECIAL[text]
    if _FLOAT.fullmatch(text):
        return float(text)
    return text
