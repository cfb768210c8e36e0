#!/bin/bash
set -euo pipefail
# Installs the service unit of the revision just copied to /opt/sample-app.
install -m 0644 /opt/sample-app/sample-app.service /etc/systemd/system/sample-app.service
systemctl daemon-reload
systemctl enable sample-app.service
