// agora-init: the first process of an Agora sandbox (pid 1 under bwrap --as-pid-1).
//
// It exists so that the agent never waits for anything and the host never trusts the agent:
//   1. It binds the relay listeners (the Agora API on 127.0.0.1:<port>) BEFORE the agent
//      starts, so the agent's first connect() can never race the forwarder.
//   2. It forks and execs the agent, then relays every accepted connection to a unix socket
//      that the host bind-mounted in (the per-execution API channel). The network namespace
//      has nothing but loopback, so this relay is the agent's only way out.
//   3. It copies the agent's stdout+stderr to fd 1 (the host's log file) up to a byte cap and
//      drains the rest into nothing: a gigabyte printer neither blocks nor fills the disk, and
//      the draining is charged to the sandbox's own CPU quota, not to the host.
//   4. It reports to the host over a control fd: `ready`, then `exit ...` with the agent's
//      wait status and the rusage of its whole process tree (which it kills and reaps
//      first). It takes `t` (SIGTERM the agent) and `k` (SIGKILL, exit). EOF on the control
//      fd means the host is gone: kill everything and exit.
//
// It marks itself non-dumpable, so the agent (same uid) can neither ptrace it nor open its
// fds through /proc: the control channel and the log fd are out of the agent's reach.
//
// Single-threaded, one poll() loop, no allocation after start-up. Linux only.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define RELAYS_MAX 4
#define CONNS_HARD_MAX 1024
#define BUF_BYTES 16384

enum endpoint_kind { EP_TCP, EP_UNIX };

struct endpoint {
  enum endpoint_kind kind;
  struct sockaddr_storage addr;
  socklen_t addr_len;
  char unix_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

struct relay {
  struct endpoint listen_on;
  struct endpoint connect_to;
  int listen_fd;
};

// One direction of a relayed connection: bytes read from `from` wait in `buf` for `to`.
struct pipe_dir {
  char buf[BUF_BYTES];
  size_t len;  // bytes in buf
  size_t off;  // bytes of buf already written
  int eof;     // `from` reached end of stream (or failed)
  int shut;    // shutdown(to, SHUT_WR) done
};

struct conn {
  int used;
  int a;  // accepted side (the agent)
  int b;  // upstream side (host socket or inner TCP port)
  int b_connecting;
  struct pipe_dir ab;
  struct pipe_dir ba;
};

static struct relay relays[RELAYS_MAX];
static int relays_count = 0;
static struct conn *conns = NULL;
static int conns_max = 64;
static int control_fd = -1;
static int status_fd = -1;  // where status lines go; the control fd itself unless told
static long long log_bytes_max = 1 << 20;
static long long log_bytes = 0;
static long long log_dropped = 0;
static pid_t agent_pid = -1;
static int agent_status = 0;
static int agent_done = 0;
static struct rusage agent_rusage;

static void die(const char *fmt, ...) {
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n < 0) n = 0;
  if ((size_t)n >= sizeof line) n = sizeof line - 1;
  // fd 2 is the host's log file; the host reports spawn_failed with this tail.
  dprintf(2, "agora-init: %.*s\n", n, line);
  if (status_fd >= 0) dprintf(status_fd, "spawnfail %d %.*s\n", errno, n, line);
  _exit(127);
}

static int write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static void set_nonblock(int fd) {
  int flags = fcntl(fd, F_GETFL);
  if (flags >= 0) fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

// "tcp:127.0.0.1:8420" or "unix:/run/agora/api.sock"
static void parse_endpoint(const char *spec, struct endpoint *ep) {
  memset(ep, 0, sizeof *ep);
  if (strncmp(spec, "unix:", 5) == 0) {
    const char *path = spec + 5;
    struct sockaddr_un *sun = (struct sockaddr_un *)&ep->addr;
    if (strlen(path) == 0 || strlen(path) >= sizeof sun->sun_path) die("bad unix path in %s", spec);
    ep->kind = EP_UNIX;
    sun->sun_family = AF_UNIX;
    strcpy(sun->sun_path, path);
    strcpy(ep->unix_path, path);
    ep->addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
    return;
  }
  if (strncmp(spec, "tcp:", 4) == 0) {
    char host[64];
    const char *colon = strrchr(spec + 4, ':');
    if (colon == NULL || (size_t)(colon - (spec + 4)) >= sizeof host) die("bad tcp endpoint %s", spec);
    memcpy(host, spec + 4, (size_t)(colon - (spec + 4)));
    host[colon - (spec + 4)] = 0;
    char *end = NULL;
    long port = strtol(colon + 1, &end, 10);
    if (*end != 0 || port <= 0 || port > 65535) die("bad port in %s", spec);
    struct sockaddr_in *sin = (struct sockaddr_in *)&ep->addr;
    sin->sin_family = AF_INET;
    sin->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &sin->sin_addr) != 1) die("bad IPv4 address in %s", spec);
    ep->kind = EP_TCP;
    ep->addr_len = sizeof *sin;
    return;
  }
  die("endpoint must start with tcp: or unix:, got %s", spec);
}

