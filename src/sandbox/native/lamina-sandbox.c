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
 *   several; RUNTIMEDIR bound read-only at /var/runtime; /etc/hosts a copy of the host's with
 *   sandbox.localdomain and sandbox on 127.0.0.1; a tmpfs of TMP_MB at /tmp (after the binds: their sources may live under /tmp);
 *   then the working directory is /var/task.
 * With --env-from-stdin it then waits: the runtime's environment arrives on stdin as NUL-terminated
 * NAME=value entries up to EOF (stdin then becomes /dev/null). The platform prepares such a standby
 * ahead of a cold start, so the first write to a cgroup.procs after a quiet spell (the kernel waits
 * for an RCU grace period there, 10-20 ms on this machine) is not on the cold start's path. An EOF
 * with no entries (the platform is gone) ends the standby without running anything.
 * With --isolate UID:GID (root; docs/isolation.md) the environment gets its own mount, PID, IPC and
 * cgroup namespaces and, with --api-fd N, its own network namespace whose loopback serves the Runtime
 * API at 127.0.0.1:9001, the listening socket handed to the platform over Node's IPC channel on fd N.
 * The runtime sees a root built for it (system directories, --bind paths, /var/task, /opt,
 * /var/runtime read-only; /tmp a tmpfs or, with --tmp-image IMAGE --tmp-dir DIR, a disk-backed
 * ext4 copy of IMAGE), runs as UID:GID with no capabilities, no_new_privs and a seccomp filter.
 * This process stays outside as the platform's child; the namespace's pid 1 is a second copy of it
 * that reaps orphans and passes the runtime's wait status back, and whose exit kills every process
 * left in the namespace at once (a timed-out function's forks included). With --outlive (external
 * extensions) pid 1 stays up after the runtime's own exit until the namespace is empty, and the
 * launcher tells the platform of that exit at once over the channel of --api-fd, so the
 * extensions get their shutdown budget; the platform SIGKILLs this process at its end, and pid 1
 * (PR_SET_PDEATHSIG) and the namespace with it.
 * With --hold-network --api-fd N [--link DEV:HOST:GUEST] (root) it only makes that network namespace
 * (loopback, Runtime API listener handed over on fd N, link) and holds it until stdin reaches EOF
 * or its parent dies: a container started in /proc/PID/ns/net gets the same private network.
 * With --cgroup-dir DIR... --cgroup-write FILE=VALUE... it first makes the cgroups it then joins
 * (the platform's cgroups.ts says which limits), so their mkdirs and writes are off the platform's
 * event loop. With --platform PID, SIGUSR1 is heeded from PID rather than from the parent (the
 * spawner, spawner.c, is the parent then). `lamina-sandbox --spawner` runs the spawner.
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
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lamina-sandbox.h"

void fail(const char *what, const char *arg) {
  fprintf(stderr, "lamina-sandbox: %s %s: %s\n", what, arg, strerror(errno));
  exit(125);
}

static void join_cgroup(const char *procs) {
  char pid[24];
  int len = snprintf(pid, sizeof pid, "%d", (int)getpid());
  // O_CREAT for plain files in tests; a cgroup file system has cgroup.procs in every group.
  int fd = open(procs, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0 || write(fd, pid, (size_t)len) != len) fail("cannot join cgroup", procs);
  close(fd);
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

/** What 127.0.0.1 is called in an environment besides localhost (older Logs API extensions use `sandbox`). */
#define SANDBOX_HOST_NAMES "sandbox.localdomain sandbox"


/** Options before the positional arguments. */
struct options {
  int env_from_stdin;
  int hold_network;
  int outlive;
  int isolate;
  unsigned uid, gid;
  int api_fd;
  pid_t platform;
  const char *tmp_image, *tmp_dir;
  const char *link;
  const char *binds[16];
  int bind_count;
  /* The environment's cgroups, made here rather than on the platform's event loop: dirs, then FILE=VALUE limits. */
  const char *cgroup_dirs[8];
  int cgroup_dir_count;
  const char *cgroup_writes[16];
  int cgroup_write_count;
};

/** Make the environment's cgroups and set their limits (src/sandbox/cgroups.ts decides both). */
static void make_cgroups(const struct options *options) {
  for (int i = 0; i < options->cgroup_dir_count; i++) {
    if (mkdir(options->cgroup_dirs[i], 0755) != 0 && errno != EEXIST) fail("cannot create the cgroup", options->cgroup_dirs[i]);
  }
  for (int i = 0; i < options->cgroup_write_count; i++) {
    char file[4096];
    snprintf(file, sizeof file, "%s", options->cgroup_writes[i]);
    char *equals = strrchr(file, '=');
    if (equals == NULL) fail("bad --cgroup-write (want FILE=VALUE)", options->cgroup_writes[i]);
    *equals = '\0';
    const char *value = equals + 1;
    // O_CREAT: a cgroup file system has the file already (and creates none); a test's plain folder has not.
    int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, value, strlen(value)) != (ssize_t)strlen(value)) fail("cannot set the cgroup limit", file);
    close(fd);
  }
}

