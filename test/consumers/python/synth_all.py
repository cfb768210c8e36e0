"""Runs several of the consumer programs in one Python process (one interpreter and one jsii kernel
start instead of one per program), each into WORK/<program>/cdk.out with what it prints in
WORK/<program>/stdout.txt. Prints `PASS <program>` or `FAIL <program>` for each (a failure's traceback
goes to stderr, and the other programs still run); exits 1 when one failed.

    python synth_all.py WORK PROGRAM...      (programs: example regional stackset)
"""
import contextlib
import os
import sys
import traceback

import app
import regional
import stackset

PROGRAMS = {"example": app.main, "regional": regional.main, "stackset": stackset.main}


def run(work, name):
    main = PROGRAMS.get(name)
    if main is None:
        print(f"synth_all: unknown program {name}; known: {', '.join(PROGRAMS)}", file=sys.stderr)
        return False
    directory = os.path.join(work, name)
    os.makedirs(directory, exist_ok=True)
    try:
        with open(os.path.join(directory, "stdout.txt"), "w", encoding="utf-8") as out, contextlib.redirect_stdout(out):
            main(os.path.join(directory, "cdk.out"))
    except Exception:  # noqa: BLE001 (any failure of a program is reported, and the others still run)
        print(f"synth_all: {name} failed:", file=sys.stderr)
        traceback.print_exc()
        return False
    return True


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: synth_all.py WORK PROGRAM...")
    work, names = sys.argv[1], sys.argv[2:]
    results = [(name, run(work, name)) for name in names]
    for name, ok in results:
        print(f"{'PASS' if ok else 'FAIL'} {name}", flush=True)
    return 0 if all(ok for _, ok in results) else 1


if __name__ == "__main__":
    sys.exit(main())
