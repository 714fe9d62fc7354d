#!/usr/bin/env bash
# Extra Docker engines on loopback addresses, one per 127.0.0.N, so jdeploy can
# deploy to several "hosts" on one machine. They run beside the host's own
# engine and never touch it: separate data root, exec root, bridge and config.
#
# usage: engines.sh up [N...]              start engines (default: 2 3 4 5) and load the demo image
#        engines.sh down [--purge] [N...]  stop engines this script started; --purge also drops their data
#        engines.sh status                 one line per engine: N address up|down pid
#        engines.sh image [N...]           load jdeploy-demo:latest into running engines
#        engines.sh up-tls                 start the TLS engine at tcp://127.0.0.9:2376 (--tlsverify)
#        engines.sh down-tls [--purge]     stop the TLS engine
#
# env: JDEPLOY_ENGINES_DIR             state base dir (default /var/lib/jdeploy-engines)
#      JDEPLOY_ENGINES_RUN_DIR         exec-root base (default /run/jde; keep it short, it holds unix sockets)
#      JDEPLOY_TLS_CERTS_DIR           TLS material (default $JDEPLOY_ENGINES_DIR/tls/certs)
#      JDEPLOY_ENGINES_STORAGE_DRIVER  force a storage driver instead of probing
#      JDEPLOY_ENGINES_START_TIMEOUT   seconds to wait for an engine's API (default 30)
set -euo pipefail

BASE=${JDEPLOY_ENGINES_DIR:-/var/lib/jdeploy-engines}
RUN_BASE=${JDEPLOY_ENGINES_RUN_DIR:-/run/jde}
CERTS_DIR=${JDEPLOY_TLS_CERTS_DIR:-$BASE/tls/certs}
START_TIMEOUT=${JDEPLOY_ENGINES_START_TIMEOUT:-30}
STOP_TIMEOUT=15
LOCK_TIMEOUT=300
DEFAULT_ENGINES=(2 3 4 5)
TLS_N=9
IMAGE=jdeploy-demo:latest
IMAGE_TAR=$BASE/jdeploy-demo.tar
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Callers (test runners, CI) may carry client settings meant for other engines.
unset DOCKER_HOST DOCKER_TLS_VERIFY DOCKER_CERT_PATH DOCKER_CONTEXT
# dockerd and ip live in sbin, which a non-login PATH may lack.
export PATH=$PATH:/usr/sbin:/sbin

