/* The libmosquitto side of bench/compare-load: many connections from one
 * process and one thread, driven by libmosquitto's own non-threaded calls
 * (mosquitto_loop_read / _write / _misc) over one poll() set, as an
 * application holding thousands of clients would have to. Prints one JSON
 * object whose fields match `braid bench ... --json` where both measure the
 * same thing.
 *
 *   libmosquitto_load -p PORT [-h HOST] conn   -c N [--max-connecting K]
 *   libmosquitto_load -p PORT [-h HOST] pubsub -c PUBLISHERS --subscribers M
 *                     --count K [-q Q] [-s SIZE] [-w WINDOW]
 *
 * pubsub: the subscribers take "bench/#", then each publisher sends K
 * messages to "bench/<its index>"; a payload starts with the send time
 * (CLOCK_MONOTONIC ns) so that the subscribers measure latency. MQTT 3.1.1,
 * clean session, keep alive 60 s. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <mosquitto.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

struct client {
  struct mosquitto *m;
  int index;
  int subscriber;
  int connected;
  int subscribed;
  double started_ns;
  long sent;
  long acknowledged;
};

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static long rss_kb(void) {
  long pages = 0, resident = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (f == NULL) {
    return 0;
  }
  if (fscanf(f, "%ld %ld", &pages, &resident) != 2) {
    resident = 0;
  }
  fclose(f);
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static long open_fds(void) {
  long n = 0;
  DIR *d = opendir("/proc/self/fd");
  if (d == NULL) {
    return 0;
  }
  while (readdir(d) != NULL) {
    ++n;
  }
  closedir(d);
  return n - 3; /* ".", ".." and the directory's own descriptor */
}

/* Two descriptors held back for the measurements: when the clients have
 * used up the limit, reading /proc would otherwise fail and count nothing. */
static int reserved[2] = {-1, -1};

static void reserve_descriptors(void) {
  for (int i = 0; i < 2; ++i) {
    reserved[i] = open("/dev/null", O_RDONLY);
  }
}

static void release_descriptors(void) {
  for (int i = 0; i < 2; ++i) {
    if (reserved[i] >= 0) {
      close(reserved[i]);
      reserved[i] = -1;
    }
  }
}

/* Values and their percentiles (sorted at the end; these runs are small enough). */
struct samples {
  double *v;
  long n, cap;
};

static void add(struct samples *s, double x) {
  if (s->n == s->cap) {
    s->cap = s->cap ? s->cap * 2 : 1024;
    s->v = realloc(s->v, (size_t)s->cap * sizeof(double));
    if (s->v == NULL) {
      fprintf(stderr, "out of memory\n");
      exit(1);
    }
  }
  s->v[s->n++] = x;
}

static int by_value(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Nearest rank, as braid bench reports them. */
static double at(const struct samples *s, double p) {
  if (s->n == 0) {
    return 0;
  }
  long rank = (long)(p * (double)s->n + 0.999999999);
  if (rank < 1) {
    rank = 1;
  }
  if (rank > s->n) {
    rank = s->n;
  }
  return s->v[rank - 1];
}

static void print_ms(const char *name, struct samples *s) {
  qsort(s->v, (size_t)s->n, sizeof(double), by_value);
  printf("\"%s\":{\"count\":%ld,\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"p99_9\":%.3f,\"max\":%.3f}",
         name, s->n, at(s, 0.5) / 1e6, at(s, 0.9) / 1e6, at(s, 0.99) / 1e6, at(s, 0.999) / 1e6,
         at(s, 1.0) / 1e6);
}

static struct samples connect_times, latencies;
static long connected, subscribed, received, acknowledged, failures;
static int qos = 1;

static void on_connect(struct mosquitto *m, void *obj, int rc) {
  struct client *c = obj;
  if (rc != 0) {
    ++failures;
    return;
  }
  c->connected = 1;
  ++connected;
  add(&connect_times, now_ns() - c->started_ns);
  if (c->subscriber) {
    mosquitto_subscribe(m, NULL, "bench/#", qos);
  }
}

static void on_subscribe(struct mosquitto *m, void *obj, int mid, int n, const int *granted) {
  (void)m, (void)mid, (void)n, (void)granted;
  ((struct client *)obj)->subscribed = 1;
  ++subscribed;
}

static void on_publish(struct mosquitto *m, void *obj, int mid) {
  (void)m, (void)mid;
  ((struct client *)obj)->acknowledged++;
  ++acknowledged;
}

static void on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg) {
  (void)m, (void)obj;
  uint64_t sent = 0;
  if (msg->payloadlen >= 8) {
    memcpy(&sent, msg->payload, 8);
    add(&latencies, now_ns() - (double)sent);
  }
  ++received;
}

