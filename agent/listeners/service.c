// SPDX-License-Identifier: Apache-2.0
#include "listeners/service.h"

#include <netinet/in.h>
#include <string.h>

#define MAX_NAMES 4
#define MAX_PORTS 6

struct service_def {
	const char *name;
	const char *category;
	const char *comms[MAX_NAMES];   /* exact comm (the kernel keeps 15 chars) */
	const char *exes[MAX_NAMES];    /* exe basename */
	const char *markers[MAX_NAMES]; /* cmdline substring: java main class, python module */
	uint16_t tcp_ports[MAX_PORTS];  /* well-known ports; 0 ends the list */
	uint16_t udp_ports[2];
};

/*
 * Ports only where the port is specific to the service: 8080, 8000, 5000
 * and 50051 are everybody's, so Weaviate, Chroma and MLflow are told by
 * process alone. Where two services share a port (9000), the first wins.
 */
static const struct service_def services[] = {
	{ "postgresql", "database", { "postgres", "postmaster" }, { "postgres", "postmaster" }, { 0 },
	  { 5432 } },
	{ "mysql", "database", { "mysqld", "mariadbd" }, { "mysqld", "mariadbd" }, { 0 }, { 3306, 33060 } },
	{ "redis", "database", { "redis-server" }, { "redis-server", "redis-check-rdb" }, { 0 }, { 6379 } },
	{ "valkey", "database", { "valkey-server" }, { "valkey-server" }, { 0 }, { 0 } },
	{ "keydb", "database", { "keydb-server" }, { "keydb-server" }, { 0 }, { 0 } },
	{ "clickhouse", "database", { "clickhouse-serv", "clickhouse" }, { "clickhouse", "clickhouse-server" },
	  { "clickhouse-server", "clickhouse server" }, { 8123, 9000, 9004, 9005, 9009, 8443 } },
	{ "mongodb", "database", { "mongod", "mongos" }, { "mongod", "mongos" }, { 0 }, { 27017, 27018, 27019 } },
	{ "elasticsearch", "search", { 0 }, { 0 }, { "org.elasticsearch.bootstrap.Elasticsearch" }, { 9200, 9300 } },
	{ "opensearch", "search", { 0 }, { 0 }, { "org.opensearch.bootstrap.OpenSearch" }, { 0 } },
	{ "memcached", "cache", { "memcached" }, { "memcached" }, { 0 }, { 11211 }, { 11211 } },
	{ "cassandra", "database", { 0 }, { 0 }, { "org.apache.cassandra.service.CassandraDaemon" },
	  { 9042, 9160, 7199 } },
	{ "etcd", "database", { "etcd" }, { "etcd" }, { 0 }, { 2379, 2380 } },
	{ "couchdb", "database", { "couchdb" }, { "couchdb" }, { "couchdb" }, { 5984 } },
	{ "influxdb", "database", { "influxd" }, { "influxd" }, { 0 }, { 8086, 8088 } },
	{ "neo4j", "database", { "neo4j" }, { "neo4j" }, { "org.neo4j.server", "com.neo4j.server" }, { 7474, 7687 } },
	{ "cockroachdb", "database", { "cockroach" }, { "cockroach" }, { 0 }, { 26257 } },
	{ "kafka", "messaging", { 0 }, { 0 }, { "kafka.Kafka" }, { 9092 } },
	{ "zookeeper", "messaging", { 0 }, { 0 }, { "org.apache.zookeeper.server" }, { 2181 } },
	{ "rabbitmq", "messaging", { 0 }, { 0 }, { "rabbitmq", "-s rabbit" }, { 5672, 15672, 25672 } },
	{ "nats", "messaging", { "nats-server" }, { "nats-server" }, { 0 }, { 4222 } },
	{ "minio", "storage", { "minio" }, { "minio" }, { 0 }, { 9001 } },
	{ "ollama", "ai", { "ollama" }, { "ollama" }, { 0 }, { 11434 } },
	{ "qdrant", "ai", { "qdrant" }, { "qdrant" }, { 0 }, { 6333, 6334 } },
	{ "weaviate", "ai", { "weaviate" }, { "weaviate" }, { 0 }, { 0 } },
	{ "milvus", "ai", { "milvus" }, { "milvus" }, { 0 }, { 19530 } },
	{ "chroma", "ai", { "chroma" }, { "chroma" }, { "chromadb", "chroma run" }, { 0 } },
	{ "jupyter", "notebook", { "jupyter-lab", "jupyter-noteboo", "jupyter-server" }, { 0 },
	  { "jupyter-lab", "jupyter-notebook", "jupyter_server", "jupyterlab" }, { 8888 } },
	{ "ray-dashboard", "ai", { 0 }, { 0 }, { "ray/dashboard/dashboard.py", "ray.dashboard" }, { 8265 } },
	{ "mlflow", "ai", { "mlflow" }, { 0 }, { "mlflow server", "mlflow.server", "mlflow ui" }, { 0 } },
	{ "mssql", "database", { "sqlservr" }, { "sqlservr" }, { 0 }, { 1433 } },
	{ "oracle", "database", { "tnslsnr" }, { "tnslsnr" }, { 0 }, { 1521 } },
	{ "solr", "search", { 0 }, { 0 }, { "solr.jetty", "-Dsolr." }, { 8983 } },
	{ "prometheus", "database", { "prometheus" }, { "prometheus" }, { 0 }, { 0 } },
	/* internal APIs that hand out the host: the container engine, the node agent */
	{ "docker", "control-plane", { "dockerd" }, { "dockerd" }, { 0 }, { 2375, 2376 } },
	{ "kubelet", "control-plane", { "kubelet" }, { "kubelet" }, { 0 }, { 10250, 10255 } },
};

