# etcd-mesos scheduler image (Marathon runs it with marathon.json).
#
# Build the binaries first: `deno task compile` (needs the Deno runtime: DENORT_BIN=/path/to/denort
# offline) for dist/etcd-mesos-scheduler and dist/etcd-mesos-proxy, and `deno task bundle` for
# dist/etcd-mesos-executor.tar.gz; then `docker build -t etcd-mesos .`.
#
# Environment variables follow the original image (each is the fallback of a flag; see the
# README's flag table): FRAMEWORK_NAME, MESOS_MASTER, ZK_PERSIST, CLUSTER_SIZE, AUTO_RESEED,
# RESEED_TIMEOUT, CPU_LIMIT, MEM_LIMIT, DISK_LIMIT, VERBOSITY, WEBURI,
# FRAMEWORK_FAILOVER_TIMEOUT_SECONDS, SINGLE_INSTANCE_PER_SLAVE, plus ADMIN_TOKEN(_FILE),
# EXECUTOR_URI, ETCD_URI, MESOS_ROLE, MESOS_AUTHENTICATION_PRINCIPAL/_SECRET_FILE.
# Marathon's ports: PORT0 is the admin API (and the /healthz health check; it then binds
# 0.0.0.0), PORT2 the artifact server agents fetch the executor and etcd from (PORT1 when only
# two ports are given). Run it with host networking so agents reach the artifact server at
# the host's name ($HOST, set by Marathon, becomes --address).
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
# The scheduler serves the executor artifact and etcd to the agents itself (--executor-bin,
# --etcd-bin); an --executor-uri would have to be a URI every agent can fetch.
ENTRYPOINT ["/bin/sh", "-c", "exec /usr/local/bin/etcd-mesos-scheduler --executor-bin=/opt/etcd-mesos/etcd-mesos-executor.tar.gz --etcd-bin=/usr/bin/etcd ${HOST:+--address=$HOST} \"$@\"", "etcd-mesos-scheduler"]