static int parse_options(int argc, char **argv, struct options *options) {
  int i = 1;
  for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
    const char *flag = argv[i];
    if (strcmp(flag, "--env-from-stdin") == 0) {
      options->env_from_stdin = 1;
      continue;
    }
    if (strcmp(flag, "--hold-network") == 0) {
      options->hold_network = 1;
      continue;
    }
    if (strcmp(flag, "--outlive") == 0) {
      options->outlive = 1;
      continue;
    }
    if (i + 1 >= argc) break;
    const char *value = argv[++i];
    if (strcmp(flag, "--isolate") == 0) {
      options->isolate = sscanf(value, "%u:%u", &options->uid, &options->gid) == 2;
      if (!options->isolate) fail("bad --isolate (want UID:GID)", value);
    } else if (strcmp(flag, "--api-fd") == 0) {
      options->api_fd = atoi(value);
    } else if (strcmp(flag, "--platform") == 0) {
      options->platform = (pid_t)atoi(value);
    } else if (strcmp(flag, "--link") == 0) {
      options->link = value;
    } else if (strcmp(flag, "--tmp-image") == 0) {
      options->tmp_image = value;
    } else if (strcmp(flag, "--tmp-dir") == 0) {
      options->tmp_dir = value;
    } else if (strcmp(flag, "--bind") == 0 && options->bind_count < 15) {
      options->binds[options->bind_count++] = value;
    } else if (strcmp(flag, "--cgroup-dir") == 0 && options->cgroup_dir_count < 8) {
      options->cgroup_dirs[options->cgroup_dir_count++] = value;
    } else if (strcmp(flag, "--cgroup-write") == 0 && options->cgroup_write_count < 16) {
      options->cgroup_writes[options->cgroup_write_count++] = value;
    } else {
      errno = EINVAL;
      fail("unknown option", flag);
    }
  }
  return i - 1;
}

/** The runtime: the namespace's pid 2 (or this process itself when not isolated). */
static void exec_runtime(char **command) {
  execvp(command[0], command);
  // Like sh: 127 when the command is not found, 126 when it cannot be run.
  fprintf(stderr, "lamina-sandbox: %s: %s\n", command[0], strerror(errno));
  _exit(errno == ENOENT ? 127 : 126);
}

/** Exit the way STATUS says a process ended, so the platform reads the runtime's own exit. */
static void mirror(int status) {
  if (WIFEXITED(status)) exit(WEXITSTATUS(status));
  int sig = WIFSIGNALED(status) ? WTERMSIG(status) : SIGKILL;
  struct rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  signal(sig, SIG_DFL);
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_UNBLOCK, &all, NULL);
  kill(getpid(), sig);
  exit(128 + sig);
}

