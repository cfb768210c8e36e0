#!/usr/bin/env python3
"""Writes the Python or Java block of README.md (jsii-rosetta's translation of its TypeScript
block) as a program, so that run.sh can check that it runs (Python) or compiles and runs (Java).

    quickstart.py python OUT.py
    quickstart.py java OUT_DIR      (writes OUT_DIR/quickstart/Quickstart.java)

rosetta translates statements, not programs: its Java has no class, and its imports miss the types
it only names implicitly (struct builders such as S3SourceProps, java.util.List). The Java block is
wrapped the way rosetta wraps a TypeScript example in a fixture: its imports first, then the
imports below, then its statements in a `main` method.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
JAVA_FIXTURE_IMPORTS = [
    "import java.util.List;",
    "import java.util.Map;",
    "import software.amazon.awscdk.*;",
    "import software.amazon.awscdk.services.s3.*;",
    "import io.github.cdkmultiregion.deliverypipeline.*;",
]


def block(language, markdown_file):
    lines = open(markdown_file, encoding="utf-8").read().split("\n")
    for i, line in enumerate(lines):
        if re.match(rf"^<!--\s*rosetta:{language}\s*-->\s*$", line):
            fence = re.match(r"^(`{3,}|~{3,})", lines[i + 1]).group(1)
            end = next(j for j in range(i + 2, len(lines)) if lines[j].strip() == fence)
            return lines[i + 2:end]
    sys.exit(f"quickstart.py: no <!-- rosetta:{language} --> block in {markdown_file}")


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("python", "java"):
        sys.exit(__doc__)
    language, out = sys.argv[1], sys.argv[2]
    body = block(language, os.path.join(ROOT, "README.md"))
    if language == "python":
        with open(out, "w", encoding="utf-8") as f:
            f.write("\n".join(body) + "\n")
        return
    imports = [l for l in body if l.startswith("import ")]
    statements = [l for l in body if not l.startswith("import ")]
    os.makedirs(os.path.join(out, "quickstart"), exist_ok=True)
    with open(os.path.join(out, "quickstart", "Quickstart.java"), "w", encoding="utf-8") as f:
        f.write("package quickstart;\n\n" + "\n".join(imports + JAVA_FIXTURE_IMPORTS) + "\n\n")
        f.write("public final class Quickstart {\n  public static void main(final String[] args) {\n")
        f.write("\n".join(("    " + l) if l else "" for l in statements) + "\n  }\n}\n")


if __name__ == "__main__":
    main()
