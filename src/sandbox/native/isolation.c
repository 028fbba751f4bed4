// SPDX-License-Identifier: Apache-2.0
/*
 * The isolated environment's filesystem and user (docs/isolation.md): the root the runtime pivots
 * into, a disk-backed /tmp, and the drop to an unprivileged user. Its network is network.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/loop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "lamina-sandbox.h"

/* ---- filesystem ---- */

#define NEW_ROOT "/var/task"

static void make_dirs(const char *path) {
  char partial[4096];
  size_t length = strlen(path);
  if (length >= sizeof partial) fail("path too long", path);
  for (size_t i = 1; i <= length; i++) {
    if (path[i] != '/' && path[i] != '\0') continue;
    memcpy(partial, path, i);
    partial[i] = '\0';
    if (mkdir(partial, 0755) != 0 && errno != EEXIST) fail("cannot create", partial);
  }
}

void bind_read_only(const char *source, const char *target) {
  if (mount(source, target, NULL, MS_BIND | MS_REC, NULL) != 0) fail("cannot bind", source);
  if (mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_RDONLY, NULL) != 0) fail("cannot make read-only", target);
}

void mount_layers(const char *layers, const char *target) {
  if (strchr(layers, ':') == NULL) {
    bind_read_only(layers, target);
    return;
  }
  // An overlay with only lower layers is read-only by construction.
  size_t size = strlen(layers) + sizeof "lowerdir=";
  char *options = malloc(size);
  if (options == NULL) fail("out of memory", "");
  snprintf(options, size, "lowerdir=%s", layers);
  if (mount("overlay", target, "overlay", MS_NOSUID, options) != 0) fail("cannot mount the layers overlay at", target);
  free(options);
}

/** Show host PATH at the same place in the new root: a symlink stays a symlink, a directory is bound. */
static void show_host_path(const char *path) {
  char target[4096];
  snprintf(target, sizeof target, NEW_ROOT "%s", path);
  struct stat info;
  if (lstat(path, &info) != 0) return;  // /lib32 and friends exist on some hosts only
  if (S_ISLNK(info.st_mode)) {
    char link[4096];
    ssize_t length = readlink(path, link, sizeof link - 1);
    if (length < 0) fail("cannot read the link", path);
    link[length] = '\0';
    if (symlink(link, target) != 0 && errno != EEXIST) fail("cannot link", target);
    return;
  }
  if (S_ISDIR(info.st_mode)) {
    make_dirs(target);
  } else {
    char parent[4096];
    snprintf(parent, sizeof parent, "%s", target);
    *strrchr(parent, '/') = '\0';
    make_dirs(parent);
    int fd = open(target, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0) fail("cannot create", target);
    close(fd);
  }
  bind_read_only(path, target);
}

static void copy_sparse(int from, int to) {
  off_t data = 0;
  for (;;) {
    data = lseek(from, data, SEEK_DATA);
    if (data < 0) break;  // ENXIO: no more data
    off_t hole = lseek(from, data, SEEK_HOLE);
    if (hole < 0) fail("cannot read the /tmp image", "");
    loff_t in = data, out = data;
    while (in < hole) {
      ssize_t copied = copy_file_range(from, &in, to, &out, (size_t)(hole - in), 0);
      if (copied <= 0) fail("cannot copy the /tmp image", "");
    }
    data = hole;
  }
}

