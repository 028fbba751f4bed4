// SPDX-License-Identifier: Apache-2.0
/*
 * The kernel's floor for isolated environment starts (issue 18): N environments started at once
 * by the same native launcher Lamina uses (dist/sandbox/lamina-sandbox, same options: cgroups
 * made and joined, namespaces, veth link, loop-mounted ext4 /tmp, pivot_root, privileges dropped,
 * seccomp, exec of the runtime), driven by this small C program in place of the platform: it
 * forks each launcher itself (as the spawner does), takes the Runtime API listener each one
 * hands over, writes the runtime's environment, and answers the runtime's GET /next and POST
 * /response with a few lines of HTTP. Time from the first fork to the N-th response, and the CPU
 * of the whole tree (its cpuacct group). What is left is what any platform pays per isolated start
 * on this machine; the gap to `lamina serve` is ours.
 *
 *   start-floor N LAUNCHER|- CODEDIR MODE [TMP_IMAGE TMP_DIR]
 *
 * LAUNCHER "-" (when linked with src/sandbox/native/ (its C files), as kernel-floor.ts builds it): each forked
 * child runs the launcher's code itself, without an exec, as the spawner does.
 * MODE: "bare" (no launcher: fork and exec CODEDIR/bootstrap against a listener on 127.0.0.1),
 * "isolated" (the launcher with every option Lamina passes for a 128 MB function without VpcConfig),
 * "no-link" (isolated without the veth link), "tmpfs" (isolated, /tmp a tmpfs, no loop device).
 * Prints one line: "environments N ms M cpu_ms C" (C from cpuacct.usage of a group of its own).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/** The launcher itself when linked in (kernel-floor.ts links src/sandbox/native/): run in the child, no exec. */
int launcher_main(int argc, char **argv) __attribute__((weak));
extern char **environ;

#define MAX 4096
#define CPUACCT "/sys/fs/cgroup/cpuacct"

enum kind { CHANNEL, LISTENER, CONNECTION };
struct slot {
  enum kind kind;
  int fd;
  int env;        /* which environment */
  char buf[2048]; /* a partial request */
  size_t used;
};

static int poller, done = 0, count;
static pid_t pids[MAX];
static int stdin_fds[MAX];
static char group[256];

static int in_process = 0;

static int argc_of(char **args) {
  int n = 0;
  while (args[n] != NULL) n++;
  return n;
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void die(const char *what) {
  perror(what);
  exit(1);
}

static void watch(enum kind kind, int fd, int env) {
  struct slot *slot = calloc(1, sizeof *slot);
  slot->kind = kind;
  slot->fd = fd;
  slot->env = env;
  struct epoll_event event = {.events = EPOLLIN, .data.ptr = slot};
  if (epoll_ctl(poller, EPOLL_CTL_ADD, fd, &event) != 0) die("epoll_ctl");
}

static void write_file(const char *path, const char *value) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write(fd, value, strlen(value)) < 0) die(path);
  close(fd);
}

static long long cpu_usage_ns(void) {
  char path[300], text[64] = {0};
  snprintf(path, sizeof path, "%s/cpuacct.usage", group);
  int fd = open(path, O_RDONLY);
  if (fd < 0 || read(fd, text, sizeof text - 1) <= 0) die(path);
  close(fd);
  return atoll(text);
}

