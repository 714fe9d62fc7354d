#!/usr/bin/env bash
# Generate a throwaway CA plus server and client certificates for a TLS Docker
# engine on loopback. Client files follow the DOCKER_CERT_PATH convention
# (ca.pem, cert.pem, key.pem); the engine uses server-cert.pem/server-key.pem.
#
# usage: gen-certs.sh [--force] [DIR]     (DIR defaults to /var/lib/jdeploy-engines/tls/certs)
# env:   JDEPLOY_TLS_SAN   server subjectAltName (default "IP:127.0.0.9,DNS:localhost")
set -euo pipefail

log() { printf 'gen-certs: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

force=0
if [[ ${1:-} == --force ]]; then
    force=1
    shift
fi
(($# <= 1)) || die "usage: gen-certs.sh [--force] [DIR]"
dir=${1:-${JDEPLOY_ENGINES_DIR:-/var/lib/jdeploy-engines}/tls/certs}
san=${JDEPLOY_TLS_SAN:-IP:127.0.0.9,DNS:localhost}
days=3650

command -v openssl >/dev/null 2>&1 || die "openssl not found (run scripts/install-deps.sh)"

# Keep existing material while it still chains to its CA and lasts another day,
# so a running engine and already-configured clients stay valid.
certs_usable() {
    local f
    for f in ca.pem ca-key.pem server-cert.pem server-key.pem cert.pem key.pem; do
        [[ -s $dir/$f ]] || return 1
    done
    openssl verify -CAfile "$dir/ca.pem" "$dir/server-cert.pem" "$dir/cert.pem" >/dev/null 2>&1 || return 1
    for f in ca.pem server-cert.pem cert.pem; do
        openssl x509 -checkend 86400 -noout -in "$dir/$f" >/dev/null 2>&1 || return 1
    done
}

if ((force == 0)) && certs_usable; then
    exit 0
fi

mkdir -p "$dir"
tmp=$(mktemp -d "$dir/.gen.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
umask 077

# Explicit configs keep the distro's openssl.cnf defaults (and duplicate
# extensions) out of the certificates; strict verifiers such as webpki/rustls
# want a v3 CA with keyCertSign and end-entity certs with CA:FALSE and a SAN.
cat >"$tmp/openssl.cnf" <<CNF
[req]
distinguished_name = dn
prompt = no

[dn]
CN = jdeploy-engines

[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[v3_server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = $san
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer

[v3_client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
CNF

# openssl chatters on stderr even on success; show it only when a step fails.
quiet() { "$@" 2>"$tmp/err" || { cat "$tmp/err" >&2; die "$1 failed"; }; }

serial() { printf '0x%s' "$(openssl rand -hex 15)"; }

# leaf NAME CN EXTENSIONS: key NAME-key.pem and certificate NAME-cert.pem signed by the CA.
leaf() {
    quiet openssl req -new -config "$tmp/openssl.cnf" -newkey rsa:2048 -nodes \
        -subj "/CN=$2" -keyout "$tmp/$1-key.pem" -out "$tmp/$1.csr"
    quiet openssl x509 -req -in "$tmp/$1.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca-key.pem" \
        -set_serial "$(serial)" -days "$days" -sha256 \
        -extfile "$tmp/openssl.cnf" -extensions "$3" -out "$tmp/$1-cert.pem"
}

quiet openssl req -x509 -new -config "$tmp/openssl.cnf" -extensions v3_ca -newkey rsa:2048 -nodes \
    -subj "/CN=jdeploy-engines test CA" -set_serial "$(serial)" -days "$days" -sha256 \
    -keyout "$tmp/ca-key.pem" -out "$tmp/ca.pem"
leaf server localhost v3_server
leaf client jdeploy-client v3_client

chmod 0644 "$tmp/ca.pem" "$tmp/server-cert.pem" "$tmp/client-cert.pem"
mv -f "$tmp/ca-key.pem" "$tmp/ca.pem" "$tmp/server-key.pem" "$tmp/server-cert.pem" "$dir/"
mv -f "$tmp/client-cert.pem" "$dir/cert.pem"
mv -f "$tmp/client-key.pem" "$dir/key.pem"
log "wrote CA, server (${san}) and client certificates to $dir"
