#!/usr/bin/env python3
"""Compares the cloud assemblies that the Python and Java consumer apps synthesize with the one a
TypeScript example synthesizes (example/cdk.out, or a variant's). Standard library only.

    compare.py --reference example/cdk.out [--reference-stdout ts.txt] [--variant NAME]
               --consumer NAME CDK_OUT [STDOUT] [--consumer ...] [--report FILE] [--show N]

For every consumer it checks, one line each (`PASS <name>` / `FAIL <name>`; with --variant, every
name is `<consumer> <variant> ...`, such as `python regional stacks`):
  - `<consumer> stacks`: the same stacks, with the same environments and dependencies (manifest.json);
  - `<consumer> pipeline stack`, `<consumer> artifacts stack <region>` and, with regional pipelines,
    `<consumer> pipeline stack <region>` (any other stack: `<consumer> stack <id>`): each template is
    identical once asset hashes are normalized;
  - `<consumer> deployment plan`: the printed plan and schedule (from the `Deployment plan` line on)
    is identical, when both stdout files are given.

Normalized, because they identify asset contents rather than the app: 64-hex asset hashes in strings
(asset object keys such as `S3Key: <hash>.zip`, `Fn::Sub` / `Fn::Join` pieces naming the staging
bucket objects) and the values of `aws:asset:*` metadata. Each normalized hash that differs is listed
as an explained difference; any other difference fails the check and is printed with its JSON path.
The --report file receives the PASS/FAIL lines (appended), for CI to count.
"""
import argparse
import json
import os
import re
import sys

ANSI = re.compile(r"\x1b\[[0-9;]*m")  # Maven's console ends its output with colour resets, even with -B
HASH = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")
PLACEHOLDER = "<asset-hash>"
PIPELINE_STACK = "DeliveryPipeline"
ARTIFACTS_PREFIX = PIPELINE_STACK + "-artifacts-"
REGIONAL_PREFIX = PIPELINE_STACK + "-pipeline-"  # DeliveryTopology.regionalPipelines(): one per region


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def stacks_of(cdk_out):
    """{stack artifact id: {environment, template file, dependencies}} from manifest.json."""
    manifest = load_json(os.path.join(cdk_out, "manifest.json"))
    stacks = {}
    for artifact_id, artifact in manifest.get("artifacts", {}).items():
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        stacks[artifact_id] = {
            "environment": artifact.get("environment"),
            "templateFile": artifact["properties"]["templateFile"],
            # asset manifests are named after the stack; keep only stack-to-stack dependencies
            "dependencies": sorted(d for d in artifact.get("dependencies", []) if not d.endswith(".assets")),
        }
    return stacks


def normalize(value, path, hashes):
    """Replaces asset hashes; records (path, original) of each replacement in `hashes`."""
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            if key.startswith("aws:asset:"):
                hashes.append((f"{path}.{key}", json.dumps(item)))
                result[key] = PLACEHOLDER
            else:
                result[key] = normalize(item, f"{path}.{key}" if path else key, hashes)
        return result
    if isinstance(value, list):
        return [normalize(item, f"{path}[{i}]", hashes) for i, item in enumerate(value)]
    if isinstance(value, str) and HASH.search(value):
        hashes.append((path, value))
        return HASH.sub(PLACEHOLDER, value)
    return value


