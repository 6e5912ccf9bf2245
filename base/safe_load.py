"""Reading the small JSON and TOML files a user hands to DVW: bounded, strict, one clear error line.

Every JSON or TOML file that comes from outside the program (a design envelope, a parameters file, a patient
file, ...) is read through this module, so that bad input is refused with :class:`DataFileError` (bad input:
exit 2 on the command line) naming the file, and the line when it is known, instead of exhausting memory or the
stack or escaping as an internal error:

- **size**: at most ``max_bytes`` are read. A larger regular file is refused from its size before reading; a pipe
  or device as soon as the limit is passed.
- **text**: strict UTF-8. One leading UTF-8 byte-order mark is dropped (Windows editors write it); UTF-16 and
  UTF-32 text are refused, and so are lone surrogates (a JSON escape of U+D800 to U+DFFF alone), which no UTF-8
  file can hold.
- **nesting**: at most ``max_depth`` levels of arrays and objects (tables), the document itself counting as one.
  The brackets are counted on the text before parsing, because both standard-library parsers recurse once per
  level and would hit the interpreter's recursion limit; the parsed document is checked again, because TOML's
  dotted keys and table headers nest without brackets.
- **numbers**: whole numbers must fit in 64 bits (TOML's own rule, applied to JSON as well; it also keeps away
  from Python's 4,300-digit limit on converting text to an integer); other numbers must be finite doubles:
  ``nan``, ``inf``, JSON ``NaN`` and ``Infinity``, and numbers that overflow a double (``1e999``) or underflow it
  to zero (``1e-999``) are refused.
- **keys**: a JSON object must not repeat a key (the standard library would silently keep the last). TOML
  refuses repeated keys itself.

This module is in :mod:`base`, below every package, so that every package may use it.
"""

from __future__ import annotations

import json
import math
import os
import re
import tomllib
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn

from base.errors import DvwError

#: Default nesting limit: far above any DVW file (at most 5 levels), far below Python's recursion limit (1000).
DEFAULT_MAX_DEPTH = 64
#: The range of a whole number: a signed 64-bit integer.
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_INT64_DIGITS = len(str(INT64_MAX))  # 19
_SHORT_TOKEN = 24

# Lexemes for counting brackets outside strings (and TOML comments). Every string alternative matches to the end
# of the text when the string is not closed, so a scan never fails and is linear in the text's length.
_JSON_LEXEME = re.compile(r'"(?:[^"\\]++|\\.)*+(?:"|\\?\Z)|[\[\]{}]', re.DOTALL)
_TOML_STRINGS = (
    r'"""(?:[^"\\]++|\\.|"(?!""))*+(?:"""|\\?\Z)'  # multi-line basic string
    r"|'''(?:[^']++|'(?!''))*+(?:'''|\Z)"  # multi-line literal string
    r'|"(?:[^"\\\n]++|\\.)*+(?:"|\\?(?=\n)|\\?\Z)'  # basic string
    r"|'[^'\n]*+(?:'|(?=\n)|\Z)"  # literal string
    r"|#[^\n]*+"  # comment
)
# TOML lexemes for nesting: strings and comments, brackets, dots, words (bare keys, numbers, dates) and the rest.
_TOML_LEXEME = re.compile(_TOML_STRINGS + r"""|[\[\]{}]|\.|[^\s.\[\]{}"'#=,]++|[=,]""", re.DOTALL)
# Lexemes for finding a refused token (a number, a constant) outside strings, to name its line.
_JSON_TOKEN = re.compile(r'"(?:[^"\\]++|\\.)*+(?:"|\\?\Z)|[-+0-9A-Za-z.]++', re.DOTALL)
_TOML_TOKEN = re.compile(_TOML_STRINGS + r"|[-+0-9A-Za-z_.:]++", re.DOTALL)
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)")
_TOML_AT_END = re.compile(r"\s*\(at end of document\)")
_INT_BASES = {"0x": (16, "0123456789abcdef"), "0o": (8, "01234567"), "0b": (2, "01")}


