// The one place every constant of Agora lives. Each key has a default and a description;
// docs/config.md is generated from this file (`npm run docs:config`) and a test keeps it in step.
import { existsSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { lazy } from '../base/lazy.js';

const int = (min: number, max: number) => z.number().int().min(min).max(max);
const num = (min: number, max: number) => z.number().min(min).max(max);
// Credits in config are decimal credits, like the API; the kernel converts to micro-credits.
const credits = (max: number) => z.number().min(0).max(max);

/**
 * A schema built on its first use, then kept. zod builds slowly (an object per check, each with
 * its methods: about 90 ms of CPU for this whole file), and a short command such as
 * `agora status` needs none of it when no config file sets anything (config/load.ts).
 */
const section = lazy;

export const serverSchema = section(() => z
  .strictObject({
    host: z.string().min(1).default('127.0.0.1').describe('Address the API listens on. Loopback by default: agents reach it through their sandbox bridge, operators through the dashboard.'),
    port: int(0, 65535).default(8420).describe('TCP port of the API and dashboard (0 picks a free port).'),
    allowed_hosts: z
      .array(z.string().regex(/^(?:[A-Za-z0-9][A-Za-z0-9.-]{0,252}|\[?[0-9A-Fa-f:.]+\]?)$/, 'a host name or IP address, without port or scheme'))
      .max(64)
      .default([])
      .describe('Host names (or addresses) the API answers to besides loopback (localhost, 127.x.x.x, [::1]), any port: e.g. the public name of a proxy in front of it. Requests naming any other Host get 403, and state-changing requests from a page on any other origin too (DNS rebinding, cross-site forms).'),
    body_limit_bytes: int(1024, 64 * 1024 * 1024).default(262_144).describe('Largest request body accepted; larger bodies get 413.'),
    page_size_default: int(1, 1000).default(50).describe('Items per page when a list route is not given `limit`.'),
    page_size_max: int(1, 10_000).default(500).describe('Largest `limit` a list route accepts.'),
    request_timeout_ms: int(1000, 600_000).default(30_000).describe('A request taking longer than this is cut off.'),
    health_timeout_ms: int(100, 600_000).default(2000).describe("How long a CLI command waits for a running world's API to answer /health before it takes the world for not running."),
  })
  .prefault({}));

export const authSchema = section(() => z
  .strictObject({
    dev_token_ttl_s: int(60, 365 * 24 * 3600).default(7 * 24 * 3600).describe('Lifetime of tokens minted by `agora token` for development and tests.'),
    execution_token_slack_s: int(0, 30 * 24 * 3600).default(3600).describe("An execution token's signed expiry: its lease's end plus this (world time). The API also refuses it as soon as its execution has ended, whatever the expiry says."),
    verified_tokens_max: int(1, 10_000_000).default(10_000).describe('Tokens whose signature check is remembered (an agent sends the same one on every request); past it the memory starts afresh.'),
  })
  .prefault({}));

export const storeSchema = section(() => z
  .strictObject({
    synchronous: z.enum(['NORMAL', 'FULL']).default('NORMAL').describe('SQLite `synchronous` pragma under WAL. NORMAL survives a process crash (SIGKILL) with every committed transaction; FULL also survives power loss at the cost of one fsync per commit.'),
    busy_timeout_ms: int(0, 60_000).default(5_000).describe('How long a second process (the CLI) waits for the world database lock.'),
    read_cache_entries_max: int(1, 10_000_000).default(50_000).describe("Entries of the kernel's read cache (cleared by every command, so never stale); past it the cache starts afresh."),
    kind: z.enum(['sqlite', 'postgres']).default('sqlite').describe("Where the world's journal and tables live: sqlite (world.db in the world directory, embedded) or postgres (the database at store.postgres.url; docs/deploy.md). The world directory still holds workspaces, logs and secrets either way."),
    postgres: z
      .strictObject({
        url: z.string().min(1).nullable().default(null).describe("The world's PostgreSQL database (postgres://user@host:port/db; a unix socket: postgres:///db?host=/run/postgresql). One database per world, created with LC_COLLATE 'C'. Needed when store.kind is postgres."),
        connect_timeout_ms: int(100, 600_000).default(10_000).describe('How long opening the connection may take before the world refuses to open.'),
        statement_timeout_ms: int(100, 3_600_000).default(60_000).describe("PostgreSQL's statement_timeout for the world's connection: a statement running longer is cancelled and its command rolled back. The kernel waits for each statement, so this bounds how long it can be held."),
      })
      .prefault({})
      .describe('PostgreSQL store (store.kind: postgres). One connection per process, not a pool: the kernel is the one writer and waits for each statement.'),
  })
  .refine((s) => s.kind !== 'postgres' || s.postgres.url !== null, { message: 'store.kind postgres needs store.postgres.url' })
  .prefault({}));

export const logSchema = section(() => z
  .strictObject({
    level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info').describe('Least severe level written to `system.log`.'),
    requests: z.boolean().default(false).describe('Log every HTTP request (costs throughput; errors are always logged).'),
  })
  .prefault({}));

export const agentsSchema = section(() => z
  .strictObject({
    genesis_credits: credits(1e9).default(3000).describe('Credits minted to the genesis agent when a world is created: with nobody paying, all the money its lineage will ever have (docs/society.md, "why these defaults").'),
    description_chars_max: int(0, 10_000).default(280).describe('Longest self-description an agent may set in the directory.'),
    genesis_first_bid: z
      .strictObject({
        credits: credits(1e6).default(2).describe('What genesis pays (from its own credits) for its first lease; 0 places no first bid.'),
        cpu_s: num(0, 3600).default(4).describe('CPU-seconds of the first lease.'),
        memory_mb: int(0, 1_048_576).default(256).describe('Memory (MB) of the first lease.'),
        duration_s: int(1, 86_400).default(30).describe('Length (s) of the first lease.'),
      })
      .prefault({})
      .describe('A new world starts life by placing this bid for genesis, so that something runs before anyone has bid: an ordinary escrowed bid that wins the first clearing.'),
  })
  .prefault({}));

export const ledgerSchema = section(() => z
  .strictObject({
    memo_chars_max: int(0, 10_000).default(280).describe('Longest memo on a transfer.'),
    history_limit_max: int(1, 10_000).default(500).describe('Largest page of ledger history returned at once.'),
  })
  .prefault({}));

// Market: resources in natural units, sold per clearing cycle (docs/market.md). Prices are
// decimal credits per natural unit; the kernel holds them as integer nano-credits.
const marketResourceSchema = (unit: string, d: { supply: number; price: number; price_min: number; price_max: number }) =>
  z
    .strictObject({
      supply_per_cycle: num(0, 1e9).default(d.supply).describe(`Units (${unit}) sold in each clearing cycle.`),
      price_start: num(1e-6, 1e6).default(d.price).describe(`Price in credits per ${unit} when a world's market opens.`),
      price_min: num(1e-6, 1e6).default(d.price_min).describe(`Lowest price, credits per ${unit}: idle cycles never push the price below it.`),
      price_max: num(1e-6, 1e6).default(d.price_max).describe(`Highest price, credits per ${unit}: excess demand never pushes the price above it.`),
    })
    .refine((r) => r.price_min <= r.price_start && r.price_start <= r.price_max, { message: 'needs price_min <= price_start <= price_max' })
    .prefault({});

export const marketSchema = section(() => z
  .strictObject({
    clearing_interval_s: num(0.1, 3600).default(10).describe('Seconds between clearings: the world loop expires bids, clears the market and updates prices once per interval (one cycle).'),
    resources: z
      .strictObject({
        cpu: marketResourceSchema('CPU-second', { supply: 16, price: 0.1, price_min: 0.001, price_max: 100 }),
        memory: marketResourceSchema('MB held during the run', { supply: 2048, price: 0.001, price_min: 0.00001, price_max: 1 }),
        tokens: marketResourceSchema('LLM token', { supply: 50_000, price: 0.0001, price_min: 0.000001, price_max: 0.01 }),
        attention: marketResourceSchema('human prompt slot', { supply: 1, price: 5, price_min: 0.1, price_max: 1000 }),
      })
      .prefault({})
      .describe('Supply per cycle and price bounds of each resource. Defaults suit a 2-core machine and a 10 s cycle.'),
    bundle: z
      .strictObject({
        cpu_s_min: num(0.001, 3600).default(0.01).describe('Least CPU-seconds a bundle may ask for (every run uses some CPU).'),
        cpu_s_max: num(0.001, 3600).default(8).describe('Most CPU-seconds one bundle may ask for; also the CPU budget its run is held to.'),
        memory_mb_min: int(0, 1_048_576).default(16).describe('Least memory (MB) a bundle may ask for.'),
        memory_mb_max: int(1, 1_048_576).default(1024).describe('Most memory (MB) one bundle may ask for; its run is held to what it bought.'),
        tokens_max: int(0, 1e9).default(50_000).describe('Most LLM tokens one bundle may ask for.'),
        attention_max: int(0, 100).default(1).describe('Most human prompt slots one bundle may ask for.'),
        duration_s_min: int(1, 86_400).default(1).describe('Shortest run (seconds) a bundle may buy.'),
        duration_s_max: int(1, 86_400).default(300).describe('Longest run (seconds) a bundle may buy; the run is stopped when it is over.'),
      })
      .refine((b) => b.cpu_s_min <= b.cpu_s_max && b.memory_mb_min <= b.memory_mb_max && b.duration_s_min <= b.duration_s_max, {
        message: 'each minimum must be at most its maximum',
      })
      .prefault({})
      .describe('Bounds on one bundle. A bid outside them is refused with INVALID_ARGS.'),
    bids_open_per_agent_max: int(1, 10_000).default(10).describe('Most open bids one payer may have queued at once.'),
    bids_open_max: int(1, 10_000_000).default(100_000).describe('Most open bids in the whole order book; past it new bids wait (UNAVAILABLE) until some clear.'),
    bid_ttl_cycles_default: int(1, 1_000_000).default(30).describe('Cycles an unfilled bid stays queued when the bidder names no ttl_cycles; then it expires and is refunded.'),
    seed_bid_duration_s: int(1, 86_400).default(30).describe("Seconds of running a seed-era bid buys (POST /market/bid with the seeds' flat body, which names no duration); it must lie within market.bundle.duration_s_min..max."),
    bid_ttl_cycles_max: int(1, 1_000_000).default(8640).describe('Longest ttl_cycles a bid may ask for (8640 cycles = one day at 10 s).'),
    price_step_max: num(0, 1).default(0.1).describe('Largest relative price change in one cycle (0.1 = 10%).'),
    idle_utilization: num(0, 1).default(0.5).describe('A resource less utilised than this in a cycle (with demand within supply) gets cheaper; fully idle, by price_step_max.'),
    history_trades_default: int(1, 10_000).default(20).describe('Recent transactions (won bids) GET /market/history returns when not told how many.'),
    history_trades_max: int(1, 10_000).default(500).describe('Most transactions GET /market/history returns at once.'),
    history_cycles_default: int(1, 10_000).default(20).describe('Recent clearings and price points per resource GET /market/history returns when not told how many.'),
    history_cycles_max: int(1, 100_000).default(1000).describe('Most clearings and price points GET /market/history returns at once.'),
  })
  .refine((m) => m.bid_ttl_cycles_default <= m.bid_ttl_cycles_max, { message: 'needs bid_ttl_cycles_default <= bid_ttl_cycles_max' })
  .refine(
    // The kernel values bundles in integer nano-credits; the dearest possible bundle must stay exact.
    (m) =>
      (m.bundle.cpu_s_max * m.resources.cpu.price_max +
        m.bundle.memory_mb_max * m.resources.memory.price_max +
        m.bundle.tokens_max * m.resources.tokens.price_max +
        m.bundle.attention_max * m.resources.attention.price_max) * 1e9 <= Number.MAX_SAFE_INTEGER,
    { message: 'bundle maxima times price maxima are too large to value exactly (over 9e6 credits per bundle)' },
  )
  .prefault({}));

// Sandbox: how agent runs are isolated and held to their limits (docs/agents.md "Sandbox").
// Per-run memory, CPU budget and wall time come from what the run bought; these are the rest.
export const sandboxSchema = section(() => z
  .strictObject({
    runner: z.enum(['auto', 'bwrap', 'docker', 'process']).default('auto').describe("How agents run. auto = bwrap on Linux when it works, else refuse to start (install bubblewrap, or choose 'process' knowingly). process = plain child processes with NO isolation, for development only. docker = containers through the local Docker engine."),
    bwrap_path: z.string().min(1).default('bwrap').describe('The bubblewrap binary: a name looked up in PATH, or an absolute path.'),
    api_port_inside: int(1, 65535).default(8420).describe('Port of the Agora API inside a sandbox (SYSTEM_SERVICE_URL=http://127.0.0.1:<port>). A forwarder inside relays it to the per-execution socket; nothing else is reachable.'),
    uid_inside: int(1, 65534).default(1000).describe('Uid an agent has inside its sandbox (never 0).'),
    gid_inside: int(1, 65534).default(1000).describe('Gid an agent has inside its sandbox (never 0).'),
    host_uid: int(1, 2 ** 31 - 2).default(100_000).describe('When Agora runs as root: the unprivileged host uid sandboxes run as and workspaces are owned by. Ignored otherwise (sandboxes then run as Agora\'s own user).'),
    host_gid: int(1, 2 ** 31 - 2).default(100_000).describe('When Agora runs as root: the host gid sandboxes run as.'),
    cgroups: z.enum(['auto', 'v1', 'v2', 'off']).default('auto').describe('Cgroup hierarchy used to limit and meter runs. auto = v2 when its controllers are available, else v1. off (or not writable) = memory, CPU quota and process limits are NOT enforced and CPU is metered from rusage; the log says so loudly.'),
    cgroup_parent: z.string().max(512).regex(/^[A-Za-z0-9_./-]*$/).default('').describe("Cgroup path (relative to each hierarchy's root) under which per-run cgroups are made. Empty = Agora's own cgroup."),
    pids_max: int(8, 65_536).default(256).describe('Most processes plus threads one run may have (pids cgroup). Node alone uses about a dozen threads.'),
    cpu_quota_cores: num(0.01, 1024).default(1).describe('CPU bandwidth of one run, in cores (cgroup CPU quota); a run never gets more however many it forks.'),
    grace_ms: int(0, 600_000).default(2000).describe('Between SIGTERM and SIGKILL when a run is stopped or runs out of time or CPU budget.'),
    log_bytes_max: int(0, 1 << 30).default(1 << 20).describe("Bytes of a run's stdout+stderr kept in its log file; the rest is read and discarded so the agent never blocks."),
    tmp_mb_max: int(1, 65_536).default(64).describe('Size of the private /tmp of a run (memory-backed, counted in its memory limit).'),
    file_size_mb_max: int(1, 1_048_576).default(1024).describe('Largest single file a run may write (RLIMIT_FSIZE).'),
    open_files_max: int(64, 1_048_576).default(1024).describe('Most open files per process of a run (RLIMIT_NOFILE).'),
    meter_interval_ms: int(10, 60_000).default(100).describe('How often a running sandbox is sampled for its CPU budget and memory.'),
    connections_max: int(1, 1024).default(64).describe('Most simultaneous API connections from one run through its forwarder; more wait in the listen backlog.'),
    env_bytes_max: int(1024, 1 << 20).default(65_536).describe("Largest total size of a run's environment variables."),
    python: z.string().min(1).default('auto').describe('python3 made visible in sandboxes: auto = /usr/bin/python3 if present, else the python3 in PATH (its installation is bound read-only); or an absolute path.'),
    runtime_dir: z.string().default('').describe('Agent runtime package (node_modules with common agent libraries), bound read-only at /opt/agora/runtime. Empty = the runtime/ folder of this Agora installation.'),
    state_tmpfs_mb: int(16, 65_536).default(256).describe("Size of the tmpfs a runner's private state lives on when Agora runs as root (generated /etc, agora-init, a copy of the agent runtime, API sockets)."),
    state_dir: z.string().default('').describe('Where a runner keeps its small private state (generated /etc, mount points). Empty = a fresh directory under the OS temp dir.'),
    native_helpers: z.enum(['auto', 'off']).default('auto').describe('auto = use the small C launcher and forwarder (compiled with cc at install, or on first use); off = portable fallbacks (shell launcher, node forwarder), slower to start.'),
    seccomp: z
      .enum(['required', 'auto', 'off'])
      .default('auto')
      .describe(
        'System call filter in every sandbox (built at install with libseccomp; denies io_uring, bpf, keyrings, perf, userfaultfd, ptrace, mount and new namespaces, among others). auto = use it when it could be built, else start with a loud warning; required = refuse to start without it; off = no filter.',
      ),
    launchers_prestarted: int(0, 16).default(2).describe('Sandbox launchers started ahead of runs (already forked and in a fresh cgroup, waiting), so that starting a run pays for neither on a busy host. 0 = start each launcher when its run starts. Needs the native helpers.'),
    docker_socket: z.string().min(1).default('/var/run/docker.sock').describe('Docker engine socket (docker runner only).'),
    docker_ping_timeout_ms: int(100, 600_000).default(3000).describe('How long the docker runner waits for the engine to answer its first ping (and each API call) before it reports docker unavailable.'),
    probe_timeout_ms: int(100, 600_000).default(10_000).describe('Longest wait for one host probe at start (can bwrap make namespaces here, where is python3, has it debugpy).'),
    mount_timeout_ms: int(100, 600_000).default(10_000).describe("Longest wait for mount/umount of a runner's private state tmpfs (when Agora runs as root)."),
    kill_exit_wait_ms: int(100, 600_000).default(10_000).describe("After a run is SIGKILLed, how long Agora waits to see its outermost process exit before it accounts the run as ended without that exit (logged as an error). A bound, so an exit that is never seen cannot hold a run, its slot and its lease forever."),
    control_drain_wait_ms: int(0, 60_000).default(1000).describe("After a run's outermost process exits, how long its control channel may take to deliver agora-init's last lines (the exit status and usage) before the run is accounted without them."),
    agent_json_bytes_max: int(64, 16 * 1024 * 1024).default(65_536).describe("Largest agent.json read from a workspace to find an agent's command; a larger one is refused as invalid."),
    kill_rounds_max: int(1, 100_000).default(200).describe("Rounds of SIGKILL over a run's cgroup (each a short wait apart) before the processes left are reported as surviving."),
    proc_tree_nodes_max: int(1, 10_000_000).default(100_000).describe("Most processes read in one /proc sample of a run's tree (runs without cgroup counters); past it the rest of the tree is not counted or killed in that round."),
    kill_tree_rounds_max: int(1, 100_000).default(50).describe('Rounds of SIGKILL over a run\'s process tree without cgroups (each a short wait apart) before giving up.'),
    docker_image: z.string().min(1).default('node:20-bookworm').describe('Image agent containers run (docker runner only); it must provide node and python3.'),
  })
  .prefault({}));

// Workspaces: each agent's own directory, its disk allowance, and how the host walks it
// (docs/security.md "Workspaces"). The host touches a workspace only through SafeDir.
export const workspaceSchema = section(() => z
  .strictObject({
    backing: z.enum(['auto', 'image', 'directory']).default('auto').describe('auto = each workspace on a sparse ext4 image of its own, loop-mounted while the world is open, when Agora runs as root with mkfs.ext4 (the kernel enforces the allowance, and no host path shows inside a sandbox); else plain directories, whose usage is measured during and after every run. image = refuse to start without images.'),
    bytes_max: int(16 * 1024 * 1024, 2 ** 40).default(256 * 1024 * 1024).describe("Disk an agent's workspace may hold, in bytes. An image is this size (sparse: the host pays only for what is used)."),
    inodes_max: int(64, 16 * 1024 * 1024).default(16_384).describe('Files and directories a workspace may hold (an image has at least this many inodes).'),
    depth_max: int(1, 4096).default(64).describe('Deepest directory nesting the host walks in a workspace (copy_self, measuring); deeper refuses the walk.'),
    disk_sample_interval_ms: int(10, 600_000).default(1_000).describe('How often a running agent\'s workspace usage is measured; a run whose workspace grows to its allowance is stopped with killed_disk.'),
    tool_timeout_ms: int(100, 600_000).default(30_000).describe('Longest one image tool (mkfs.ext4, e2fsck, mount, umount) may take on a workspace image.'),
    remove_entries_max: int(1, 1e9).default(1_000_000).describe("Most entries removed with a failed spawn's half-made workspace; more refuses the removal (left for the operator)."),
  })
  .prefault({}));

// The world loop: how winning bids become runs (docs/architecture.md "The world loop").
export const orchestratorSchema = section(() => z
  .strictObject({
    runs_concurrent_max: int(1, 10_000).default(8).describe('Most agent runs at once. Winners past it wait for a slot, their lease starting when they launch.'),
    launch_batch_max: int(1, 10_000)
      .default(32)
      .describe("Most runs launched together: their executions are journaled in one transaction (one commit instead of one each), then their sandboxes start side by side. A batch's leases start at its commit, so the last run of a batch waits for the batch's env.json writes (about a millisecond each). Under --simulate runs launch one at a time."),
    socket_dir: z.string().default('').describe('Directory for the per-execution API sockets (Unix socket paths must stay under 108 bytes). Empty = a private directory under the OS temp dir.'),
    debug_inspect_port: int(1024, 65_535).default(9229).describe('Inspector port opened for the run chosen by `agora start --debug AGENT`.'),
    shutdown_grace_ms: int(0, 600_000).default(5_000).describe('On stop (Ctrl-C), how long runs get to finish before they are killed (cut short to fit orchestrator.stop_timeout_ms).'),
    stop_timeout_ms: int(100, 600_000)
      .default(10_000)
      .describe(
        'Longest a stop (SIGINT/SIGTERM) takes, signal to exit. Runs are killed (SIGTERM, sandbox.grace_ms, SIGKILL) by three quarters of it at the latest, recorded as stopped; if anything still holds the process at the bound, the runs left are recorded as stopped and it exits non-zero.',
      ),
  })
  .prefault({}));

export const lifecycleSchema = section(() => z
  .strictObject({
    death_after_cycles: int(1, 1_000_000).default(4).describe('Cycles an agent may stay dormant before it dies (workspace kept, marked dead).'),
  })
  .prefault({}));

// Society: messages, the directory and spawning (docs/society.md explains the economics).
export const socialSchema = section(() => z
  .strictObject({
    message_cost: credits(1e6).default(0.01).describe('Credits burned from the sender for each direct message (POST /social/message).'),
    broadcast_cost: credits(1e6).default(1).describe('Credits burned from the sender for one broadcast to every living agent (POST /social/broadcast).'),
    message_chars_max: int(1, 100_000).default(2000).describe('Longest message content, in characters.'),
    inbox_messages_max: int(1, 100_000).default(100).describe("Most messages an agent's inbox holds; a new message past it drops the oldest (event messages_dropped)."),
    env_inbox_messages_max: int(0, 10_000).default(20).describe('Most unread messages written into one env.json (oldest first); delivering them there marks them read.'),
    spawn_cost: credits(1e6).default(2).describe('Credits burned from the parent for each spawn, on top of the initial credits it gives the child.'),
    spawn_min_initial_credits: credits(1e6).default(5).describe("Least credits a parent must give a child: the child's first runs are paid by its parent, which makes spawn-spam cost real money."),
    spawn_note_chars_max: int(0, 10_000).default(280).describe('Longest note a parent may attach to a spawn (kept in the journal).'),
    spawn_files_max: int(0, 10_000).default(64).describe('Most files a spawn request may give the child.'),
    spawn_skipped_shown_max: int(0, 10_000).default(50).describe("Most of the parent's skipped workspace entries (links, special files) a spawn's answer names; the count is always whole."),
    spawn_file_bytes_max: int(0, 64 * 1024 * 1024).default(262_144).describe('Largest single file (bytes, UTF-8) a spawn request may give the child.'),
    spawn_files_bytes_max: int(0, 256 * 1024 * 1024).default(1024 * 1024).describe('Most bytes (UTF-8) of all files one spawn request may give the child together.'),
    spawn_path_chars_max: int(1, 4096).default(255).describe('Longest relative path of a file given to a child.'),
    spawn_copy_files_max: int(0, 1_000_000).default(1000).describe("Most files copied from the parent's workspace with copy_self; more refuses the spawn."),
    spawn_copy_bytes_max: int(0, 1 << 30).default(16 * 1024 * 1024).describe("Most bytes copied from the parent's workspace with copy_self; more refuses the spawn."),
    spawn_copy_file_bytes_max: int(0, 1 << 30).default(4 * 1024 * 1024).describe('Files larger than this (bytes) are not copied with copy_self (listed as skipped).'),
    child_first_bid: z
      .strictObject({
        cpu_s: num(0, 3600).default(0.5).describe('CPU-seconds of the first lease.'),
        memory_mb: int(0, 1_048_576).default(96).describe('Memory (MB) of the first lease.'),
        duration_s: int(1, 86_400).default(10).describe('Length (s) of the first lease.'),
        markup: num(0, 100).default(0.2).describe('The first bid offers the bundle\'s value at current prices times (1 + markup), capped at the initial credits.'),
      })
      .prefault({})
      .describe("Unless the spawn request names its own first_bid, a child is born with this bid, paid from its initial credits, so that it runs without waiting for anyone. A spawn whose child could not pay its first run's value is refused."),
    population_max: int(1, 1_000_000).default(24).describe('Most living (alive or dormant) agents; spawns past it are refused (UNAVAILABLE) until some die.'),
  })
  .prefault({}));

// Human attention (docs/attention.md): what an execution that won attention slots may ask the
// operator, and how the operator's scores become credits minted from system:human.
export const attentionSchema = section(() => z
  .strictObject({
    prompts_per_slot: int(1, 1000).default(1).describe('Prompts an execution may submit per attention slot it won (POST /human/prompt); more are refused (403).'),
    prompt_ttl_s: int(1, 30 * 24 * 3600).default(24 * 3600).describe('A prompt the operator has not answered within this many seconds expires, with no reward (checked once per cycle).'),
    prompt_chars_max: int(1, 100_000).default(4000).describe('Longest prompt content.'),
    options_max: int(0, 100).default(10).describe('Most answer options a prompt may offer the operator.'),
    option_chars_max: int(1, 10_000).default(200).describe('Longest answer option.'),
    reply_chars_max: int(0, 100_000).default(2000).describe("Longest operator reply. It is delivered to the agent's inbox as a message, so social.message_chars_max bounds it too."),
    expire_batch_max: int(1, 1_000_000).default(10_000).describe('Most prompts expired by one expiry command; the rest wait for the next cycle.'),
    reward: z
      .strictObject({
        credits_per_point: credits(1e6).default(0.25).describe('Credits minted (from system:human) per weighted point of the operator\'s scores. The default makes the best answer (10/10/10) 7.5 credits: a few good runs, about what a slot costs when attention is in demand, and a quarter of a percent of what genesis starts the world with (the old 50 made one reward a quarter of the world).'),
        weights: z
          .strictObject({
            interesting: num(0, 100).default(1).describe('Weight of the interesting score (0-10).'),
            useful: num(0, 100).default(1).describe('Weight of the useful score (0-10).'),
            understandable: num(0, 100).default(1).describe('Weight of the understandable score (0-10).'),
          })
          .prefault({}),
      })
      .prefault({})
      .describe('reward = credits_per_point × (interesting × w_i + useful × w_u + understandable × w_un), rounded to the µcr. With the defaults, 0 to 7.5 credits (5/5/5 = 3.75).'),
  })
  .refine((a) => a.reward.credits_per_point * 10 * (a.reward.weights.interesting + a.reward.weights.useful + a.reward.weights.understandable) * 1e6 <= Number.MAX_SAFE_INTEGER, {
    message: 'the largest reward must fit exact integer micro-credits',
  })
  .prefault({}));

// Capability requests (docs/agents.md, "Asking the operator for a capability"): what an agent may
// ask for, how many at once, and what a grant may hold. A grant is enforced where it applies.
export const capabilitiesSchema = section(() => z
  .strictObject({
    pending_per_agent_max: int(1, 1000).default(3).describe('Most unanswered requests one agent may have; more are refused (409) until the operator answers.'),
    reason_chars_max: int(1, 100_000).default(1000).describe("Longest reason an agent gives for a request, and an operator's note or reason for an answer."),
    expiry_s_default: int(1, 365 * 24 * 3600).default(24 * 3600).describe('How long a grant lasts (world seconds) when the operator names no expiry.'),
    expiry_s_max: int(1, 10 * 365 * 24 * 3600).default(30 * 24 * 3600).describe('Longest expiry an operator may give a grant.'),
    granted_models: z
      .array(z.string().min(1).max(256))
      .default([])
      .describe('LLM model ids (llm.models) an agent may call only with an approved llm_model:<id> grant; the others stay open to every run that bought tokens.'),
    memory_mb_grant_max: int(1, 1_048_576).default(8192).describe('Largest memory cap (MB) a memory_mb grant may raise market.bundle.memory_mb_max to, for its agent only; the market still sells only its supply.'),
    env_requests_max: int(0, 1000).default(10).describe("The agent's latest requests (with their answers) shown in env.json's capabilities."),
  })
  .prefault({}));

// The operator's dashboard and read routes (/operator/*): bounds that keep its reads cheap.
export const operatorSchema = section(() => z
  .strictObject({
    dashboard_dir: z.string().default('').describe('Directory of the built dashboard served at /. Empty = web/dist of this installation (built by `npm install`, or on start when missing or older than web/src).'),
    series_cycles_default: int(1, 100_000).default(360).describe('Cycles of history the time-series routes return when not told how many (360 cycles = one hour at 10 s).'),
    series_cycles_max: int(1, 1_000_000).default(8640).describe('Most cycles of history one time-series request returns.'),
    lineage_agents_max: int(1, 1_000_000).default(20_000).describe('Most agents in one lineage answer (the tree of who spawned whom).'),
    balance_points_max: int(1, 100_000).default(1000).describe("Most points of one agent's balance-over-time series (its latest postings)."),
    log_tail_bytes_default: int(1, 1 << 30).default(65_536).describe("Bytes of an execution's log returned when not told how many (from the end)."),
    log_tail_bytes_max: int(1, 1 << 30).default(1 << 20).describe("Most bytes of an execution's log returned at once."),
    events_scan_max: int(100, 10_000_000).default(20_000).describe('Most candidate events (those whose text names the agent) one events-page request parses when filtering by agent; past it the page ends early with a cursor to continue.'),
    stream_clients_max: int(1, 10_000).default(32).describe('Most simultaneous live event streams (GET /operator/events/stream); more are refused with UNAVAILABLE.'),
    stream_buffer_events_max: int(1, 1_000_000).default(5000).describe('Events queued for one slow stream client; past it the stream is closed and the client reconnects from its last seq.'),
    stream_heartbeat_s: num(1, 3600).default(15).describe('Seconds between keep-alive comments on an idle live stream.'),
  })
  .refine((o) => o.series_cycles_default <= o.series_cycles_max && o.log_tail_bytes_default <= o.log_tail_bytes_max, {
    message: 'each default must be at most its maximum',
  })
  .prefault({}));

// LLM proxy (docs/llm.md): providers, the models agents may name, metering and rate limits.
// API keys are never in config: a provider names the environment variable that holds its key.
export const llmProviderSchema = section(() => z.strictObject({
  kind: z.enum(['openai', 'anthropic', 'offline']).describe('openai = any server speaking OpenAI chat completions (OpenAI, vLLM, Ollama, llama.cpp server, OpenRouter); anthropic = the Anthropic messages API, translated; offline = a deterministic local responder, no network.'),
  base_url: z.url().optional().describe('Base URL of the API, up to and including its version path (e.g. http://127.0.0.1:11434/v1). Defaults: https://api.openai.com/v1, https://api.anthropic.com/v1.'),
  api_key_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional().describe('Name of the environment variable holding the API key (never the key itself). None = no key is sent (local servers).'),
  timeout_ms: int(100, 600_000).default(60_000).describe('Longest wait for the provider to start answering, and between two streamed chunks; past it the call fails with TIMEOUT and nothing is charged.'),
  tokens_per_minute: int(0, 1e12).default(0).describe("The provider account's own token limit per minute (0 = none). Times llm.rate_limits.provider_share, it is the window all agents share for this provider."),
  requests_per_minute: int(0, 1e9).default(0).describe("The provider account's own request limit per minute (0 = none); shared like tokens_per_minute."),
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/), z.string().max(1024)).default({}).describe("Extra headers sent upstream (e.g. OpenRouter's HTTP-Referer). Not for keys: use api_key_env."),
}));
export type LlmProviderConfig = z.infer<ReturnType<typeof llmProviderSchema>>;

