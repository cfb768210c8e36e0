#!/bin/bash
# Stops the running revision, if any (the first deployment finds none).
systemctl stop sample-app.service 2>/dev/null || true