#define N_SERVICES (sizeof(services) / sizeof(services[0]))

static bool in_list(const char *const list[MAX_NAMES], const char *s)
{
	if (!*s)
		return false;
	for (int i = 0; i < MAX_NAMES && list[i]; i++)
		if (!strcmp(list[i], s))
			return true;
	return false;
}

static bool any_marker(const char *const list[MAX_NAMES], const char *cmdline)
{
	if (!*cmdline)
		return false;
	for (int i = 0; i < MAX_NAMES && list[i]; i++)
		if (strstr(cmdline, list[i]))
			return true;
	return false;
}

static bool has_port(const uint16_t *ports, int n, uint16_t port)
{
	for (int i = 0; i < n && ports[i]; i++)
		if (ports[i] == port)
			return true;
	return false;
}

bool service__by_name(const char *name, const char *via, struct lw_service_id *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < N_SERVICES; i++) {
		if (strcmp(services[i].name, name))
			continue;
		out->name = services[i].name;
		out->category = services[i].category;
		out->via = !strcmp(via, "port") ? "port" : "process";
		return true;
	}
	return false;
}

/*
 * Whether the port may name the service behind a process. Not when the
 * process is known and is something else (php-fpm on 9000 is not
 * ClickHouse); yes when nothing is known of it, when it forwards the port
 * for another (a container's published port, a port-forward, a TCP proxy),
 * or when it is a language runtime that could be serving the protocol.
 */
static bool port_may_name(const char *comm, const char *exe_base)
{
	static const char *const stand_ins[] = {
		/* forwarders and proxies */
		"docker-proxy", "rootlesskit", "rootlessport", "slirp4netns", "pasta", "conmon", "kubectl",
		"kube-proxy", "socat", "ssh", "sshd", "haproxy", "envoy", "nginx", "traefik", "stunnel",
		"stunnel4", "caddy", "gost", "frpc", "frps", "ncat", "nc", "nc.openbsd", "nc.traditional",
		/* runtimes whose program is the service */
		"java", "python", "python3", "node", "ruby", "perl", "beam.smp", "erl", "dotnet", "mono",
		"bun", "deno", "pypy", "pypy3",
	};
	const char *names[2] = { exe_base, comm };

	if (!*comm && !*exe_base)
		return true;
	for (int k = 0; k < 2; k++) {
		size_t n = strcspn(names[k], ".0123456789"); /* python3.11 is python */

		if (!*names[k])
			continue;
		for (size_t i = 0; i < sizeof(stand_ins) / sizeof(stand_ins[0]); i++)
			if (!strcmp(names[k], stand_ins[i]) ||
			    (n && strlen(stand_ins[i]) == n && !strncmp(names[k], stand_ins[i], n)))
				return true;
	}
	return false;
}

void service__identify(const char *comm, const char *exe, const char *cmdline, uint8_t protocol,
		       uint16_t port, struct lw_service_id *out)
{
	const char *slash = strrchr(exe, '/');
	const char *exe_base = slash ? slash + 1 : exe;

	memset(out, 0, sizeof(*out));
	/* strongest signal first: the process's own name, then a marker in its
	 * command line (a JVM or interpreter running the service), then the port */
	for (int pass = 0; pass < 3; pass++) {
		for (size_t i = 0; i < N_SERVICES; i++) {
			const struct service_def *d = &services[i];
			bool hit;

			if (pass == 0)
				hit = in_list(d->comms, comm) || in_list(d->exes, exe_base);
			else if (pass == 1)
				hit = any_marker(d->markers, cmdline);
			else if (!port_may_name(comm, exe_base))
				return;
			else
				hit = protocol == IPPROTO_UDP ? has_port(d->udp_ports, 2, port)
							      : has_port(d->tcp_ports, MAX_PORTS, port);
			if (hit) {
				out->name = d->name;
				out->category = d->category;
				out->via = pass < 2 ? "process" : "port";
				return;
			}
		}
	}
}