export const llmModelSchema = section(() => z.strictObject({
  provider: z.string().min(1).describe('Name of a provider in llm.providers.'),
  upstream_model: z.string().min(1).optional().describe('Model name sent to the provider; the model id itself when absent.'),
  description: z.string().max(1000).default('').describe('Shown to agents by GET /llm/v1/models.'),
}));
export type LlmModelConfig = z.infer<ReturnType<typeof llmModelSchema>>;

export const OFFLINE_MODEL_ID = 'offline-echo';

export const llmSchema = section(() => z
  .strictObject({
    providers: z
      .record(z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/), llmProviderSchema())
      .default({ offline: { kind: 'offline', timeout_ms: 60_000, tokens_per_minute: 0, requests_per_minute: 0, headers: {} } })
      .describe('Upstream providers by name. The default is only the offline responder, so a world runs with no network and no key.'),
    models: z
      .record(z.string().min(1).max(256), llmModelSchema())
      .default({
        [OFFLINE_MODEL_ID]: {
          provider: 'offline',
          description: 'Offline responder: deterministic, local, no real LLM. It echoes the last user message. Configure llm.providers and llm.models for a real model.',
        },
      })
      .describe('The model ids agents may ask for, each mapped to a provider (and the name the provider knows it by).'),
    buy_extra_tokens: z.boolean().default(false).describe("Let a run buy LLM tokens beyond its bundle's, at the current market token price, burning credits from the agent's balance (only the shortfall of a call, bought before it is forwarded)."),
    max_tokens_default: int(1, 1_000_000).default(1024).describe('Completion tokens reserved (and asked of the provider) when a request names neither max_tokens nor max_completion_tokens; always capped by what the run has left.'),
    prompt_bytes_per_token: num(0.5, 16).default(2).describe('How the proxy estimates a prompt before sending it: UTF-8 bytes per token. Lower is more cautious (1 is a strict upper bound for byte-level BPE tokenizers); real text is 3 to 4.'),
    messages_max: int(1, 100_000).default(2048).describe('Most messages in one chat request.'),
    request_bytes_max: int(1024, 64 * 1024 * 1024).default(4 * 1024 * 1024).describe('Largest chat request body; larger gets 413.'),
    reply_bytes_max: int(1024, 256 * 1024 * 1024).default(16 * 1024 * 1024).describe('Largest reply (or single streamed event) accepted from a provider; past it the call fails with UPSTREAM_ERROR and nothing is charged.'),
    error_chars_max: int(0, 1_000_000).default(1000).describe("Longest upstream error message kept in a call's journal record (llm_call_completed); the rest is cut."),
    call_duration_ms_max: int(1000, 3_600_000).default(600_000).describe('Longest one call may take, streaming included; then it is cut off (TIMEOUT) and only what was delivered is charged.'),
    calls_in_flight_per_execution_max: int(1, 1024).default(8).describe('Most calls one run may have waiting on providers at once; more get RATE_LIMITED.'),
    usage_recent_calls: int(0, 1000).default(20).describe('Recent calls GET /llm/v1/usage lists.'),
    mode: z.enum(['live', 'replay']).default('live').describe("live = every call goes to its provider; replay = a request answered before (same agent, same request, same turn) gets its recorded reply back, from llm.replay_world's journal (a fork: its parent's), until the first request with no recording; from there on the world is served live (docs/replay.md)."),
    replay_world: z.string().default('').describe("The world directory whose recorded replies llm.mode replay serves; empty = this world's fork parent, or this world itself."),
    rate_limits: z
      .strictObject({
        agent_tokens_per_minute: int(1, 1e12).default(100_000).describe('Tokens one agent may use in any rolling 60 s (reserved on admission, corrected to actual usage after): each new agent is issued this share as a tradeable right (docs/trade.md), and its window follows what it holds.'),
        agent_requests_per_minute: int(1, 1e9).default(60).describe('Calls one agent may make in any rolling 60 s: issued to each new agent as a tradeable right (docs/trade.md), its window follows what it holds.'),
        global_tokens_per_minute: int(1, 1e12).default(2_000_000).describe('Tokens all agents together may use in any rolling 60 s, whatever the provider.'),
        global_requests_per_minute: int(1, 1e9).default(1200).describe('Calls all agents together may make in any rolling 60 s.'),
        provider_share: num(0, 1).default(0.9).describe("Fraction of each provider's own limits (llm.providers.*.tokens_per_minute, requests_per_minute) Agora's agents may use together; the rest is headroom for other users of the same key."),
      })
      .prefault({})
      .describe('Rolling-window limits (exact sliding 60 s windows; no burst, no debt). Past one, a call gets 429 RATE_LIMITED with retry_after = seconds until the window allows it.'),
  })
  .refine((l) => Object.values(l.models).every((m) => m.provider in l.providers), { message: 'every llm.models.*.provider must name a provider in llm.providers' })
  .prefault({}));