def diff(a, b, path, out):
    """Appends (path, a, b) for every leaf where the two JSON values differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in list(a) + [k for k in b if k not in a]:
            sub = f"{path}.{key}" if path else key
            if key not in b:
                out.append((sub, a[key], "<missing>"))
            elif key not in a:
                out.append((sub, "<missing>", b[key]))
            else:
                diff(a[key], b[key], sub, out)
    elif isinstance(a, list) and isinstance(b, list):
        for i in range(max(len(a), len(b))):
            sub = f"{path}[{i}]"
            if i >= len(b):
                out.append((sub, a[i], "<missing>"))
            elif i >= len(a):
                out.append((sub, "<missing>", b[i]))
            else:
                diff(a[i], b[i], sub, out)
    elif a != b or type(a) is not type(b):
        out.append((path, a, b))


def short(value, limit=160):
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def plan_text(stdout_file):
    """The printed plan and schedule: everything from the `Deployment plan` line on."""
    with open(stdout_file, encoding="utf-8") as f:
        lines = [ANSI.sub("", line).rstrip() for line in f.read().splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    for i, line in enumerate(lines):
        if line.startswith("Deployment plan"):
            return lines[i:]
    return None


class Checker:
    def __init__(self, show):
        self.show = show
        self.results = []

    def record(self, ok, name, details=()):
        self.results.append(("PASS" if ok else "FAIL", name))
        print(f"{'PASS' if ok else 'FAIL'} {name}")
        for line in details:
            print(f"    {line}")

    def compare_template(self, name, reference_file, consumer_file, consumer):
        ref_hashes, con_hashes = [], []
        try:
            ref = normalize(load_json(reference_file), "", ref_hashes)
            con = normalize(load_json(consumer_file), "", con_hashes)
        except (OSError, ValueError) as e:
            self.record(False, name, [f"cannot read a template: {e}"])
            return
        differences = []
        diff(ref, con, "", differences)
        details = []
        # explained differences: the same place holds an asset hash on both sides, but another hash
        ref_at, con_at = dict(ref_hashes), dict(con_hashes)
        for path in sorted(set(ref_at) & set(con_at)):
            if ref_at[path] != con_at[path]:
                details.append(f"explained: asset hash differs at {path} (normalized)")
        for path, a, b in differences[: self.show]:
            if isinstance(a, str) and isinstance(b, str) and ("\n" in a or "\n" in b):
                # a multi-line string (such as a build spec): show its first differing line
                la, lb = a.split("\n"), b.split("\n")
                n = next((i for i in range(max(len(la), len(lb)))
                          if i >= len(la) or i >= len(lb) or la[i] != lb[i]), 0)
                path = f"{path} (line {n + 1})"
                a = la[n] if n < len(la) else "<missing>"
                b = lb[n] if n < len(lb) else "<missing>"
            details.append(f"{path}:")
            details.append(f"  typescript: {short(a)}")
            details.append(f"  {consumer}: {short(b)}")
        if len(differences) > self.show:
            details.append(f"... and {len(differences) - self.show} more differences")
        self.record(not differences, name, details)

    def compare_consumer(self, consumer, reference, ref_stdout, cdk_out, stdout, variant=None):
        label = f"{consumer} {variant}" if variant else consumer
        ref_stacks = stacks_of(reference)
        try:
            con_stacks = stacks_of(cdk_out)
        except (OSError, ValueError) as e:
            self.record(False, f"{label} stacks", [f"cannot read {cdk_out}/manifest.json: {e}"])
            con_stacks = {}
        else:
            details = []
            for sid in sorted(set(ref_stacks) | set(con_stacks)):
                a, b = ref_stacks.get(sid), con_stacks.get(sid)
                if a is None:
                    details.append(f"{sid}: only in {consumer}")
                elif b is None:
                    details.append(f"{sid}: missing in {consumer}")
                elif a != b:
                    details.append(f"{sid}: typescript {a} != {consumer} {b}")
            self.record(not details, f"{label} stacks", details)

        for sid, ref in sorted(ref_stacks.items(), key=lambda kv: (kv[0] != PIPELINE_STACK, kv[0])):
            if sid == PIPELINE_STACK:
                name = f"{label} pipeline stack"
            elif sid.startswith(ARTIFACTS_PREFIX):
                name = f"{label} artifacts stack {sid[len(ARTIFACTS_PREFIX):]}"
            elif sid.startswith(REGIONAL_PREFIX):
                name = f"{label} pipeline stack {sid[len(REGIONAL_PREFIX):]}"
            else:
                name = f"{label} stack {sid}"
            con = con_stacks.get(sid)
            if con is None:
                self.record(False, name, [f"no stack {sid} in {cdk_out}"])
                continue
            self.compare_template(name, os.path.join(reference, ref["templateFile"]),
                                  os.path.join(cdk_out, con["templateFile"]), consumer)

        if stdout is not None and ref_stdout is not None:
            ref_plan, con_plan = plan_text(ref_stdout), plan_text(stdout)
            details = []
            if ref_plan is None or con_plan is None:
                details.append(f"no 'Deployment plan' line in {ref_stdout if ref_plan is None else stdout}")
            else:
                for i in range(max(len(ref_plan), len(con_plan))):
                    a = ref_plan[i] if i < len(ref_plan) else "<missing>"
                    b = con_plan[i] if i < len(con_plan) else "<missing>"
                    if a != b:
                        details += [f"line {i + 1}:", f"  typescript: {a}", f"  {consumer}: {b}"]
                details = details[: 3 * self.show]
            self.record(not details, f"{label} deployment plan", details)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reference", required=True, help="the TypeScript example's cdk.out")
    parser.add_argument("--reference-stdout", help="what the TypeScript example printed")
    parser.add_argument("--variant", help="the example's name, put in every check's name (example, regional, stackset)")
    parser.add_argument("--consumer", action="append", nargs="+", metavar=("NAME", "CDK_OUT"), required=True,
                        help="NAME CDK_OUT [STDOUT]")
    parser.add_argument("--report", help="append the PASS/FAIL lines to this file")
    parser.add_argument("--show", type=int, default=20, help="differences to print per check")
    args = parser.parse_args()

    checker = Checker(args.show)
    for spec in args.consumer:
        if len(spec) not in (2, 3):
            parser.error("--consumer takes NAME CDK_OUT [STDOUT]")
        name, cdk_out = spec[0], spec[1]
        stdout = spec[2] if len(spec) == 3 else None
        checker.compare_consumer(name, args.reference, args.reference_stdout, cdk_out, stdout, args.variant)

    if args.report:
        with open(args.report, "a", encoding="utf-8") as f:
            for status, name in checker.results:
                f.write(f"{status} {name}\n")
    failed = sum(1 for status, _ in checker.results if status == "FAIL")
    print(f"compare: {len(checker.results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
