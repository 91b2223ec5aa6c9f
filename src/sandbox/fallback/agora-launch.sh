#!/bin/sh
# agora-launch, portable version (used when no C compiler built native/agora-launch.c).
# Same effects in the same order, with util-linux tools: join the run's cgroups, set rlimits,
# bind the per-run host paths into a private mount namespace (only when Agora is root), drop
# to the sandbox uid, then exec the command (bwrap). Options come in the environment so that
# no path is ever split or interpreted by the shell:
#   AGORA_CGROUP_PROCS  newline-separated cgroup.procs files to join
#   AGORA_RLIMITS       prlimit options, e.g. "--core=0:0 --fsize=1048576:1048576"
#   AGORA_STAGES        newline-separated pairs of lines: SRC, then DST mount point
#   AGORA_UID/AGORA_GID uid and gid to drop to
# The command is `bwrap --args 4 -- ...`: bwrap's options, the run's environment and so its API
# token among them, arrive on fd 4 (and the seccomp filter on fd 5), never on a command line
# (see src/sandbox/bwrap.ts); every step here passes those fds on untouched.
# Exit status 125 means the launch itself failed (the message is on stderr, the run's log).
set -eu
fail() {
  echo "agora-launch (portable): $*" >&2
  exit 125
}

if [ "${AGORA_LAUNCH_PHASE:-1}" = 1 ]; then
  if [ "${1:-}" = "--" ]; then shift; fi
  old_ifs=$IFS
  IFS='
'
  for procs in ${AGORA_CGROUP_PROCS:-}; do
    echo $$ >"$procs" || fail "cannot join $procs"
  done
  IFS=$old_ifs
  export AGORA_LAUNCH_PHASE=2
  # shellcheck disable=SC2086 # the rlimit options are words on purpose
  if [ -n "${AGORA_STAGES:-}" ]; then
    exec prlimit ${AGORA_RLIMITS:---core=0:0} -- unshare --mount --propagation slave -- /bin/sh "$0" "$@"
  fi
  exec prlimit ${AGORA_RLIMITS:---core=0:0} -- /bin/sh "$0" "$@"
fi

if [ -n "${AGORA_STAGES:-}" ]; then
  printf '%s\n' "$AGORA_STAGES" | {
    while IFS= read -r src && IFS= read -r dst; do
      mount --bind -- "$src" "$dst" || exit 125
    done
  } || fail "cannot bind the run's paths"
fi
uid=${AGORA_UID:-}
gid=${AGORA_GID:-}
unset AGORA_LAUNCH_PHASE AGORA_CGROUP_PROCS AGORA_RLIMITS AGORA_STAGES AGORA_UID AGORA_GID
if [ -n "$uid" ]; then
  exec setpriv --reuid "$uid" --regid "$gid" --clear-groups --no-new-privs --pdeathsig KILL -- "$@"
fi
exec setpriv --no-new-privs --pdeathsig KILL -- "$@"
