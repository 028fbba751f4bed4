// SPDX-License-Identifier: Apache-2.0
/*
 * The isolated environment's network (docs/isolation.md): the Runtime API listener on the
 * loopback of the environment's own namespace, handed to the platform, and the veth link to the
 * host for functions without VpcConfig, made with one netlink request and a few ioctls.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lamina-sandbox.h"

/* ---- network ---- */

/** A socket listening on 127.0.0.1:port of the current network namespace (its loopback brought up), or -1. */
static int loopback_listener(int port) {
  int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return -1;
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
  if (bind(s, (struct sockaddr *)&address, sizeof address) != 0 || listen(s, 511) != 0) {
    close(s);
    return -1;
  }
  return s;
}

/**
 * Node's IPC channel: one JSON line carrying the socket as SCM_RIGHTS; the parent's child_process
 * turns a NODE_HANDLE message of type net.Server into a listening server, `msg` its message.
 */
static int hand_listener(int s, int channel, const char *msg) {
  char message[160];
  int len = snprintf(message, sizeof message, "{\"cmd\":\"NODE_HANDLE\",\"type\":\"net.Server\",\"msg\":%s}\n", msg);
  if (len < 0 || len >= (int)sizeof message) return -1;
  struct iovec part = {.iov_base = message, .iov_len = (size_t)len};
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
  return sent == (ssize_t)len ? 0 : -1;
}

void runtime_api_listener(int port, int channel) {
  int s = loopback_listener(port);
  if (s < 0) fail("cannot listen for the Runtime API on", "127.0.0.1");
  if (hand_listener(s, channel, "{\"lamina\":\"runtime-api\"}") != 0) fail("cannot hand the Runtime API socket to", "the platform");
  close(s);
}

/**
 * Node takes one handle per read of its channel: the next is sent only after its
 * {"cmd":"NODE_HANDLE_ACK"} came back, as Node's own sender waits. 0 when it came within 5 s.
 */
static int wait_for_ack(int channel) {
  char buffer[512];
  size_t held = 0;
  for (;;) {
    struct pollfd ready = {.fd = channel, .events = POLLIN};
    int got = poll(&ready, 1, 5000);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return -1;
    ssize_t n = read(channel, buffer + held, sizeof buffer - 1 - held);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    held += (size_t)n;
    buffer[held] = '\0';
    if (strstr(buffer, "NODE_HANDLE_ACK") != NULL) return 0;
    // Keep the tail: the word may straddle two reads.
    if (held > 64) {
      memmove(buffer, buffer + held - 32, 32);
      held = 32;
    }
  }
}

int listen_loopback(int channel, int count, char **ports) {
  // Entered into an environment's network namespace (nsenter -n) by the platform: one listener per
  // port on that namespace's loopback, each handed over on the channel, then this process ends.
  int failed = 0;
  for (int i = 0; i < count; i++) {
    int port = atoi(ports[i]);
    int s = port > 0 && port < 65536 ? loopback_listener(port) : -1;
    if (s < 0) {
      fprintf(stderr, "lamina-sandbox: cannot listen on 127.0.0.1:%s in the namespace: %s\n", ports[i], strerror(errno));
      failed = 1;
      continue;
    }
    char msg[64];
    snprintf(msg, sizeof msg, "{\"lamina\":\"loopback\",\"port\":%d}", port);
    if (hand_listener(s, channel, msg) != 0 || wait_for_ack(channel) != 0) return 125;
    close(s);
  }
  return failed;
}

void report_runtime_exit(int channel, int status) {
  // A plain JSON line: Node's child_process emits it as a 'message' of the launcher's.
  char line[96];
  int len = WIFEXITED(status)
                ? snprintf(line, sizeof line, "{\"lamina\":\"runtime-exit\",\"code\":%d}\n", WEXITSTATUS(status))
                : snprintf(line, sizeof line, "{\"lamina\":\"runtime-exit\",\"signal\":%d}\n", WIFSIGNALED(status) ? WTERMSIG(status) : SIGKILL);
  ssize_t sent;
  do sent = send(channel, line, (size_t)len, MSG_NOSIGNAL);
  while (sent < 0 && errno == EINTR);
}

/* ---- outbound link ---- */

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
