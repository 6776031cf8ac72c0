"""Run one command and record its wall time, CPU time, peak memory and exit code.

Why a separate process: Linux carries a process's peak resident memory across
``exec``, so a child forked from the benchmark (tens of MiB after its imports)
would report at least the benchmark's own size. This launcher runs with
``python -I -S``, imports only built-in modules, and forks the command from a
process of a few MiB; the peak it reports is the command's, with that floor.

Usage: python -I -S launcher.py RESULT_FILE COMMAND [ARGUMENT...]
Writes ``seconds cpu_seconds max_rss_kib exit_code`` to RESULT_FILE.
"""

import os
import sys
import time


def main() -> None:
    result_file, argv = sys.argv[1], sys.argv[2:]
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.execv(argv[0], argv)
        except OSError as error:
            os.write(2, f"cannot run {argv[0]}: {error}\n".encode())
        os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - start
    cpu_seconds = usage.ru_utime + usage.ru_stime
    exit_code = os.waitstatus_to_exitcode(status)
    with open(result_file, "w") as stream:
        stream.write(f"{seconds} {cpu_seconds} {usage.ru_maxrss} {exit_code}\n")


main()