/** Catch SIG with HANDLER, which is told who sent it. */
static void catch_signal(int sig, void (*handler)(int, siginfo_t *, void *)) {
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_sigaction = handler;
  action.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&action.sa_mask);
  sigaction(sig, &action, NULL);
}

/**
 * pid 1: stay up after the runtime until every process of the namespace has ended (a shutdown
 * began: SIGUSR1 from the launcher outside; or --outlive: the environment has external extensions,
 * which get their budget after a crash too), and the runtime it forwards SIGTERM to.
 */
static volatile sig_atomic_t lingering = 0;
static volatile pid_t runtime_pid = 0;

/**
 * The platform's shutdown (docs/extensions.md): SIGTERM to the runtime alone, and the namespace
 * kept until every process in it has ended, so that the extensions get the rest of their budget
 * (the platform SIGKILLs them at its end). Only the launcher outside may ask: it shows as pid 0
 * here, any process of the namespace as its own pid.
 */
static void terminate_runtime(int sig, siginfo_t *info, void *context) {
  (void)sig;
  (void)context;
  if (info->si_pid != 0) return;
  lingering = 1;
  pid_t runtime = runtime_pid;
  if (runtime > 0) kill(runtime, SIGTERM);
}

/**
 * pid 1 of the environment: start the runtime, reap orphans, report the runtime's status. The
 * runtime's process is forked and stripped of its privileges ahead of time (in the standby): at
 * release it only reads its environment from stdin and execs.
 */
static void namespace_init(const struct options *options, const struct root_view *view, int report, char **command) {
  enter_root_view(view);
  lingering = options->outlive;
  catch_signal(SIGUSR1, terminate_runtime);
  pid_t runtime = fork();
  if (runtime < 0) fail("cannot start", command[0]);
  if (runtime == 0) {
    signal(SIGUSR1, SIG_DFL);
    close(report);
    drop_privileges(options->uid, options->gid);
    if (options->env_from_stdin) {
      char **entries = environment_from_stdin();
      if (entries == NULL) _exit(0);  // released without an environment: the platform is gone
      environ = entries;
    }
    exec_runtime(command);
  }
  runtime_pid = runtime;
  int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null >= 0) dup2(null, 0);  // stdin is the runtime's: its EOF must not wait for this process
  int runtime_status = 0, runtime_done = 0;
  for (;;) {
    int status;
    pid_t gone = waitpid(-1, &status, 0);
    if (gone < 0 && errno == EINTR) continue;
    if (gone < 0 && errno == ECHILD && runtime_done) break;  // shutting down: the last one ended
    if (gone < 0) _exit(125);
    if (gone != runtime) continue;  // an orphan the runtime left behind
    runtime_status = status;
    runtime_done = 1;
    runtime_pid = 0;  // reaped: its pid may be another process's now
    // The launcher outside learns of it now, while the extensions may still run (lingering).
    ssize_t written = write(report, &runtime_status, sizeof runtime_status);
    (void)written;
    if (!lingering) break;
  }
  _exit(0);  // the kernel now kills whatever else is left in the namespace
}

/** The namespace's pid 1 as the launcher outside sees it. */
static volatile pid_t namespace_pid = 0;

/** Who may ask for a shutdown: the platform (--platform, when the spawner is the parent), else the parent. */
static pid_t platform_pid = 0;

/** SIGUSR1 from the platform: pass it on to pid 1, which SIGTERMs the runtime. */
static void forward_terminate(int sig, siginfo_t *info, void *context) {
  (void)sig;
  (void)context;
  pid_t platform = platform_pid > 0 ? platform_pid : getppid();
  if (info->si_pid == platform && namespace_pid > 0) kill(namespace_pid, SIGUSR1);
}

