"""`python tests/peak_rss.py REPORT CMD...`: run CMD, write its peak resident memory (kB) to
the file REPORT, and exit with CMD's exit code.

Why a go-between: Linux carries a process's peak RSS across fork and exec, so a command
started straight from a big test runner reports the runner's memory as its own. This
small interpreter starts the command instead, and `os.wait4` gives that child's own usage.
"""

import os
import subprocess
import sys


def main() -> int:
    report, command = sys.argv[1], sys.argv[2:]
    child = subprocess.Popen(command)
    _pid, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    with open(report, "w", encoding="ascii") as handle:
        handle.write(str(usage.ru_maxrss))
    code = child.returncode
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main())
