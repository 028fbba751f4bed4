// SPDX-License-Identifier: Apache-2.0
/*
 * lamina-sandbox --spawner: the small process that forks every environment's launcher for the
 * platform (docs/isolation.md, "Starting environments"). Node's spawn forks the platform itself
 * (a process of 60-100 MB: copying its page tables, then tearing the copy down at exec, ~4 ms per
 * environment, with the event loop waiting until the exec); this process is a few hundred KB.
 *
 * Requests arrive on stdin: "LEN\0" then LEN bytes of "ID\0CWD\0FLAGS\0ARGC\0ARG...\0ENVC\0ENV...\0",
 * FLAGS a string of 'i' (stdin a pipe, else /dev/null) and 'c' (an IPC channel on fd 3).
 * Answers go out on fd 3, a Node IPC channel (JSON lines; a file descriptor rides as SCM_RIGHTS with
 * a NODE_HANDLE line, which Node's child_process turns into a net.Socket or a net.Server):
 *   {"spawned":ID,"pid":PID} then handles {"spawned":ID,"stream":"stdout"|"stderr"|"stdin"}
 *   {"spawned":ID,"error":ERRNO}                 the exec failed (ENOENT, EACCES, ...)
 *   {"spawned":ID,"message":LINE}                a JSON line the child wrote on its channel
 *   handle {"spawned":ID,"listener":1}           a socket the child sent on its channel
 *   {"spawned":ID,"exit":CODE|null,"signal":N|null}   the child ended (after its channel is read out)
 * Each child is a process-group leader (setsid), as Node's `detached` makes it, with default signal
 * dispositions and an empty mask, as Node's spawn gives, and its stdio (and channel) alone: not even
 * what the platform inherited without close-on-exec, which Node's spawn passes on
 * (test/sandbox/hostile-stdio.e2e.test.ts). This process dies
 * with the platform (PR_SET_PDEATHSIG), and the launchers with it (theirs).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#include "lamina-sandbox.h"

#define CHANNEL 3

struct child {
  long id;
  pid_t pid;
  int channel;       /* our end of the child's IPC channel, or -1 */
  char line[1024];   /* a partial line read from it */
  size_t used;
  struct child *next;
};

static struct child *children = NULL;
/** Reaped children, freed after the current batch of events (one of them may still name it). */
static struct child *reaped = NULL;
static int poller;

/** One line (and maybe one descriptor) to the platform; the platform gone means we go too. */
static void send_line(const char *text, size_t length, int fd) {
  struct iovec part = {.iov_base = (void *)text, .iov_len = length};
  union {
    char buffer[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  memset(&control, 0, sizeof control);
  struct msghdr header = {.msg_iov = &part, .msg_iovlen = 1};
  if (fd >= 0) {
    header.msg_control = control.buffer;
    header.msg_controllen = sizeof control.buffer;
    struct cmsghdr *rights = CMSG_FIRSTHDR(&header);
    rights->cmsg_level = SOL_SOCKET;
    rights->cmsg_type = SCM_RIGHTS;
    rights->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(rights), &fd, sizeof(int));
  }
  while (part.iov_len > 0) {
    ssize_t sent = sendmsg(CHANNEL, &header, MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0 && errno == EAGAIN) {
      usleep(1000);  // the platform reads slower than we write: wait, the channel is blocking-ish
      continue;
    }
    if (sent <= 0) _exit(0);
    part.iov_base = (char *)part.iov_base + sent;
    part.iov_len -= (size_t)sent;
    header.msg_control = NULL;  // the descriptor went with the first byte
    header.msg_controllen = 0;
  }
}

static void send_handle(long id, const char *type, const char *what, int fd) {
  char text[256];
  int length = snprintf(text, sizeof text, "{\"cmd\":\"NODE_HANDLE\",\"type\":\"%s\",\"msg\":{\"spawned\":%ld,%s}}\n", type, id, what);
  send_line(text, (size_t)length, fd);
}

/** Relay what the child wrote on its channel: whole JSON lines, and a socket handed over with one. */
static void read_channel(struct child *child) {
  while (child->channel >= 0) {
    int fd = -1;
    union {
      char buffer[CMSG_SPACE(sizeof(int) * 4)];
      struct cmsghdr align;
    } control;
    struct iovec part = {.iov_base = child->line + child->used, .iov_len = sizeof child->line - 1 - child->used};
    struct msghdr header = {.msg_iov = &part, .msg_iovlen = 1, .msg_control = control.buffer, .msg_controllen = sizeof control.buffer};
    ssize_t got = recvmsg(child->channel, &header, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
        epoll_ctl(poller, EPOLL_CTL_DEL, child->channel, NULL);
        close(child->channel);
        child->channel = -1;
      }
      return;
    }
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&header); c != NULL; c = CMSG_NXTHDR(&header, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
      int count = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
      for (int i = 0; i < count; i++) {
        int received;
        memcpy(&received, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
        if (fd < 0) fd = received;
        else close(received);  // one socket per message is all a launcher sends
      }
    }
    child->used += (size_t)got;
    char *start = child->line, *end;
    while ((end = memchr(start, '\n', (size_t)(child->line + child->used - start))) != NULL) {
      *end = '\0';
      if (fd >= 0 && strstr(start, "\"NODE_HANDLE\"") != NULL) {
        send_handle(child->id, "net.Server", "\"listener\":1", fd);
        close(fd);
        fd = -1;
      } else if (start[0] == '{') {
        char text[1200];
        int length = snprintf(text, sizeof text, "{\"spawned\":%ld,\"message\":%s}\n", child->id, start);
        if (length > 0 && (size_t)length < sizeof text) send_line(text, (size_t)length, -1);
      }
      start = end + 1;
    }
    if (fd >= 0) close(fd);
    child->used = (size_t)(child->line + child->used - start);
    memmove(child->line, start, child->used);
    if (child->used == sizeof child->line - 1) child->used = 0;  // no line that long comes from a launcher
  }
}