// The operator's own agents (`agora add`, POST /operator/agents; docs/research.md): how they are
// funded and placed. They have places of their own, so genesis keeping the population at
// social.population_max never refuses them.
export const operatorAgentsSchema = section(() => z
  .strictObject({
    places_max: int(0, 1_000_000).default(16).describe("Living (alive or dormant) operator agents the world holds besides social.population_max: a reserve of places genesis's children cannot take, so `agora add` is never refused because the population is at its cap."),
    credits_default: credits(1e9).default(100).describe('Credits an added agent is granted (minted from system:mint, posting kind grant, memo operator) when `agora add` is not given --credits.'),
    credits_max: credits(1e9).default(1_000_000).describe('Most credits one added agent may be granted.'),
    count_max: int(1, 10_000).default(64).describe('Most agents one `agora add --count K` may add.'),
    name_chars_max: int(1, 64).default(40).describe('Longest name an added agent may be given (it becomes its id: lower case letters, digits, - and _).'),
    project_files_max: int(1, 1_000_000).default(1000).describe("Most files copied from an added agent's project directory; more refuses the add."),
    project_bytes_max: int(1, 1 << 30).default(16 * 1024 * 1024).describe("Most bytes copied from an added agent's project directory; more refuses the add."),
    project_file_bytes_max: int(1, 1 << 30).default(4 * 1024 * 1024).describe('Files of an added project larger than this (bytes) are not copied (listed as skipped).'),
    first_bid: z
      .strictObject({
        cpu_s: num(0, 3600).default(0.5).describe('CPU-seconds of the first lease.'),
        memory_mb: int(0, 1_048_576).default(96).describe('Memory (MB) of the first lease.'),
        duration_s: int(1, 86_400).default(10).describe('Length (s) of the first lease.'),
        markup: num(0, 100).default(1).describe("The first bid offers the bundle's value at current prices times (1 + markup), capped at the granted credits: generous, so that it wins at once."),
      })
      .prefault({})
      .describe('The bid an added agent is born with, paid from its grant, so that it runs within a cycle or two.'),
  })
  .prefault({}));

