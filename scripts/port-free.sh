#!/usr/bin/env bash
# Whether ADDR (host:port, as SHOPCUE_LISTEN takes it) is free to listen on: exits 1, saying so,
# when something on this machine already answers there (another ./x demo would otherwise take
# the demo's publishing and URLs). Asked on the loopback for a loopback or any-address listen;
# any other address is left to the collector, which says when it cannot bind.
#   scripts/port-free.sh 127.0.0.1:8787
set -euo pipefail
addr=$1
host=${addr%:*} port=${addr##*:}
case "$host" in 0.0.0.0 | 127.* | localhost) host=127.0.0.1 ;; "[::]" | "[::1]") host=::1 ;; *) exit 0 ;; esac
if timeout 2 bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null; then
  echo "x demo: something is already listening on $addr (another ./x demo?). Stop it, or choose another address: SHOPCUE_LISTEN=127.0.0.1:8788 ./x demo" >&2
  exit 1
fi
