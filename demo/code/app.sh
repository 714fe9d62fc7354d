#!/bin/sh
# The demo service: says what it runs as, then idles until stopped.
if [ "${RUNTIME_MODE:-}" = broken ]; then
    echo "app: mode broken, giving up" >&2
    exit 3
fi
touch /tmp/app.ready
echo "app up: container=$JDEPLOY_CONTAINER group=$JDEPLOY_GROUP monitor=$MONITOR_ENABLED mode=${RUNTIME_MODE:-none}"
trap 'echo "app stopping"; exit 0' TERM INT
while :; do sleep 3600 & wait $!; done
