"""The ``msrwe`` console script ends without Python's teardown, with the same status and output.

Each case that ends a process runs in its own (``exit_now`` ends the process it runs in); only
case 1 loads the command line.
"""

from __future__ import annotations

import subprocess
import sys

from msrwe.cli._exit import exit_status


def _python(code: str, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True,
                          timeout=60)


# Case 1: `msrwe --version` through the console script's main(): status 0, the output is all
# there and the atexit handlers ran, once; the teardown (which would finalise `left`) did not
def test_case1_main_skips_the_teardown_only():
    out = _python("import atexit, sys; atexit.register(print, 'atexit ran'); "
                  "Left = type('Left', (), {'__del__': lambda self: print('teardown')}); "
                  "left = Left(); "
                  "from msrwe.cli.main import main; sys.argv = ['msrwe', '--version']; main()")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("msrwe ")
    assert out.stdout.splitlines()[1:] == ["atexit ran"]


# Case 2: an error's status and message, as sys.exit would end the process
def test_case2_error_status_and_message():
    code = ("import sys; from msrwe.cli._exit import exit_now; print('written'); "
            "exit_now(sys.argv[1])")
    out = _python(code, "no store here")
    assert (out.returncode, out.stdout, out.stderr) == (1, "written\n", "no store here\n")
    out = _python("from msrwe.cli._exit import exit_now; exit_now(2)")
    assert out.returncode == 2


# Case 3: a thread that is not a daemon is waited for (Python's own exit), not cut short
def test_case3_running_thread_is_waited_for():
    out = _python("import threading, time; from msrwe.cli._exit import exit_now; "
                  "work = lambda: (time.sleep(0.2), print('thread done')); "
                  "threading.Thread(target=work).start(); exit_now(0)")
    assert (out.returncode, out.stdout) == (0, "thread done\n"), out.stderr


# Case 4: the status of each kind of SystemExit code, as sys.exit gives it
def test_case4_exit_status(capsys):
    assert [exit_status(c) for c in (None, 0, 2, True, False)] == [0, 0, 2, 1, 0]
    assert exit_status("no store here") == 1
    assert capsys.readouterr().err == "no store here\n"