/** The launcher's arguments for environment I, as lamina serve passes them (src/platform/sandbox-factory.ts). */
static void launcher_args(char **argv, int i, const char *launcher, const char *code, const char *mode, const char *image, const char *tmpdir, int base) {
  static char strings[64][256];
  int n = 0, s = 0;
#define ARG(...) (snprintf(strings[s], 256, __VA_ARGS__), argv[n++] = strings[s++])
  argv[n++] = (char *)launcher;
  ARG("--platform");
  ARG("%d", (int)getpid());
  argv[n++] = "--env-from-stdin";
  argv[n++] = "--isolate";
  argv[n++] = "993:990";
  argv[n++] = "--api-fd";
  argv[n++] = "3";
  if (strcmp(mode, "no-link") != 0) {
    int link = base + i;
    argv[n++] = "--link";
    ARG("lf%dx%d:198.%d.%d.%d:198.%d.%d.%d", (int)getpid() % 100000, i, 18 + ((link * 4) >> 16), ((link * 4) >> 8) & 255, (link * 4 + 1) & 255,
        18 + ((link * 4) >> 16), ((link * 4) >> 8) & 255, (link * 4 + 2) & 255);
  }
  if (strcmp(mode, "tmpfs") != 0) {
    argv[n++] = "--tmp-image";
    argv[n++] = (char *)image;
    argv[n++] = "--tmp-dir";
    argv[n++] = (char *)tmpdir;
  }
  const char *controllers[] = {"memory", "cpu", "pids"};
  for (int c = 0; c < 3; c++) {
    argv[n++] = "--cgroup-dir";
    ARG("/sys/fs/cgroup/%s/lamina/floor%d-%d", controllers[c], (int)getpid(), i);
  }
  const char *writes[][2] = {{"memory", "memory.limit_in_bytes=134217728"}, {"memory", "memory.memsw.limit_in_bytes=134217728"},
                             {"cpu", "cpu.cfs_period_us=100000"},       {"cpu", "cpu.cfs_quota_us=7236"},
                             {"cpu", "cpu.shares=74"},                  {"pids", "pids.max=1024"}};
  for (int w = 0; w < 6; w++) {
    argv[n++] = "--cgroup-write";
    ARG("/sys/fs/cgroup/%s/lamina/floor%d-%d/%s", writes[w][0], (int)getpid(), i, writes[w][1]);
  }
  argv[n++] = "1024";
  argv[n++] = (char *)code;
  argv[n++] = "512";
  argv[n++] = "-";
  argv[n++] = "-";
  argv[n++] = "3";
  for (int c = 0; c < 3; c++) ARG("/sys/fs/cgroup/%s/lamina/floor%d-%d/cgroup.procs", controllers[c], (int)getpid(), i);
  argv[n++] = "/var/task/bootstrap";
  argv[n] = NULL;
}