// Ecosystem KPIs (docs/kpis.md): computed per cycle from the journal and stored.
export const kpisSchema = section(() => z
  .strictObject({
    enabled: z.boolean().default(true).describe('Compute and store the ecosystem KPIs after every cycle (one kpis_recorded event per cycle).'),
    specialization_window_cycles: int(1, 100_000).default(20).describe("Cycles of recent actions the specialization index compares agents' action mixes over."),
    series_cycles_max: int(1, 1_000_000).default(8640).describe('Most cycles of KPIs one GET /operator/kpis returns.'),
  })
  .prefault({}));

// The auditor (docs/research.md): a read-only observer that writes an economic report.
export const auditorSchema = section(() => z
  .strictObject({
    every_cycles: int(0, 1_000_000).default(20).describe('The auditor writes a report every this many cycles (0 = never).'),
    model: z.string().default('').describe("A model of llm.models the auditor writes with (through the LLM proxy's providers, at the host's cost, not an agent's). Empty, or a model whose provider is offline: the report is templated from the KPIs."),
    moved_threshold: num(0, 100).default(0.1).describe('A KPI counts as moved when it changed by more than this fraction of its earlier value (or by more than this much from zero).'),
    standouts_max: int(0, 1000).default(3).describe('Most agents a report names as standing out (richest, biggest earners, biggest spenders).'),
    completion_tokens_max: int(1, 1_000_000).default(1500).describe('Most tokens the auditor model may write per report.'),
    report_chars_max: int(100, 1_000_000).default(8000).describe("Longest report kept (a model's longer text is cut)."),
    reports_max: int(1, 100_000).default(50).describe('Most reports GET /operator/reports returns.'),
  })
  .prefault({}));