static void isolate(const struct options *options, const struct root_view *view, char **command) {
  int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | (options->api_fd > 0 ? CLONE_NEWNET : 0);
  int host_ns = options->link != NULL ? open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC) : -1;
  if (options->link != NULL && host_ns < 0) fail("cannot open", "/proc/self/ns/net");
  if (unshare(flags) != 0) fail("cannot unshare the namespaces", "");
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) fail("cannot make mounts private", "/");
  if (sethostname("localhost", 9) != 0) fail("cannot set the host name", "");
  if (options->link != NULL && options->api_fd > 0) {
    outbound_link(options->link, host_ns);
    close(host_ns);
  }
  if (options->api_fd > 0) {
    runtime_api_listener(9001, options->api_fd);
    // Kept (not inherited by what execs): the runtime's exit is reported on it (report_runtime_exit).
    fcntl(options->api_fd, F_SETFD, FD_CLOEXEC);
  }
  // After the cgroups were joined: the namespace's root is the environment's own cgroup.
  if (unshare(CLONE_NEWCGROUP) != 0) fail("cannot unshare the cgroup namespace", "");
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) fail("cannot create a pipe", "");
  pid_t init = fork();
  if (init < 0) fail("cannot fork", "");
  if (init == 0) {
    close(report[0]);
    // The platform's channel stays outside: nothing in the namespace may write to it.
    if (options->api_fd > 0) close(options->api_fd);
    // Outside the namespace the parent shows as pid 0: nothing to compare, the signal is enough.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    namespace_init(options, view, report[1], command);
  }
  close(report[1]);
  namespace_pid = init;
  platform_pid = options->platform;
  // The platform signals the whole process group: the runtime decides what SIGTERM means; this
  // process only leaves with the namespace (SIGKILL), so it ignores the rest. SIGUSR1 from the
  // platform alone means "SIGTERM to the runtime only" (a shutdown with extensions).
  catch_signal(SIGUSR1, forward_terminate);
  int ignored[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR2, SIGPIPE};
  for (size_t i = 0; i < sizeof ignored / sizeof ignored[0]; i++) signal(ignored[i], SIG_IGN);
  int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null >= 0) dup2(null, 0);
  // pid 1 writes the runtime's status as soon as the runtime has ended; EOF when pid 1 has.
  int runtime_status;
  ssize_t got;
  do got = read(report[0], &runtime_status, sizeof runtime_status);
  while (got < 0 && errno == EINTR);
  if (got == sizeof runtime_status && options->api_fd > 0) report_runtime_exit(options->api_fd, runtime_status);
  int status;
  while (waitpid(init, &status, 0) < 0) {
    if (errno != EINTR) fail("cannot wait for the environment", "");
  }
  if (got == sizeof runtime_status) mirror(runtime_status);
  mirror(status);
}

/**
 * A network namespace for a container (docs/isolation.md): made, handed over and held while the
 * platform keeps stdin open. The container's processes keep it alive after this process exits.
 */
static void hold_network(const struct options *options) {
  if (options->api_fd <= 0) fail("--hold-network needs", "--api-fd");
  // The platform gone (even killed outright): nothing holds the namespace for it any more. Gone
  // before this line: stdin is at EOF already (and the hand-over below fails first).
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  int host_ns = options->link != NULL ? open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC) : -1;
  if (options->link != NULL && host_ns < 0) fail("cannot open", "/proc/self/ns/net");
  if (unshare(CLONE_NEWNET) != 0) fail("cannot unshare the network namespace", "");
  if (options->link != NULL) {
    outbound_link(options->link, host_ns);
    close(host_ns);
  }
  runtime_api_listener(9001, options->api_fd);
  close(options->api_fd);
  char byte;
  ssize_t got;
  do got = read(0, &byte, 1);
  while (got > 0 || (got < 0 && errno == EINTR));
  exit(0);
}

