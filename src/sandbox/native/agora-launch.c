// agora-launch: the host-side first step of a sandboxed run, between Agora and bwrap.
//
// Everything here must happen in this order, in one process, before any agent code runs:
//   1. Join the execution's cgroups (write our own pid to each cgroup.procs). Every process
//      the agent will ever start descends from us, so nothing escapes the limits; doing it
//      after spawn from the host would race a fork bomb.
//   2. Set rlimits (core size 0, file size, open files, CPU time backstop).
//   3. When Agora runs as root, make the per-run host paths reachable to the unprivileged
//      uid bwrap will run as: in a private mount namespace (changes never propagate back),
//      bind each source (workspace, API socket, ...) onto a mount point in a directory that
//      uid can search. The world directory itself stays 0700.
//   4. Drop to that uid/gid (no supplementary groups), forbid privilege gain, ask to be
//      killed with the parent, and exec bwrap.
// Any failure is reported on stderr (the run's log) and exits 125 before bwrap starts.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#define LAUNCH_FAILED 125

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  dprintf(2, "agora-launch: ");
  vdprintf(2, fmt, ap);
  dprintf(2, "\n");
  va_end(ap);
  _exit(LAUNCH_FAILED);
}

static long long parse_number(const char *s, const char *what) {
  char *end = NULL;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno != 0 || end == s || *end != 0 || v < 0) die("bad %s: %s", what, s);
  return v;
}

static void join_cgroup(const char *procs_file) {
  int fd = open(procs_file, O_WRONLY | O_CLOEXEC);
  if (fd < 0) die("open %s: %s", procs_file, strerror(errno));
  char pid[32];
  int n = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
  if (write(fd, pid, (size_t)n) != n) die("join %s: %s", procs_file, strerror(errno));
  close(fd);
}

static const struct {
  const char *name;
  int resource;
} rlimit_names[] = {
    {"core", RLIMIT_CORE}, {"fsize", RLIMIT_FSIZE}, {"nofile", RLIMIT_NOFILE}, {"cpu", RLIMIT_CPU}, {"nproc", RLIMIT_NPROC},
};

// NAME=SOFT:HARD, e.g. fsize=1073741824:1073741824
static void set_rlimit(const char *spec) {
  const char *eq = strchr(spec, '=');
  const char *colon = eq != NULL ? strchr(eq, ':') : NULL;
  if (eq == NULL || colon == NULL) die("rlimit must be NAME=SOFT:HARD, got %s", spec);
  int resource = -1;
  for (size_t i = 0; i < sizeof rlimit_names / sizeof rlimit_names[0]; i++) {
    size_t len = strlen(rlimit_names[i].name);
    if ((size_t)(eq - spec) == len && strncmp(spec, rlimit_names[i].name, len) == 0) resource = rlimit_names[i].resource;
  }
  if (resource < 0) die("unknown rlimit in %s", spec);
  char soft[32];
  size_t soft_len = (size_t)(colon - eq - 1);
  if (soft_len == 0 || soft_len >= sizeof soft) die("bad rlimit %s", spec);
  memcpy(soft, eq + 1, soft_len);
  soft[soft_len] = 0;
  struct rlimit rl = {.rlim_cur = (rlim_t)parse_number(soft, "rlimit"), .rlim_max = (rlim_t)parse_number(colon + 1, "rlimit")};
  if (rl.rlim_cur > rl.rlim_max) die("rlimit soft above hard in %s", spec);
  if (setrlimit(resource, &rl) != 0) die("setrlimit %s: %s", spec, strerror(errno));
}

static int mount_ns_ready = 0;

// SRC=DST: bind SRC onto the existing mount point DST, in our own mount namespace only.
// Split at the last '=': DST is Agora's own path and never holds one, SRC (a workspace) may.
static void stage(const char *spec) {
  const char *eq = strrchr(spec, '=');
  if (eq == NULL || eq == spec || eq[1] == 0) die("stage must be SRC=DST, got %s", spec);
  char src[4096];
  if ((size_t)(eq - spec) >= sizeof src) die("stage source too long");
  memcpy(src, spec, (size_t)(eq - spec));
  src[eq - spec] = 0;
  if (!mount_ns_ready) {
    if (unshare(CLONE_NEWNS) != 0) die("unshare mount namespace: %s", strerror(errno));
    // Private before anything else, or our binds would propagate to the host's namespace.
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) die("make mounts private: %s", strerror(errno));
    mount_ns_ready = 1;
  }
  if (mount(src, eq + 1, NULL, MS_BIND, NULL) != 0) die("bind %s on %s: %s", src, eq + 1, strerror(errno));
}

static void usage(void) {
  dprintf(2,
          "usage: agora-launch [--cgroup-procs FILE]... [--rlimit NAME=SOFT:HARD]... [--stage SRC=DST]...\n"
          "                    [--uid N --gid N] -- /abs/path/program [args...]\n");
  _exit(LAUNCH_FAILED);
}

int main(int argc, char **argv) {
  long long uid = -1, gid = -1;
  pid_t parent = getppid();
  int i = 1;
  for (; i < argc; i++) {
    const char *arg = argv[i];
    if (strcmp(arg, "--") == 0) {
      i++;
      break;
    }
    if (i + 1 >= argc) usage();
    const char *value = argv[++i];
    if (strcmp(arg, "--cgroup-procs") == 0) join_cgroup(value);
    else if (strcmp(arg, "--rlimit") == 0) set_rlimit(value);
    else if (strcmp(arg, "--stage") == 0) stage(value);
    else if (strcmp(arg, "--uid") == 0) uid = parse_number(value, "uid");
    else if (strcmp(arg, "--gid") == 0) gid = parse_number(value, "gid");
    else usage();
  }
  if (i >= argc || argv[i][0] != '/') usage();
  if ((uid < 0) != (gid < 0)) die("--uid and --gid go together");

  if (uid >= 0) {
    if (setgroups(0, NULL) != 0) die("setgroups: %s", strerror(errno));
    if (setresgid((gid_t)gid, (gid_t)gid, (gid_t)gid) != 0) die("setgid %lld: %s", gid, strerror(errno));
    if (setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid) != 0) die("setuid %lld: %s", uid, strerror(errno));
    if (setuid(0) == 0) die("could set uid 0 again after dropping privileges");
  }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die("no_new_privs: %s", strerror(errno));
  // Set after the uid change, which clears it. If Agora already died, do not start at all.
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) die("pdeathsig: %s", strerror(errno));
  if (getppid() != parent) _exit(LAUNCH_FAILED);

  execv(argv[i], &argv[i]);
  die("exec %s: %s", argv[i], strerror(errno));
}
