#!/usr/bin/env bash
# What `make demo` made: each local engine's jdeploy containers, and what one of them runs.
set -euo pipefail
unset DOCKER_HOST DOCKER_TLS_VERIFY DOCKER_CERT_PATH DOCKER_CONTEXT

for n in 2 3 4; do
    echo
    echo "== engine tcp://127.0.0.$n:2375"
    docker -H "tcp://127.0.0.$n:2375" ps --filter label=io.jdeploy.group \
        --format 'table {{.Names}}\t{{.Label "io.jdeploy.group"}}\t{{.Label "io.jdeploy.core"}}\t{{.Status}}'
done
echo
echo "== /run.sh of jl_core_3_1 (core of product_2) on 127.0.0.3"
docker -H tcp://127.0.0.3:2375 exec jl_core_3_1 cat /run.sh
echo
echo "== its log"
docker -H tcp://127.0.0.3:2375 logs --tail 3 jl_core_3_1
