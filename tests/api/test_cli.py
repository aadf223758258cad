"""The command line's own surface: every subcommand and sub-subcommand answers
-h/--help with its usage on standard output and exit status 0 without touching
a file (`liaison init --help` used to create ./var/liaison.db, issue 10), and
refuses an unknown option with exit status 2 and a message naming it, before
opening anything.
"""
import os
import subprocess

import pytest

from conftest import BIN

HELP = [
    ("serve",), ("init",),
    ("org",), ("org", "add"), ("org", "add", "CERT-X"), ("org", "list"),
    ("user",), ("user", "add"), ("user", "add", "a@b.example", "--org", "1"), ("user", "list"),
    ("key",), ("key", "create"), ("key", "create", "a@b.example"), ("key", "revoke"),
    ("key", "revoke", "1"), ("key", "list"),
    ("config",), ("config", "show"),
    ("import",), ("import", "events.json"), ("export",), ("lookup",),
    ("peer",), ("peer", "add"), ("peer", "add", "http://127.0.0.1:9", "--key", "k"),
    ("peer", "list"), ("peer", "remove"), ("peer", "remove", "1"), ("peer", "test", "1"),
    ("sync",), ("sync", "pull"), ("sync", "pull", "1"), ("sync", "push", "1"),
    ("version",),
]

# each would open (and create) the database if it got that far
UNKNOWN = [
    ("serve",), ("init",), ("org", "list"), ("org", "add", "CERT-X"), ("user", "list"),
    ("user", "add", "a@b.example", "--org", "1"), ("key", "list"),
    ("key", "create", "a@b.example"), ("key", "revoke", "1"), ("config", "show"),
    ("import",), ("export",), ("lookup",), ("peer", "list"), ("peer", "remove", "1"),
    ("peer", "add", "http://127.0.0.1:9", "--key", "k"), ("sync", "pull", "1"),
]


def run(args, cwd):
    # the default database, ./var/liaison.db, is what a stray run would create
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIAISON_")}
    env["ASAN_OPTIONS"] = "detect_leaks=1"
    return subprocess.run([BIN, *args], cwd=cwd, capture_output=True, text=True, timeout=30,
                          env=env, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("args", HELP, ids=lambda a: " ".join(a))
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_prints_usage_and_touches_nothing(tmp_path, args, flag):
    r = run([*args, flag], tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("usage: liaison %s" % args[0]), r.stdout
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args", UNKNOWN, ids=lambda a: " ".join(a))
def test_unknown_option_exits_2_and_touches_nothing(tmp_path, args):
    r = run([*args, "--no-such-option"], tmp_path)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "--no-such-option" in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_top_level_help_and_unknown_command(tmp_path):
    for flag in ("--help", "-h", "help"):
        r = run([flag], tmp_path)
        assert r.returncode == 0 and r.stdout.startswith("usage: liaison COMMAND")
    r = run(["frobnicate"], tmp_path)
    assert r.returncode == 2 and "frobnicate" in r.stderr
    assert list(tmp_path.iterdir()) == []