/** A loop-mounted copy of an empty ext4 image: /tmp on disk, its size a hard limit (ENOSPC). */
static void mount_disk_tmp(const struct root_view *view, const char *target) {
  int image = open(view->tmp_image, O_RDONLY | O_CLOEXEC);
  if (image < 0) fail("cannot open the /tmp image", view->tmp_image);
  // Unnamed: it disappears with the last reference (the loop device), whatever happens to us.
  int backing = open(view->tmp_dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (backing < 0) fail("cannot create the /tmp file in", view->tmp_dir);
  struct stat info;
  if (fstat(image, &info) != 0 || ftruncate(backing, info.st_size) != 0) fail("cannot size the /tmp file in", view->tmp_dir);
  copy_sparse(image, backing);
  close(image);
  int control = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
  if (control < 0) fail("cannot open", "/dev/loop-control");
  char device[64];
  // Seeded from the clock: this is pid 1 of its namespace, as every other launcher's copy is.
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  srandom((unsigned)now.tv_nsec);
  for (int attempt = 0;; attempt++) {
    int number = ioctl(control, LOOP_CTL_GET_FREE);
    if (number < 0) fail("no free loop device", "");
    snprintf(device, sizeof device, "/dev/loop%d", number);
    int loop = open(device, O_RDWR | O_CLOEXEC);
    if (loop < 0) fail("cannot open", device);
    struct loop_config config;
    memset(&config, 0, sizeof config);
    config.fd = (unsigned)backing;
    // Autoclear: the device lets go of the file when /tmp is unmounted (the namespace is gone).
    // Direct I/O: the image's blocks are not cached a second time in the host's page cache.
    config.info.lo_flags = LO_FLAGS_AUTOCLEAR | LO_FLAGS_DIRECT_IO;
    int configured = ioctl(loop, LOOP_CONFIGURE, &config);
    if (configured != 0 && errno == EINVAL) {
      config.info.lo_flags = LO_FLAGS_AUTOCLEAR;
      configured = ioctl(loop, LOOP_CONFIGURE, &config);
    }
    if (configured == 0) {
      if (mount(device, target, "ext4", MS_NOSUID | MS_NODEV, "noinit_itable") != 0) fail("cannot mount the /tmp image from", device);
      close(loop);
      break;
    }
    int error = errno;
    close(loop);
    errno = error;
    // Launchers of a burst all get the same lowest free device and race for it: one wins, the rest
    // ask again. 64 attempts were too few for 100 at once (inits failed, bench/start-floor); a
    // random pause of up to 1 ms spreads them out.
    if (errno != EBUSY || attempt > 4096) fail("cannot attach the /tmp image to", device);
    usleep((useconds_t)(random() % 1000));
  }
  close(control);
  close(backing);
}

static void write_hosts(const char *hostname) {
  int fd = open(NEW_ROOT "/.hosts", O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("cannot write", "/etc/hosts");
  char text[512];
  int length = snprintf(text, sizeof text, "127.0.0.1\tlocalhost %s\n::1\tlocalhost ip6-localhost ip6-loopback\n", hostname);
  if (write(fd, text, (size_t)length) != length) fail("cannot write", "/etc/hosts");
  close(fd);
}

void private_hosts(const char *names, const char *scratch) {
  if (access("/etc/hosts", F_OK) != 0) return;  // nothing to bind over
  // A throwaway tmpfs holds the new file; the bind keeps it alive after the tmpfs is detached.
  if (mount("tmpfs", scratch, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=1m,mode=0755") != 0) fail("cannot mount tmpfs at", scratch);
  char path[256];
  snprintf(path, sizeof path, "%s/hosts", scratch);
  int out = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) fail("cannot write", path);
  char text[256];
  int length = snprintf(text, sizeof text, "127.0.0.1\t%s\n", names);
  if (write(out, text, (size_t)length) != length) fail("cannot write", path);
  int in = open("/etc/hosts", O_RDONLY | O_CLOEXEC);
  char block[8192];
  ssize_t got;
  while (in >= 0 && (got = read(in, block, sizeof block)) > 0) {
    if (write(out, block, (size_t)got) != got) fail("cannot write", path);
  }
  if (in >= 0) close(in);
  close(out);
  if (mount(path, "/etc/hosts", NULL, MS_BIND, NULL) != 0) fail("cannot bind", "/etc/hosts");
  mount(NULL, "/etc/hosts", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL);
  if (umount2(scratch, MNT_DETACH) != 0) fail("cannot unmount", scratch);
}

/*
 * Lambda's /etc/passwd names its user (sbx_user1051, home /home/sbx_user1051, which does not
 * exist): getpwuid() finds it, so os.homedir() and friends work without HOME, which Lambda does not
 * set. The host's accounts are not shown.
 */
static void write_passwd(unsigned uid, unsigned gid) {
  int fd = open(NEW_ROOT "/.passwd", O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("cannot write", "/etc/passwd");
  char text[256];
  int length = snprintf(text, sizeof text, "root:x:0:0:root:/root:/sbin/nologin\nsbx_user1051:x:%u:%u::/home/sbx_user1051:/sbin/nologin\n", uid, gid);
  if (write(fd, text, (size_t)length) != length) fail("cannot write", "/etc/passwd");
  close(fd);
  if (mount(NEW_ROOT "/.passwd", NEW_ROOT "/etc/passwd", NULL, MS_BIND, NULL) != 0) fail("cannot bind", "/etc/passwd");
  mount(NULL, NEW_ROOT "/etc/passwd", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL);
}

static void make_devices(void) {
  const char *devices[] = {"null", "zero", "full", "random", "urandom", "tty"};
  if (mount("tmpfs", NEW_ROOT "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,mode=755") != 0) fail("cannot mount", "/dev");
  for (size_t i = 0; i < sizeof devices / sizeof devices[0]; i++) {
    char source[64], target[128];
    snprintf(source, sizeof source, "/dev/%s", devices[i]);
    snprintf(target, sizeof target, NEW_ROOT "/dev/%s", devices[i]);
    int fd = open(target, O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
    if (fd < 0) fail("cannot create", target);
    close(fd);
    if (mount(source, target, NULL, MS_BIND, NULL) != 0) fail("cannot bind", source);
  }
  const char *links[][2] = {{"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"}};
  for (size_t i = 0; i < 4; i++) {
    char target[128];
    snprintf(target, sizeof target, NEW_ROOT "/dev/%s", links[i][1]);
    if (symlink(links[i][0], target) != 0) fail("cannot link", target);
  }
  if (mount(NULL, NEW_ROOT "/dev", NULL, MS_REMOUNT | MS_NOSUID | MS_NOEXEC | MS_RDONLY, "size=64k,mode=755") != 0) fail("cannot make read-only", "/dev");
}

void enter_root_view(const struct root_view *view) {
  // A small tmpfs over the host's /var/task (ours alone: the mount namespace is private) holds the
  // mount points; it is made read-only before the runtime starts.
  if (mount("tmpfs", NEW_ROOT, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=755") != 0) fail("cannot mount the root tmpfs at", NEW_ROOT);
  const char *system[] = {"/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32", "/etc"};
  for (size_t i = 0; i < sizeof system / sizeof system[0]; i++) show_host_path(system[i]);
  for (const char **bind = view->binds; bind != NULL && *bind != NULL; bind++) show_host_path(*bind);
  const char *points[] = {NEW_ROOT "/var/task", NEW_ROOT "/var/runtime", NEW_ROOT "/opt", NEW_ROOT "/tmp", NEW_ROOT "/dev", NEW_ROOT "/proc"};
  for (size_t i = 0; i < sizeof points / sizeof points[0]; i++) make_dirs(points[i]);
  bind_read_only(view->task, NEW_ROOT "/var/task");
  if (view->runtime != NULL) bind_read_only(view->runtime, NEW_ROOT "/var/runtime");
  if (view->opt != NULL) mount_layers(view->opt, NEW_ROOT "/opt");
  if (view->tmp_image != NULL) {
    mount_disk_tmp(view, NEW_ROOT "/tmp");
  } else {
    char options[64];
    snprintf(options, sizeof options, "size=%sm", view->tmp_mb);
    if (mount("tmpfs", NEW_ROOT "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, options) != 0) fail("cannot mount tmpfs at", "/tmp");
  }
  if (chmod(NEW_ROOT "/tmp", 01777) != 0) fail("cannot open up", "/tmp");
  make_devices();
  if (mount("proc", NEW_ROOT "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) fail("cannot mount", "/proc");
  write_hosts(view->hostname);
  if (mount(NEW_ROOT "/.hosts", NEW_ROOT "/etc/hosts", NULL, MS_BIND, NULL) != 0) fail("cannot bind", "/etc/hosts");
  mount(NULL, NEW_ROOT "/etc/hosts", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL);
  write_passwd(view->uid, view->gid);
  // pivot_root(".", "."): the old root is stacked under the new one, then detached.
  if (chdir(NEW_ROOT) != 0) fail("cannot enter", NEW_ROOT);
  if (syscall(SYS_pivot_root, ".", ".") != 0) fail("cannot pivot into", NEW_ROOT);
  if (umount2(".", MNT_DETACH) != 0) fail("cannot detach the host's root", "");
  if (mount(NULL, "/", NULL, MS_REMOUNT | MS_NOSUID | MS_NODEV | MS_RDONLY, "size=1m,mode=755") != 0) fail("cannot make read-only", "/");
  if (chdir("/var/task") != 0) fail("cannot change directory to", "/var/task");
}

void drop_privileges(unsigned uid, unsigned gid) {
  int last = 63;
  int known = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
  if (known >= 0) {
    char text[8] = {0};
    if (read(known, text, sizeof text - 1) > 0) last = atoi(text);
    close(known);
  }
  for (int cap = 0; cap <= last; cap++) {
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) fail("cannot drop a capability", "");
  }
  if (setgroups(0, NULL) != 0) fail("cannot clear the groups", "");
  if (setresgid(gid, gid, gid) != 0) fail("cannot set the group", "");
  // From root to another user without SECBIT_KEEP_CAPS: the kernel clears every capability set.
  if (setresuid(uid, uid, uid) != 0) fail("cannot set the user", "");
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail("cannot set", "no_new_privs");
  install_seccomp_filter();
}

