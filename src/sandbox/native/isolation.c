// SPDX-License-Identifier: Apache-2.0
/*
 * The isolated environment's pieces (docs/isolation.md): the Runtime API listener inside the
 * environment's own network namespace, the filesystem view the runtime pivots into, a disk-backed
 * /tmp, and the drop to an unprivileged user.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/loop.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lamina-sandbox.h"

/* ---- network ---- */

void runtime_api_listener(int port, int channel) {
  int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) fail("cannot create the Runtime API socket", "");
  struct ifreq lo;
  memset(&lo, 0, sizeof lo);
  strcpy(lo.ifr_name, "lo");
  if (ioctl(s, SIOCGIFFLAGS, &lo) != 0) fail("cannot read the flags of", "lo");
  lo.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (ioctl(s, SIOCSIFFLAGS, &lo) != 0) fail("cannot bring up", "lo");
  int one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(s, (struct sockaddr *)&address, sizeof address) != 0) fail("cannot bind the Runtime API to", "127.0.0.1");
  if (listen(s, 511) != 0) fail("cannot listen on", "127.0.0.1");
  // Node's IPC channel: one JSON line carrying the socket as SCM_RIGHTS; the parent's
  // child_process turns a NODE_HANDLE message of type net.Server into a listening server.
  static const char message[] =
      "{\"cmd\":\"NODE_HANDLE\",\"type\":\"net.Server\",\"msg\":{\"lamina\":\"runtime-api\"}}\n";
  struct iovec part = {.iov_base = (void *)message, .iov_len = sizeof message - 1};
  union {
    char buffer[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  memset(&control, 0, sizeof control);
  struct msghdr header = {.msg_iov = &part, .msg_iovlen = 1, .msg_control = control.buffer, .msg_controllen = sizeof control.buffer};
  struct cmsghdr *rights = CMSG_FIRSTHDR(&header);
  rights->cmsg_level = SOL_SOCKET;
  rights->cmsg_type = SCM_RIGHTS;
  rights->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(rights), &s, sizeof(int));
  ssize_t sent;
  do sent = sendmsg(channel, &header, MSG_NOSIGNAL);
  while (sent < 0 && errno == EINTR);
  if (sent != (ssize_t)(sizeof message - 1)) fail("cannot hand the Runtime API socket to", "the platform");
  close(s);
  close(channel);
}

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

static void bind_at(const char *source, const char *target, int read_only) {
  if (mount(source, target, NULL, MS_BIND | MS_REC, NULL) != 0) fail("cannot bind", source);
  unsigned long flags = MS_REMOUNT | MS_BIND | MS_NOSUID | (read_only ? MS_RDONLY : 0);
  if (mount(NULL, target, NULL, flags, NULL) != 0) fail("cannot make read-only", target);
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
  bind_at(path, target, 1);
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
    close(loop);
    if (errno != EBUSY || attempt > 64) fail("cannot attach the /tmp image to", device);
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
  bind_at(view->task, NEW_ROOT "/var/task", 1);
  if (view->runtime != NULL) bind_at(view->runtime, NEW_ROOT "/var/runtime", 1);
  if (view->opt != NULL && strchr(view->opt, ':') == NULL) {
    bind_at(view->opt, NEW_ROOT "/opt", 1);
  } else if (view->opt != NULL) {
    size_t size = strlen(view->opt) + sizeof "lowerdir=";
    char *options = malloc(size);
    if (options == NULL) fail("out of memory", "");
    snprintf(options, size, "lowerdir=%s", view->opt);
    if (mount("overlay", NEW_ROOT "/opt", "overlay", MS_NOSUID, options) != 0) fail("cannot mount the layers overlay at", "/opt");
    free(options);
  }
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

/* ---- outbound link ---- */

#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/route.h>
#include <sched.h>

struct netlink_request {
  struct nlmsghdr header;
  struct ifinfomsg link;
  char attributes[512];
};

static struct rtattr *add_attribute(struct netlink_request *request, unsigned short type, const void *data, size_t length) {
  struct rtattr *attribute = (struct rtattr *)((char *)request + NLMSG_ALIGN(request->header.nlmsg_len));
  attribute->rta_type = type;
  attribute->rta_len = (unsigned short)RTA_LENGTH(length);
  if (length > 0) memcpy(RTA_DATA(attribute), data, length);
  request->header.nlmsg_len = NLMSG_ALIGN(request->header.nlmsg_len) + RTA_ALIGN(attribute->rta_len);
  return attribute;
}

static void end_nest(struct netlink_request *request, struct rtattr *nest) {
  nest->rta_len = (unsigned short)((char *)request + request->header.nlmsg_len - (char *)nest);
}

/** A veth pair from here: `inside` in this namespace, `outside` in the namespace of `host_ns`. */
static void create_veth(const char *inside, const char *outside, int host_ns) {
  struct netlink_request request;
  memset(&request, 0, sizeof request);
  request.header.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
  request.header.nlmsg_type = RTM_NEWLINK;
  request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK;
  request.link.ifi_family = AF_UNSPEC;
  add_attribute(&request, IFLA_IFNAME, inside, strlen(inside) + 1);
  struct rtattr *info = add_attribute(&request, IFLA_LINKINFO, NULL, 0);
  add_attribute(&request, IFLA_INFO_KIND, "veth", 5);
  struct rtattr *data = add_attribute(&request, IFLA_INFO_DATA, NULL, 0);
  struct rtattr *peer = add_attribute(&request, VETH_INFO_PEER, NULL, 0);
  struct ifinfomsg peer_link;
  memset(&peer_link, 0, sizeof peer_link);
  request.header.nlmsg_len += sizeof peer_link;  // the peer's own ifinfomsg leads its attributes
  add_attribute(&request, IFLA_IFNAME, outside, strlen(outside) + 1);
  unsigned namespace_fd = (unsigned)host_ns;
  add_attribute(&request, IFLA_NET_NS_FD, &namespace_fd, sizeof namespace_fd);
  end_nest(&request, peer);
  end_nest(&request, data);
  end_nest(&request, info);
  int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (s < 0) fail("cannot open a netlink socket", "");
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  if (sendto(s, &request, request.header.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) fail("cannot ask for the link", outside);
  char answer[4096];
  ssize_t got = recv(s, answer, sizeof answer, 0);
  if (got < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr))) fail("no answer from netlink for", outside);
  struct nlmsghdr *reply = (struct nlmsghdr *)answer;
  if (reply->nlmsg_type == NLMSG_ERROR) {
    struct nlmsgerr *error = NLMSG_DATA(reply);
    if (error->error != 0) {
      errno = -error->error;
      fail("cannot create the link", outside);
    }
  }
  close(s);
}