// `agora experiment` (docs/research.md): scenario runs on a simulated clock.
export const experimentsSchema = section(() => z
  .strictObject({
    parallel_max: int(0, 1024).default(0).describe('Most runs of an experiment at once (0 = the number of CPU cores).'),
    repeat_max: int(1, 10_000).default(100).describe('Most seeds per variant one experiment may run.'),
    cycles_max: int(1, 1_000_000).default(100_000).describe('Longest scenario (cycles) an experiment may run.'),
    judge_model: z.string().default('').describe("A model of llm.models that judges the benchmark's judged scenarios (at the host's cost). Empty, or an offline model: judged scenarios are reported as skipped."),
    judge_tokens_max: int(1, 1_000_000).default(800).describe('Most tokens the judge may write per judged scenario.'),
    chart_kpis: z.array(z.string().min(1)).max(64).default(['gini', 'credit_velocity', 'agent_transfer_share', 'population_living', 'lineage_diversity']).describe('KPIs charted (one SVG each, one line per variant) in an experiment\'s results directory.'),
  })
  .prefault({}));

export const invocationSchema = section(() => z
  .strictObject({
    allowance_default: z
      .strictObject({
        cpu_ms: int(1, 3_600_000).default(2_000),
        memory_mb: int(16, 65_536).default(128),
        wall_ms: int(100, 3_600_000).default(10_000),
      })
      .prefault({})
      .describe('The allowance a call gets when the caller names none (each bounded by artifacts.allowance_*_max).'),
    request_bytes_max: int(256, 64 * 1024 * 1024).default(1024 * 1024).describe("Largest request file ({tool, args, call}) handed to a tool's code."),
    result_bytes_max: int(256, 64 * 1024 * 1024).default(1024 * 1024).describe('Largest result file a tool may write; a larger one fails the call with LIMIT and refunds everything.'),
    contract_allowance: z
      .strictObject({
        cpu_ms: int(1, 60_000).default(500),
        memory_mb: int(16, 4096).default(64),
        wall_ms: int(100, 60_000).default(3_000),
      })
      .prefault({})
      .describe("The small fixed budget an executable access contract's check runs with; one that overruns it denies."),
    calls_concurrent_max: int(1, 4096).default(32).describe('Most artifact calls running at once in the world; more get RATE_LIMITED.'),
    call_logs_kept: int(0, 10_000_000)
      .default(1000)
      .describe('Per-call logs (executions/call-<id>.log, and those of contract checks) kept in the world directory; past it the oldest are removed as calls end. 0 keeps none.'),
  })
  .prefault({})
  .describe('Invoking code artifacts (docs/artifacts.md, "Invoking"): default allowance, tool protocol sizes, contract budgets, concurrency. Nesting and allowance bounds are artifacts.call_depth_max and artifacts.allowance_*_max.'));