log() { printf 'engines: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---------------------------------------------------------------- engine layout

# select_engine ID: set the E_* globals describing engine ID (a number N, or "tls").
select_engine() {
    local id=$1
    if [[ $id == tls ]]; then
        E_N=$TLS_N
        E_PORT=2376
        E_TLS=1
    else
        [[ $id =~ ^[0-9]{1,3}$ ]] || die "engine number must be 2..254, got '$id'"
        id=$((10#$id))
        ((id >= 2 && id <= 254)) || die "engine number must be 2..254, got '$id'"
        ((id != TLS_N)) || die "127.0.0.$TLS_N is reserved for the TLS engine (use up-tls)"
        E_N=$id
        E_PORT=2375
        E_TLS=0
    fi
    E_ID=$id
    E_ADDR=127.0.0.$E_N
    E_DIR=$BASE/$id
    E_RUN=$RUN_BASE/$id
    E_DATA=$E_DIR/data
    E_PIDFILE=$E_DIR/dockerd.pid
    E_LOG=$E_DIR/dockerd.log
    E_MARK=$E_DIR/started-by-engines.sh
    E_BRIDGE=jdbr$E_N
    E_BRIDGE_CIDR=10.210.$E_N.1/24
    E_CLIENT=(-H "tcp://$E_ADDR:$E_PORT")
    if ((E_TLS)); then
        E_CLIENT+=(--tlsverify --tlscacert "$CERTS_DIR/ca.pem"
            --tlscert "$CERTS_DIR/cert.pem" --tlskey "$CERTS_DIR/key.pem")
    fi
}

# dk ARGS...: docker CLI aimed at the selected engine.
dk() { timeout 120 docker "${E_CLIENT[@]}" "$@"; }

api_answers() { timeout 5 docker "${E_CLIENT[@]}" version --format '{{.Server.Version}}' </dev/null >/dev/null 2>&1; }

# pid_of_dockerd: print the pid from the pidfile if it is a live dockerd of this engine.
pid_of_dockerd() {
    local pid
    [[ -r $E_PIDFILE ]] || return 1
    pid=$(<"$E_PIDFILE")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == dockerd ]] || return 1
    # Guard against pid reuse: it must be the dockerd using this engine's data root.
    tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF -- "$E_DATA" || return 1
    printf '%s\n' "$pid"
}

started_by_us() { [[ -r $E_MARK && $(<"$E_MARK") == "$1" ]]; }

# Every engine with state on disk, plus the defaults, in a stable order.
known_engines() {
    local d ids=("${DEFAULT_ENGINES[@]}")
    for d in "$BASE"/*/; do
        d=$(basename "$d")
        [[ $d =~ ^[0-9]+$ ]] && ids+=("$d")
    done
    printf '%s\n' "${ids[@]}" | sort -n -u
    [[ -d $BASE/tls ]] && echo tls
    return 0
}

# ---------------------------------------------------------------- locking

# One lock for all mutations: concurrent `up` calls queue up, and the later ones
# then find everything running and return at once.
take_lock() {
    mkdir -p "$BASE"
    exec 9>"$BASE/.lock"
    flock -w "$LOCK_TIMEOUT" 9 || die "timed out waiting for $BASE/.lock"
}

# ---------------------------------------------------------------- bridge

ensure_bridge() {
    if ip link show dev "$E_BRIDGE" >/dev/null 2>&1; then
        ip -d link show dev "$E_BRIDGE" | grep -qw bridge || die "$E_BRIDGE exists and is not a bridge"
    else
        log "creating bridge $E_BRIDGE ($E_BRIDGE_CIDR)"
        ip link add "$E_BRIDGE" type bridge
        touch "$E_DIR/bridge-created"
    fi
    if ! ip -4 -o addr show dev "$E_BRIDGE" | grep -qF " ${E_BRIDGE_CIDR} "; then
        ip addr add "$E_BRIDGE_CIDR" dev "$E_BRIDGE"
    fi
    ip link set dev "$E_BRIDGE" up
}

remove_bridge() {
    [[ -e $E_DIR/bridge-created ]] || return 0
    if ip link show dev "$E_BRIDGE" >/dev/null 2>&1; then
        log "removing bridge $E_BRIDGE"
        ip link delete "$E_BRIDGE" type bridge
    fi
    rm -f "$E_DIR/bridge-created"
}

# ---------------------------------------------------------------- start / stop

storage_driver_candidates() {
    local main list=()
    if [[ -n ${JDEPLOY_ENGINES_STORAGE_DRIVER:-} ]]; then
        echo "$JDEPLOY_ENGINES_STORAGE_DRIVER"
        return
    fi
    # An engine that ran before keeps its images and containers under its driver: another
    # driver would start it empty. A failed start (containerd slow after a kill) is
    # retried on the same driver instead.
    if [[ -s $E_DIR/storage-driver ]]; then
        main=$(<"$E_DIR/storage-driver")
        printf '%s\n' "$main" "$main" "$main"
        return
    fi
    [[ -s $BASE/storage-driver ]] && list+=("$(<"$BASE/storage-driver")")
    list+=(overlay2)
    main=$(timeout 5 docker -H unix:///var/run/docker.sock info --format '{{.Driver}}' 2>/dev/null || true)
    [[ -n $main ]] && list+=("$main")
    list+=(fuse-overlayfs vfs)
    printf '%s\n' "${list[@]}" | awk '!seen[$0]++'
}

# stop_pid PID WHAT: TERM, wait, then KILL.
stop_pid() {
    local pid=$1 what=$2 i
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    log "$what (pid $pid) ignored TERM for ${STOP_TIMEOUT}s, killing it"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
}

# A dockerd that died or was killed can leave the containerd it spawned behind.
stop_orphan_containerd() {
    local pidfile=$E_RUN/containerd/containerd.pid pid
    [[ -r $pidfile ]] || return 0
    pid=$(<"$pidfile")
    [[ $pid =~ ^[0-9]+$ ]] || return 0
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == containerd ]] || return 0
    tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$E_RUN/" || return 0
    log "stopping leftover containerd of engine $E_ID (pid $pid)"
    stop_pid "$pid" containerd
}

# dockerd logs chatty grpc lines at info level; the cause is in the rest.
log_tail() { grep -v 'level=info' "$E_LOG" | tail -n 20 >&2 || true; }

# dockerd bind-mounts its data root onto itself and undoes that on a clean
# exit only; drop the mount after a crash or failed start unless it is busy.
release_data_mount() {
    [[ -e $E_RUN/unmount-on-shutdown ]] || return 0
    if mountpoint -q "$E_DATA"; then
        umount "$E_DATA" 2>/dev/null || return 0
    fi
    rm -f "$E_RUN/unmount-on-shutdown"
}

# launch DRIVER: start dockerd and wait for its API. 0 = ready, 1 = it exited
# (worth trying another driver), 2 = it is alive but never answered.
launch() {
    local driver=$1 pid deadline
    # Never add --bridge=none or --default-address-pool: on start, dockerd
    # then deletes the interface named docker0, which belongs to the host engine.
    local args=(
        # Keep the host engine's /etc/docker/daemon.json (data-root etc.) out.
        --config-file "$E_DIR/daemon.json"
        --data-root "$E_DATA"
        --exec-root "$E_RUN"
        --pidfile "$E_PIDFILE"
        -H "unix://$E_RUN/docker.sock"
        -H "tcp://$E_ADDR:$E_PORT"
        --bridge "$E_BRIDGE"
        --iptables=false --ip-masq=false --ip-forward=false
        --storage-driver "$driver"
    )
    if ((E_TLS)); then
        args+=(--tlsverify --tlscacert "$CERTS_DIR/ca.pem"
            --tlscert "$CERTS_DIR/server-cert.pem" --tlskey "$CERTS_DIR/server-key.pem")
    fi

    [[ -f $E_LOG ]] && mv -f "$E_LOG" "$E_LOG.1"
    log "starting engine $E_ID on $E_ADDR:$E_PORT (storage driver $driver)"
    # setsid detaches it from our session; fd 9 (the lock) must not leak into it,
    # nor may the caller's stdout/stderr, or pipes reading us would never close.
    setsid dockerd "${args[@]}" </dev/null >>"$E_LOG" 2>&1 9>&- &
    pid=$!

    deadline=$((SECONDS + START_TIMEOUT))
    while ((SECONDS < deadline)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            wait "$pid" 2>/dev/null || true
            stop_orphan_containerd
            release_data_mount
            return 1
        fi
        if api_answers; then
            printf '%s\n' "$pid" >"$E_MARK"
            printf '%s\n' "$driver" >"$E_DIR/storage-driver"
            printf '%s\n' "$driver" >"$BASE/storage-driver"
            return 0
        fi
        sleep 0.2
    done
    log "engine $E_ID did not answer within ${START_TIMEOUT}s; stopping it"
    stop_pid "$pid" dockerd
    stop_orphan_containerd
    release_data_mount
    return 2
}

# start_engine: make sure the selected engine runs; 0 if it was already up.
start_engine() {
    local pid driver rc had_docker0
    mkdir -p "$E_DIR" "$E_RUN"
    if pid=$(pid_of_dockerd); then
        if api_answers; then
            started_by_us "$pid" || log "engine $E_ID (pid $pid) was not started by this script; using it as is"
            return 0
        fi
        die "engine $E_ID: dockerd pid $pid is alive but $E_ADDR:$E_PORT does not answer; see $E_LOG"
    fi
    rm -f "$E_MARK"
    # A dockerd that was killed leaves its pidfile, and a new one refuses to start while
    # that pid exists (a zombie not yet reaped counts): it is not this engine's dockerd.
    rm -f "$E_PIDFILE"
    # It also leaves its containerd, which holds the socket the new one's containerd
    # needs (the new dockerd then times out and exits), and its data root's bind mount.
    stop_orphan_containerd
    release_data_mount
    [[ -f $E_DIR/daemon.json ]] || echo '{}' >"$E_DIR/daemon.json"
    ensure_bridge
    had_docker0=0
    ip link show dev docker0 >/dev/null 2>&1 && had_docker0=1
    while read -r driver; do
        rc=0
        launch "$driver" || rc=$?
        case $rc in
            0)
                log "engine $E_ID up (pid $(<"$E_MARK"))"
                # Cheap tripwire for dockerd options that delete the host's bridge.
                if ((had_docker0)) && ! ip link show dev docker0 >/dev/null 2>&1; then
                    die "docker0 vanished while engine $E_ID started; the host engine needs it back"
                fi
                FRESH=1
                return 0
                ;;
            1) log "dockerd exited with storage driver $driver: $(tail -n 1 "$E_LOG")" ;;
            *) break ;;
        esac
    done < <(storage_driver_candidates)
    remove_bridge
    log "engine $E_ID failed to start; last warnings and errors from $E_LOG:"
    log_tail
    exit 1
}

stop_engine() {
    local purge=$1 pid
    if pid=$(pid_of_dockerd); then
        if ! started_by_us "$pid"; then
            log "engine $E_ID (pid $pid) was not started by this script; leaving it alone"
            return 0
        fi
        log "stopping engine $E_ID (pid $pid)"
        stop_containers
        stop_pid "$pid" dockerd
    else
        log "engine $E_ID is not running"
    fi
    stop_orphan_containerd
    release_data_mount
    rm -f "$E_MARK"
    remove_bridge
    if ((purge)) && [[ -d $E_DIR ]]; then
        purge_engine
    fi
}

# Containers often run a shell as pid 1, which ignores TERM, and dockerd would
# give each one 10 s on shutdown; a short explicit stop keeps `down` quick.
stop_containers() {
    local ids
    api_answers || return 0
    mapfile -t ids < <(dk ps -q 2>/dev/null </dev/null || true)
    ((${#ids[@]} == 0)) || dk stop -t 1 "${ids[@]}" >/dev/null 2>&1 </dev/null || true
}

purge_engine() {
    local m
    log "purging data of engine $E_ID"
    # Unmount whatever a crashed engine left behind, deepest first, so rm
    # cannot descend into a mounted filesystem.
    while read -r m; do
        umount -l "$m" 2>/dev/null || true
    done < <(awk -v d="$E_DATA" -v r="$E_RUN" \
        '$2 == d || $2 == r || index($2, d "/") == 1 || index($2, r "/") == 1 { print $2 }' /proc/self/mounts | sort -r)
    rm -rf --one-file-system "$E_DATA" "$E_RUN"
    rm -f "$E_LOG" "$E_LOG.1" "$E_PIDFILE" "$E_DIR/storage-driver" "$E_DIR/daemon.json"
    rmdir --ignore-fail-on-non-empty "$E_DIR"
}

# ---------------------------------------------------------------- demo image

# A static busybox is the whole userland, so the image needs no registry.
build_image_tar() {
    local tmp root applet out
    [[ -s $IMAGE_TAR && $IMAGE_TAR -nt /bin/busybox ]] && return 0
    out=$(LC_ALL=C ldd /bin/busybox 2>&1 || true)
    [[ -x /bin/busybox && ($out == *"not a dynamic executable"* || $out == *"statically linked"*) ]] ||
        die "/bin/busybox must be a static binary (run scripts/install-deps.sh)"
    log "building $IMAGE_TAR"
    tmp=$(mktemp -d "$BASE/.image.XXXXXX")
    root=$tmp/rootfs
    mkdir -p "$root"/{bin,etc,root,tmp,usr/bin,var/tmp}
    chmod 1777 "$root/tmp" "$root/var/tmp"
    chmod 0700 "$root/root"
    cp /bin/busybox "$root/bin/busybox"
    for applet in $(/bin/busybox --list); do
        [[ $applet == busybox ]] || ln -s busybox "$root/bin/$applet"
    done
    [[ -e $root/bin/sh ]] || ln -s busybox "$root/bin/sh"
    # Scripts with "#!/usr/bin/env sh" shebangs should work too.
    ln -s ../../bin/busybox "$root/usr/bin/env"
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
    tar --numeric-owner --owner=0 --group=0 -C "$root" -cf "$tmp/image.tar" .
    mv -f "$tmp/image.tar" "$IMAGE_TAR"
    rm -rf "$tmp"
}

ensure_image() {
    if dk image inspect "$IMAGE" >/dev/null 2>&1; then
        return 0
    fi
    build_image_tar
    log "importing $IMAGE into engine $E_ID"
    dk import --change 'CMD ["/bin/sh"]' --change 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' \
        "$IMAGE_TAR" "$IMAGE" >/dev/null
}

# Right after a cold start, prove the engine can really run a container
# (storage driver, runtime, bridge), not just answer API calls.
smoke_test() {
    local out
    out=$(dk run --rm "$IMAGE" sh -c 'echo ok' 2>&1) && [[ $out == ok ]] && return 0
    log "engine $E_ID cannot run a container: $out"
    log_tail
    exit 1
}

# ---------------------------------------------------------------- commands

# each_engine FUNC ID...: run FUNC for all engines at once (each dockerd takes
# a second or two to start or stop); fails if any of them failed.
each_engine() {
    local fn=$1 id pid rc=0 pids=()
    shift
    for id in "$@"; do
        (
            select_engine "$id"
            "$fn"
        ) &
        pids+=("$!")
    done
    for pid in "${pids[@]}"; do
        wait "$pid" || rc=1
    done
    return "$rc"
}

up_one() {
    FRESH=0
    start_engine
    ensure_image
    ((FRESH == 0)) || smoke_test
}

down_one() { stop_engine "$PURGE"; }

image_one() {
    if pid_of_dockerd >/dev/null && api_answers; then
        ensure_image
    else
        log "engine $E_ID is not running; skipped"
    fi
}

cmd_up() {
    take_lock
    # Built once here rather than by every engine at the same time.
    build_image_tar
    each_engine up_one "$@"
}

cmd_down() {
    PURGE=$1
    shift
    take_lock
    each_engine down_one "$@"
}

cmd_image() {
    take_lock
    build_image_tar
    each_engine image_one "$@"
}

cmd_status() {
    local id pid state
    while read -r id; do
        select_engine "$id"
        state=down
        pid=$(pid_of_dockerd) || pid=-
        [[ $pid != - ]] && api_answers && state=up
        printf '%s %s:%s %s %s\n' "$E_ID" "$E_ADDR" "$E_PORT" "$state" "$pid"
    done < <(known_engines)
}

cmd_up_tls() {
    take_lock
    "$SCRIPT_DIR/gen-certs.sh" "$CERTS_DIR"
    build_image_tar
    each_engine up_one tls
}

need_root() { ((EUID == 0)) || die "must run as root (dockerd, bridges)"; }

usage() {
    sed -n '6,17s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
    exit 2
}

main() {
    local sub=${1:-} purge=0 ids=() arg
    (($# > 0)) && shift
    for arg in "$@"; do
        case $arg in
            --purge) purge=1 ;;
            -*) usage ;;
            *) ids+=("$arg") ;;
        esac
    done
    if ((purge)) && [[ $sub != down && $sub != down-tls ]]; then
        usage
    fi
    ((${#ids[@]})) || ids=("${DEFAULT_ENGINES[@]}")
    # Reject bad engine numbers before anything is started or stopped.
    for arg in "${ids[@]}"; do select_engine "$arg"; done

    case $sub in
        up) need_root; cmd_up "${ids[@]}" ;;
        down) need_root; cmd_down "$purge" "${ids[@]}" ;;
        image)
            need_root
            (($# > 0)) || mapfile -t ids < <(known_engines)
            cmd_image "${ids[@]}"
            ;;
        status) cmd_status ;;
        up-tls) need_root; cmd_up_tls ;;
        down-tls) need_root; cmd_down "$purge" tls ;;
        *) usage ;;
    esac
}

main "$@"
