// SPDX-License-Identifier: Apache-2.0
/* service: what a listener is, by process first and by port second. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <string.h>

#include "listeners/service.h"

#define TCP IPPROTO_TCP
#define UDP IPPROTO_UDP

/* Checks name, category and via; want_name NULL means "not a known service". */
static void check(const char *comm, const char *exe, const char *cmdline, uint8_t proto, uint16_t port,
		  const char *want_name, const char *want_category, const char *want_via)
{
	struct lw_service_id id;

	memset(&id, 0xa5, sizeof(id)); /* must be overwritten, not left over */
	service__identify(comm, exe, cmdline, proto, port, &id);
	if (!want_name) {
		if (id.name || id.category || id.via)
			fail_msg("comm \"%s\" port %u: wanted no service, got %s", comm, port, id.name);
		return;
	}
	if (!id.name)
		fail_msg("comm \"%s\" port %u: wanted %s, got none", comm, port, want_name);
	assert_string_equal(id.name, want_name);
	assert_string_equal(id.category, want_category);
	assert_string_equal(id.via, want_via);
}

static void test_by_comm(void **state)
{
	(void)state;

	check("postgres", "", "", TCP, 5433, "postgresql", "database", "process");
	check("mysqld", "", "", TCP, 13306, "mysql", "database", "process");
	check("mariadbd", "", "", TCP, 3306, "mysql", "database", "process");
	check("redis-server", "", "", TCP, 7000, "redis", "database", "process");
	check("mongod", "", "", TCP, 27017, "mongodb", "database", "process");
	check("memcached", "", "", TCP, 11211, "memcached", "cache", "process");
	check("etcd", "", "", TCP, 2379, "etcd", "database", "process");
}

static void test_by_exe_basename(void **state)
{
	(void)state;

	/* a renamed thread or wrapper: the executable still tells */
	check("worker", "/usr/lib/postgresql/16/bin/postgres", "", TCP, 6000, "postgresql", "database",
	      "process");
	check("bash", "/usr/local/bin/redis-server", "", TCP, 6380, "redis", "database", "process");
	check("", "/opt/mongodb/bin/mongos", "", TCP, 4000, "mongodb", "database", "process");
	/* a directory named like a service is not the executable */
	check("app", "/opt/redis-server/bin/app", "", TCP, 4000, NULL, NULL, NULL);
}

static void test_java_main_class(void **state)
{
	(void)state;

	check("java", "/usr/share/elasticsearch/jdk/bin/java",
	      "/usr/share/elasticsearch/jdk/bin/java -Xms1g -Xmx1g -Des.path.home=/usr/share/elasticsearch "
	      "-cp /usr/share/elasticsearch/lib/* org.elasticsearch.bootstrap.Elasticsearch",
	      TCP, 19200, "elasticsearch", "search", "process");
	check("java", "/usr/lib/jvm/java-11-openjdk/bin/java",
	      "java -Xss256k -XX:+UseG1GC -Dcassandra.jmx.local.port=7199 "
	      "-cp /etc/cassandra:/usr/share/cassandra/lib/* org.apache.cassandra.service.CassandraDaemon",
	      TCP, 9042, "cassandra", "database", "process");
	check("java", "/usr/lib/jvm/java-17-openjdk/bin/java",
	      "java -Xmx1G -Xms1G -server -Dkafka.logs.dir=/opt/kafka/bin/../logs "
	      "-cp /opt/kafka/bin/../libs/kafka_2.13-3.6.0.jar kafka.Kafka /opt/kafka/config/server.properties",
	      TCP, 19092, "kafka", "messaging", "process");
	/* a java process of no known kind, on no known port */
	check("java", "/usr/bin/java", "java -jar /srv/app.jar", TCP, 8080, NULL, NULL, NULL);
}

static void test_clickhouse(void **state)
{
	(void)state;

	/* the kernel cuts comm to 15 characters */
	check("clickhouse-serv", "/usr/bin/clickhouse", "/usr/bin/clickhouse-server --config-file "
	      "/etc/clickhouse-server/config.xml", TCP, 8123, "clickhouse", "database", "process");
	check("clickhouse-serv", "", "", TCP, 18123, "clickhouse", "database", "process");
	check("", "/usr/bin/clickhouse-server", "", TCP, 18123, "clickhouse", "database", "process");
	check("", "/usr/bin/clickhouse", "", TCP, 18123, "clickhouse", "database", "process");
}