export const artifactsSchema = section(() => z
  .strictObject({
    publish_fee: credits(1e6).default(0.2).describe('Burned from the owner when an artifact is first published (docs/artifacts.md, "Pricing"). Updates pay no fee, only storage.'),
    storage_fee_per_mb_cycle: credits(1e6).default(0.002).describe('Burned from each owner at every clearing for each MB (10^6 bytes, rounded up per owner) its live artifact versions hold: junk has a cost, and deleting stops it. An owner who cannot pay is charged what it holds.'),
    content_bytes_max: int(0, 64 * 1024 * 1024).default(1024 * 1024).describe("Largest content of one data or contract artifact version, in bytes."),
    bundle_files_max: int(1, 10_000).default(64).describe('Most files in one code bundle.'),
    bundle_file_bytes_max: int(1, 64 * 1024 * 1024).default(1024 * 1024).describe('Largest single file of a code bundle, in bytes.'),
    bundle_bytes_max: int(1, 256 * 1024 * 1024).default(4 * 1024 * 1024).describe('Most bytes of all the files of one code bundle together.'),
    file_path_depth_max: int(1, 32).default(4).describe("Most components (dir/dir/file) of a bundle file's relative name."),
    file_name_chars_max: int(1, 255).default(100).describe("Longest single component of a bundle file's relative name."),
    name_chars_max: int(1, 1000).default(80).describe("Longest artifact name."),
    description_chars_max: int(0, 100_000).default(2000).describe('Longest artifact description.'),
    tags_max: int(0, 256).default(16).describe('Most tags on one artifact.'),
    tag_chars_max: int(1, 100).default(32).describe('Longest tag.'),
    tools_max: int(1, 1000).default(32).describe("Most tools in a code artifact's interface."),
    schema_bytes_max: int(64, 1024 * 1024).default(16_384).describe("Largest JSON Schema (input or output) of one tool, serialised, in bytes."),
    versions_max: int(1, 1_000_000).default(1000).describe('Most versions one artifact may have; past it updates are refused (publish a new artifact).'),
    allow_list_max: int(0, 100_000).default(256).describe('Most agent ids an allow-list contract may name (readers or writers).'),
    call_depth_max: int(1, 64).default(5).describe('Deepest nesting of artifact calls (a top-level call is depth 1); deeper is refused with DEPTH_LIMIT.'),
    allowance_cpu_ms_max: int(1, 3_600_000).default(30_000).describe("Most CPU time (ms) one call's resource allowance may hold."),
    allowance_memory_mb_max: int(1, 1_048_576).default(512).describe("Most memory (MB) one call's resource allowance may hold."),
    allowance_wall_ms_max: int(1, 3_600_000).default(60_000).describe("Longest wall time (ms) one call's allowance may hold."),
    subscriptions_max: int(0, 100_000).default(64).describe('Most artifacts one agent may subscribe to.'),
    news_per_agent_max: int(1, 1_000_000).default(200).describe("Most news items (artifact events of its subscriptions) kept per agent; older ones are dropped."),
    env_news_max: int(0, 10_000).default(20).describe('Most news items delivered in env.json (newest first).'),
    stats_window_cycles_max: int(1, 10_000_000).default(100_000).describe('Widest window (cycles) a registry query may ask about.'),
    owned_ids_in_events_max: int(0, 10_000).default(50).describe('Most owned artifact ids a dormancy or death event lists (it also gives the count).'),
  })
  .prefault({}));

// Workspace history and the deterministic simulation's rules (docs/replay.md).
export const historySchema = section(() => z
  .strictObject({
    snapshots: z.boolean().default(true).describe("Record each run's workspace in the world's content-addressed store (history/objects) with its manifest in the journal. Off: no workspace can be restored or forked."),
    retention: z.enum(['all', 'every_nth_cycle', 'last_k']).default('all').describe('Which workspace snapshots are kept: all; only runs of every history.every_n_cycles-th cycle; or the last history.keep_last per agent (older ones are dropped from the store, their manifests stay journaled).'),
    every_n_cycles: int(1, 1_000_000).default(10).describe('With retention every_nth_cycle: runs of cycles divisible by this are snapshotted.'),
    keep_last: int(1, 1_000_000).default(20).describe('With retention last_k: snapshots kept per agent.'),
    file_bytes_max: int(0, 1024 * 1024 * 1024).default(64 * 1024 * 1024).describe('Largest workspace file a snapshot keeps; a larger one fails the snapshot (recorded in system.log, the run stands).'),
    simulate_cpu_quantum_ms: int(1, 3_600_000).default(1000).describe("Under --simulate, a run's measured CPU time is rounded up to a multiple of this before it is journaled (so machine-to-machine noise cannot change a decision)."),
    simulate_memory_quantum_mb: int(1, 1_000_000).default(64).describe("Under --simulate, a run's measured peak memory is rounded up to a multiple of this."),
    simulate_wall_quantum_ms: int(1, 3_600_000).default(1000).describe("Under --simulate, a run's measured wall time is rounded up to a multiple of this."),
  })
  .prefault({}));

