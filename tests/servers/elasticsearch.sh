#!/usr/bin/env bash
# Resolve (from Maven Central), start and stop the single Elasticsearch node the suite uses.
#
# The node is Elastic's integration-test distribution of Elasticsearch (the version is pinned
# in tests/servers/elasticsearch/pom.xml): the real server with its launcher and HTTP module.
# It listens on 127.0.0.1 only (HTTP 9200, transport 9300), keeps its data in a temporary
# folder that `stop` deletes, has security off and its heap capped. Idempotent and quick when
# the node is already up; Maven keeps the download in ~/.m2 and the unpacked node is cached.
#
#   bash tests/servers/elasticsearch.sh [start]   # prints the URL (QINGDAN_TEST_ES_URL)
#   bash tests/servers/elasticsearch.sh stop      # stops the node and deletes its data
#   bash tests/servers/elasticsearch.sh status    # exit 0 when the node answers
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
POM="$HERE/elasticsearch/pom.xml"
VERSION=$(sed -n 's:.*<elasticsearch.version>\(.*\)</elasticsearch.version>.*:\1:p' "$POM")
PORT=${QINGDAN_TEST_ES_PORT:-9200}
TRANSPORT_PORT=${QINGDAN_TEST_ES_TRANSPORT_PORT:-9300}
HEAP=${QINGDAN_TEST_ES_HEAP:-1g}  # the machines are shared: a test node needs little
URL="http://127.0.0.1:$PORT"
RUN_DIR=${TMPDIR:-/tmp}/qingdan-elasticsearch-$PORT  # config, data, logs, pid: temporary

say() { echo "elasticsearch: $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Elasticsearch refuses to run as root; root (CI, the project's machines) runs it as a
# system user of its own, everyone else as themselves.
if [ "$(id -u)" = 0 ]; then
  NODE_USER=qingdan-es
  CACHE=/var/cache/qingdan-elasticsearch
  as_node() { runuser -u "$NODE_USER" -- "$@"; }
else
  NODE_USER=$(id -un)
  CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/qingdan-elasticsearch
  as_node() { "$@"; }
fi
HOME_DIR="$CACHE/elasticsearch-$VERSION"

# Answers as Elasticsearch (the product header, not just any server on the port).
answering() {
  curl -fsS -m 2 -o /dev/null -D - "$URL/_cluster/health" 2>/dev/null \
    | grep -qi '^x-elastic-product: *Elasticsearch'
}

stop_node() {
  if [ -f "$RUN_DIR/pid" ]; then
    pid=$(cat "$RUN_DIR/pid")
    # Only our node: after a reboot the pid may belong to some other process.
    if ps -o args= -p "$pid" 2>/dev/null | grep -q "es.path.home=$CACHE"; then
      say "stopping node (pid $pid)"
      kill "$pid"
      for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    fi
  fi
  rm -rf "$RUN_DIR"
}

install_node() {
  if ! command -v java >/dev/null; then
    say "installing Debian's Java runtime"
    as_root apt-get update -q >/dev/null
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q default-jre-headless >/dev/null
  fi
  if ! command -v mvn >/dev/null; then
    say "installing Debian's maven"
    as_root apt-get update -q >/dev/null
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q maven >/dev/null
  fi
  if [ "$NODE_USER" = qingdan-es ] && ! id "$NODE_USER" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$NODE_USER"
  fi
  if [ ! -x "$HOME_DIR/bin/elasticsearch" ]; then
    say "resolving Elasticsearch $VERSION from Maven Central"
    mkdir -p "$CACHE"
    rm -rf "$HOME_DIR.partial"
    mvn -q -B -f "$POM" dependency:unpack -Dnode.home="$HOME_DIR.partial" >&2
    mv "$HOME_DIR.partial/elasticsearch-$VERSION" "$HOME_DIR"
    rm -rf "$HOME_DIR.partial"
    chmod -R a+rX "$CACHE"
  fi
}

start_node() {
  if answering; then
    echo "$URL"
    return
  fi
  install_node
  stop_node  # a stale run folder from a node that died: its data is temporary anyway
  say "starting Elasticsearch $VERSION on $URL (heap $HEAP)"
  mkdir -p "$RUN_DIR"/{data,logs,tmp}
  cp -r "$HOME_DIR/config" "$RUN_DIR/config"
  cat >"$RUN_DIR/config/elasticsearch.yml" <<YAML
cluster.name: qingdan-test
node.name: qingdan-test-node
network.host: 127.0.0.1
http.port: $PORT
transport.port: $TRANSPORT_PORT
discovery.type: single-node
path.data: $RUN_DIR/data
path.logs: $RUN_DIR/logs
# A throwaway local node: no TLS or users, and no read-only switch when the disk fills up.
xpack.security.enabled: false
cluster.routing.allocation.disk.threshold_enabled: false
YAML
  java_home=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
  chmod 755 "$RUN_DIR"
  [ "$NODE_USER" = qingdan-es ] && chown -R "$NODE_USER" "$RUN_DIR"
  # The JVM writes gc.log and crash files into the working folder.
  (cd "$RUN_DIR" && as_node env ES_JAVA_HOME="$java_home" ES_PATH_CONF="$RUN_DIR/config" \
    ES_TMPDIR="$RUN_DIR/tmp" ES_JAVA_OPTS="-Xms256m -Xmx$HEAP" \
    "$HOME_DIR/bin/elasticsearch" -d -p "$RUN_DIR/pid" >"$RUN_DIR/startup.log" 2>&1) \
    || { say "node did not start:"; tail -n 40 "$RUN_DIR/startup.log" >&2; exit 1; }
  for _ in $(seq 1 240); do
    answering && break
    sleep 0.5
  done
  answering || { say "node on $URL did not answer:"; tail -n 40 "$RUN_DIR/startup.log" >&2; exit 1; }
  curl -fsS -m 60 -o /dev/null "$URL/_cluster/health?wait_for_status=yellow&timeout=50s"
  echo "$URL"
}

case "${1:-start}" in
  start) start_node ;;
  stop) stop_node ;;
  status) answering ;;
  *) echo "usage: $0 [start|stop|status]" >&2; exit 2 ;;
esac
