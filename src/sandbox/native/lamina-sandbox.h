// SPDX-License-Identifier: Apache-2.0
/* Shared by the parts of lamina-sandbox (lamina-sandbox.c, isolation.c, network.c, seccomp-filter.c). */
#ifndef LAMINA_SANDBOX_H
#define LAMINA_SANDBOX_H

/** Print "lamina-sandbox: WHAT ARG: strerror(errno)" and exit 125 (the platform: failed init). */
void fail(const char *what, const char *arg);

/** Bind SOURCE at TARGET (with what is mounted below it), read-only and nosuid. */
void bind_read_only(const char *source, const char *target);

/** Layer dirs (top first, ':'-joined) at TARGET: one is bound read-only, several an overlay. */
void mount_layers(const char *layers, const char *target);

/** Install the seccomp deny list (seccomp-filter.c); no_new_privs must be set first. */
void install_seccomp_filter(void);

/**
 * In the new network namespace: bring up the loopback and listen on 127.0.0.1:PORT; the listening
 * socket is handed to the platform over Node's IPC channel on fd CHANNEL, then closed here (the
 * channel stays open: the caller closes it, or keeps it for report_runtime_exit).
 */
void runtime_api_listener(int port, int channel);
/**
 * `lamina-sandbox --listen-loopback FD PORT...`: listeners on 127.0.0.1:PORT of the current
 * network namespace, each handed over Node's IPC channel FD; 0 when all were made.
 */
int listen_loopback(int channel, int count, char **ports);

/**
 * Tell the platform, over Node's IPC channel on fd CHANNEL, that the runtime ended with wait
 * STATUS while the namespace lives on for its extensions (docs/isolation.md). Only the launcher
 * outside the namespace holds the channel: nothing inside can write such a message.
 */
void report_runtime_exit(int channel, int status);

/**
 * In the new network namespace: a veth pair whose other end (DEVICE) lands in the namespace of
 * HOST_NS; addresses on both ends (a /30) and a default route through the host. SPEC is
 * DEVICE:HOST_ADDRESS:GUEST_ADDRESS.
 */
void outbound_link(const char *spec, int host_ns);

/** Everything the isolated filesystem view needs (isolation.c). */
struct root_view {
  const char *task;      /* code, read-only at /var/task */
  const char *opt;       /* layers (top first, ':'-joined) or NULL */
  const char *runtime;   /* runtime files, read-only at /var/runtime, or NULL */
  const char *tmp_image; /* an empty ext4 image to copy for a disk-backed /tmp, or NULL for tmpfs */
  const char *tmp_dir;   /* where the unnamed copy of the image lives (a disk directory) */
  const char *tmp_mb;    /* size of /tmp in MB */
  const char **binds;    /* extra host paths shown read-only at the same path (NULL-terminated) */
  const char *hostname;  /* the names the environment's /etc/hosts gives 127.0.0.1 besides localhost */
  unsigned uid, gid;     /* Lambda's user, named in the environment's /etc/passwd */
};

/**
 * Build the runtime's root in a fresh tmpfs (system directories and the given paths bound
 * read-only, /dev with the usual character devices, a new /proc, /tmp) and pivot into it.
 * Called by the namespace's first process (pid 1), so /proc shows that namespace.
 */
void enter_root_view(const struct root_view *view);

/**
 * Outside full isolation, in the private mount namespace (the host's network): /etc/hosts becomes
 * a copy of the host's with "127.0.0.1 NAMES" first, so sandbox.localdomain resolves as in an
 * isolated environment. SCRATCH is a directory a throwaway tmpfs may cover meanwhile (/tmp, before
 * the runtime's own is mounted there).
 */
void private_hosts(const char *names, const char *scratch);

/** Drop to UID:GID with no capabilities, no_new_privs and the seccomp filter. */
void drop_privileges(unsigned uid, unsigned gid);

/**
 * The launcher (lamina-sandbox.c) as main runs it; the spawner calls it in a forked child, without
 * an exec, when the command it is asked to run is this very binary (spawner.c).
 */
int launcher_main(int argc, char **argv);

/**
 * The spawner (spawner.c): fork environments' launchers for the platform, on its requests on
 * stdin, answering on the Node IPC channel on fd 3. Never returns.
 */
void run_spawner(void);

#endif