static void reap(void) {
  for (;;) {
    int status;
    pid_t gone = waitpid(-1, &status, WNOHANG);
    if (gone <= 0) return;
    for (struct child **link = &children; *link != NULL; link = &(*link)->next) {
      struct child *child = *link;
      if (child->pid != gone) continue;
      if (child->channel >= 0) read_channel(child);  // its last words first (runtime-exit)
      if (child->channel >= 0) {
        epoll_ctl(poller, EPOLL_CTL_DEL, child->channel, NULL);
        close(child->channel);
      }
      char text[128];
      int length = WIFEXITED(status)
                       ? snprintf(text, sizeof text, "{\"spawned\":%ld,\"exit\":%d,\"signal\":null}\n", child->id, WEXITSTATUS(status))
                       : snprintf(text, sizeof text, "{\"spawned\":%ld,\"exit\":null,\"signal\":%d}\n", child->id, WTERMSIG(status));
      send_line(text, (size_t)length, -1);
      child->channel = -1;
      *link = child->next;
      child->next = reaped;
      reaped = child;
      break;
    }
  }
}

/** Close every descriptor from `first` up but `keep` (close_range(2), or one by one where the kernel lacks it). */
static void close_all_from(int first, int keep) {
#ifdef SYS_close_range
  long below = keep > first ? syscall(SYS_close_range, (unsigned)first, (unsigned)keep - 1, 0) : 0;
  if (below == 0 && syscall(SYS_close_range, (unsigned)(keep >= first ? keep + 1 : first), ~0U, 0) == 0) return;
#endif
  struct rlimit files;
  int last = getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur != RLIM_INFINITY && files.rlim_cur < 1048576 ? (int)files.rlim_cur : 1048576;
  for (int fd = first; fd < last; fd++) {
    if (fd != keep) close(fd);
  }
}

/** This binary (device and inode): a launcher to start is run in the forked child, without an exec. */
static struct stat self;

static int is_self(const char *path) {
  struct stat info;
  return self.st_ino != 0 && stat(path, &info) == 0 && info.st_ino == self.st_ino && info.st_dev == self.st_dev;
}

/**
 * Run the launcher in this forked child as its exec would (docs/isolation.md, "Starting
 * environments"): an exec of this same binary costs a page-table rebuild, ld.so and page faults,
 * 2-4 ms of CPU per environment on a busy 2-core VM, for nothing the fork does not already have.
 * What an exec would have dropped is dropped here: every descriptor but 0-3 (the spawner's epoll,
 * signalfd, other children's channels, the exec-report pipe, whose EOF tells the parent the child
 * is under way), the signal mask (cleared by the caller), the environment (the request's).
 * /proc/PID/cmdline and environ stay the spawner's (changing them needs CAP_SYS_RESOURCE): ps shows
 * such a launcher as `lamina-sandbox --spawner`, a child of the spawner.
 */