/** Take the listener the launcher sends on its channel, then release it with its environment. */
static void on_channel(struct slot *slot) {
  char line[512];
  union {
    char buffer[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  struct iovec part = {.iov_base = line, .iov_len = sizeof line};
  struct msghdr header = {.msg_iov = &part, .msg_iovlen = 1, .msg_control = control.buffer, .msg_controllen = sizeof control.buffer};
  ssize_t got = recvmsg(slot->fd, &header, MSG_CMSG_CLOEXEC);
  if (got <= 0) {
    epoll_ctl(poller, EPOLL_CTL_DEL, slot->fd, NULL);
    close(slot->fd);
    return;
  }
  struct cmsghdr *rights = CMSG_FIRSTHDR(&header);
  if (rights == NULL || rights->cmsg_type != SCM_RIGHTS) return;
  int listener;
  memcpy(&listener, CMSG_DATA(rights), sizeof listener);
  watch(LISTENER, listener, slot->env);
  static const char env[] = "AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001";
  if (write(stdin_fds[slot->env], env, sizeof env) != sizeof env) die("write env");
  close(stdin_fds[slot->env]);
}

static void on_request(struct slot *slot) {
  ssize_t got = read(slot->fd, slot->buf + slot->used, sizeof slot->buf - 1 - slot->used);
  if (got <= 0) {
    epoll_ctl(poller, EPOLL_CTL_DEL, slot->fd, NULL);
    close(slot->fd);
    return;
  }
  slot->used += (size_t)got;
  slot->buf[slot->used] = '\0';
  char *end = strstr(slot->buf, "\r\n\r\n");
  if (end == NULL) return;
  int post = strncmp(slot->buf, "POST", 4) == 0;
  long length = 0;
  char *header = strcasestr(slot->buf, "content-length:");
  if (header != NULL && header < end) length = atol(header + 15);
  if ((long)(slot->buf + slot->used - (end + 4)) < length) return;  // body not all here yet
  slot->used = 0;
  char answer[256];
  int n = post ? snprintf(answer, sizeof answer, "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
               : snprintf(answer, sizeof answer, "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: r%d\r\nContent-Length: 2\r\n\r\n{}", slot->env);
  if (post) done++;
  // A second GET /next (after the response) is held, as the barrier holds Lamina's runtimes.
  static char *answered;
  if (answered == NULL) answered = calloc(MAX, 1);
  if (!post && answered[slot->env]) return;
  if (!post) answered[slot->env] = 1;
  if (write(slot->fd, answer, (size_t)n) != n) die("write answer");
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: start-floor N LAUNCHER CODEDIR bare|isolated|no-link|tmpfs [TMP_IMAGE TMP_DIR]\n");
    return 2;
  }
  count = atoi(argv[1]);
  const char *launcher = argv[2], *code = argv[3], *mode = argv[4];
  const char *image = argc > 5 ? argv[5] : "", *tmpdir = argc > 6 ? argv[6] : "";
  if (count < 1 || count > MAX) return 2;
  int bare = strcmp(mode, "bare") == 0;
  // LAUNCHER "-": the linked-in launcher runs in the forked child, as the spawner runs it.
  in_process = strcmp(launcher, "-") == 0;
  if (in_process && launcher_main == NULL) {
    fprintf(stderr, "start-floor: built without the launcher, give its path\n");
    return 2;
  }
  // Our own cpuacct group: every process forked from here is counted there, whatever else it joins.
  snprintf(group, sizeof group, CPUACCT "/lamina-floor-%d", (int)getpid());
  if (mkdir(group, 0755) != 0) die(group);
  char self[32], procs[300];
  snprintf(self, sizeof self, "%d", (int)getpid());
  snprintf(procs, sizeof procs, "%s/cgroup.procs", group);
  write_file(procs, self);
  poller = epoll_create1(EPOLL_CLOEXEC);
  int host_listener = -1;
  struct sockaddr_in address = {.sin_family = AF_INET};
  if (bare) {
    host_listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(host_listener, (struct sockaddr *)&address, sizeof address) != 0 || listen(host_listener, 4096) != 0) die("listen");
    socklen_t size = sizeof address;
    getsockname(host_listener, (struct sockaddr *)&address, &size);
    watch(LISTENER, host_listener, -1);
  }
  srand((unsigned)getpid());
  int base = 8192 + rand() % 16384;
  long long cpu_before = cpu_usage_ns();
  double started = now_ms();
  for (int i = 0; i < count; i++) {
    int channel[2] = {-1, -1}, input[2] = {-1, -1};
    if (!bare && (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, channel) != 0 || pipe2(input, O_CLOEXEC) != 0)) die("socketpair");
    char *args[96];
    if (!bare) launcher_args(args, i, launcher, code, mode, image, tmpdir, base);
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
      setsid();
      int null = open("/dev/null", O_RDWR);
      dup2(null, 1);
      if (getenv("START_FLOOR_STDERR") == NULL) dup2(null, 2);
      if (bare) {
        char api[64], binary[512];
        snprintf(api, sizeof api, "AWS_LAMBDA_RUNTIME_API=127.0.0.1:%d", ntohs(address.sin_port));
        snprintf(binary, sizeof binary, "%s/bootstrap", code);
        char *env[] = {api, NULL};
        char *bargs[] = {binary, NULL};
        dup2(null, 0);
        execve(binary, bargs, env);
        _exit(127);
      }
      dup2(input[0], 0);
      dup2(channel[1], 3);
      char *env[] = {"PATH=/usr/bin:/bin", NULL};
      if (launcher_main != NULL && in_process) {
        close_range(4, ~0U, 0);  // what an exec's close-on-exec would have closed (as spawner.c does)
        environ = env;
        exit(launcher_main(argc_of(args), args));
      }
      execve(launcher, args, env);
      _exit(127);
    }
    pids[i] = pid;
    if (!bare) {
      close(channel[1]);
      close(input[0]);
      stdin_fds[i] = input[1];
      watch(CHANNEL, channel[0], i);
    }
  }
  struct epoll_event events[64];
  while (done < count) {
    int ready = epoll_wait(poller, events, 64, 30000);
    if (ready == 0) {
      fprintf(stderr, "start-floor: only %d of %d answered in 30 s\n", done, count);
      break;
    }
    for (int e = 0; e < ready; e++) {
      struct slot *slot = events[e].data.ptr;
      if (slot->kind == CHANNEL) {
        on_channel(slot);
      } else if (slot->kind == LISTENER) {
        int connection = accept4(slot->fd, NULL, NULL, SOCK_CLOEXEC);
        if (connection < 0) continue;
        // bare: one listener for all; the runtime's first request says nothing of who it is.
        static int next_bare = 0;
        watch(CONNECTION, connection, slot->env >= 0 ? slot->env : next_bare++);
      } else {
        on_request(slot);
      }
    }
  }
  double elapsed = now_ms() - started;
  long long cpu_after = cpu_usage_ns();
  printf("environments %d ms %.1f cpu_ms %.1f\n", done, elapsed, (cpu_after - cpu_before) / 1e6);
  fflush(stdout);
  for (int i = 0; i < count; i++) kill(-pids[i], SIGKILL);
  for (int i = 0; i < count; i++) waitpid(pids[i], NULL, 0);
  // The groups empty out as the namespaces' last processes go.
  usleep(200000);
  const char *controllers[] = {"memory", "cpu", "pids"};
  for (int i = 0; !bare && i < count; i++) {
    for (int c = 0; c < 3; c++) {
      char dir[300];
      snprintf(dir, sizeof dir, "/sys/fs/cgroup/%s/lamina/floor%d-%d", controllers[c], (int)getpid(), i);
      for (int attempt = 0; rmdir(dir) != 0 && errno == EBUSY && attempt < 50; attempt++) usleep(20000);
    }
  }
  write_file(CPUACCT "/cgroup.procs", self);
  rmdir(group);
  return done == count ? 0 : 1;
}