// OpenTelemetry traces (docs/telemetry.md): off unless an endpoint is named.
export const telemetrySchema = section(() => z
  .strictObject({
    otlp_endpoint: z.string().default('').describe('OTLP/HTTP traces endpoint, e.g. http://127.0.0.1:4318/v1/traces. Empty = no telemetry.'),
    service_name: z.string().min(1).default('agora').describe('service.name of the exported resource.'),
    headers: z.record(z.string(), z.string()).default({}).describe('Extra HTTP headers sent with each export (e.g. an API key of the collector).'),
    export_timeout_ms: int(100, 600_000).default(10_000).describe('Longest one export request may take.'),
  })
  .prefault({}));

// NATS JetStream (docs/deploy.md, "NATS JetStream"): the journal's live events published to a
// stream after each commit, and a work queue of admitted runs for runner hosts. Off by default:
// kind local keeps the in-process events and the local runner exactly as they are.
export const eventsSchema = section(() => z
  .strictObject({
    kind: z.enum(['local', 'nats']).default('local').describe('local = the in-process event bus only; nats = also publish every committed event to a JetStream stream (the kernel stays the only writer of the journal).'),
    nats: z
      .strictObject({
        url: z.string().min(1).default('nats://127.0.0.1:4222').describe('NATS server URL(s), comma-separated, e.g. nats://10.0.0.5:4222. A user and password may be given in it (nats://user:password@host:4222); messages and logs show it without them.'),
        connect_timeout_ms: int(100, 600_000).default(5000).describe('Longest the first connection may take; past it the world does not start.'),
        events_stream: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).default('AGORA_EVENTS').describe("JetStream stream of the journal's events (one world per stream); its sequence numbers are the journal's seq."),
        events_subject: z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/).default('agora.events').describe('Subject prefix of the events: each is published on PREFIX.TYPE (e.g. agora.events.transfer_posted).'),
        events_max_age_s: int(0, 10 * 365 * 24 * 3600).default(7 * 24 * 3600).describe('Events older than this leave the stream (0 = kept forever); the journal keeps them all and a subscriber asking for older ones reads the journal.'),
        publish_batch_max: int(1, 100_000).default(500).describe('Most events read from the journal and published in one round (in flight together; the rest follow).'),
        publish_retry_ms: int(10, 600_000).default(1000).describe('After a failed publish (NATS away), how long the publisher waits before it asks the stream what it holds and publishes again from there.'),
        runs_stream: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).default('AGORA_RUNS').describe('JetStream work-queue stream of admitted runs (retention workqueue: a run leaves it when a runner acknowledges it).'),
        runs_subject: z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/).default('agora.runs').describe('Subject of the admitted runs.'),
        runs_consumer: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).default('runners').describe('Durable consumer the runner hosts share (each run goes to one of them at a time).'),
        duplicate_window_ms: int(1000, 7 * 24 * 3600 * 1000).default(2 * 3600 * 1000).describe('How long JetStream remembers a message id (an event\'s seq, a run\'s execution id): a second publish with the same id inside it is dropped.'),
        ack_wait_ms: int(100, 24 * 3600 * 1000).default(60_000).describe('A taken run not acknowledged (nor reported as still working) within this is handed to another runner host.'),
        max_deliver: int(1, 1000).default(3).describe('Most times one run is handed out; the last holder sees it is the last (final) and must journal an outcome or a refund.'),
        dispatch_runs: z.boolean().default(false).describe('true = the world loop starts no sandbox itself: each admitted run is queued on runs_stream for `agora runner --join` hosts, and its outcome is journaled when a runner reports it (docs/deploy.md). false = runs start on this host (the default).'),
        control_subject: z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/).default('agora.runner').describe("Subject prefix of the runner hosts' requests to the world (claim, workspace fetch and upload, outcome report) and of the world's word to a run (lease extension, stop)."),
        sync_chunk_bytes: int(4096, 8 * 1024 * 1024).default(512 * 1024).describe("Bytes of a workspace archive in one NATS message (keep it under the server's max_payload, 1 MiB by default)."),
        request_timeout_ms: int(100, 600_000).default(15_000).describe('Longest a runner host waits for the world to answer one request (a claim, a workspace chunk, a report).'),
      })
      .prefault({}),
  })
  .prefault({}));

// `agora runner --join URL` (docs/deploy.md, "Runner hosts"): a host that takes runs from the
// world's NATS run queue and runs them in its own bwrap sandboxes. Read by the runner process only.
export const runnerHostSchema = section(() => z
  .strictObject({
    runs_concurrent_max: int(1, 4096).default(2).describe('Runs one runner host holds at a time (each in its own sandbox).'),
    take_wait_ms: int(1000, 600_000).default(1000).describe('How long one pull for the next run waits before it asks again (and checks whether the host is stopping).'),
    work_dir: z.string().default('').describe("Where the runner host keeps the workspaces of the runs it holds (a fresh directory per run, removed after). Empty = a private directory under the system's temp directory."),
    stop_timeout_ms: int(100, 3_600_000).default(30_000).describe('At SIGTERM, how long runs still going get to end (then they are stopped and reported stopped) before the runner host exits.'),
  })
  .prefault({}));

// A genesis MCP server: one of the runtime's packages, or the operator's own stdio server. The
// path is the operator's alone (config), never an agent's; it is checked here, before any world opens.
const mcpServerEntry = section(() => z
  .strictObject({
    name: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/).describe('The artifact is agora-mcp:NAME'),
    enabled: z.boolean().default(true),
    description: z.string().max(500).default(''),
    package: z.string().max(214).regex(/^(@[a-z0-9._-]+\/)?[a-z0-9._-]+$/).optional().describe("A package in the agent runtime (runtime/package.json); its bin runs from the sandbox's read-only /opt/agora/runtime"),
    command: z
      .string()
      .max(4096)
      .refine((p) => isAbsolute(p), { message: 'must be an absolute path' })
      .refine((p) => existsSync(p) && statSync(p).isFile(), { message: 'must be an existing file' })
      .refine((p) => /\.(m|c)?js$|\.py$|\.sh$/.test(p), { message: 'must end in .js, .mjs, .cjs, .py or .sh (it runs with node, python3 or sh)' })
      .optional()
      .describe("The operator's own server: the absolute host path of its entry file; its directory is mounted read-only at /code"),
    args: z.array(z.string().max(1000)).max(32).default([]).describe('Arguments after the entry; {scratch} is the call\'s scratch directory'),
    env: z.record(z.string().regex(/^[A-Z_][A-Z0-9_]{0,63}$/), z.string().max(1000)).default({}).describe('Environment of the server; {scratch} as in args'),
    price_ucr: int(0, 1e12).default(10_000).describe('Price in µcr of one call of any of its tools; burned (system:agora holds no balance)'),
    data_dir: z.enum(['scratch']).default('scratch').describe("The only data directory a server gets: the call's fresh scratch directory at /workspace, removed after"),
  })
  .refine((x) => (x.package === undefined) !== (x.command === undefined), { message: 'give exactly one of package or command' }));

const DEFAULT_MCP_SERVERS: z.output<ReturnType<typeof mcpServerEntry>>[] = ([
  { name: 'memory', package: '@modelcontextprotocol/server-memory', description: 'A knowledge graph (entities, relations, observations), kept for the one call', env: { MEMORY_FILE_PATH: '{scratch}/memory.jsonl' }, price_ucr: 5_000 },
  { name: 'sequential-thinking', package: '@modelcontextprotocol/server-sequential-thinking', description: 'Step-by-step structured thinking', env: { DISABLE_THOUGHT_LOGGING: 'true' }, price_ucr: 2_000 },
  { name: 'filesystem', package: '@modelcontextprotocol/server-filesystem', description: "Files in the call's own scratch directory, nothing else", args: ['{scratch}'], price_ucr: 5_000 },
] as { name: string; package: string; description: string; env?: Record<string, string>; args?: string[]; price_ucr: number }[]).map((x) => ({ enabled: true, args: [], env: {}, data_dir: 'scratch' as const, ...x }));

