"""Positive and negative cases of the reliability rules, with exact lines."""

from __future__ import annotations

import pytest

ND = "POSSIBLE_NONE_DEREFERENCE"
UI = "UNCHECKED_INDEX"


@pytest.mark.parametrize(
    ("code", "line"),
    [
        ("def f(d):\n    x = d.get('k')\n    return x.strip()\n", 3),
        ("import re\ndef f(s):\n    m = re.match(r'a', s)\n    return m.group(0)\n", 4),
        ("import os\ndef f():\n    return os.environ.get('HOME').split('/')\n", 3),
        ("def f(x: str | None):\n    return x.upper()\n", 2),
        ("from typing import Optional\ndef f(x: Optional[int] = None):\n    return x.bit_length()\n", 3),
        (
            "def find(xs):\n    for x in xs:\n        if x:\n"
            "            return x\n\ndef g(xs):\n    return find(xs).name\n",
            7,
        ),
        (
            "def f(d):\n    v = d.get('a')\n    if v is None:\n        print('missing')\n    return v['x']\n",
            5,
        ),
        ("def f(o):\n    cb = getattr(o, 'cb', None)\n    cb()\n", 3),
        ("def f(c, a):\n    x = a if c else None\n    return x.real\n", 3),
    ],
)
def test_none_dereference_found(analyze, code, line):
    found = analyze(code, rule=ND)
    assert [f.line_start for f in found] == [line]
    assert found[0].severity == "HIGH"


@pytest.mark.parametrize(
    "code",
    [
        "def f(d):\n    x = d.get('k')\n    if x is None:\n        return ''\n    return x.strip()\n",
        "def f(d):\n    x = d.get('k')\n    if not x:\n        raise KeyError('k')\n    return x.strip()\n",
        "def f(d):\n    x = d.get('k')\n    assert x\n    return x.strip()\n",
        "def f(d):\n    x = d.get('k')\n    if x:\n        return x.strip()\n    return ''\n",
        "def f(d):\n    x = d.get('k') or 'default'\n    return x.strip()\n",
        "def f(d):\n    x = d.get('k')\n    x = x or ''\n    return x.strip()\n",
        "import re\ndef f(s):\n    if (m := re.match(r'a', s)) is not None:\n        return m.group(0)\n",
        "import re\ndef f(s):\n    m = re.match(r'a', s)\n    return m and m.group(0)\n",
        "def f(d):\n    x = d.get('k', '')\n    return x.strip()\n",
        "def f(d):\n    x = d.get('k')\n    try:\n        return x.strip()\n"
        "    except AttributeError:\n        return ''\n",
        "def f(xs):\n    for k in xs:\n        v = xs.get(k)\n"
        "        if v is None:\n            continue\n        v.run()\n",
        "import requests\ndef f(u):\n    r = requests.get(u)\n    return r.json()\n",
        "def f(x: int | None = None):\n    if x is None:\n        x = 3\n    return x.bit_length()\n",
        "def f(d):\n    x = d.get('k')\n    if isinstance(x, str):\n        return x.strip()\n",
    ],
)
def test_none_dereference_guarded(analyze, code):
    assert analyze(code, rule=ND) == []


@pytest.mark.parametrize(
    ("code", "line"),
    [
        ("def f(s):\n    parts = s.split()\n    return parts[0]\n", 3),
        ("def f(s):\n    return s.split(',')[1]\n", 2),
        ("def f(cur):\n    rows = cur.fetchall()\n    return rows[0]\n", 3),
        ("import re\ndef f(s):\n    return re.findall(r'\\d+', s)[0]\n", 3),
        ("import sys\ndef main():\n    return sys.argv[1]\n", 3),
    ],
)
def test_unchecked_index_found(analyze, code, line):
    assert [f.line_start for f in analyze(code, rule=UI)] == [line]


@pytest.mark.parametrize(
    "code",
    [
        "def f(s):\n    return s.split(',')[0]\n",
        "def f(s):\n    parts = s.split()\n    if not parts:\n        return None\n    return parts[0]\n",
        "def f(s):\n    parts = s.split(',')\n    if len(parts) < 2:\n"
        "        raise ValueError(s)\n    return parts[1]\n",
        "def f(s):\n    if ',' in s:\n        return s.split(',')[1]\n",
        "def f(cur):\n    rows = cur.fetchall()\n    return rows[0] if rows else None\n",
        "import sys\ndef main():\n    if len(sys.argv) > 1:\n        return sys.argv[1]\n",
        "def f(s):\n    try:\n        return s.split()[0]\n    except IndexError:\n        return ''\n",
    ],
)
def test_unchecked_index_guarded(analyze, code):
    assert analyze(code, rule=UI) == []


def test_bare_except_and_swallow(analyze):
    code = "def f():\n    try:\n        g()\n    except:\n        pass\n"
    assert [f.line_start for f in analyze(code, rule="BARE_EXCEPT")] == [4]
    assert [f.line_start for f in analyze(code, rule="SILENT_EXCEPTION_SWALLOW")] == [4]
    ok = (
        "def f():\n    try:\n        g()\n    except KeyError:\n"
        "        pass\n    except Exception:\n        log()\n"
    )
    assert analyze(ok, rule="BARE_EXCEPT") == []
    assert analyze(ok, rule="SILENT_EXCEPTION_SWALLOW") == []
    assert analyze("try:\n    g()\nexcept:\n    cleanup()\n    raise\n", rule="BARE_EXCEPT") == []


