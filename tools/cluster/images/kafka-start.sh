#!/bin/sh
# Entrypoint of the Kafka image: the broker advertises the address clients reach it by
# (KAFKA_ADVERTISED_ADDRESS), and formats its KRaft storage on the first start.
set -eu
conf=/tmp/kafka-config
mkdir -p "$conf"
sed -e "s#^advertised.listeners=.*#advertised.listeners=PLAINTEXT://${KAFKA_ADVERTISED_ADDRESS}:9092#" \
  -e "s#^controller.quorum.voters=.*#controller.quorum.voters=1@127.0.0.1:9093#" \
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
