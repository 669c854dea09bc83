# etcd-mesos scheduler image. Build the binaries first (`deno task compile`, or the offline
# `deno task bundle` for the executor artifact), then `docker build -t etcd-mesos .`.
# Environment variables follow the original image: FRAMEWORK_NAME, MESOS_MASTER, ZK_PERSIST,
# CLUSTER_SIZE, AUTO_RESEED, RESEED_TIMEOUT, CPU_LIMIT, MEM_LIMIT, DISK_LIMIT, VERBOSITY,
# WEBURI, FRAMEWORK_FAILOVER_TIMEOUT_SECONDS; Marathon's PORT0 is the admin port and PORT1
# the artifact port.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends etcd-server etcd-client ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY dist/etcd-mesos-scheduler dist/etcd-mesos-proxy /usr/local/bin/
COPY dist/etcd-mesos-executor.tar.gz /opt/etcd-mesos/
ENV FRAMEWORK_NAME=etcd \
    CLUSTER_SIZE=3 \
    AUTO_RESEED=true \
    RESEED_TIMEOUT=240 \
    CPU_LIMIT=1 \
    MEM_LIMIT=2048 \
    DISK_LIMIT=4096 \
    VERBOSITY=1
EXPOSE 23400 12300
ENTRYPOINT ["/usr/local/bin/etcd-mesos-scheduler", \
  "--executor-uri=/opt/etcd-mesos/etcd-mesos-executor.tar.gz", \
  "--etcd-bin=/usr/bin/etcd"]