// MCP servers run as artifacts (docs/mcp.md, "MCP servers as artifacts"): what the host takes from one.
export const mcpSchema = section(() => z
  .strictObject({
    server_message_bytes_max: int(1024, 64 * 1024 * 1024).default(1024 * 1024).describe('Largest single JSON-RPC message an mcp_server artifact may send the host; a longer line ends the call with LIMIT.'),
    server_output_bytes_max: int(1024, 256 * 1024 * 1024).default(4 * 1024 * 1024).describe('Most bytes an mcp_server artifact may send the host over one run (every message together); past it the call ends with LIMIT.'),
    server_init_timeout_ms: int(100, 600_000).default(10_000).describe('Longest an mcp_server artifact may take to answer initialize (and tools/list at publish); slower fails.'),
    server_call_timeout_ms: int(100, 3_600_000).default(30_000).describe("Longest one tools/call may take (also bounded by the call's wall allowance); slower fails with TIMEOUT."),
    server_tools_max: int(1, 1000).default(32).describe('Most tools an mcp_server artifact may list at publish; more is refused (and artifacts.tools_max still applies).'),
    server_call_price_default_ucr: int(0, 1e12).default(10_000).describe("Price in µcr of one call of an mcp_server artifact's tool when its publisher names none for it."),
    discover_allowance: z
      .strictObject({
        cpu_ms: int(1, 60_000).default(2_000),
        memory_mb: int(16, 4096).default(256),
        wall_ms: int(100, 120_000).default(15_000),
      })
      .prefault({})
      .describe('What the run that lists an mcp_server bundle\'s tools at publish may use (host-paid, like a contract check).'),
    servers: z
      .array(mcpServerEntry())
      .max(32)
      .default(() => DEFAULT_MCP_SERVERS.map((x) => ({ ...x, args: [...x.args], env: { ...x.env } })))
      .refine((list) => new Set(list.map((x) => x.name)).size === list.length, { message: 'server names must be unique' })
      .describe('Genesis MCP servers (docs/mcp.md, "Genesis MCP servers"): each enabled one is an mcp_server artifact agora-mcp:NAME owned by system:agora, its tools listed once in a sandbox when the runner is first attached. The default list is the offline reference servers in the agent runtime.'),
  })
  .prefault({}));

// Packages an agent asks the host to install into its workspace (docs/packages.md).
export const packagesSchema = section(() => z
  .strictObject({
    enabled: z.boolean().default(true).describe('Whether POST /packages/install is offered; off, it answers ACCESS_DENIED.'),
    npm_registry_url: z.string().url().default('https://registry.npmjs.org/').describe('The npm registry the install uses; its host must be in packages.allowed_hosts.'),
    allowed_hosts: z.array(z.string().min(1).max(255)).default(['registry.npmjs.org']).describe('Hosts (host or host:port) the install sandbox\'s proxy lets it reach: HTTPS CONNECT on port 443 for a bare host, plain HTTP for host:port; anything else is refused.'),
    denied: z.array(z.string().max(214)).default([]).describe('Package names never installed (ACCESS_DENIED).'),
    ca_file: z.string().max(4096).default('').describe('PEM file of the certificate authorities npm trusts inside the install sandbox, copied in (the sandbox has no /etc/ssl of the host). Empty: the host\'s NODE_EXTRA_CA_CERTS, else SSL_CERT_FILE, else npm\'s built-in roots. Needed where the host\'s egress re-signs TLS with its own CA.'),
    install_scripts: z.boolean().default(false).describe('Let npm run the packages\' install scripts (inside the install sandbox). Off by default: a dependency\'s script is anyone\'s code.'),
    install_timeout_ms: int(1000, 600_000).default(60_000).describe('Longest one install may take, wall clock; past it the sandbox is stopped and nothing is installed.'),
    install_cpu_ms_max: int(100, 600_000).default(30_000).describe('CPU time one install may use.'),
    install_memory_mb: int(64, 8192).default(512).describe('Memory the install sandbox may hold.'),
    install_bytes_max: int(1024, 4 * 1024 * 1024 * 1024).default(64 * 1024 * 1024).describe('Most bytes one install may put on disk (node_modules, measured); more fails with PAYLOAD_TOO_LARGE and installs nothing. The workspace allowance also applies.'),
    download_bytes_max: int(1024, 4 * 1024 * 1024 * 1024).default(128 * 1024 * 1024).describe('Most bytes the proxy relays for one install, both ways; past it the connection is cut.'),
    price_per_mb: credits(1e6).default(0.01).describe('Burned from the agent per MB (10^6 bytes, rounded up) installed.'),
    price_per_cpu_s: credits(1e6).default(0.01).describe('Burned from the agent per CPU second (rounded up to the ms) the install used.'),
  })
  .prefault({}));

// Trade (docs/trade.md): escrowed offers, loans, and the rights agents hold and sell.
export const tradeSchema = section(() => z
  .strictObject({
    offers_open_per_agent_max: int(0, 100_000).default(50).describe('Open offers one agent may have at once; more are refused with LIMIT.'),
    offer_ttl_cycles_max: int(1, 1_000_000).default(1000).describe('The latest expiry an offer may name, in cycles from now.'),
    licence_calls_max: int(1, 1_000_000_000).default(1_000_000).describe('Most calls one licence offer may sell.'),
    loans_open_per_agent_max: int(0, 100_000).default(20).describe('Loans (proposed or outstanding) one agent may be party to at once.'),
    loan_instalments_max: int(1, 10_000).default(100).describe('Most instalments a loan may be repaid in.'),
    loan_term_cycles_max: int(1, 1_000_000).default(10_000).describe('Latest cycle a loan may fall due, counted from its acceptance.'),
    // Each new agent's LLM rate share is issued from llm.rate_limits.agent_tokens_per_minute and
    // agent_requests_per_minute (its own windows then follow what it holds).
    rights_default: z
      .strictObject({
        llm_token_budget: int(0, 1e15).default(100_000_000).describe("Each new agent's lifetime LLM token budget, issued once when it is created; every token a call uses is consumed from it, and a call whose reservation exceeds what is left is refused."),
      })
      .prefault({}),
  })
  .prefault({}));

/**
 * The sections by name, in the order the effective config lists them. A section is either a
 * builder (section(), built on first use) or a schema; parseConfig (config/load.ts) builds
 * only the sections a config file names.
 */
export const configSections = {
  server: serverSchema,
  auth: authSchema,
  store: storeSchema,
  log: logSchema,
  agents: agentsSchema,
  ledger: ledgerSchema,
  market: marketSchema,
  sandbox: sandboxSchema,
  workspace: workspaceSchema,
  orchestrator: orchestratorSchema,
  lifecycle: lifecycleSchema,
  social: socialSchema,
  attention: attentionSchema,
  capabilities: capabilitiesSchema,
  operator: operatorSchema,
  llm: llmSchema,
  operator_agents: operatorAgentsSchema,
  kpis: kpisSchema,
  auditor: auditorSchema,
  experiments: experimentsSchema,
  invocation: invocationSchema,
  artifacts: artifactsSchema,
  history: historySchema,
  telemetry: telemetrySchema,
  events: eventsSchema,
  runner_host: runnerHostSchema,
  trade: tradeSchema,
  mcp: mcpSchema,
  packages: packagesSchema,
};

type Sections = typeof configSections;
type SectionSchema<K extends keyof Sections> = Sections[K] extends () => infer S ? S : Sections[K];
export type SectionName = keyof Sections;

export function sectionSchema<K extends SectionName>(name: K): SectionSchema<K> {
  const entry: unknown = configSections[name];
  return (typeof entry === 'function' ? (entry as () => unknown)() : entry) as SectionSchema<K>;
}

/** The whole config's schema (every section built): for the docs, and for an error's full report. */
export const configSchema = section(() =>
  z.strictObject(Object.fromEntries(Object.keys(configSections).map((name) => [name, sectionSchema(name as SectionName)])) as { [K in SectionName]: SectionSchema<K> }),
);

export type Config = z.infer<ReturnType<typeof configSchema>>;
export type ConfigInput = z.input<ReturnType<typeof configSchema>>;
