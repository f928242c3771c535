"""Positive and negative cases of the security rules."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("rule", "code", "line"),
    [
        ("HARDCODED_SECRET", "API_KEY = 'Zx81kQ2mLp0vTr7sWq3n'\n", 1),
        ("HARDCODED_SECRET", "def f():\n    return connect(password='s3cR3t-Pa55w0rd!x')\n", 2),
        ("HARDCODED_SECRET", "TOKEN = 'ghp_" + "aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5'\n", 1),
        (
            "SQL_INJECTION_RISK",
            "def f(cur, uid):\n    cur.execute(f'SELECT * FROM users WHERE id = {uid}')\n",
            2,
        ),
        (
            "SQL_INJECTION_RISK",
            "def f(cur, n):\n    q = 'DELETE FROM t WHERE name = ' + n\n    cur.execute(q)\n",
            3,
        ),
        ("SQL_INJECTION_RISK", "def f(cur, n):\n    cur.execute('SELECT a FROM t WHERE b = %s' % n)\n", 2),
        (
            "COMMAND_INJECTION",
            "import subprocess\ndef f(h):\n    subprocess.run(f'ping {h}', shell=True)\n",
            3,
        ),
        ("COMMAND_INJECTION", "import os\ndef f(h):\n    os.system('ping ' + h)\n", 3),
        ("EVAL_USAGE", "def f(s):\n    return eval(s)\n", 2),
        ("UNSAFE_DESERIALIZATION", "import pickle\ndef f(b):\n    return pickle.loads(b)\n", 3),
        ("UNSAFE_DESERIALIZATION", "import yaml\ndef f(s):\n    return yaml.load(s)\n", 3),
        (
            "PATH_TRAVERSAL",
            "import os\nfrom flask import request\ndef f():\n    name = request.args.get('f')\n"
            "    p = os.path.join('/srv', name)\n    return open(p).read()\n",
            6,
        ),
        ("WEAK_CRYPTO", "import hashlib\ndef hash_password(p):\n    return hashlib.md5(p).hexdigest()\n", 3),
        (
            "WEAK_CRYPTO",
            "import random\ndef f():\n    token = random.randint(0, 10**6)\n    return token\n",
            3,
        ),
        ("INSECURE_TLS", "import requests\ndef f(u):\n    return requests.get(u, verify=False)\n", 3),
    ],
)
def test_security_found(analyze, rule, code, line):
    assert [f.line_start for f in analyze(code, rule=rule)] == [line]


@pytest.mark.parametrize(
    ("rule", "code"),
    [
        (
            "HARDCODED_SECRET",
            "API_KEY = os.environ['API_KEY']\nPASSWORD = 'changeme'\ntoken_name = 'x-auth-token-header'\n",
        ),
        ("HARDCODED_SECRET", "AWS = 'AKIAIOSFODNN7EXAMPLE'\nsecret_key = 'your-secret-key-here'\n"),
        (
            "SQL_INJECTION_RISK",
            "def f(cur, uid):\n    cur.execute('SELECT * FROM users WHERE id = ?', (uid,))\n",
        ),
        (
            "SQL_INJECTION_RISK",
            "def f(cur, ks):\n    marks = ','.join('?' * len(ks))\n"
            "    cur.execute(f'SELECT * FROM t WHERE k IN ({marks})', ks)\n",
        ),
        ("COMMAND_INJECTION", "import subprocess\ndef f(h):\n    subprocess.run(['ping', h])\n"),
        ("COMMAND_INJECTION", "import os, shlex\ndef f(h):\n    os.system(f'ping {shlex.quote(h)}')\n"),
        ("EVAL_USAGE", "def f():\n    return eval('1 + 2')\n"),
        (
            "UNSAFE_DESERIALIZATION",
            "import yaml, json\ndef f(s):\n    return yaml.load(s, Loader=yaml.SafeLoader), json.loads(s)\n",
        ),
        (
            "PATH_TRAVERSAL",
            "import os\ndef f(base, name):\n    return open(os.path.join(base, name)).read()\n",
        ),
        ("WEAK_CRYPTO", "import hashlib\ndef cache_key(b):\n    return hashlib.md5(b).hexdigest()\n"),
        ("WEAK_CRYPTO", "import random\ndef jitter():\n    return random.random()\n"),
        ("INSECURE_TLS", "import requests\ndef f(u):\n    return requests.get(u, verify=True)\n"),
    ],
)
def test_security_clean(analyze, rule, code):
    assert analyze(code, rule=rule) == []


def test_secret_masked_in_snippet(analyze):
    found = analyze("API_KEY = 'Zx81kQ2mLp0vTr7sWq3n'\n", rule="HARDCODED_SECRET")
    assert "Zx81kQ2mLp0vTr7sWq3n" not in (found[0].code_snippet or "")


def test_test_fixture_secrets_not_flagged(analyze):
    assert (
        analyze("API_KEY = 'Zx81kQ2mLp0vTr7sWq3n'\n", rule="HARDCODED_SECRET", path="tests/test_x.py") == []
    )


def test_parameterized_dynamic_sql_is_medium(analyze):
    code = (
        "def f(conn, cols, where, params):\n"
        "    conn.execute(f'SELECT {cols} FROM t WHERE {where} AND id = :id', params)\n"
    )
    (found,) = analyze(code, rule="SQL_INJECTION_RISK")
    assert found.severity == "MEDIUM"


def test_header_names_are_not_secrets(analyze):
    code = "proxy_auth_hdr = 'Proxy-Authorization'\nAUTH_SCHEME = 'Bearer-Token-Auth'\n"
    assert analyze(code, rule="HARDCODED_SECRET") == []
