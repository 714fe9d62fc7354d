#!/usr/bin/env bash
# Install the host packages that scripts/engines.sh and the dashboard's browser tests
# (headless Chromium over WebDriver) rely on (Debian/Ubuntu).
# Idempotent and silent when everything is already present.
set -euo pipefail

log() { printf 'install-deps: %s\n' "$*" >&2; }

# The demo image is built from this binary, so it must not need a loader or libc.
busybox_is_static() {
    [[ -x /bin/busybox ]] || return 1
    # ldd exits non-zero for static binaries, so judge by its message instead.
    local out
    out=$(LC_ALL=C ldd /bin/busybox 2>&1 || true)
    [[ $out == *"not a dynamic executable"* || $out == *"statically linked"* ]]
}

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
busybox_is_static || missing+=(busybox-static)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v flock >/dev/null 2>&1 || missing+=(util-linux)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)

if ((${#missing[@]} == 0)); then
    exit 0
fi

if ((EUID != 0)); then
    log "need root to install: ${missing[*]}"
    exit 1
fi

log "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
log "done"
