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
// No per-run value is ever on a command line, where any local user can read it (ps,
// /proc/PID/cmdline): the run's environment holds its API token. Agora gives us only
// --await-go on argv and the rest of the run over the control socket; we hand bwrap its
// options in a memfd (--args FD) and the syscall filter as an fd (--seccomp FD), so bwrap's
// argv is "bwrap --args N -- <agora-init and the agent's command>". (bwrap reads only options
// from --args: the command itself must stay on its argv; it holds no secret.)
// Any failure is reported on stderr (the run's log) and exits 125 before bwrap starts.
//
// Started ahead of its run (--await-go), it does step 1 at once and then waits on the control
// socket for the run's own arguments (log file, rlimits, stages, bwrap command line): the
// fork from Agora and the cgroup attach, slow on a busy host, are then off the run's path.
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
#include <sys/mman.h>
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

// Our own mount namespace, made a slave before anything is mounted in it: our binds never
// propagate to the host's namespace. Made when the run's paths are staged, never while a
// launcher waits for its run: the copy is taken then, and where the host's mounts are private
// (no shared peer group to be a slave of) nothing the host mounts afterwards would reach it.
static void private_mounts(void) {
  if (mount_ns_ready) return;
  if (unshare(CLONE_NEWNS) != 0) die("unshare mount namespace: %s", strerror(errno));
  if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) != 0) die("make mounts slaves: %s", strerror(errno));
  mount_ns_ready = 1;
}

// SRC=DST: bind SRC onto the existing mount point DST, in our own mount namespace only.
// Split at the last '=': DST is Agora's own path and never holds one, SRC (a workspace) may.
static void stage(const char *spec) {
  const char *eq = strrchr(spec, '=');
  if (eq == NULL || eq == spec || eq[1] == 0) die("stage must be SRC=DST, got %s", spec);
  char src[4096];
  if ((size_t)(eq - spec) >= sizeof src) die("stage source too long");
  memcpy(src, spec, (size_t)(eq - spec));
  src[eq - spec] = 0;
  private_mounts();
  if (mount(src, eq + 1, NULL, MS_BIND, NULL) != 0) die("bind %s on %s: %s", src, eq + 1, strerror(errno));
}

static void usage(void) {
  dprintf(2,
          "usage: agora-launch [--cgroup-procs FILE]... [--private-mounts yes] [--await-go FD]\n"
          "                    [--log FILE] [--rlimit NAME=SOFT:HARD]... [--stage SRC=DST]...\n"
          "                    [--uid N --gid N] [--seccomp FILE] [--args-fd COUNT]\n"
          "                    -- /abs/path/program [args...]\n");
  _exit(LAUNCH_FAILED);
}

// Sends stdout and stderr to the run's log file (opened here when the launcher was started
// ahead of its run and so could not be given the file by Agora).
static void open_log(const char *path) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0640);
  if (fd < 0) die("open log %s: %s", path, strerror(errno));
  if (dup2(fd, 1) < 0 || dup2(fd, 2) < 0) die("dup2 log: %s", strerror(errno));
  if (fd > 2) close(fd);
}

struct launch {
  long long uid, gid;
  int go_fd;
  int seccomp_fd;  // inherited by bwrap, which loads it before it runs the command
  long long args_fd;  // how many of the program's (bwrap's) first arguments go through --args FD
  char **command;  // NULL until "--"
};

// Opened here, as Agora's uid, without O_CLOEXEC: bwrap reads it from the inherited fd.
static void open_seccomp(const char *path, struct launch *l) {
  if (l->seccomp_fd >= 0) die("--seccomp given twice");
  l->seccomp_fd = open(path, O_RDONLY);
  if (l->seccomp_fd < 0) die("open seccomp filter %s: %s", path, strerror(errno));
}

static void write_all_or_die(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) die("write bwrap arguments: %s", strerror(errno));
    p += w;
    n -= (size_t)w;
  }
}

// The first `count` arguments after the program, NUL-terminated in a memfd (bwrap's --args
// format), with "--seccomp N" in front when there is a filter. Returns the fd, at its start.
static int args_memfd(char **args, long long count, int seccomp_fd) {
  int fd = memfd_create("bwrap-args", 0);  // not close-on-exec: bwrap reads it
  if (fd < 0) die("memfd_create: %s", strerror(errno));
  if (seccomp_fd >= 0) {
    char seccomp[32];
    int n = snprintf(seccomp, sizeof seccomp, "--seccomp%c%d", 0, seccomp_fd);
    write_all_or_die(fd, seccomp, (size_t)n + 1);
  }
  for (long long i = 0; i < count; i++) write_all_or_die(fd, args[i], strlen(args[i]) + 1);
  if (lseek(fd, 0, SEEK_SET) != 0) die("rewind bwrap arguments: %s", strerror(errno));
  return fd;
}

