// SPDX-License-Identifier: Apache-2.0
/*
 * lamina-sandbox: the execution-environment launcher in one exec (issue 4). It does what the sh
 * launcher of process-sandbox.ts does with unshare, sh, mount (x3-4) and ulimit, i.e. five execs
 * per environment, in one small process, then execs the runtime (same pid, so the runtime is
 * limited from its first instruction):
 *
 *   lamina-sandbox [--env-from-stdin] NOFILE|- TASKDIR|- TMP_MB OPT|- RUNTIMEDIR|- N PROCS_FILE... COMMAND [ARGS...]
 *
 * - joins the N cgroups (writes its pid to each cgroup.procs file);
 * - sets RLIMIT_NOFILE (soft and hard) when NOFILE is not "-" (best effort, as `ulimit -n`);
 * - with TASKDIR or OPT: a private mount namespace; TASKDIR bound read-only at /var/task; OPT
 *   (layer dirs, top first, ':'-joined) bound read-only at /opt, or a read-only overlay for
 *   several; RUNTIMEDIR bound read-only at /var/runtime; a tmpfs of TMP_MB at /tmp (after the binds: their sources may live under /tmp);
 *   then the working directory is /var/task.
 * With --env-from-stdin it then waits: the runtime's environment arrives on stdin as NUL-terminated
 * NAME=value entries up to EOF (stdin then becomes /dev/null). The platform prepares such a standby
 * ahead of a cold start, so the first write to a cgroup.procs after a quiet spell (the kernel waits
 * for an RCU grace period there, 10-20 ms on this machine) is not on the cold start's path. An EOF
 * with no entries (the platform is gone) ends the standby without running anything.
 * Any failure exits 125 with a message on stderr, which the platform turns into a failed init.
 * Built by `npm run build` when a C compiler is present; otherwise the sh launcher is used.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

static void fail(const char *what, const char *arg) {
  fprintf(stderr, "lamina-sandbox: %s %s: %s\n", what, arg, strerror(errno));
  exit(125);
}

static void join_cgroup(const char *procs) {
  char pid[24];
  int len = snprintf(pid, sizeof pid, "%d", (int)getpid());
  int fd = open(procs, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write(fd, pid, (size_t)len) != len) fail("cannot join cgroup", procs);
  close(fd);
}

static void bind_read_only(const char *source, const char *target) {
  if (mount(source, target, NULL, MS_BIND, NULL) != 0) fail("cannot bind", source);
  if (mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) != 0) fail("cannot make read-only", target);
}

/** Read NUL-terminated NAME=value entries from stdin until EOF; NULL when there are none. */
static char **environment_from_stdin(void) {
  size_t size = 0, capacity = 65536;
  char *block = malloc(capacity);
  if (block == NULL) fail("out of memory", "");
  for (;;) {
    if (size == capacity) {
      capacity *= 2;
      block = realloc(block, capacity);
      if (block == NULL) fail("out of memory", "");
    }
    ssize_t got = read(0, block + size, capacity - size);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) fail("cannot read the environment from", "stdin");
    if (got == 0) break;
    size += (size_t)got;
  }
  if (size == 0) return NULL;
  size_t count = 0;
  for (size_t i = 0; i < size; i++) count += block[i] == '\0';
  char **entries = calloc(count + 1, sizeof *entries);
  if (entries == NULL) fail("out of memory", "");
  size_t n = 0, start = 0;
  for (size_t i = 0; i < size && n < count; i++) {
    if (block[i] != '\0') continue;
    entries[n++] = block + start;
    start = i + 1;
  }
  int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null < 0 || dup2(null, 0) < 0) fail("cannot open", "/dev/null");
  close(null);
  return entries;
}

extern char **environ;

int main(int argc, char **argv) {
  int env_from_stdin = argc > 1 && strcmp(argv[1], "--env-from-stdin") == 0;
  if (env_from_stdin) {
    argv++;
    argc--;
  }
  if (argc < 8) {
    fprintf(stderr, "usage: lamina-sandbox [--env-from-stdin] NOFILE|- TASKDIR|- TMP_MB OPT|- RUNTIMEDIR|- N PROCS... COMMAND [ARGS...]\n");
    return 125;
  }
  const char *nofile = argv[1], *task = argv[2], *tmp_mb = argv[3], *opt = argv[4], *runtime = argv[5];
  int n = atoi(argv[6]);
  int next = 7;
  if (n < 0 || next + n >= argc) {
    fprintf(stderr, "lamina-sandbox: bad cgroup count %s\n", argv[6]);
    return 125;
  }
  for (int i = 0; i < n; i++) join_cgroup(argv[next + i]);
  next += n;
  if (strcmp(nofile, "-") != 0) {
    rlim_t limit = (rlim_t)strtoul(nofile, NULL, 10);
    struct rlimit files = {limit, limit};
    setrlimit(RLIMIT_NOFILE, &files);  // as the sh launcher: a limit that cannot be set is not fatal
  }
  int has_task = strcmp(task, "-") != 0, has_opt = strcmp(opt, "-") != 0, has_runtime = strcmp(runtime, "-") != 0;
  if (has_task || has_opt || has_runtime) {
    if (unshare(CLONE_NEWNS) != 0) fail("cannot unshare the mount namespace", "");
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) fail("cannot make mounts private", "/");
    if (has_task) bind_read_only(task, "/var/task");
    if (has_opt) {
      if (strchr(opt, ':') == NULL) {
        bind_read_only(opt, "/opt");
      } else {
        // An overlay with only lower layers is read-only by construction.
        size_t size = strlen(opt) + sizeof "lowerdir=";
        char *options = malloc(size);
        if (options == NULL) fail("out of memory", "");
        snprintf(options, size, "lowerdir=%s", opt);
        if (mount("overlay", "/opt", "overlay", 0, options) != 0) fail("cannot mount the layers overlay at", "/opt");
        free(options);
      }
    }
    if (has_runtime) bind_read_only(runtime, "/var/runtime");
    if (has_task) {
      char options[64];
      snprintf(options, sizeof options, "size=%sm,mode=1777", tmp_mb);
      if (mount("tmpfs", "/tmp", "tmpfs", 0, options) != 0) fail("cannot mount tmpfs at", "/tmp");
      if (chdir("/var/task") != 0) fail("cannot change directory to", "/var/task");
    }
  }
  if (env_from_stdin) {
    char **entries = environment_from_stdin();
    if (entries == NULL) return 0;  // released without an environment: the platform is gone
    environ = entries;
  }
  execvp(argv[next], &argv[next]);
  // Like sh: 127 when the command is not found, 126 when it cannot be run.
  fprintf(stderr, "lamina-sandbox: %s: %s\n", argv[next], strerror(errno));
  return errno == ENOENT ? 127 : 126;
}
