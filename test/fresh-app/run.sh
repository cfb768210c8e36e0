#!/usr/bin/env bash
# A new user's first hour, automated: packs the library as npm would publish it, installs the tarball
# into brand-new TypeScript CDK apps, once with the newest aws-cdk-lib and constructs and once with the
# peer floors (aws-cdk-lib 2.186.0, constructs 10.5.1), and synthesizes the README's TypeScript example
# (copied verbatim, imports included) with deprecations made fatal (JSII_DEPRECATED=fail).
#
#   test/fresh-app/run.sh [--keep]        (needs lib/ and .jsii: `npx projen compile` first)
#
# Each app checks: `npm install` prints no peer-dependency warning; the example type-checks (tsc,
# strict); it synthesizes with JSII_DEPRECATED=fail and prints no deprecation warning; the cloud
# assembly deploys the artifact store stack before the pipeline's stack; a user error (no `env`)
# prints its message and the construct's path, without stack frames.
# Writes test-reports/fresh-app.txt: one `PASS <name>` / `FAIL <name>` line per check.
# Needs: Node 20 and npm with access to the npm registry.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"

keep=false
for arg in "$@"; do
  case "$arg" in
    --keep) keep=true ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $arg" >&2; exit 2 ;;
  esac
done

# the floors must agree with package.json's peer ranges (^2.186.0, ^10.5.1)
CDK_FLOOR="$(node -p "require('./package.json').peerDependencies['aws-cdk-lib'].replace(/^\\^/, '')")"
CONSTRUCTS_FLOOR="$(node -p "require('./package.json').peerDependencies.constructs.replace(/^\\^/, '')")"
# TypeScript 7 (npm's latest) breaks ts-node; the README's Requirements name 5.x/6.x, CI uses this one
TYPESCRIPT=typescript@~5.9.3

report="$root/test-reports/fresh-app.txt"
work="$(mktemp -d "${TMPDIR:-/tmp}/fresh-app.XXXXXX")"
mkdir -p "$root/test-reports"
: > "$report"
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
cleanup() { if [ "$keep" = true ]; then echo "kept $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT

record() { if [ "$2" -eq 0 ]; then echo "PASS $1" >> "$report"; else echo "FAIL $1" >> "$report"; echo "run.sh: FAIL $1" >&2; fi; }

[ -f .jsii ] && [ -f lib/index.js ] || { echo "run.sh: no compiled library; run npx projen compile first" >&2; exit 1; }
tarball="$work/$(npm pack --silent --ignore-scripts --pack-destination "$work" | tail -n 1)"
echo "packed $(basename "$tarball"): $(wc -c < "$tarball") bytes, $(tar -tzf "$tarball" | wc -l) files"
python3 test/consumers/quickstart.py typescript "$work/main.ts"

# app NAME AWS_CDK_LIB CONSTRUCTS
app() {
  local name=$1 cdk=$2 constructs=$3 dir="$work/$1" rc
  mkdir -p "$dir"
  cp "$work/main.ts" "$dir/main.ts"
  cat > "$dir/package.json" <<JSON
{ "name": "fresh-app-$name", "version": "0.0.0", "private": true }
JSON
  cat > "$dir/tsconfig.json" <<'JSON'
{
  "compilerOptions": {
    "target": "ES2022", "module": "commonjs", "lib": ["es2022"], "types": ["node"],
    "strict": true, "noImplicitAny": true, "noUnusedLocals": false, "esModuleInterop": true
  },
  "files": ["main.ts"]
}
JSON
  echo "== $name: npm install aws-cdk-lib@$cdk constructs@$constructs $TYPESCRIPT and the tarball"
  rc=0
  (cd "$dir" && npm install --no-audit --no-fund --loglevel=warn "$tarball" "aws-cdk-lib@$cdk" "constructs@$constructs" "$TYPESCRIPT" '@types/node@^20') \
    > "$dir/install.log" 2>&1 || rc=$?
  cat "$dir/install.log"
  if [ "$rc" -eq 0 ] && grep -qiE 'peer|ERESOLVE' "$dir/install.log"; then rc=1; fi
  record "$name install (no peer warning)" "$rc"
  [ "$rc" -eq 0 ] || return 0
  echo "== $name: versions: $(cd "$dir" && node -p "['aws-cdk-lib','constructs','typescript'].map(p => p + ' ' + require(p + '/package.json').version).join(', ')")"

  rc=0; (cd "$dir" && npx --no-install tsc -p .) || rc=$?
  record "$name README example compiles" "$rc"
  [ "$rc" -eq 0 ] || return 0

  rc=0
  (cd "$dir" && JSII_DEPRECATED=fail CDK_OUTDIR=cdk.out node main.js) > "$dir/synth.log" 2>&1 || rc=$?
  cat "$dir/synth.log"
  if [ "$rc" -eq 0 ] && grep -qi 'deprecated' "$dir/synth.log"; then rc=1; fi
  record "$name synth (JSII_DEPRECATED=fail)" "$rc"
  [ "$rc" -eq 0 ] || return 0

  rc=0
  node -e '
    const m = require(process.argv[1] + "/cdk.out/manifest.json");
    const deps = (m.artifacts.DeliveryPipeline || {}).dependencies || [];
    if (!deps.includes("DeliveryPipeline-artifacts-eu-west-1")) { console.error("dependencies of DeliveryPipeline:", deps); process.exit(1); }
  ' "$dir" || rc=$?
  record "$name store stack deployed first" "$rc"

  # a user error (a pipeline stack without env) prints the message and the construct path, no stack frames
  cat > "$dir/no-env.js" <<'JS'
const { App, Stack } = require('aws-cdk-lib');
const s3 = require('aws-cdk-lib/aws-s3');
const { MultiRegionDeliveryPipeline, PipelineSource, RegionTarget } = require('cdk-multi-region-delivery-pipeline');
const stack = new Stack(new App(), 'DeliveryPipeline');
new MultiRegionDeliveryPipeline(stack, 'Pipeline', {
  source: PipelineSource.s3({ bucket: new s3.Bucket(stack, 'Source', { versioned: true }), objectKey: 'a.zip' }),
  targets: [RegionTarget.cloudFormation({ region: 'eu-west-1', stackName: 'service-x', templatePath: 't.yaml' })],
});
JS
  rc=0
  (cd "$dir" && node no-env.js) > "$dir/no-env.log" 2>&1 && rc=1
  cat "$dir/no-env.log"
  grep -q '^ValidationError: .*must have a concrete account and region' "$dir/no-env.log" || rc=1
  grep -q '^    at path \[DeliveryPipeline/Pipeline\]$' "$dir/no-env.log" || rc=1
  if grep -E '^\s+at ' "$dir/no-env.log" | grep -qv 'at path \['; then rc=1; fi
  record "$name user error without stack trace" "$rc"
}

start=$SECONDS
app newest latest latest
echo "== newest: $((SECONDS - start))s"
start=$SECONDS
app floor "$CDK_FLOOR" "$CONSTRUCTS_FLOOR"
echo "== floor: $((SECONDS - start))s"

echo "== $(grep -c '^PASS' "$report" || true) passed, $(grep -c '^FAIL' "$report" || true) failed (test-reports/fresh-app.txt)"
! grep -q '^FAIL' "$report"