static struct client *clients;
static struct pollfd *fds;
static int total;

/* One round of the event loop: poll every connected socket, then read,
 * write and keep alive. */
static void turn(int timeout_ms) {
  int n = 0;
  for (int i = 0; i < total; ++i) {
    const int s = clients[i].m ? mosquitto_socket(clients[i].m) : -1;
    fds[i].fd = s;
    fds[i].events = s < 0 ? 0 : (short)(POLLIN | (mosquitto_want_write(clients[i].m) ? POLLOUT : 0));
    fds[i].revents = 0;
    n += s >= 0;
  }
  if (n == 0) {
    return;
  }
  poll(fds, (nfds_t)total, timeout_ms);
  for (int i = 0; i < total; ++i) {
    if (fds[i].fd < 0) {
      continue;
    }
    if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
      mosquitto_loop_read(clients[i].m, 1);
    }
    if (fds[i].revents & POLLOUT) {
      mosquitto_loop_write(clients[i].m, 1);
    }
  }
}

static void keep_alive_all(void) {
  for (int i = 0; i < total; ++i) {
    if (clients[i].m) {
      mosquitto_loop_misc(clients[i].m);
    }
  }
}

static void start_client(struct client *c, const char *host, int port, const char *role) {
  char id[64];
  snprintf(id, sizeof id, "mosq-%s-%d", role, c->index);
  c->m = mosquitto_new(id, true, c);
  if (c->m == NULL) {
    ++failures;
    return;
  }
  mosquitto_int_option(c->m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
  mosquitto_connect_callback_set(c->m, on_connect);
  mosquitto_subscribe_callback_set(c->m, on_subscribe);
  mosquitto_publish_callback_set(c->m, on_publish);
  mosquitto_message_callback_set(c->m, on_message);
  c->started_ns = now_ns();
  if (mosquitto_connect_async(c->m, host, port, 60) != MOSQ_ERR_SUCCESS) {
    ++failures;
    mosquitto_destroy(c->m);
    c->m = NULL;
  }
}

/* Starts clients [from, to), at most `max_connecting` under way at once (0:
 * no bound), and runs the loop until each has connected or failed. Returns
 * the seconds it took. */
static double connect_all(int from, int to, const char *host, int port, int max_connecting,
                          const char *role) {
  const double start = now_ns();
  const long done_before = connected + failures;
  double last_misc = start;
  int next = from;
  for (;;) {
    const long done = connected + failures - done_before;
    if (done >= to - from) {
      break;
    }
    while (next < to && (max_connecting == 0 || (next - from) - done < max_connecting)) {
      start_client(&clients[next], host, port, role);
      ++next;
    }
    turn(10);
    if (now_ns() - last_misc > 1e9) {
      keep_alive_all();
      last_misc = now_ns();
    }
    if (now_ns() - start > 120e9) {
      fprintf(stderr, "connecting took over 120 s\n");
      break;
    }
  }
  return (now_ns() - start) / 1e9;
}

int main(int argc, char **argv) {
  const char *host = "127.0.0.1", *mode = NULL;
  int port = 1883, publishers = 1, subscribers = 0, max_connecting = 100, size = 256, window = 20;
  long count = 100;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : "";
    if (!strcmp(a, "-h")) host = v, ++i;
    else if (!strcmp(a, "-p")) port = atoi(v), ++i;
    else if (!strcmp(a, "-c")) publishers = atoi(v), ++i;
    else if (!strcmp(a, "--subscribers")) subscribers = atoi(v), ++i;
    else if (!strcmp(a, "--count")) count = atol(v), ++i;
    else if (!strcmp(a, "--max-connecting")) max_connecting = atoi(v), ++i;
    else if (!strcmp(a, "-q")) qos = atoi(v), ++i;
    else if (!strcmp(a, "-s")) size = atoi(v), ++i;
    else if (!strcmp(a, "-w")) window = atoi(v), ++i;
    else if (!strcmp(a, "conn") || !strcmp(a, "pubsub")) mode = a;
    else {
      fprintf(stderr, "usage: see the comment at the top of bench/peers/libmosquitto_load.c\n");
      return 2;
    }
  }
  if (mode == NULL || size < 8) {
    fprintf(stderr, "usage: see the comment at the top of bench/peers/libmosquitto_load.c\n");
    return 2;
  }
  struct rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
  mosquitto_lib_init();
  const int is_conn = !strcmp(mode, "conn");
  if (is_conn) {
    subscribers = 0;
  }
  total = publishers + subscribers;
  clients = calloc((size_t)total, sizeof *clients);
  fds = calloc((size_t)total, sizeof *fds);
  for (int i = 0; i < total; ++i) {
    clients[i].index = i < subscribers ? i : i - subscribers;
    clients[i].subscriber = i < subscribers;
  }
  const long rss_start = rss_kb();
  const long fds_start = open_fds();
  reserve_descriptors();
  const double start = now_ns();

  /* Subscribers first, subscribed before anything is published. */
  connect_all(0, subscribers, host, port, max_connecting, "sub");
  while (subscribed < subscribers && now_ns() - start < 60e9) {
    turn(10);
  }
  const long before_publishers = connected;
  const double connect_s =
      connect_all(subscribers, total, host, port, max_connecting, is_conn ? "conn" : "pub");
  release_descriptors();
  const long rss_connected = rss_kb();
  const long fds_connected = open_fds();
  printf("{\"client\":\"libmosquitto %d.%d.%d\",\"mode\":\"%s\",\"clients\":%d,", LIBMOSQUITTO_MAJOR,
         LIBMOSQUITTO_MINOR, LIBMOSQUITTO_REVISION, mode, total);
  printf("\"connections\":{\"connected\":%ld,\"failed\":%ld,\"per_s\":%.1f,", connected, failures,
         connect_s > 0 ? (double)(connected - before_publishers) / connect_s : 0);
  print_ms("connect_ms", &connect_times);
  printf("},\"memory\":{\"kb_per_connection\":%.2f,\"fds_per_connection\":%.2f}",
         connected ? (double)(rss_connected - rss_start) / (double)connected : 0,
         connected ? (double)(fds_connected - fds_start) / (double)connected : 0);

  if (!is_conn) {
    char *payload = calloc(1, (size_t)size);
    const long expected = (long)publishers * count * subscribers;
    const double pub_start = now_ns();
    double last_misc = pub_start, pub_end = 0;
    for (;;) {
      /* Each publisher keeps `window` messages unacknowledged (QoS 1/2) or
       * sends what its socket takes (QoS 0). */
      for (int i = subscribers; i < total; ++i) {
        struct client *c = &clients[i];
        while (c->m && c->sent < count &&
               (qos == 0 ? !mosquitto_want_write(c->m) : c->sent - c->acknowledged < window)) {
          char topic[32];
          snprintf(topic, sizeof topic, "bench/%d", c->index);
          const uint64_t t = (uint64_t)now_ns();
          memcpy(payload, &t, 8);
          mosquitto_publish(c->m, NULL, topic, size, payload, qos, false);
          ++c->sent;
          if (qos == 0) {
            ++c->acknowledged;
          }
        }
      }
      turn(1);
      if (now_ns() - last_misc > 1e9) {
        keep_alive_all();
        last_misc = now_ns();
      }
      long all_sent = 0;
      for (int i = subscribers; i < total; ++i) {
        all_sent += clients[i].sent;
      }
      if (pub_end == 0 && all_sent == (long)publishers * count &&
          (qos == 0 || acknowledged == (long)publishers * count)) {
        pub_end = now_ns();
      }
      if ((pub_end != 0 && received >= expected) || now_ns() - pub_start > 120e9) {
        break;
      }
    }
    const double seconds = (now_ns() - pub_start) / 1e9;
    const double pub_seconds = ((pub_end ? pub_end : now_ns()) - pub_start) / 1e9;
    printf(",\"published\":{\"sent\":%ld,\"msgs_per_s\":%.1f}", (long)publishers * count,
           (double)publishers * (double)count / pub_seconds);
    printf(",\"received\":{\"count\":%ld,\"expected\":%ld,\"msgs_per_s\":%.1f},", received, expected,
           (double)received / seconds);
    print_ms("latency_ms", &latencies);
    free(payload);
  }
  printf("}\n");
  for (int i = 0; i < total; ++i) {
    if (clients[i].m) {
      mosquitto_disconnect(clients[i].m);
      mosquitto_loop_write(clients[i].m, 1);
      mosquitto_destroy(clients[i].m);
    }
  }
  mosquitto_lib_cleanup();
  return connected > 0 ? 0 : 1;
}
