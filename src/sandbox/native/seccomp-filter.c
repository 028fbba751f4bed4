// SPDX-License-Identifier: Apache-2.0
/*
 * The seccomp filter every isolated runtime runs under (docs/isolation.md). A deny list, as
 * container engines use: system calls that change the machine, the mount table, namespaces, other
 * processes' memory or the kernel fail with EPERM; `clone` is refused only with namespace flags;
 * `clone3` answers ENOSYS so that libc falls back to `clone`, whose flags the filter can read.
 * A foreign architecture or an x32 call kills the process.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "lamina-sandbox.h"

#if defined(__x86_64__)
#define LAMINA_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define LAMINA_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#error "lamina-sandbox: seccomp filter for x86_64 and aarch64 only"
#endif

/** Refused with EPERM. Each #ifdef keeps the list valid on architectures without that call. */
static const int DENIED[] = {
    SYS_mount, SYS_umount2, SYS_pivot_root, SYS_chroot, SYS_ptrace, SYS_process_vm_readv, SYS_process_vm_writev,
    SYS_init_module, SYS_finit_module, SYS_delete_module, SYS_kexec_load, SYS_reboot, SYS_swapon, SYS_swapoff,
    SYS_unshare, SYS_setns, SYS_bpf, SYS_perf_event_open, SYS_keyctl, SYS_add_key, SYS_request_key,
    SYS_open_by_handle_at, SYS_name_to_handle_at, SYS_acct, SYS_settimeofday, SYS_clock_settime, SYS_adjtimex,
    SYS_clock_adjtime, SYS_syslog, SYS_quotactl, SYS_sethostname, SYS_setdomainname, SYS_vhangup, SYS_userfaultfd,
#ifdef SYS_kexec_file_load
    SYS_kexec_file_load,
#endif
#ifdef SYS_iopl
    SYS_iopl,
#endif
#ifdef SYS_ioperm
    SYS_ioperm,
#endif
#ifdef SYS_fsopen
    SYS_fsopen, SYS_fsconfig, SYS_fsmount, SYS_fspick, SYS_move_mount, SYS_open_tree,
#endif
#ifdef SYS_mount_setattr
    SYS_mount_setattr,
#endif
#ifdef SYS_pidfd_getfd
    SYS_pidfd_getfd,
#endif
#ifdef SYS_io_uring_setup
    // A large kernel surface with a history of escapes; container engines refuse it too.
    SYS_io_uring_setup, SYS_io_uring_enter, SYS_io_uring_register,
#endif
};

#define DENIED_COUNT (sizeof DENIED / sizeof DENIED[0])
#define NAMESPACE_FLAGS \
  (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP)

#define LOAD(field) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, field))
#define RETURN(value) BPF_STMT(BPF_RET | BPF_K, (value))

void install_seccomp_filter(void) {
  // Header: at most 6 instructions, then 2 per denied call, then clone (5) and clone3 (3).
  struct sock_filter program[6 + 2 * DENIED_COUNT + 8];
  size_t n = 0;
  program[n++] = (struct sock_filter)LOAD(arch);
  program[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, LAMINA_AUDIT_ARCH, 1, 0);
  program[n++] = (struct sock_filter)RETURN(SECCOMP_RET_KILL_PROCESS);
  program[n++] = (struct sock_filter)LOAD(nr);
#if defined(__x86_64__)
  // x32 system calls (bit 30 set) would bypass the numbers below.
  program[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1);
  program[n++] = (struct sock_filter)RETURN(SECCOMP_RET_KILL_PROCESS);
#endif
  for (size_t i = 0; i < DENIED_COUNT; i++) {
    program[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)DENIED[i], 0, 1);
    program[n++] = (struct sock_filter)RETURN(SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA));
  }
  // clone(flags, ...): refused when flags ask for a new namespace.
  program[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 4);
  program[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]));
  program[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, NAMESPACE_FLAGS, 0, 1);
  program[n++] = (struct sock_filter)RETURN(SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA));
  program[n++] = (struct sock_filter)RETURN(SECCOMP_RET_ALLOW);
  program[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 0, 1);
  program[n++] = (struct sock_filter)RETURN(SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA));
  program[n++] = (struct sock_filter)RETURN(SECCOMP_RET_ALLOW);
  struct sock_fprog fprog = {.len = (unsigned short)n, .filter = program};
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog) != 0) fail("cannot install the seccomp filter", "");
}
