#!/usr/bin/env bash
# Builds the benchmarks with the modules they measure, then runs them and prints the table.
# Usage: benchmarks/run.sh [--jobs=N] [--db-jobs=N] [--peer-jobs=N] [--scale-jobs=N] [--runs=R]
#        [--only=memory,latency,jms,postgresql,peers,production,busy,big-table,snapshot,limits,h2,scale,flows,telemetry,databases]
#        [--flow-jobs=N] [--databases-jobs=N] [--quick]
# JVM options: BENCH_JAVA_OPTS="-Xmx4g ..." benchmarks/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -ntp -pl benchmarks -am package -DskipTests
exec java ${BENCH_JAVA_OPTS:-} -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" \
  dev.apiary.benchmarks.Benchmarks "$@"
