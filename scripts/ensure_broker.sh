#!/usr/bin/env bash
# Makes sure a RabbitMQ broker answers on AMQP_URI's host:port (default 127.0.0.1:5672).
# Starts the local one when it is installed but stopped; installs it (Debian) when it is missing.
# With --management also enables the management API (the test suite makes a vhost per test with it).
set -euo pipefail
uri="${AMQP_URI:-amqp://guest:guest@localhost:5672/}"
hostport="${uri#*@}"; hostport="${hostport%%/*}"
host="${hostport%%:*}"; port="${hostport##*:}"; [ "$port" = "$host" ] && port=5672
answers() { timeout 2 bash -c ">/dev/tcp/$host/$port" 2>/dev/null; }

if answers; then
  echo "broker: RabbitMQ answers on $host:$port"
else
  case "$host" in localhost|127.*) ;; *) echo "broker: $host:$port does not answer and is not local" >&2; exit 1;; esac
  if ! command -v rabbitmq-server >/dev/null; then
    echo "broker: RabbitMQ is not installed; installing it (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq rabbitmq-server >/dev/null
  fi
  echo "broker: starting RabbitMQ"
  rabbitmq-server -detached || true
  for i in $(seq 1 90); do answers && break; sleep 1; done
  answers || { echo "broker: RabbitMQ did not come up on $host:$port" >&2; exit 1; }
  echo "broker: RabbitMQ up on $host:$port"
fi

if [ "${1:-}" = "--management" ]; then
  if ! timeout 2 bash -c ">/dev/tcp/$host/15672" 2>/dev/null; then
    echo "broker: enabling the management API (tests create a vhost per test through it)"
    rabbitmq-plugins enable rabbitmq_management >/dev/null
    for i in $(seq 1 60); do timeout 2 bash -c ">/dev/tcp/$host/15672" 2>/dev/null && break; sleep 1; done
  fi
  timeout 2 bash -c ">/dev/tcp/$host/15672" 2>/dev/null || { echo "broker: management API not up" >&2; exit 1; }
  echo "broker: management API on $host:15672"
fi