int launcher_main(int argc, char **argv) {
  struct options options;
  memset(&options, 0, sizeof options);
  int skipped = parse_options(argc, argv, &options);
  if (options.hold_network) hold_network(&options);
  // The platform gone, even SIGKILLed: the environment goes with it (this process, and through
  // pid 1's own death signal the namespace), whether or not its runtime ever exits on its own.
  pid_t platform = getppid();
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != platform) return 125;  // it died before the line above
  argv += skipped;
  argc -= skipped;
  if (argc < 8) {
    fprintf(stderr, "usage: lamina-sandbox --hold-network --api-fd N [--link DEV:HOST:GUEST]\n"
                    "       lamina-sandbox [--env-from-stdin] [--isolate UID:GID [--outlive] [--api-fd N] [--link DEV:HOST:GUEST] [--tmp-image IMAGE --tmp-dir DIR] [--bind PATH]...] NOFILE|- TASKDIR|- TMP_MB OPT|- RUNTIMEDIR|- N PROCS... COMMAND [ARGS...]\n");
    return 125;
  }
  const char *nofile = argv[1], *task = argv[2], *tmp_mb = argv[3], *opt = argv[4], *runtime = argv[5];
  int n = atoi(argv[6]);
  int next = 7;
  if (n < 0 || next + n >= argc) {
    fprintf(stderr, "lamina-sandbox: bad cgroup count %s\n", argv[6]);
    return 125;
  }
  make_cgroups(&options);
  for (int i = 0; i < n; i++) join_cgroup(argv[next + i]);
  next += n;
  if (strcmp(nofile, "-") != 0) {
    rlim_t limit = (rlim_t)strtoul(nofile, NULL, 10);
    struct rlimit files = {limit, limit};
    setrlimit(RLIMIT_NOFILE, &files);  // as the sh launcher: a limit that cannot be set is not fatal
  }
  int has_task = strcmp(task, "-") != 0, has_opt = strcmp(opt, "-") != 0, has_runtime = strcmp(runtime, "-") != 0;
  if (options.isolate) {
    if (!has_task) fail("--isolate needs the code directory", "");
    if (options.tmp_image != NULL && options.tmp_dir == NULL) fail("--tmp-image needs", "--tmp-dir");
    options.binds[options.bind_count] = NULL;
    struct root_view view = {
        .task = task, .opt = has_opt ? opt : NULL, .runtime = has_runtime ? runtime : NULL,
        .tmp_image = options.tmp_image, .tmp_dir = options.tmp_dir, .tmp_mb = tmp_mb,
        .binds = options.binds, .hostname = SANDBOX_HOST_NAMES,
        .uid = options.uid, .gid = options.gid,
    };
    isolate(&options, &view, &argv[next]);
  }
  if (has_task || has_opt || has_runtime) {
    if (unshare(CLONE_NEWNS) != 0) fail("cannot unshare the mount namespace", "");
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) fail("cannot make mounts private", "/");
    if (has_task) bind_read_only(task, "/var/task");
    if (has_opt) mount_layers(opt, "/opt");
    if (has_runtime) bind_read_only(runtime, "/var/runtime");
    if (has_task) private_hosts(SANDBOX_HOST_NAMES, "/tmp");
    if (has_task) {
      char tmpfs[64];
      snprintf(tmpfs, sizeof tmpfs, "size=%sm,mode=1777", tmp_mb);
      if (mount("tmpfs", "/tmp", "tmpfs", 0, tmpfs) != 0) fail("cannot mount tmpfs at", "/tmp");
      if (chdir("/var/task") != 0) fail("cannot change directory to", "/var/task");
    }
  }
  if (options.env_from_stdin) {
    char **entries = environment_from_stdin();
    if (entries == NULL) return 0;  // released without an environment: the platform is gone
    environ = entries;
  }
  exec_runtime(&argv[next]);
  return 126;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--spawner") == 0) run_spawner();
  if (argc >= 4 && strcmp(argv[1], "--listen-loopback") == 0) return listen_loopback(atoi(argv[2]), argc - 3, argv + 3);
  return launcher_main(argc, argv);
}