static void bind_relay(struct relay *r) {
  int family = r->listen_on.kind == EP_UNIX ? AF_UNIX : AF_INET;
  int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket: %s", strerror(errno));
  if (family == AF_INET) {
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  } else {
    unlink(r->listen_on.unix_path);
  }
  if (bind(fd, (struct sockaddr *)&r->listen_on.addr, r->listen_on.addr_len) != 0) die("bind: %s", strerror(errno));
  if (listen(fd, 128) != 0) die("listen: %s", strerror(errno));
  r->listen_fd = fd;
}

static void parse_relay(const char *spec) {
  if (relays_count == RELAYS_MAX) die("too many relays");
  const char *eq = strchr(spec, '=');
  if (eq == NULL) die("relay must be LISTEN=CONNECT, got %s", spec);
  char left[256];
  if ((size_t)(eq - spec) >= sizeof left) die("relay spec too long");
  memcpy(left, spec, (size_t)(eq - spec));
  left[eq - spec] = 0;
  struct relay *r = &relays[relays_count++];
  parse_endpoint(left, &r->listen_on);
  parse_endpoint(eq + 1, &r->connect_to);
  r->listen_fd = -1;
}

static long long parse_count(const char *s, const char *what) {
  char *end = NULL;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno != 0 || *end != 0 || v < 0) die("bad %s: %s", what, s);
  return v;
}

static void conn_close(struct conn *c) {
  if (c->a >= 0) close(c->a);
  if (c->b >= 0) close(c->b);
  memset(c, 0, sizeof *c);
  c->a = c->b = -1;
}

