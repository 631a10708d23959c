#!/usr/bin/env bash
# Makes sure this machine has what Skiff's tests need: nats-server (JetStream) on 127.0.0.1:4222 and
# redis-server on 127.0.0.1:6379. Installs missing packages with apt-get and starts servers that do
# not answer, with the commands BLUEPRINT.md's machine notes give. Safe to run again.
set -euo pipefail

log() { printf '[ensure-services] %s\n' "$*"; }

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for_port() {
  local port=$1 name=$2
  for _ in $(seq 1 100); do
    answers "$port" && return 0
    sleep 0.1
  done
  log "$name did not start listening on 127.0.0.1:$port"
  return 1
}

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ] || missing+=(nats-server)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi
NATS_SERVER=$(command -v nats-server || echo /usr/sbin/nats-server)

if answers 4222; then
  log "NATS answers on 127.0.0.1:4222"
else
  dir=${SKIFF_CI_NATS_DIR:-/var/lib/nats-server}
  as_root mkdir -p "$dir"
  log "starting nats-server with JetStream in $dir"
  as_root start-stop-daemon --start --oknodo --background --exec "$NATS_SERVER" -- \
    -a 127.0.0.1 -p 4222 -js -sd "$dir" -l /var/log/nats-server.log
  wait_for_port 4222 nats-server
fi

if answers 6379; then
  log "Redis answers on 127.0.0.1:6379"
else
  log "starting redis-server"
  as_root mkdir -p /var/lib/redis /var/log/redis
  as_root redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_for_port 6379 redis-server
fi