class DataFileError(DvwError):
    """A JSON or TOML file cannot be read, is too large, is not UTF-8, or is not valid, safe JSON or TOML.

    Attributes
    ----------
    line
        The 1-based line at fault, when known (None otherwise).
    """

    code = "bad_data_file"

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        super().__init__(message, path=path)
        self.line = line


class _Refused(Exception):  # noqa: N818 - internal signal from a parser hook, never seen outside this module
    """Raised inside a parser's hook, which knows the offending token but not where it is."""

    def __init__(self, message: str, token: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.token = token


def _fail(message: str, source: str, line: int | None = None) -> NoReturn:
    where = ":".join(part for part in (source, "" if line is None else str(line)) if part)
    raise DataFileError(f"{where}: {message}" if where else message, path=source or None, line=line)


def _line_at(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _short(token: str) -> str:
    """A token for a one-line message: long ones are cut in the middle, with their length."""
    if len(token) <= _SHORT_TOKEN:
        return token
    return f"{token[:10]}...{token[-6:]} ({len(token)} characters)"


# ----------------------------------------------------------------------------------------------------------------
# Bytes and text
# ----------------------------------------------------------------------------------------------------------------


def read_text(path: str | Path, *, what: str, max_bytes: int) -> str:
    """Read a small UTF-8 text file, refusing it early when it is larger than ``max_bytes``.

    Parameters
    ----------
    path
        The file.
    what
        What the file is, for messages (e.g. ``"envelope file"``).
    max_bytes
        The largest size accepted, in bytes.

    Returns
    -------
    str
        The text, without a leading UTF-8 byte-order mark.

    Raises
    ------
    DataFileError
        When the file does not exist or cannot be read (``no such <what>: PATH`` / ``cannot read <what> PATH``),
        is larger than ``max_bytes``, or is not UTF-8 text (with the line of the first bad byte).
    """
    source = Path(path)
    try:
        with source.open("rb") as fp:
            size = os.fstat(fp.fileno()).st_size
            if size > max_bytes:
                _fail(f"{what} too large: {size} bytes (at most {max_bytes} accepted)", str(source))
            data = fp.read(max_bytes + 1)
    except FileNotFoundError:
        raise DataFileError(f"no such {what}: {source}", path=str(source)) from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise DataFileError(f"cannot read {what} {source}: {reason}", path=str(source)) from None
    if len(data) > max_bytes:
        _fail(f"{what} too large: more than {max_bytes} bytes", str(source))
    return decode_text(data, source=str(source), what=what)


def decode_text(data: bytes, *, source: str = "", what: str = "file") -> str:
    """Decode a file's bytes as strict UTF-8; one leading UTF-8 byte-order mark is dropped.

    Parameters
    ----------
    data
        The bytes.
    source
        Where they came from, for messages ("" when none).
    what
        What the file is, for messages.

    Returns
    -------
    str
        The text.

    Raises
    ------
    DataFileError
        When the bytes are UTF-16/UTF-32 text or not UTF-8 (with the line of the first bad byte).
    """
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    elif data[:2] in _UTF16_BOMS:
        _fail(f"not UTF-8 text: the {what} is UTF-16 or UTF-32 (save it as UTF-8)", source, 1)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        _fail(f"not UTF-8 text: cannot read byte 0x{data[exc.start]:02x} (save the {what} as UTF-8)", source, line)


# ----------------------------------------------------------------------------------------------------------------
# Checks shared by both formats
# ----------------------------------------------------------------------------------------------------------------


def _check_json_nesting(text: str, *, source: str, what: str, max_depth: int) -> None:
    """Refuse JSON whose brackets nest deeper than ``max_depth`` (the top-level array or object is level 1)."""
    depth = 0
    for match in _JSON_LEXEME.finditer(text):
        char = text[match.start()]
        if char in "[{":
            depth += 1
            if depth > max_depth:
                _fail(
                    f"{what} is not valid: nested more than {max_depth} levels deep",
                    source,
                    _line_at(text, match.start()),
                )
        elif char in "]}":
            depth = max(depth - 1, 0)  # unbalanced brackets are the parser's to report


def _check_toml_nesting(text: str, *, source: str, what: str, max_depth: int) -> None:
    """Refuse TOML whose brackets nest, or whose dotted keys chain, deeper than ``max_depth``.

    Brackets make ``tomllib`` recurse; a dotted key of n parts costs it time and memory in n squared (20,000
    parts, 40 kB of text, take 8 s and 1.5 GB). A number or a time has at most one dot, so only keys chain more.
    """
    depth, chain, after = 1, 0, ""  # the document is level 1; after: "segment", "dot" or ""
    for match in _TOML_LEXEME.finditer(text):
        token = match.group()
        first = token[0]
        if first in "[{":
            depth += 1
            if depth > max_depth:
                _fail(
                    f"{what} is not valid: nested more than {max_depth} levels deep",
                    source,
                    _line_at(text, match.start()),
                )
        elif first in "]}":
            depth = max(depth - 1, 1)  # unbalanced brackets are the parser's to report
        if first == "." and after == "segment":
            chain += 1
            if chain >= max_depth:  # a key of more than max_depth parts: as many nested tables
                _fail(
                    f"{what} is not valid: nested more than {max_depth} levels deep (a dotted key)",
                    source,
                    _line_at(text, match.start()),
                )
            after = "dot"
        elif first not in "[]{}#=,." and token[:3] not in ('"""', "'''"):  # a bare or quoted part of a key
            chain = chain if after == "dot" else 0
            after = "segment"
        else:
            chain, after = 0, ""


def _float_problem(token: str) -> str | None:
    """Why the number spelt ``token`` is not a finite double (None when it is one)."""
    value = float(token.replace("_", ""))
    word = token.lstrip("+-").lower()
    if math.isnan(value):
        return f"{token} (not a number) is not allowed: numbers must be finite"
    if math.isinf(value):
        if word in ("inf", "infinity"):
            return f"{token} (infinity) is not allowed: numbers must be finite"
        return f"the number {_short(token)} is too large (beyond ±1.8e308)"
    mantissa = re.split("[eE]", token, maxsplit=1)[0]
    if value == 0 and any(c in "123456789" for c in mantissa):
        return f"the number {_short(token)} is too small to be represented (it would become 0)"
    return None


def _finite(value: float | Decimal) -> bool:
    return value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)


def _int_problem(value: int, token: str) -> str | None:
    if INT64_MIN <= value <= INT64_MAX:
        return None
    return f"the whole number {_short(token)} does not fit in 64 bits"


def _check_tree(data: Any, source: str, what: str, max_depth: int, int_line: Callable[[], int | None]) -> None:
    """Walk the parsed document (without recursion): nesting, text, whole numbers and other numbers."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > max_depth:
                _fail(f"{what} is not valid: nested more than {max_depth} levels deep", source)
            if isinstance(value, dict):
                stack.extend((key, depth) for key in value)
                stack.extend((item, depth + 1) for item in value.values())
            else:
                stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                _fail(f"{what} is not valid: a text holds a lone surrogate (such as \\ud800), not Unicode", source)
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int):
            # str() of an integer over 4,300 digits raises ValueError: only short ones are spelt out.
            problem = _int_problem(value, str(value) if abs(value) < 10**_SHORT_TOKEN else "(a very long one)")
            if problem:
                _fail(f"{what} is not valid: {problem}", source, int_line())
        elif isinstance(value, float | Decimal) and not _finite(value):
            _fail(f"{what} is not valid: {value} is not allowed: numbers must be finite", source)


def _token_line(text: str, lexeme: re.Pattern[str], wanted: Callable[[str], bool]) -> int | None:
    """The line of the first token outside strings and comments for which ``wanted`` is true."""
    for match in lexeme.finditer(text):
        token = match.group()
        if token[:1] not in ("'", '"', "#") and wanted(token):
            return _line_at(text, match.start())
    return None


# ----------------------------------------------------------------------------------------------------------------
# JSON
# ----------------------------------------------------------------------------------------------------------------


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Refused(f"the key {_short(json.dumps(key))} appears twice in one object")
            seen.add(key)
    return result


def _json_int(token: str) -> int:
    if len(token.lstrip("-")) > _INT64_DIGITS:  # before int(): Python refuses over 4,300 digits (ValueError)
        raise _Refused(f"the whole number {_short(token)} does not fit in 64 bits", token)
    value = int(token)
    problem = _int_problem(value, token)
    if problem:
        raise _Refused(problem, token)
    return value


def _json_float(token: str) -> float:
    problem = _float_problem(token)
    if problem:
        raise _Refused(problem, token)
    return float(token)


def _json_constant(token: str) -> Any:
    raise _Refused(f"{token} is not allowed: numbers must be finite (and JSON has no NaN or Infinity)", token)


def parse_json(text: str, *, source: str = "", what: str = "JSON file", max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
    """Parse a JSON text safely (see the module docstring for what is refused).

    Parameters
    ----------
    text
        The JSON text.
    source
        The file it came from, for messages ("" when none).
    what
        What the text is, for messages (e.g. ``"parameters file"``).
    max_depth
        The deepest nesting accepted; the top-level array or object is level 1.

    Returns
    -------
    Any
        The decoded value: dicts, lists, str, int (64-bit), float (finite), bool and None.

    Raises
    ------
    DataFileError
        When the text is not valid JSON, nests too deeply, repeats a key, or holds a number that is not a finite
        double or a whole number beyond 64 bits, or a lone surrogate; the message starts with ``FILE:LINE:`` when
        the line is known.
    """
    _check_json_nesting(text, source=source, what=what, max_depth=max_depth)
    try:
        data = json.loads(
            text,
            object_pairs_hook=_json_object,
            parse_int=_json_int,
            parse_float=_json_float,
            parse_constant=_json_constant,
        )
    except json.JSONDecodeError as exc:
        _fail(f"{what} is not valid JSON: {exc.msg}", source, exc.lineno)
    except _Refused as exc:
        token = exc.token
        line = None if token is None else _token_line(text, _JSON_TOKEN, lambda t: t == token)
        _fail(f"{what} is not valid: {exc.message}", source, line)
    except RecursionError:  # only if the bracket count above were misled; never seen in the fuzz test
        _fail(f"{what} is not valid: nested too deeply", source)
    _check_tree(data, source, what, max_depth, lambda: None)
    return data


def load_json(path: str | Path, *, what: str = "JSON file", max_bytes: int, max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
    """Read and parse a small JSON file safely: :func:`read_text`, then :func:`parse_json`.

    Parameters
    ----------
    path
        The file.
    what
        What the file is, for messages (e.g. ``"patient file"``).
    max_bytes
        The largest size accepted, in bytes.
    max_depth
        The deepest nesting accepted.

    Returns
    -------
    Any
        The decoded value.

    Raises
    ------
    DataFileError
        See :func:`read_text` and :func:`parse_json`.
    """
    text = read_text(path, what=what, max_bytes=max_bytes)
    return parse_json(text, source=str(path), what=what, max_depth=max_depth)


# ----------------------------------------------------------------------------------------------------------------
# TOML
# ----------------------------------------------------------------------------------------------------------------


def _toml_int_out_of_range(token: str) -> bool:
    """Whether ``token`` spells a TOML integer outside 64 bits (False for anything that is not an integer)."""
    text = token.replace("_", "").lower()
    negative = text[:1] == "-"
    if text[:1] in ("-", "+"):
        text = text[1:]
    base, digits = _INT_BASES.get(text[:2], (10, "0123456789"))
    if base != 10:
        text = text[2:]
    if not text or any(c not in digits for c in text):
        return False
    text = text.lstrip("0") or "0"
    if len(text) > 64:  # at least 2**64 in any base: do not convert (Python limits decimal conversions)
        return True
    value = -int(text, base) if negative else int(text, base)
    return not INT64_MIN <= value <= INT64_MAX


def parse_toml(
    text: str,
    *,
    source: str = "",
    what: str = "TOML file",
    max_depth: int = DEFAULT_MAX_DEPTH,
    parse_float: Callable[[str], Any] = float,
) -> dict[str, Any]:
    """Parse a TOML text safely (see the module docstring for what is refused).

    Parameters
    ----------
    text
        The TOML text.
    source
        The file it came from, for messages ("" when none).
    what
        What the text is, for messages (e.g. ``"envelope file"``).
    max_depth
        The deepest nesting accepted; the document's own table is level 1.
    parse_float
        Makes a number from the text of a TOML float (e.g. ``decimal.Decimal`` for exact decimals); it is only
        called for finite numbers within the range of a double.

    Returns
    -------
    dict
        The document.

    Raises
    ------
    DataFileError
        When the text is not valid TOML, nests too deeply, or holds a float that is not a finite double or an
        integer beyond 64 bits; the message starts with ``FILE:LINE:`` when the line is known.
    """
    _check_toml_nesting(text, source=source, what=what, max_depth=max_depth)

    def checked_float(token: str) -> Any:
        problem = _float_problem(token)
        if problem:
            raise _Refused(problem, token)
        return parse_float(token)

    def int_line() -> int | None:
        return _token_line(text, _TOML_TOKEN, _toml_int_out_of_range)

    try:
        data = tomllib.loads(text, parse_float=checked_float)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = _TOML_POSITION.search(message)
        if found:
            line: int | None = int(found.group(1))
        elif _TOML_AT_END.search(message):
            line = text.count("\n") + 1
        else:
            line = None
        _fail(f"invalid TOML: {_TOML_AT_END.sub('', _TOML_POSITION.sub('', message))}", source, line)
    except _Refused as exc:
        token = exc.token
        line = None if token is None else _token_line(text, _TOML_TOKEN, lambda t: t == token)
        _fail(f"{what} is not valid: {exc.message}", source, line)
    except ValueError:  # int() of an integer over Python's 4,300-digit limit, inside tomllib
        _fail(f"{what} is not valid: a whole number does not fit in 64 bits", source, int_line())
    except RecursionError:  # only if the bracket count above were misled; never seen in the fuzz test
        _fail(f"{what} is not valid: nested too deeply", source)
    _check_tree(data, source, what, max_depth, int_line)
    return data


def load_toml(
    path: str | Path,
    *,
    what: str = "TOML file",
    max_bytes: int,
    max_depth: int = DEFAULT_MAX_DEPTH,
    parse_float: Callable[[str], Any] = float,
) -> dict[str, Any]:
    """Read and parse a small TOML file safely: :func:`read_text`, then :func:`parse_toml`.

    Parameters
    ----------
    path
        The file.
    what
        What the file is, for messages (e.g. ``"device family file"``).
    max_bytes
        The largest size accepted, in bytes.
    max_depth
        The deepest nesting accepted.
    parse_float
        See :func:`parse_toml`.

    Returns
    -------
    dict
        The document.

    Raises
    ------
    DataFileError
        See :func:`read_text` and :func:`parse_toml`.
    """
    text = read_text(path, what=what, max_bytes=max_bytes)
    return parse_toml(text, source=str(path), what=what, max_depth=max_depth, parse_float=parse_float)