static void set_address(int s, const char *device, unsigned long request, const char *address) {
  struct ifreq change;
  memset(&change, 0, sizeof change);
  snprintf(change.ifr_name, IFNAMSIZ, "%s", device);
  struct sockaddr_in *in = (struct sockaddr_in *)&change.ifr_addr;
  in->sin_family = AF_INET;
  if (inet_pton(AF_INET, address, &in->sin_addr) != 1) fail("bad address", address);
  if (ioctl(s, request, &change) != 0) fail("cannot set an address of", device);
}

/** Address, /30 netmask, up: in the namespace the calling thread is in. */
static void configure(const char *device, const char *address) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) fail("cannot create a socket for", device);
  set_address(s, device, SIOCSIFADDR, address);
  set_address(s, device, SIOCSIFNETMASK, "255.255.255.252");
  struct ifreq flags;
  memset(&flags, 0, sizeof flags);
  snprintf(flags.ifr_name, IFNAMSIZ, "%s", device);
  if (ioctl(s, SIOCGIFFLAGS, &flags) != 0) fail("cannot read the flags of", device);
  flags.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (ioctl(s, SIOCSIFFLAGS, &flags) != 0) fail("cannot bring up", device);
  close(s);
}

static void default_route(const char *device, const char *gateway) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct rtentry route;
  memset(&route, 0, sizeof route);
  struct sockaddr_in *dst = (struct sockaddr_in *)&route.rt_dst, *via = (struct sockaddr_in *)&route.rt_gateway, *mask = (struct sockaddr_in *)&route.rt_genmask;
  dst->sin_family = via->sin_family = mask->sin_family = AF_INET;
  inet_pton(AF_INET, gateway, &via->sin_addr);
  route.rt_flags = RTF_UP | RTF_GATEWAY;
  route.rt_dev = (char *)device;
  if (s < 0 || ioctl(s, SIOCADDRT, &route) != 0) fail("cannot add the default route via", gateway);
  close(s);
}

void outbound_link(const char *spec, int host_ns) {
  // DEVICE:HOST_ADDRESS:GUEST_ADDRESS, made by the platform (src/sandbox/outbound-network.ts).
  char copy[128], *device, *host, *guest;
  snprintf(copy, sizeof copy, "%s", spec);
  device = strtok(copy, ":");
  host = strtok(NULL, ":");
  guest = strtok(NULL, ":");
  if (device == NULL || host == NULL || guest == NULL) fail("bad --link (want DEVICE:HOST:GUEST)", spec);
  int own_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (own_ns < 0) fail("cannot open", "/proc/self/ns/net");
  create_veth("eth0", device, host_ns);
  configure("eth0", guest);
  default_route("eth0", host);
  // The host's end: configured from the host's namespace, then back (sockets keep their own).
  if (setns(host_ns, CLONE_NEWNET) != 0) fail("cannot enter the host's network namespace", "");
  configure(device, host);
  if (setns(own_ns, CLONE_NEWNET) != 0) fail("cannot return to the environment's network namespace", "");
  close(own_ns);
}
