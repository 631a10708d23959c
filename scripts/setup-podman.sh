#!/usr/bin/env bash
# Prepares this machine (Debian bookworm, as root) for the kubelet's podman runtime, as BLUEPRINT.md's
# machine notes describe. Safe to run again: every step checks before it acts.
#   1. installs podman, runc and busybox-static with apt-get where missing;
#   2. writes a containers.conf drop-in (runc, cgroupfs, ulimits: the defaults fail here with
#      setrlimit and cgroup errors), leaving /etc/containers/containers.conf alone;
#   3. starts `podman system service` on /run/podman/podman.sock unless it answers;
#   4. builds a busybox image from /bin/busybox with `podman import` (no registry is reachable),
#      tagged docker.io/library/busybox:latest and localhost/busybox:latest, unless it exists.
# It never pulls an image.
set -euo pipefail

log() { printf '[setup-podman] %s\n' "$*"; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

SOCKET=${PODMAN_SOCKET:-/run/podman/podman.sock}
SERVICE_LOG=${PODMAN_SERVICE_LOG:-/var/log/podman-service.log}
SERVICE_PIDFILE=/run/podman/skiff-service.pid
# Podman 4.3 (containers/common 0.50) reads /etc/containers/containers.conf.d/*.conf after
# containers.conf, in name order, each field overriding earlier ones: checked with `podman info`.
DROP_IN=/etc/containers/containers.conf.d/50-skiff.conf
IMAGE=docker.io/library/busybox:latest
LOCAL_IMAGE=localhost/busybox:latest

# 1. Packages --------------------------------------------------------------------------------
missing=()
command -v podman >/dev/null 2>&1 || missing+=(podman)
command -v runc >/dev/null 2>&1 || missing+=(runc)
[ -x /bin/busybox ] || missing+=(busybox-static)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  # A fresh machine has no package lists; an install that fails for want of them retries after an update.
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  fi
fi

# 2. Configuration ---------------------------------------------------------------------------
desired_conf='# Written by Skiff scripts/setup-podman.sh: the defaults fail on these machines.
[containers]
default_ulimits = ["nofile=16384:16384", "nproc=16384:16384"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"'
if [ "$(cat "$DROP_IN" 2>/dev/null)" != "$desired_conf" ]; then
  log "writing $DROP_IN"
  as_root mkdir -p "$(dirname "$DROP_IN")"
  printf '%s\n' "$desired_conf" | as_root tee "$DROP_IN" >/dev/null
  config_changed=1
else
  config_changed=0
fi

# 3. The REST service ------------------------------------------------------------------------
socket_answers() {
  curl -fsS --max-time 2 --unix-socket "$SOCKET" http://d/v4.0.0/libpod/_ping >/dev/null 2>&1
}

start_service() {
  log "starting podman system service on $SOCKET (log: $SERVICE_LOG)"
  as_root mkdir -p "$(dirname "$SOCKET")"
  as_root start-stop-daemon --start --background --make-pidfile --pidfile "$SERVICE_PIDFILE" \
    --output "$SERVICE_LOG" --exec "$(command -v podman)" -- system service --time=0 "unix://$SOCKET"
  for _ in $(seq 1 100); do socket_answers && return 0; sleep 0.1; done
  log "podman service did not answer on $SOCKET; see $SERVICE_LOG"
  return 1
}

if ! socket_answers; then
  start_service
elif [ "$config_changed" -eq 1 ] && [ -f "$SERVICE_PIDFILE" ]; then
  # The service this script started read the old configuration: restart it (containers stay up).
  log "configuration changed: restarting the podman service"
  as_root start-stop-daemon --stop --oknodo --retry 10 --pidfile "$SERVICE_PIDFILE" --remove-pidfile
  start_service
elif [ "$config_changed" -eq 1 ]; then
  log "configuration changed, but the podman service on $SOCKET was not started here: restart it"
else
  log "podman service answers on $SOCKET"
fi

# 4. The busybox image -----------------------------------------------------------------------
if as_root podman image exists "$IMAGE" && as_root podman image exists "$LOCAL_IMAGE"; then
  log "image $IMAGE present"
else
  log "building $IMAGE from /bin/busybox"
  rootfs=$(mktemp -d)
  trap 'rm -rf "$rootfs"' EXIT
  mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,var/www,root,proc,sys,dev}
  chmod 1777 "$rootfs/tmp"
  cp /bin/busybox "$rootfs/bin/busybox"
  # One symlink per applet, where busybox itself says it belongs (bin/sh, sbin/ifconfig, ...).
  for applet in $("$rootfs/bin/busybox" --list-full); do
    [ -e "$rootfs/$applet" ] || ln -s /bin/busybox "$rootfs/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
  printf '<html><body>busybox httpd</body></html>\n' >"$rootfs/var/www/index.html"
  tar -C "$rootfs" -c . | as_root podman import --quiet \
    --change 'CMD ["sh"]' --change 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' - "$IMAGE" >/dev/null
  as_root podman tag "$IMAGE" "$LOCAL_IMAGE"
fi

# Verify: a container runs from the local image, without a registry.
out=$(as_root podman run --rm --pull=never "$IMAGE" echo ok)
[ "$out" = ok ] || { log "podman run of $IMAGE printed '$out', not 'ok'"; exit 1; }
log "ready: podman $(podman version --format '{{.Client.Version}}'), $IMAGE runs"
