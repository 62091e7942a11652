#!/bin/sh
# Entrypoint of the Kafka image: the broker advertises the address clients reach it by
# (KAFKA_ADVERTISED_ADDRESS), and formats its KRaft storage on the first start. It listens
# on KAFKA_LISTEN_ADDRESS (default every interface, as a pod does), KAFKA_PORT and
# KAFKA_CONTROLLER_PORT (default 9092 and 9093); a container on the host's network (the
# testcontainers stack) listens on 127.0.0.1 and ports of its own.
set -eu
listen=${KAFKA_LISTEN_ADDRESS:-0.0.0.0}
port=${KAFKA_PORT:-9092}
controller=${KAFKA_CONTROLLER_PORT:-9093}
conf=/tmp/kafka-config
mkdir -p "$conf"
sed -e "s#^listeners=.*#listeners=PLAINTEXT://${listen}:${port},CONTROLLER://${listen}:${controller}#" \
  -e "s#^advertised.listeners=.*#advertised.listeners=PLAINTEXT://${KAFKA_ADVERTISED_ADDRESS}:${port}#" \
  -e "s#^controller.quorum.voters=.*#controller.quorum.voters=1@127.0.0.1:${controller}#" \
  /opt/kafka/config/server.properties > "$conf/server.properties"
run() {
  java -Xmx512m -Xms256m -Djava.awt.headless=true -Djava.io.tmpdir=/tmp \
    -Dlog4j.configuration=file:/opt/kafka/config/log4j.properties -cp '/opt/kafka/libs/*' "$@"
}
if [ ! -f /data/meta.properties ]; then
  run kafka.tools.StorageTool format -t "$(run kafka.tools.StorageTool random-uuid)" -c "$conf/server.properties"
fi
exec java -Xmx512m -Xms256m -Djava.awt.headless=true -Djava.io.tmpdir=/tmp \
  -Dlog4j.configuration=file:/opt/kafka/config/log4j.properties -cp '/opt/kafka/libs/*' kafka.Kafka "$conf/server.properties"