static void launch_here(size_t argc, char **argv, char **envp) {
  close_all_from(4, -1);
  environ = envp;
  prctl(PR_SET_NAME, "lamina-sandbox");
  exit(launcher_main((int)argc, argv));
}

/** Fork and exec one child; its stdio are socket pairs, as libuv makes them for Node's spawn. */
static void spawn_child(char *request, size_t size) {
  char *fields[4096];
  size_t count = 0;
  for (size_t at = 0; at < size && count < 4096; at += strlen(request + at) + 1) fields[count++] = request + at;
  if (count < 5) return;
  long id = atol(fields[0]);
  const char *cwd = fields[1], *flags = fields[2];
  size_t argc = (size_t)atol(fields[3]);
  if (4 + argc >= count) return;
  size_t envc = (size_t)atol(fields[4 + argc]);
  if (5 + argc + envc > count) return;
  char **argv = calloc(argc + 1, sizeof *argv), **envp = calloc(envc + 1, sizeof *envp);
  if (argv == NULL || envp == NULL) fail("out of memory", "");
  for (size_t i = 0; i < argc; i++) argv[i] = fields[4 + i];
  for (size_t i = 0; i < envc; i++) envp[i] = fields[5 + argc + i];
  int with_stdin = strchr(flags, 'i') != NULL, with_channel = strchr(flags, 'c') != NULL;
  int in[2] = {-1, -1}, out[2], err[2], channel[2] = {-1, -1}, report[2];
  if ((with_stdin && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0) || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, out) != 0 ||
      socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, err) != 0 || (with_channel && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, channel) != 0) ||
      pipe2(report, O_CLOEXEC) != 0) {
    char text[96];
    int length = snprintf(text, sizeof text, "{\"spawned\":%ld,\"error\":%d}\n", id, errno);
    send_line(text, (size_t)length, -1);
    free(argv);
    free(envp);
    return;
  }
  pid_t pid = fork();
  if (pid == 0) {
    // What Node's spawn (libuv) gives a child: default dispositions (this process ignores SIGPIPE,
    // which an exec keeps: a runtime's pipelines would get EPIPE instead of dying of SIGPIPE) and
    // an empty mask.
    for (int sig = 1; sig < _NSIG; sig++) {
      if (sig != SIGKILL && sig != SIGSTOP) signal(sig, SIG_DFL);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    setsid();
    int null = with_stdin ? -1 : open("/dev/null", O_RDONLY | O_CLOEXEC);  // its copy at 0 is inherited
    dup2(with_stdin ? in[1] : null, 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    if (with_channel) dup2(channel[1], CHANNEL);
    else close(CHANNEL);
    // Nothing else reaches the child (an environment): not a descriptor the platform inherited
    // without close-on-exec from whatever started it, which this process inherited in turn.
    // (The report pipe stays until the exec closes it: a failed exec says why on it.)
    close_all_from(with_channel ? CHANNEL + 1 : CHANNEL, report[1]);
    if (is_self(argv[0]) && chdir(cwd) == 0) launch_here(argc, argv, envp);
    // The command is looked up on the child's PATH, as Node's spawn does.
    for (size_t i = 0; i < envc; i++) {
      if (strncmp(envp[i], "PATH=", 5) == 0) setenv("PATH", envp[i] + 5, 1);
    }
    if (chdir(cwd) == 0) execvpe(argv[0], argv, envp);
    int error = errno;
    ssize_t written = write(report[1], &error, sizeof error);
    (void)written;
    _exit(127);
  }
  close(report[1]);
  if (with_stdin) close(in[1]);
  close(out[1]);
  close(err[1]);
  if (with_channel) close(channel[1]);
  int error = pid < 0 ? errno : 0;
  if (pid > 0) {
    ssize_t got;
    do got = read(report[0], &error, sizeof error);  // EOF: the exec went through
    while (got < 0 && errno == EINTR);
    if (got != sizeof error) error = 0;
  }
  close(report[0]);
  char text[96];
  if (error != 0) {
    int length = snprintf(text, sizeof text, "{\"spawned\":%ld,\"error\":%d}\n", id, error);
    send_line(text, (size_t)length, -1);
  } else {
    int length = snprintf(text, sizeof text, "{\"spawned\":%ld,\"pid\":%d}\n", id, (int)pid);
    send_line(text, (size_t)length, -1);
    send_handle(id, "net.Socket", "\"stream\":\"stdout\"", out[0]);
    send_handle(id, "net.Socket", "\"stream\":\"stderr\"", err[0]);
    if (with_stdin) send_handle(id, "net.Socket", "\"stream\":\"stdin\"", in[0]);
  }
  if (with_stdin) close(in[0]);
  close(out[0]);
  close(err[0]);
  if (error == 0 && with_channel) {
    struct child *child = calloc(1, sizeof *child);
    if (child == NULL) fail("out of memory", "");
    child->id = id;
    child->pid = pid;
    child->channel = channel[0];
    child->next = children;
    children = child;
    struct epoll_event watch = {.events = EPOLLIN, .data.ptr = child};
    epoll_ctl(poller, EPOLL_CTL_ADD, channel[0], &watch);
  } else {
    if (with_channel) close(channel[0]);
    if (error == 0) {
      struct child *child = calloc(1, sizeof *child);
      if (child == NULL) fail("out of memory", "");
      *child = (struct child){.id = id, .pid = pid, .channel = -1, .next = children};
      children = child;
    }
  }
  free(argv);
  free(envp);
}

void run_spawner(void) {
  if (stat("/proc/self/exe", &self) != 0) memset(&self, 0, sizeof self);
  pid_t platform = getppid();
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != platform) _exit(0);
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, NULL);
  signal(SIGPIPE, SIG_IGN);
  int reaper = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  poller = epoll_create1(EPOLL_CLOEXEC);
  if (reaper < 0 || poller < 0) fail("cannot watch", "children");
  fcntl(CHANNEL, F_SETFD, FD_CLOEXEC);
  // Our own descriptors are tagged 1-3 (a child's record is a heap address, never that small).
  struct epoll_event watch = {.events = EPOLLIN};
  watch.data.u64 = 1;
  epoll_ctl(poller, EPOLL_CTL_ADD, 0, &watch);
  watch.data.u64 = 2;
  epoll_ctl(poller, EPOLL_CTL_ADD, CHANNEL, &watch);
  watch.data.u64 = 3;
  epoll_ctl(poller, EPOLL_CTL_ADD, reaper, &watch);
  size_t capacity = 1 << 16, used = 0;
  char *requests = malloc(capacity);
  if (requests == NULL) fail("out of memory", "");
  for (;;) {
    struct epoll_event events[64];
    int ready = epoll_wait(poller, events, 64, -1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) fail("cannot wait", "");
    for (int e = 0; e < ready; e++) {
      uint64_t tag = events[e].data.u64;
      if (tag == 3) {
        struct signalfd_siginfo info;
        while (read(reaper, &info, sizeof info) == sizeof info) {
        }
        reap();
      } else if (tag == 2) {
        char drain[4096];  // NODE_HANDLE_ACKs; EOF: the platform is gone
        ssize_t got = read(CHANNEL, drain, sizeof drain);
        if (got == 0) _exit(0);
      } else if (tag == 1) {
        if (used == capacity) {
          capacity *= 2;
          requests = realloc(requests, capacity);
          if (requests == NULL) fail("out of memory", "");
        }
        ssize_t got = read(0, requests + used, capacity - used);
        if (got == 0) _exit(0);
        if (got < 0) continue;
        used += (size_t)got;
        for (;;) {
          char *nul = memchr(requests, '\0', used);
          if (nul == NULL) break;
          size_t length = (size_t)atol(requests), head = (size_t)(nul - requests) + 1;
          if (used < head + length) {
            while (capacity < head + length) capacity *= 2;
            requests = realloc(requests, capacity);
            if (requests == NULL) fail("out of memory", "");
            break;
          }
          spawn_child(requests + head, length);
          memmove(requests, requests + head + length, used - head - length);
          used -= head + length;
        }
      } else {
        read_channel((struct child *)events[e].data.ptr);
      }
    }
    while (reaped != NULL) {
      struct child *next = reaped->next;
      free(reaped);
      reaped = next;
    }
  }
}