static void test_fallback_by_port(void **state)
{
	(void)state;

	/* nothing known of the process, a forwarder, a runtime: the port names it */
	check("", "", "", TCP, 6379, "redis", "database", "port");
	check("docker-proxy", "/usr/bin/docker-proxy", "", TCP, 27017, "mongodb", "database", "port");
	check("socat", "/usr/bin/socat", "", TCP, 9200, "elasticsearch", "search", "port");
	check("python3", "/usr/bin/python3.11", "python3 fake.py", TCP, 5432, "postgresql", "database", "port");
	/* a shared port goes to the first service that lists it */
	check("kubectl", "", "", TCP, 9000, "clickhouse", "database", "port");
	/* a known program that is something else is not named by its port */
	check("php-fpm8.2", "/usr/sbin/php-fpm8.2", "php-fpm: master process", TCP, 9000, NULL, NULL, NULL);
	check("unknownd", "/usr/local/bin/unknownd", "unknownd --listen :5432", TCP, 5432, NULL, NULL, NULL);
	/* the process beats the port */
	check("postgres", "", "", TCP, 6379, "postgresql", "database", "process");
}

static void test_udp(void **state)
{
	(void)state;

	check("memcached", "", "", UDP, 11211, "memcached", "cache", "process");
	check("", "", "", UDP, 11211, "memcached", "cache", "port");
	check("unknownd", "", "", UDP, 11211, NULL, NULL, NULL);
	/* TCP-only well-known ports say nothing over UDP */
	check("unknownd", "", "", UDP, 5432, NULL, NULL, NULL);
	check("unknownd", "", "", UDP, 6379, NULL, NULL, NULL);
}

static void test_unknown(void **state)
{
	(void)state;

	check("myapp", "/srv/myapp", "/srv/myapp --port 8080", TCP, 8080, NULL, NULL, NULL);
	check("nginx", "/usr/sbin/nginx", "nginx: master process", TCP, 443, NULL, NULL, NULL);
	check("", "", "", TCP, 0, NULL, NULL, NULL);
	check("", "", "", TCP, 5000, NULL, NULL, NULL); /* everybody's port: not MLflow */
}

static void test_ai_services(void **state)
{
	(void)state;

	check("ollama", "/usr/local/bin/ollama", "/usr/local/bin/ollama serve", TCP, 11434, "ollama", "ai",
	      "process");
	check("", "", "", TCP, 11434, "ollama", "ai", "port");
	check("qdrant", "/qdrant/qdrant", "./qdrant", TCP, 6333, "qdrant", "ai", "process");
	check("jupyter-lab", "/usr/bin/python3.11", "/usr/bin/python3 /usr/local/bin/jupyter-lab --ip=0.0.0.0",
	      TCP, 8888, "jupyter", "notebook", "process");
	check("python3", "/usr/bin/python3.11",
	      "/opt/conda/bin/python /opt/conda/bin/jupyter-notebook --no-browser --port 9999", TCP, 9999,
	      "jupyter", "notebook", "process");
	check("python3", "/usr/bin/python3.11",
	      "/usr/bin/python3 -u /usr/lib/python3/site-packages/ray/dashboard/dashboard.py --host=0.0.0.0",
	      TCP, 18265, "ray-dashboard", "ai", "process");
	check("python3", "/usr/bin/python3.11", "python3 serve.py", TCP, 8265, "ray-dashboard", "ai", "port");
	check("python3", "/usr/bin/python3.11",
	      "/usr/bin/python3 /usr/local/bin/mlflow server --host 0.0.0.0 --port 5000", TCP, 5000, "mlflow",
	      "ai", "process");
	check("gunicorn", "/usr/bin/python3.11",
	      "/usr/bin/python3 /usr/local/bin/gunicorn -b 0.0.0.0:5000 mlflow.server:app", TCP, 5000, "mlflow",
	      "ai", "process");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_by_comm),
		cmocka_unit_test(test_by_exe_basename),
		cmocka_unit_test(test_java_main_class),
		cmocka_unit_test(test_clickhouse),
		cmocka_unit_test(test_fallback_by_port),
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_ai_services),
	};

	return cmocka_run_group_tests_name("service", tests, NULL, NULL);
}
