// agora-seccomp: writes the system call filter every sandboxed run gets, as a classic BPF
// program (the format bwrap's --seccomp FD reads), to the file named on its command line.
// Compiled and run at install (src/sandbox/helpers.ts), with libseccomp, which knows each
// architecture's syscall numbers and how to check the architecture itself.
//
// A deny list: everything an ordinary program (node, python, a shell, a compiler) needs stays
// allowed; what is denied is kernel surface an agent has no use for and that has a record of
// privilege escalations (io_uring, bpf, keyrings, perf, userfaultfd), ways out of or around the
// namespaces (mount, new namespaces, setns, ptrace, another process's memory or fds), and
// host-wide operations (modules, kexec, reboot, swap, clock). Most need a capability the sandbox
// does not have anyway; the filter makes the kernel refuse before any of that code runs.
//
// Denied calls fail with EPERM, which programs handle as "not allowed here" (libuv falls back
// from io_uring to its thread pool). clone3 fails with ENOSYS instead: its flags are in memory
// a filter cannot read, and on ENOSYS libc falls back to clone, whose flags it can. Syscalls of
// another ABI (i386 via int 0x80, x32) kill the calling thread (libseccomp's default for an
// architecture the filter was not built for).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const char *const denied[] = {
    // io_uring: its own path into most of the kernel, around this very filter.
    "io_uring_setup", "io_uring_enter", "io_uring_register",
    // Kernel keyrings.
    "keyctl", "add_key", "request_key",
    // Programs run by the kernel, and its event counters.
    "bpf", "perf_event_open",
    // Stalling the kernel on a page fault (a classic race-widening tool).
    "userfaultfd",
    // Other processes: tracing, their memory, their file descriptors.
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
    // The filesystem view bwrap built, and new namespaces (clone is filtered on its flags below).
    "mount", "umount2", "pivot_root", "chroot", "fsopen", "fsconfig", "fsmount", "fspick", "open_tree", "move_mount",
    "mount_setattr", "unshare", "setns",
    // Files by handle, bypassing the path walk (the shocker escape).
    "name_to_handle_at", "open_by_handle_at",
    // Host-wide operations.
    "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load", "reboot", "swapon", "swapoff",
    "acct", "quotactl", "quotactl_fd", "lookup_dcookie", "syslog", "settimeofday", "clock_settime", "clock_adjtime",
    "adjtimex", "vhangup", "iopl", "ioperm", "fanotify_init", "nfsservctl", "uselib", "_sysctl",
};

static const unsigned long namespace_flags[] = {
    CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWTIME,
};

static void fail(const char *what, int rc) {
  fprintf(stderr, "agora-seccomp: %s: %s\n", what, strerror(rc < 0 ? -rc : rc));
  _exit(1);
}

static void deny(scmp_filter_ctx ctx, int nr, unsigned count, const struct scmp_arg_cmp *cmp) {
  int rc = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(EPERM), nr, count, cmp);
  if (rc != 0) fail("add rule", rc);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: agora-seccomp OUTPUT.bpf\n");
    return 2;
  }
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (ctx == NULL) fail("seccomp_init", ENOMEM);
  // Every allowed call walks the filter: a binary tree of syscall numbers keeps that walk to a
  // few comparisons instead of one per rule. Older libseccomp lacks it; the list still works.
#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 5)
  (void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
#endif

  for (size_t i = 0; i < sizeof denied / sizeof denied[0]; i++) {
    int nr = seccomp_syscall_resolve_name(denied[i]);
    if (nr == __NR_SCMP_ERROR) continue;  // not on this architecture
    deny(ctx, nr, 0, NULL);
  }
  // clone may make threads and processes, never namespaces: one rule per flag, since a rule
  // can only test a masked argument for equality.
  for (size_t i = 0; i < sizeof namespace_flags / sizeof namespace_flags[0]; i++) {
    struct scmp_arg_cmp cmp = SCMP_A0(SCMP_CMP_MASKED_EQ, namespace_flags[i], namespace_flags[i]);
    deny(ctx, SCMP_SYS(clone), 1, &cmp);
  }
  int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
  if (rc != 0) fail("add clone3 rule", rc);
  // personality: only the default (0) and the query (0xffffffff); other personas change how
  // the kernel lays out memory (ADDR_NO_RANDOMIZE turns ASLR off) or maps address zero. The
  // kernel reads the low 32 bits. A rule cannot say "neither 0 nor all ones", but a value is
  // neither exactly when, going round its 32 bits, some set bit is followed by a clear one:
  // one masked comparison per adjacent pair.
  for (unsigned bit = 0; bit < 32; bit++) {
    unsigned long set = 1UL << bit, next = 1UL << ((bit + 1) % 32);
    struct scmp_arg_cmp cmp = SCMP_A0(SCMP_CMP_MASKED_EQ, set | next, set);
    deny(ctx, SCMP_SYS(personality), 1, &cmp);
  }
  // Typing into a terminal (TIOCSTI) or the console (TIOCLINUX); the sandbox has no terminal
  // (bwrap --new-session), this refuses it even if one were ever passed in.
  const unsigned long tty_requests[] = {TIOCSTI, TIOCLINUX};
  for (size_t i = 0; i < 2; i++) {
    struct scmp_arg_cmp cmp = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffUL, tty_requests[i]);
    deny(ctx, SCMP_SYS(ioctl), 1, &cmp);
  }

  // Written beside the target and renamed: a half-written filter is never loaded.
  char partial[4096];
  if (snprintf(partial, sizeof partial, "%s.%d.tmp", argv[1], (int)getpid()) >= (int)sizeof partial) fail("output path", ENAMETOOLONG);
  int fd = open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail(partial, errno);
  rc = seccomp_export_bpf(ctx, fd);
  if (rc != 0) fail("seccomp_export_bpf", rc);
  if (fsync(fd) != 0 || close(fd) != 0) fail("write filter", errno);
  if (rename(partial, argv[1]) != 0) fail("rename filter", errno);
  seccomp_release(ctx);
  return 0;
}
