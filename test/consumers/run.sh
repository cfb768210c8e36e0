#!/usr/bin/env bash
# Proves the Python and Java bindings work: builds the wheel and the jar with jsii-pacmak, synthesizes
# three example programs from TypeScript, Python (test/consumers/python) and Java (test/consumers/java),
# checks that every template and every printed plan is the same (test/consumers/compare.py), and runs
# the Python and Java blocks of README.md exactly as they appear there (test/consumers/quickstart.py).
# The programs ("variants"), each written in the three languages:
#   example   example/main.ts      the three-region pipeline (waves, windows, gates, approval)
#             python/app.py, java/.../ExampleApp.java
#   regional  example/regional.ts  the same targets as regional pipelines (DeliveryTopology.regionalPipelines())
#             python/regional.py, java/.../RegionalApp.java
#   stackset  example/stackset.ts  a self-managed stack set to three regions (RegionTarget.stackSet)
#             python/stackset.py, java/.../StackSetApp.java
# One Python process (python/synth_all.py) and one JVM (SynthAll.java) synthesize all of them.
#
#   test/consumers/run.sh [--skip-package] [--keep]     (or: npx projen consumers [--skip-package])
#     --skip-package  use the wheel and jar already in dist/ (after `npx projen compile package:python package:java`)
#     --keep          keep the temporary directory with the three cloud assemblies and their output
#
# Writes test-reports/consumers.txt: one `PASS <name>` / `FAIL <name>` line per check (`python regional
# synth`, `java stackset pipeline stack`, `python quickstart`, ...).
# Environment: CONSUMERS_VENV (default test/consumers/python/.venv), CONSUMERS_MAVEN_REPO (the Maven
# local repository, default test/consumers/java/.m2-repo: private to this checkout, so that another
# checkout's build of the same library version can never be picked up).
# Needs: Node 20 (after `npm ci`), python3 (venv), JDK 17 and Maven 3.8, and PyPI / Maven Central.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
here="$root/test/consumers"

skip_package=false
keep=false
for arg in "$@"; do
  case "$arg" in
    --skip-package) skip_package=true ;;
    --keep) keep=true ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $arg" >&2; exit 2 ;;
  esac
done

export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
# fixes the "if a release started now" schedule, so the printed plans can be compared
export RELEASE_START=2026-11-20T12:00:00Z
venv="${CONSUMERS_VENV:-$here/python/.venv}"
m2_repo="${CONSUMERS_MAVEN_REPO:-$here/java/.m2-repo}"
report="$root/test-reports/consumers.txt"
work="$(mktemp -d "${TMPDIR:-/tmp}/consumers.XXXXXX")"
VARIANTS=(example regional stackset)
mkdir -p "$root/test-reports" "$work/ts" "$work/python" "$work/java"
: > "$report"
declare -a TIMINGS=()
completed=false
start_all=$SECONDS

finish() {
  local rc=$?
  echo
  echo "== consumer step timings"
  for t in "${TIMINGS[@]}"; do echo "  $t"; done
  printf '  %-28s %4ds\n' "total" $((SECONDS - start_all))
  if [ "$completed" != true ]; then
    # a step before the comparison failed: make sure CI counts a failure
    echo "FAIL consumers setup" >> "$report"
    [ "$rc" -ne 0 ] || rc=1
  fi
  echo "== $(grep -c '^PASS' "$report" || true) passed, $(grep -c '^FAIL' "$report" || true) failed (test-reports/consumers.txt)"
  if [ "$keep" = true ]; then echo "kept $work"; else rm -rf "$work"; fi
  exit "$rc"
}
trap finish EXIT

step() {
  local name=$1; shift
  echo
  echo "== ${name}"
  local start=$SECONDS rc=0
  "$@" || rc=$?
  TIMINGS+=("$(printf '%-28s %4ds%s' "$name" $((SECONDS - start)) "$([ $rc -eq 0 ] || echo '  (failed)')")")
  return $rc
}

# A consumer that fails to build or synthesize is recorded, and the others still run.
check() {
  local name=$1; shift
  if step "$name" "$@"; then
    echo "PASS $name" >> "$report"
  else
    echo "FAIL $name" >> "$report"
    echo "run.sh: $name failed" >&2
  fi
}

version="$(node -p "require('./package.json').version")"

if [ "$skip_package" = false ]; then
  step "jsii compile" npx projen compile
  step "pacmak python" npx projen package:python
  step "pacmak java" npx projen package:java
else
  for f in dist/python/cdk_multi_region_delivery_pipeline-"$version"-py3-none-any.whl \
           dist/java/io/github/cdkmultiregion/cdk-multi-region-delivery-pipeline/"$version"/cdk-multi-region-delivery-pipeline-"$version".jar; do
    [ -f "$f" ] || { echo "run.sh: $f is missing; run without --skip-package" >&2; exit 1; }
    if [ .jsii -nt "$f" ]; then echo "run.sh: warning: $f is older than .jsii (stale package?)" >&2; fi
  done
fi

