#!/bin/bash
# Fails the deployment (and so triggers the group's automatic rollback) unless the new revision
# answers with its own version.
set -euo pipefail
expected="$(cat /opt/sample-app/VERSION)"
for attempt in $(seq 1 20); do
  if curl -fsS http://localhost/ | grep -q "\"version\": \"$expected\""; then
    exit 0
  fi
  sleep 3
done
echo "sample-app does not answer with version $expected" >&2
exit 1
