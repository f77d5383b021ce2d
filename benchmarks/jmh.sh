#!/usr/bin/env bash
# Builds the benchmarks and runs the JMH micro-benchmarks (codec, layer chain). Extra arguments go to JMH,
# e.g. benchmarks/jmh.sh -f 1 -wi 3 -i 5 'MicroBenchmarks.decode.*'
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -ntp -pl benchmarks -am package -DskipTests
exec java -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" org.openjdk.jmh.Main "$@"
