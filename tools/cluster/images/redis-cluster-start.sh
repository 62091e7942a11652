#!/bin/sh
# Entrypoint of the Redis Cluster node image. REDIS_CLUSTER_ANNOUNCE_HOSTNAME, when set, is
# the address clients are sent to (CLUSTER SLOTS, MOVED, ASK): a pod's stable DNS name
# under a headless Service survives the pod's IP. Without it, clients get the node's IP.
# Extra arguments go to redis-server.
set -eu
port=${REDIS_PORT:-6379}
set -- --bind 0.0.0.0 --port "$port" --protected-mode no \
  --save '' --appendonly no --daemonize no --dir /data \
  --cluster-enabled yes --cluster-config-file /data/nodes.conf --cluster-node-timeout 5000 "$@"
if [ -n "${REDIS_CLUSTER_ANNOUNCE_HOSTNAME:-}" ]; then
  set -- "$@" --cluster-announce-hostname "$REDIS_CLUSTER_ANNOUNCE_HOSTNAME" --cluster-preferred-endpoint-type hostname
fi
exec /usr/bin/redis-server "$@"
