#!/usr/bin/env python3
"""Writes a block of README.md, exactly as it appears there, as a file that run.sh (or
test/fresh-app/run.sh) compiles and runs: nothing is added, so CI checks the text a user copies.

    quickstart.py python OUT.py
    quickstart.py java OUT_DIR      (writes OUT_DIR/<Class>.java, the class the block declares)
    quickstart.py typescript OUT.ts (the TypeScript block the Python and Java blocks are translated from)

The Python and Java blocks are jsii-rosetta's translations of the TypeScript block; the Java block is
completed into a program by test/rosetta/java-program.ts (imports, class) when it is written.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def block(language, markdown_file):
    lines = open(markdown_file, encoding="utf-8").read().split("\n")
    for i, line in enumerate(lines):
        if re.match(rf"^<!--\s*rosetta:{language}\s*-->\s*$", line):
            fence = re.match(r"^(`{3,}|~{3,})", lines[i + 1]).group(1)
            end = next(j for j in range(i + 2, len(lines)) if lines[j].strip() == fence)
            return lines[i + 2:end]
    sys.exit(f"quickstart.py: no <!-- rosetta:{language} --> block in {markdown_file}")


def typescript_block(markdown_file):
    """The TypeScript block that the Python translation is made from: the last ts block above it."""
    lines = open(markdown_file, encoding="utf-8").read().split("\n")
    marker = next(i for i, line in enumerate(lines) if re.match(r"^<!--\s*rosetta:python\s*-->\s*$", line))
    opening = max(i for i in range(marker) if re.match(r"^(`{3,}|~{3,})(ts|typescript)\b", lines[i]))
    fence = re.match(r"^(`{3,}|~{3,})", lines[opening]).group(1)
    end = next(j for j in range(opening + 1, len(lines)) if lines[j].strip() == fence)
    return lines[opening + 1:end]


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("python", "java", "typescript"):
        sys.exit(__doc__)
    language, out = sys.argv[1], sys.argv[2]
    if language == "typescript":
        with open(out, "w", encoding="utf-8") as f:
            f.write("\n".join(typescript_block(os.path.join(ROOT, "README.md"))) + "\n")
        return
    body = block(language, os.path.join(ROOT, "README.md"))
    if language == "python":
        with open(out, "w", encoding="utf-8") as f:
            f.write("\n".join(body) + "\n")
        return
    declared = next((m.group(1) for m in map(lambda l: re.match(r"^public (?:final )?class (\w+)", l), body) if m), None)
    if declared is None:
        sys.exit("quickstart.py: the Java block of README.md declares no public class; run `npx projen rosetta --update`")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, declared + ".java"), "w", encoding="utf-8") as f:
        f.write("\n".join(body) + "\n")
    print(declared)


if __name__ == "__main__":
    main()
