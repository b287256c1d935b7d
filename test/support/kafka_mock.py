# A Kafka-protocol broker for the tests: librdkafka's mock cluster (Debian: librdkafka1) on
# loopback. Usage: python3 kafka_mock.py [BROKERS] TOPIC:PARTITIONS ...
# Prints the bootstrap servers on one line, then runs until its standard input closes (so it
# ends with the test process that started it). The mock cluster cannot create topics on
# request (no CreateTopics): they are created here.
# Commands on standard input, one a line, each answered by a line "ok" or "error: ...":
#   down BROKER_ID   the broker drops its connections and refuses new ones (ids are 1..BROKERS)
#   up BROKER_ID     it takes connections again
import ctypes
import sys

try:
    lib = ctypes.CDLL('librdkafka.so.1')
except OSError:
    sys.stderr.write('librdkafka1 is not installed: apt-get install -y librdkafka1\n')
    sys.exit(3)

lib.rd_kafka_conf_new.restype = ctypes.c_void_p
lib.rd_kafka_conf_set.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t]
lib.rd_kafka_new.restype = ctypes.c_void_p
lib.rd_kafka_new.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
lib.rd_kafka_mock_cluster_new.restype = ctypes.c_void_p
lib.rd_kafka_mock_cluster_new.argtypes = [ctypes.c_void_p, ctypes.c_int]
lib.rd_kafka_mock_cluster_bootstraps.restype = ctypes.c_char_p
lib.rd_kafka_mock_cluster_bootstraps.argtypes = [ctypes.c_void_p]
lib.rd_kafka_mock_topic_create.restype = ctypes.c_int
lib.rd_kafka_mock_topic_create.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_int]
lib.rd_kafka_mock_broker_set_down.restype = ctypes.c_int
lib.rd_kafka_mock_broker_set_down.argtypes = [ctypes.c_void_p, ctypes.c_int32]
lib.rd_kafka_mock_broker_set_up.restype = ctypes.c_int
lib.rd_kafka_mock_broker_set_up.argtypes = [ctypes.c_void_p, ctypes.c_int32]
lib.rd_kafka_err2str.restype = ctypes.c_char_p
lib.rd_kafka_err2str.argtypes = [ctypes.c_int]

args = sys.argv[1:]
brokers = int(args.pop(0)) if args and args[0].isdigit() else 1
err = ctypes.create_string_buffer(512)
conf = lib.rd_kafka_conf_new()
# a handle only to own the cluster; it never connects anywhere
lib.rd_kafka_conf_set(conf, b'log_level', b'0', err, 512)
rk = lib.rd_kafka_new(0, conf, err, 512)
if not rk:
    sys.stderr.write('rd_kafka_new failed: %s\n' % err.value.decode())
    sys.exit(1)
cluster = lib.rd_kafka_mock_cluster_new(rk, brokers)
if not cluster:
    sys.stderr.write('rd_kafka_mock_cluster_new failed\n')
    sys.exit(1)
for spec in args:
    name, partitions = spec.rsplit(':', 1)
    if lib.rd_kafka_mock_topic_create(cluster, name.encode(), int(partitions), 1) != 0:
        sys.stderr.write('could not create topic %s\n' % spec)
        sys.exit(1)
print(lib.rd_kafka_mock_cluster_bootstraps(cluster).decode(), flush=True)


def run(command):
    words = command.split()
    setters = {'down': lib.rd_kafka_mock_broker_set_down, 'up': lib.rd_kafka_mock_broker_set_up}
    if len(words) != 2 or words[0] not in setters or not words[1].isdigit():
        return 'error: unknown command %r' % command
    broker = int(words[1])
    if not 1 <= broker <= brokers:
        return 'error: no broker %d' % broker
    err = setters[words[0]](cluster, broker)
    return 'ok' if err == 0 else 'error: %s' % lib.rd_kafka_err2str(err).decode()


for line in sys.stdin:
    if line.strip():
        print(run(line.strip()), flush=True)