# the TypeScript references: example/main.ts writes example/cdk.out (as in the README), the others a
# directory given to them
mkdir -p "$work/ts/example"
ts_example() { npx projen example > "$work/ts/example/stdout.txt"; }
step "typescript synth (example)" ts_example
ts_variant() { TS_NODE_TRANSPILE_ONLY=true npx ts-node "example/$1.ts" "$work/ts/$1/cdk.out" > "$work/ts/$1/stdout.txt"; }
for v in regional stackset; do
  mkdir -p "$work/ts/$v"
  step "typescript synth ($v)" ts_variant "$v"
done
reference() { if [ "$1" = example ]; then echo example/cdk.out; else echo "$work/ts/$1/cdk.out"; fi; }

# `<language> <variant> synth` for each variant, from what synth_all.py / SynthAll printed (`PASS <variant>`);
# a variant it did not report (the process failed before) fails
record_synth() {
  local language=$1 results=$2 v
  for v in "${VARIANTS[@]}"; do
    if [ -f "$results" ] && sed 's/\x1b\[[0-9;]*m//g' "$results" | grep -qx "PASS $v"; then
      echo "PASS $language $v synth" >> "$report"
    else
      echo "FAIL $language $v synth" >> "$report"
      echo "run.sh: $language $v synth failed" >&2
    fi
  done
}
fail_all() {
  local language=$1 v
  for v in "${VARIANTS[@]}"; do echo "FAIL $language $v synth" >> "$report"; done
  echo "FAIL $language quickstart" >> "$report"
}

python_venv() { "$here/python/make-venv.sh" "$venv"; }
python_synth() { "$venv/bin/python" "$here/python/synth_all.py" "$work/python" "${VARIANTS[@]}" > "$work/python/results.txt"; }
# the Python block of README.md (rosetta's translation of its TypeScript block), exactly as it appears there, must run
python_quickstart() {
  python3 "$here/quickstart.py" python "$work/python/quickstart.py" || return 1
  CDK_OUTDIR="$work/python/quickstart.out" "$venv/bin/python" "$work/python/quickstart.py"
}
if step "python venv + pip" python_venv; then
  step "python synth (${#VARIANTS[@]} programs)" python_synth || true
  record_synth python "$work/python/results.txt"
  check "python quickstart" python_quickstart
else
  fail_all python
fi

mvn_args=(-q -B -Dstyle.color=never -f "$here/java/pom.xml" "-Dmaven.repo.local=$m2_repo" "-Dlib.version=$version")
java_build() {
  # a release version is never fetched again once it is in the local repository: drop the previous
  # build of the library so that Maven takes the jar just built into dist/java
  rm -rf "$m2_repo/io/github/cdkmultiregion/cdk-multi-region-delivery-pipeline"
  # (inside `step`, errexit is off: every command checks its own status)
  mvn "${mvn_args[@]}" compile || return 1
  local installed="$m2_repo/io/github/cdkmultiregion/cdk-multi-region-delivery-pipeline/$version/cdk-multi-region-delivery-pipeline-$version.jar"
  cmp -s "$installed" "dist/java/io/github/cdkmultiregion/cdk-multi-region-delivery-pipeline/$version/cdk-multi-region-delivery-pipeline-$version.jar" \
    || { echo "run.sh: Maven did not resolve the jar from dist/java" >&2; return 1; }
}
java_synth() { mvn "${mvn_args[@]}" exec:java "-Dexec.args=$work/java ${VARIANTS[*]}" > "$work/java/results.txt"; }
# the Java block of README.md, exactly as it appears there (a whole program, imports included), must
# compile and run (exec:exec hands javac and java the project's classpath)
java_quickstart() {
  local class
  class="$(python3 "$here/quickstart.py" java "$work/java/quickstart")" || return 1
  mvn "${mvn_args[@]}" exec:exec -Dexec.executable=javac \
    "-Dexec.args=-d $work/java/quickstart/classes -cp %classpath $work/java/quickstart/$class.java" || return 1
  CDK_OUTDIR="$work/java/quickstart.out" mvn "${mvn_args[@]}" exec:exec -Dexec.executable=java \
    "-Dexec.args=-cp $work/java/quickstart/classes:%classpath $class"
}
if step "maven compile" java_build; then
  step "java synth (${#VARIANTS[@]} programs)" java_synth || true
  record_synth java "$work/java/results.txt"
  check "java quickstart" java_quickstart
else
  fail_all java
fi

compare() {
  local v rc=0
  for v in "${VARIANTS[@]}"; do
    python3 "$here/compare.py" --variant "$v" --reference "$(reference "$v")" --reference-stdout "$work/ts/$v/stdout.txt" \
      --consumer python "$work/python/$v/cdk.out" "$work/python/$v/stdout.txt" \
      --consumer java "$work/java/$v/cdk.out" "$work/java/$v/stdout.txt" \
      --report "$report" || rc=1
  done
  return $rc
}
rc=0
step "compare" compare || rc=$?
completed=true
if grep -q '^FAIL' "$report"; then exit 1; fi
exit "$rc"