static void accept_on(struct relay *r) {
  for (;;) {
    int slot = -1;
    for (int i = 0; i < conns_max; i++) {
      if (!conns[i].used) {
        slot = i;
        break;
      }
    }
    if (slot < 0) return;  // full: the kernel backlog holds the rest until a slot frees
    int a = accept4(r->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (a < 0) return;  // EAGAIN, or a transient error: poll again
    int family = r->connect_to.kind == EP_UNIX ? AF_UNIX : AF_INET;
    int b = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (b < 0) {
      close(a);
      continue;
    }
    struct conn *c = &conns[slot];
    memset(c, 0, sizeof *c);
    c->used = 1;
    c->a = a;
    c->b = b;
    if (family == AF_INET) {
      int one = 1;
      setsockopt(a, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      setsockopt(b, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    } else if (r->listen_on.kind == EP_TCP) {
      int one = 1;
      setsockopt(a, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    if (connect(b, (struct sockaddr *)&r->connect_to.addr, r->connect_to.addr_len) != 0) {
      if (errno == EINPROGRESS) {
        c->b_connecting = 1;
      } else {
        conn_close(c);  // upstream refused: the agent sees its connection closed
      }
    }
  }
}

// Moves bytes for one direction; returns -1 if the connection must be torn down.
static int pump(int from, int to, struct pipe_dir *d, short from_revents, short to_revents) {
  if (!d->eof && d->len == 0 && (from_revents & (POLLIN | POLLHUP | POLLERR))) {
    ssize_t n = read(from, d->buf, sizeof d->buf);
    if (n > 0) {
      d->len = (size_t)n;
      d->off = 0;
    } else if (n == 0) {
      d->eof = 1;
    } else if (errno != EAGAIN && errno != EINTR) {
      return -1;
    }
  }
  if (d->len > d->off && (to_revents & POLLOUT || d->off == 0)) {
    ssize_t w = send(to, d->buf + d->off, d->len - d->off, MSG_NOSIGNAL);
    if (w > 0) {
      d->off += (size_t)w;
      if (d->off == d->len) d->len = d->off = 0;
    } else if (w < 0 && errno != EAGAIN && errno != EINTR) {
      return -1;
    }
  }
  // Half-close: pass the end of stream on once everything before it has been written.
  if (d->eof && d->len == 0 && !d->shut) {
    shutdown(to, SHUT_WR);
    d->shut = 1;
  }
  return 0;
}

static void send_control(const char *fmt, ...) {
  if (status_fd < 0) return;
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n > 0 && (size_t)n < sizeof line) write_all(status_fd, line, (size_t)n);
}

static void signal_agent(int sig) {
  if (agent_pid <= 0 || agent_done) return;
  kill(-agent_pid, sig);  // its process group: the agent's own children too
  kill(agent_pid, sig);   // in case it left the group
}

// Copies at most `rounds` reads per call so a fast printer cannot starve the relays.
static void copy_output(int out_fd, int rounds) {
  char buf[65536];
  for (; rounds > 0; rounds--) {
    ssize_t n = read(out_fd, buf, sizeof buf);
    if (n <= 0) return;  // EAGAIN (drained for now), EOF, or error
    long long room = log_bytes_max - log_bytes;
    long long keep = n < room ? n : (room > 0 ? room : 0);
    if (keep > 0 && write_all(1, buf, (size_t)keep) == 0) log_bytes += keep;
    log_dropped += n - keep;
  }
}

static void reap(void) {
  for (;;) {
    int status = 0;
    struct rusage ru;
    pid_t pid = wait4(-1, &status, WNOHANG, &ru);
    if (pid <= 0) return;
    if (pid == agent_pid) {
      agent_status = status;
      agent_rusage = ru;
      agent_done = 1;
    }
  }
}

// SIGKILLs our remaining children (we are a subreaper, so orphans of the agent's tree are
// among them) and their process groups. Returns how many were found.
static int kill_children(void) {
  char path[64];
  snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)getpid());
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[8192];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = 0;
  int found = 0;
  for (char *p = buf; *p;) {
    char *end = NULL;
    long pid = strtol(p, &end, 10);
    if (end == p) break;
    if (pid > 0) {
      kill(-(pid_t)pid, SIGKILL);
      kill((pid_t)pid, SIGKILL);
      found++;
    }
    p = end;
    while (*p == ' ' || *p == '\n') p++;
  }
  return found;
}

// Kills and reaps everything the agent left running, so nothing outlives the run and the
// rusage of every descendant is counted. As pid 1 of a pid namespace, kill(-1) reaches all
// of them at once; otherwise (process runner) our children and their groups, repeatedly,
// since a dying tree can still hand us new orphans. Bounded to about two seconds.
static void kill_leftovers(void) {
  if (getpid() == 1) kill(-1, SIGKILL);
  else if (agent_pid > 0) kill(-agent_pid, SIGKILL);
  for (int round = 0; round < 200; round++) {
    if (getpid() != 1) kill_children();
    pid_t pid;
    do pid = waitpid(-1, NULL, WNOHANG);
    while (pid > 0);
    if (pid < 0 && errno == ECHILD) return;
    if (getpid() == 1) kill(-1, SIGKILL);
    struct timespec pause = {.tv_sec = 0, .tv_nsec = 10 * 1000 * 1000};
    nanosleep(&pause, NULL);
  }
}

static long long tv_us(struct timeval tv) { return (long long)tv.tv_sec * 1000000LL + tv.tv_usec; }

static void usage(void) {
  dprintf(2,
          "usage: agora-init [--control-fd N] [--status-fd N] [--log-bytes-max N] [--conns-max N]\n"
          "                  [--relay tcp:HOST:PORT=unix:PATH]... [--relay unix:PATH=tcp:HOST:PORT]...\n"
          "                  -- command [args...]\n");
  _exit(2);
}

int main(int argc, char **argv) {
  int i = 1;
  for (; i < argc; i++) {
    const char *arg = argv[i];
    if (strcmp(arg, "--") == 0) {
      i++;
      break;
    }
    if (i + 1 >= argc) usage();
    if (strcmp(arg, "--control-fd") == 0) {
      control_fd = (int)parse_count(argv[++i], "control fd");
    } else if (strcmp(arg, "--status-fd") == 0) {
      status_fd = (int)parse_count(argv[++i], "status fd");
    } else if (strcmp(arg, "--log-bytes-max") == 0) {
      log_bytes_max = parse_count(argv[++i], "log cap");
    } else if (strcmp(arg, "--conns-max") == 0) {
      conns_max = (int)parse_count(argv[++i], "connection cap");
      if (conns_max < 1 || conns_max > CONNS_HARD_MAX) die("conns-max must be 1..%d", CONNS_HARD_MAX);
    } else if (strcmp(arg, "--relay") == 0) {
      parse_relay(argv[++i]);
    } else {
      usage();
    }
  }
  if (i >= argc) usage();
  char **command = &argv[i];

  // Before anything else: keep the agent (same uid) out of our memory and our fds.
  prctl(PR_SET_DUMPABLE, 0);
  // Orphans of the agent's tree become our children: we can count them and kill them.
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  if (status_fd < 0) status_fd = control_fd;
  // The agent never inherits the channel (fds 0-2 are replaced in the child below).
  if (control_fd > 2 && fcntl(control_fd, F_SETFD, FD_CLOEXEC) != 0) die("control fd %d: %s", control_fd, strerror(errno));
  if (status_fd > 2 && fcntl(status_fd, F_SETFD, FD_CLOEXEC) != 0) die("status fd %d: %s", status_fd, strerror(errno));
  conns = calloc((size_t)conns_max, sizeof *conns);
  if (conns == NULL) die("out of memory");
  for (int c = 0; c < conns_max; c++) conns[c].a = conns[c].b = -1;

  for (int r = 0; r < relays_count; r++) bind_relay(&relays[r]);

  sigset_t handled;
  sigemptyset(&handled);
  sigaddset(&handled, SIGCHLD);
  sigaddset(&handled, SIGTERM);
  sigaddset(&handled, SIGINT);
  sigaddset(&handled, SIGHUP);
  sigaddset(&handled, SIGPIPE);
  sigset_t old_mask;
  if (sigprocmask(SIG_BLOCK, &handled, &old_mask) != 0) die("sigprocmask: %s", strerror(errno));
  int sig_fd = signalfd(-1, &handled, SFD_NONBLOCK | SFD_CLOEXEC);
  if (sig_fd < 0) die("signalfd: %s", strerror(errno));

  int out_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) die("pipe: %s", strerror(errno));
  // Reports exec failure: closed by a successful exec (CLOEXEC), else carries errno.
  int exec_pipe[2];
  if (pipe2(exec_pipe, O_CLOEXEC) != 0) die("pipe: %s", strerror(errno));

  agent_pid = fork();
  if (agent_pid < 0) die("fork: %s", strerror(errno));
  if (agent_pid == 0) {
    setpgid(0, 0);
    // In a container the control channel is stdin: the agent gets /dev/null there instead.
    if (control_fd == 0 || status_fd == 0) {
      int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (null_fd >= 0) dup2(null_fd, 0);
    }
    dup2(out_pipe[1], 1);
    dup2(out_pipe[1], 2);
    // The agent starts with a clean slate: default signals, nothing blocked, fds 0-2 only.
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int s = 1; s < NSIG; s++) sigaction(s, &dfl, NULL);
    sigprocmask(SIG_SETMASK, &old_mask, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int keep = exec_pipe[1];
    if (keep > 3) close_range(3, (unsigned)keep - 1, 0);
    close_range((unsigned)keep + 1, ~0U, 0);
    execvp(command[0], command);
    int err = errno;
    ssize_t ignored = write(keep, &err, sizeof err);
    (void)ignored;
    _exit(127);
  }
  setpgid(agent_pid, agent_pid);  // also here, so a signal sent right now reaches the group
  close(out_pipe[1]);
  close(exec_pipe[1]);
  int exec_err = 0;
  ssize_t got;
  do got = read(exec_pipe[0], &exec_err, sizeof exec_err);
  while (got < 0 && errno == EINTR);
  close(exec_pipe[0]);
  if (got == (ssize_t)sizeof exec_err) {
    errno = exec_err;
    die("cannot start %s: %s", command[0], strerror(exec_err));
  }
  send_control("ready %d\n", (int)agent_pid);
  set_nonblock(out_pipe[0]);

  struct pollfd *pfds = calloc((size_t)(3 + RELAYS_MAX + 2 * conns_max), sizeof *pfds);
  if (pfds == NULL) die("out of memory");
  int out_fd = out_pipe[0];
  int host_gone = 0;

  while (!agent_done) {
    int n = 0;
    pfds[n++] = (struct pollfd){.fd = sig_fd, .events = POLLIN};
    pfds[n++] = (struct pollfd){.fd = out_fd, .events = POLLIN};
    pfds[n++] = (struct pollfd){.fd = host_gone ? -1 : control_fd, .events = POLLIN};
    int free_slots = 0;
    for (int c = 0; c < conns_max; c++) free_slots += !conns[c].used;
    for (int r = 0; r < relays_count; r++) pfds[n++] = (struct pollfd){.fd = free_slots > 0 ? relays[r].listen_fd : -1, .events = POLLIN};
    int conn_base = n;
    for (int c = 0; c < conns_max; c++) {
      struct conn *cn = &conns[c];
      short ea = 0, eb = 0;
      if (cn->used) {
        if (!cn->ab.eof && cn->ab.len == 0 && !cn->b_connecting) ea |= POLLIN;
        if (cn->ba.len > 0) ea |= POLLOUT;
        if (cn->b_connecting) eb |= POLLOUT;
        else {
          if (!cn->ba.eof && cn->ba.len == 0) eb |= POLLIN;
          if (cn->ab.len > 0) eb |= POLLOUT;
        }
      }
      pfds[n++] = (struct pollfd){.fd = cn->used ? cn->a : -1, .events = ea};
      pfds[n++] = (struct pollfd){.fd = cn->used ? cn->b : -1, .events = eb};
    }
    int ready = poll(pfds, (nfds_t)n, -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      die("poll: %s", strerror(errno));
    }
    if (pfds[0].revents) {
      struct signalfd_siginfo si;
      while (read(sig_fd, &si, sizeof si) == (ssize_t)sizeof si) {
        if (si.ssi_signo == SIGCHLD) reap();
        else if (si.ssi_signo != SIGPIPE) signal_agent(SIGTERM);
      }
    }
    if (pfds[1].revents) {
      copy_output(out_fd, 16);
      if (pfds[1].revents & (POLLHUP | POLLERR) && !(pfds[1].revents & POLLIN)) {
        // Every writer is gone; keep the fd closed so poll does not spin.
        close(out_fd);
        out_fd = -1;
      }
    }
    if (pfds[2].revents) {
      char cmd[64];
      ssize_t r = read(control_fd, cmd, sizeof cmd);
      if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
        host_gone = 1;
        signal_agent(SIGKILL);
      }
      for (ssize_t k = 0; k < r; k++) {
        if (cmd[k] == 't') signal_agent(SIGTERM);
        if (cmd[k] == 'k') signal_agent(SIGKILL);
      }
    }
    for (int r = 0; r < relays_count; r++) {
      if (pfds[3 + r].revents & POLLIN) accept_on(&relays[r]);
    }
    for (int c = 0; c < conns_max; c++) {
      struct conn *cn = &conns[c];
      if (!cn->used) continue;
      short ra = pfds[conn_base + 2 * c].revents;
      short rb = pfds[conn_base + 2 * c + 1].revents;
      if (cn->b_connecting) {
        if (!rb) continue;
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(cn->b, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) {
          conn_close(cn);
          continue;
        }
        cn->b_connecting = 0;
      }
      if (pump(cn->a, cn->b, &cn->ab, ra, rb) != 0 || pump(cn->b, cn->a, &cn->ba, rb, ra) != 0) {
        conn_close(cn);
        continue;
      }
      // Done when both directions ended, or when one peer hung up entirely (it can take no
      // more bytes) and everything it sent has been passed on. Without the second rule a
      // hung-up unix peer would make poll() return POLLHUP forever while the other idles.
      int a_gone = (ra & (POLLHUP | POLLERR)) && cn->ab.eof && cn->ab.len == 0;
      int b_gone = (rb & (POLLHUP | POLLERR)) && cn->ba.eof && cn->ba.len == 0;
      if ((cn->ab.shut && cn->ba.shut) || a_gone || b_gone) conn_close(cn);
    }
  }

  // The agent is gone. Whatever its children already wrote is in the pipe: keep it.
  // Bounded: a surviving child could keep writing forever.
  if (out_fd >= 0) copy_output(out_fd, 256);
  kill_leftovers();
  // Every descendant has now been waited for (by us, or by the agent): RUSAGE_CHILDREN holds
  // the CPU of the whole tree, daemons included, and the largest RSS any of them reached.
  struct rusage tree;
  if (getrusage(RUSAGE_CHILDREN, &tree) != 0) tree = agent_rusage;
  int code = WIFEXITED(agent_status) ? WEXITSTATUS(agent_status) : -1;
  int sig = WIFSIGNALED(agent_status) ? WTERMSIG(agent_status) : 0;
  send_control("exit code=%d signal=%d log_bytes=%lld log_dropped=%lld utime_us=%lld stime_us=%lld maxrss_kb=%ld\n", code, sig,
               log_bytes, log_dropped, tv_us(tree.ru_utime), tv_us(tree.ru_stime), tree.ru_maxrss);
  return code >= 0 ? code : 128 + sig;
}