def test_mutable_default(analyze):
    found = analyze("def f(a, b=[], *, c={}):\n    return a\n", rule="MUTABLE_DEFAULT_ARGUMENT")
    assert [(f.line_start, f.metadata["parameter"]) for f in found] == [(1, "b"), (1, "c")]
    assert (
        analyze("def f(a, b=None, c=(), d=frozenset()):\n    return a\n", rule="MUTABLE_DEFAULT_ARGUMENT")
        == []
    )


def test_resource_leak(analyze):
    leak = "def f(p):\n    fh = open(p)\n    return fh.read()\n"
    assert [f.line_start for f in analyze(leak, rule="RESOURCE_LEAK")] == [2]
    closed = (
        "def f(p):\n    fh = open(p)\n    try:\n        return fh.read()\n    finally:\n        fh.close()\n"
    )
    assert analyze(closed, rule="RESOURCE_LEAK") == []
    assert (
        analyze("def f(p):\n    with open(p) as fh:\n        return fh.read()\n", rule="RESOURCE_LEAK") == []
    )
    assert analyze("def f(p):\n    fh = open(p)\n    return fh\n", rule="RESOURCE_LEAK") == []


def test_assert_in_production_not_in_tests(analyze):
    code = "def f(x):\n    assert x > 0\n    return x\n"
    assert [f.line_start for f in analyze(code, rule="ASSERT_IN_PRODUCTION")] == [2]
    assert analyze(code, rule="ASSERT_IN_PRODUCTION", path="tests/test_mod.py") == []


def test_incomplete_todo(analyze):
    code = (
        "def f():\n    # TODO: handle retries\n"
        "    s = '# TODO in a string'\n    return s  # FIXME #123 tracked\n"
    )
    found = analyze(code, rule="INCOMPLETE_TODO")
    assert [(f.line_start, f.severity) for f in found] == [(2, "LOW")]


@pytest.mark.parametrize(
    "annotation",
    ["dict[str | None, int]", "list[Optional[int]]", "Callable[[int], None]", "'dict[str, None]'"],
)
def test_none_nested_in_annotation_is_not_optional(analyze, annotation):
    code = f"from typing import Optional, Callable\ndef f(x: {annotation}):\n    return x.get(1)\n"
    assert analyze(code, rule=ND) == []


def test_none_rules_skip_test_files(analyze):
    assert (
        analyze("def test_x(d):\n    x = d.get('k')\n    return x.strip()\n", rule=ND, path="tests/test_a.py")
        == []
    )


@pytest.mark.parametrize(
    ("code", "line", "severity"),
    [
        ("def f(cur):\n    row = cur.fetchone()\n    return row[0]\n", 3, "HIGH"),
        ("def f(levels, k, n):\n    return levels.get(k) - n\n", 2, "HIGH"),
        ("def f(repo, e):\n    c = repo.find_by_email(e)\n    return c.name\n", 3, "MEDIUM"),
        ("def f(q):\n    return q.one_or_none().id\n", 2, "HIGH"),
    ],
)
def test_none_sources_by_contract(analyze, code, line, severity):
    found = analyze(code, rule=ND)
    assert [(f.line_start, f.severity) for f in found] == [(line, severity)]


def test_none_guarded_fetchone_and_format(analyze):
    code = (
        "def f(cur, x):\n    row = cur.fetchone()\n"
        "    if row is None:\n        return '%s' % x\n    return row[0]\n"
    )
    assert analyze(code, rule=ND) == []


@pytest.mark.parametrize(
    ("code", "line"),
    [
        ("def f(xs, k):\n    ms = [x for x in xs if x == k]\n    return ms[0]\n", 3),
        ("def f(xs, k):\n    ms = sorted((x for x in xs if x > k), key=abs)\n    return ms[0]\n", 3),
        ("def first(items: list[int]) -> int:\n    return items[0]\n", 2),
    ],
)
def test_unchecked_index_on_filtered_or_parameter(analyze, code, line):
    assert [f.line_start for f in analyze(code, rule=UI)] == [line]


@pytest.mark.parametrize(
    "code",
    [
        "def f(xs, k):\n    ms = [x for x in xs if x == k]\n"
        "    if not ms:\n        return None\n    return ms[0]\n",
        "def first(items: list[int]) -> int:\n"
        "    if len(items) == 0:\n        raise ValueError\n    return items[0]\n",
        "def pair(p: tuple[int, int]) -> int:\n    return p[0]\n",
    ],
)
def test_unchecked_index_on_filtered_or_parameter_guarded(analyze, code):
    assert analyze(code, rule=UI) == []


@pytest.mark.parametrize(
    "code",
    [
        "def f(conn):\n    return conn.execute('SELECT COUNT(*) FROM t').fetchone()[0]\n",
        "def f(conn, w):\n    cur = conn.execute(f'SELECT MAX(id) FROM t WHERE {w}')\n"
        "    return cur.fetchone()[0]\n",
        "def f(conn):\n    return conn.execute('PRAGMA user_version').fetchone()[0]\n",
        "from paths import find_root\ndef f(ps):\n    return find_root(ps).name\n",
    ],
)
def test_rows_that_always_exist_and_non_lookups(analyze, code):
    assert analyze(code, rule=ND) == []


def test_same_call_checked_before_is_guarded(analyze):
    code = (
        "import re\nPAT_RE = re.compile('x')\n"
        "def f(v):\n    if PAT_RE.search(v):\n        raise ValueError(PAT_RE.search(v).group(0))\n"
    )
    assert analyze(code, rule=ND) == []