// Applies options in order as they come (cgroups first, before anything else can run).
static void parse(int argc, char **argv, struct launch *l) {
  for (int i = 0; i < argc; i++) {
    const char *arg = argv[i];
    if (strcmp(arg, "--") == 0) {
      if (i + 1 >= argc || argv[i + 1][0] != '/') usage();
      l->command = &argv[i + 1];
      return;
    }
    if (i + 1 >= argc) usage();
    const char *value = argv[++i];
    if (strcmp(arg, "--cgroup-procs") == 0) join_cgroup(value);
    else if (strcmp(arg, "--await-go") == 0) l->go_fd = (int)parse_number(value, "go fd");
    else if (strcmp(arg, "--private-mounts") == 0 && strcmp(value, "yes") == 0) private_mounts();
    else if (strcmp(arg, "--log") == 0) open_log(value);
    else if (strcmp(arg, "--rlimit") == 0) set_rlimit(value);
    else if (strcmp(arg, "--stage") == 0) stage(value);
    else if (strcmp(arg, "--uid") == 0) l->uid = parse_number(value, "uid");
    else if (strcmp(arg, "--gid") == 0) l->gid = parse_number(value, "gid");
    else if (strcmp(arg, "--seccomp") == 0) open_seccomp(value, l);
    else if (strcmp(arg, "--args-fd") == 0) l->args_fd = parse_number(value, "args count");
    else usage();
  }
}

#define GO_BYTES_MAX (1 << 20)
#define GO_ARGS_MAX 16384

static int read_full(int fd, char *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, buf + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    got += (size_t)r;
  }
  return 0;
}

// A launcher started ahead of its run has joined its cgroups and waits here for the rest:
// "<byte count>\n" then that many bytes of NUL-terminated arguments, parsed like argv.
// EOF instead means Agora no longer needs this launcher.
static void await_go(struct launch *l) {
  char header[16];
  size_t n = 0;
  for (;;) {
    if (n == sizeof header) die("go header too long");
    ssize_t r = read(l->go_fd, &header[n], 1);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) _exit(0);
    if (header[n] == '\n') break;
    n++;
  }
  header[n] = 0;
  long long size = parse_number(header, "go size");
  if (size <= 0 || size > GO_BYTES_MAX) die("go message of %lld bytes", size);
  static char message[GO_BYTES_MAX];
  static char *args[GO_ARGS_MAX + 1];
  if (read_full(l->go_fd, message, (size_t)size) != 0 || message[size - 1] != 0) die("truncated go message");
  int count = 0;
  for (char *p = message; p < message + size; p += strlen(p) + 1) {
    if (count == GO_ARGS_MAX) die("too many go arguments");
    args[count++] = p;
  }
  args[count] = NULL;
  l->go_fd = -1;
  parse(count, args, l);
}

int main(int argc, char **argv) {
  struct launch l = {.uid = -1, .gid = -1, .go_fd = -1, .seccomp_fd = -1, .args_fd = 0, .command = NULL};
  pid_t parent = getppid();
  parse(argc - 1, argv + 1, &l);
  if (l.go_fd >= 0) {
    if (l.command != NULL) usage();
    // While waiting, die with Agora like any launcher; the uid change below clears this.
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(LAUNCH_FAILED);
    await_go(&l);
  }
  if (l.command == NULL) usage();
  if ((l.uid < 0) != (l.gid < 0)) die("--uid and --gid go together");
  // The filter is bwrap's to load: without --args-fd there is no way to tell bwrap its fd.
  if (l.seccomp_fd >= 0 && l.args_fd == 0) die("--seccomp needs --args-fd");

  if (l.uid >= 0) {
    if (setgroups(0, NULL) != 0) die("setgroups: %s", strerror(errno));
    if (setresgid((gid_t)l.gid, (gid_t)l.gid, (gid_t)l.gid) != 0) die("setgid %lld: %s", l.gid, strerror(errno));
    if (setresuid((uid_t)l.uid, (uid_t)l.uid, (uid_t)l.uid) != 0) die("setuid %lld: %s", l.uid, strerror(errno));
    if (setuid(0) == 0) die("could set uid 0 again after dropping privileges");
  }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die("no_new_privs: %s", strerror(errno));
  // Set after the uid change, which clears it. If Agora already died, do not start at all.
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) die("pdeathsig: %s", strerror(errno));
  if (getppid() != parent) _exit(LAUNCH_FAILED);

  char **command = l.command;
  if (l.args_fd > 0) {
    long long given = 0;
    while (l.command[1 + given] != NULL) given++;
    if (l.args_fd > given) die("--args-fd %lld but only %lld arguments", l.args_fd, given);
    static char fd_text[16];
    snprintf(fd_text, sizeof fd_text, "%d", args_memfd(&l.command[1], l.args_fd, l.seccomp_fd));
    // program --args FD, then the arguments that stay on the command line as they were.
    command = calloc((size_t)(given - l.args_fd + 4), sizeof *command);
    if (command == NULL) die("out of memory");
    command[0] = l.command[0];
    command[1] = "--args";
    command[2] = fd_text;
    for (long long i = l.args_fd; i < given; i++) command[3 + i - l.args_fd] = l.command[1 + i];
  }
  execv(command[0], command);
  die("exec %s: %s", l.command[0], strerror(errno));
}
