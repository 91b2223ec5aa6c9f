// Versioned schema. PRAGMA user_version holds the version a world was written with; opening
// a world from a newer Agora fails rather than guessing. Append migrations, never edit one
// that has shipped.
import type { Db } from './store.js';

export interface Migration {
  version: number;
  description: string;
  sql: string;
  /**
   * The migration rebuilds a table others reference (SQLite's way to change a CHECK): it runs
   * with foreign keys off, as SQLite's documented procedure asks, and commits only if
   * foreign_key_check then finds nothing.
   */
  rebuilds_tables?: boolean;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    description: 'journal, ledger, agents',
    sql: `
      CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );

      -- The journal: the only source of truth. Everything below it is a projection.
      CREATE TABLE events (
        seq            INTEGER PRIMARY KEY,
        id             TEXT NOT NULL UNIQUE,
        type           TEXT NOT NULL,
        at_ms          INTEGER NOT NULL,
        actor          TEXT NOT NULL,
        correlation_id TEXT,
        causation_id   TEXT,
        data           TEXT NOT NULL
      );
      CREATE INDEX events_type ON events (type, seq);
      CREATE TRIGGER events_no_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
      CREATE TRIGGER events_no_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;

      -- kind: agent | escrow (held for an agent) | source (may create credits) | sink (burn)
      CREATE TABLE accounts (
        id          TEXT PRIMARY KEY,
        kind        TEXT NOT NULL CHECK (kind IN ('agent', 'escrow', 'source', 'sink')),
        owner_id    TEXT,
        balance_ucr INTEGER NOT NULL DEFAULT 0,
        -- Income and spending of the owning agent through this account (see ledger-projection).
        earned_ucr  INTEGER NOT NULL DEFAULT 0,
        spent_ucr   INTEGER NOT NULL DEFAULT 0,
        CHECK (kind = 'source' OR balance_ucr >= 0)
      );

      CREATE TABLE postings (
        id         INTEGER PRIMARY KEY,
        seq        INTEGER NOT NULL,
        from_id    TEXT NOT NULL REFERENCES accounts (id),
        to_id      TEXT NOT NULL REFERENCES accounts (id),
        amount_ucr INTEGER NOT NULL CHECK (amount_ucr > 0),
        kind       TEXT NOT NULL,
        memo       TEXT,
        at_ms      INTEGER NOT NULL,
        CHECK (from_id <> to_id)
      );
      CREATE INDEX postings_from ON postings (from_id, id);
      CREATE INDEX postings_to ON postings (to_id, id);

      CREATE TABLE agents (
        id             TEXT PRIMARY KEY,
        status         TEXT NOT NULL CHECK (status IN ('alive', 'dormant', 'dead')),
        workspace      TEXT NOT NULL,
        parent_id      TEXT REFERENCES agents (id),
        lineage        TEXT NOT NULL,
        generation     INTEGER NOT NULL CHECK (generation >= 0),
        created_at_ms  INTEGER NOT NULL,
        status_at_ms   INTEGER NOT NULL,
        executions     INTEGER NOT NULL DEFAULT 0,
        description    TEXT NOT NULL DEFAULT ''
      );
      CREATE INDEX agents_parent ON agents (parent_id);
      CREATE INDEX agents_status ON agents (status);
    `,
  },
  {
    version: 2,
    description: 'market: bids, prices, clearings',
    sql: `
      -- One row once the market has opened. last_event_seq is the seq of the latest market
      -- event: the in-memory order book compares it with its own to know it is current.
      CREATE TABLE market_state (
        id              INTEGER PRIMARY KEY CHECK (id = 1),
        cycle           INTEGER NOT NULL CHECK (cycle >= 0),
        opened_at_ms    INTEGER NOT NULL,
        last_event_seq  INTEGER NOT NULL,
        open_bids       INTEGER NOT NULL CHECK (open_bids >= 0),
        open_escrow_ucr INTEGER NOT NULL CHECK (open_escrow_ucr >= 0)
      );

      -- Per resource: the price in force (nano-credits per base unit) and the last cycle's figures.
      CREATE TABLE market_resources (
        resource      TEXT PRIMARY KEY,
        price_ncr     INTEGER NOT NULL CHECK (price_ncr > 0),
        supply        INTEGER NOT NULL,
        held          INTEGER NOT NULL,
        demand        INTEGER NOT NULL,
        allocated     INTEGER NOT NULL,
        cycle         INTEGER NOT NULL
      );

      -- Every bid ever placed; open ones are the order book. Quantities in base units.
      CREATE TABLE market_bids (
        id                  TEXT PRIMARY KEY,
        seq                 INTEGER NOT NULL,
        payer_id            TEXT NOT NULL REFERENCES agents (id),
        agent_id            TEXT NOT NULL REFERENCES agents (id),
        amount_ucr          INTEGER NOT NULL CHECK (amount_ucr > 0),
        cpu_ms              INTEGER NOT NULL CHECK (cpu_ms >= 0),
        memory_mb           INTEGER NOT NULL CHECK (memory_mb >= 0),
        tokens              INTEGER NOT NULL CHECK (tokens >= 0),
        attention           INTEGER NOT NULL CHECK (attention >= 0),
        duration_s          INTEGER NOT NULL CHECK (duration_s > 0),
        placed_at_ms        INTEGER NOT NULL,
        placed_cycle        INTEGER NOT NULL,
        expires_after_cycle INTEGER NOT NULL,
        status              TEXT NOT NULL CHECK (status IN ('open', 'won', 'withdrawn', 'expired')),
        close_reason        TEXT,
        closed_cycle        INTEGER,
        closed_at_ms        INTEGER,
        closed_seq          INTEGER,
        price_paid_ucr      INTEGER,
        refund_ucr          INTEGER,
        rule                TEXT
      );
      CREATE INDEX market_bids_open_payer ON market_bids (payer_id) WHERE status = 'open';
      CREATE INDEX market_bids_open_seq ON market_bids (seq) WHERE status = 'open';
      CREATE INDEX market_bids_open_agent ON market_bids (agent_id) WHERE status = 'open';
      CREATE INDEX market_bids_won ON market_bids (closed_seq) WHERE status = 'won';
      CREATE INDEX market_bids_payer ON market_bids (payer_id, seq);

      CREATE TABLE market_clearings (
        cycle          INTEGER PRIMARY KEY,
        seq            INTEGER NOT NULL,
        at_ms          INTEGER NOT NULL,
        open_bids      INTEGER NOT NULL,
        expired        INTEGER NOT NULL,
        eligible       INTEGER NOT NULL,
        below_reserve  INTEGER NOT NULL,
        won            INTEGER NOT NULL,
        outbid         INTEGER NOT NULL,
        cancelled      INTEGER NOT NULL,
        burned_ucr     INTEGER NOT NULL,
        refunded_ucr   INTEGER NOT NULL
      );

      -- Price history: one row per resource per cycle (cycle 0 = the opening prices).
      CREATE TABLE market_prices (
        id            INTEGER PRIMARY KEY,
        cycle         INTEGER NOT NULL,
        resource      TEXT NOT NULL,
        price_ncr     INTEGER NOT NULL,
        next_price_ncr INTEGER NOT NULL,
        supply        INTEGER NOT NULL,
        demand        INTEGER NOT NULL,
        allocated     INTEGER NOT NULL,
        UNIQUE (resource, cycle)
      );
    `,
  },
  {
    version: 3,
    description: 'executions and the agent lifecycle',
    sql: `
      CREATE TABLE executions (
        id               TEXT PRIMARY KEY,
        agent_id         TEXT NOT NULL REFERENCES agents (id),
        bid_id           TEXT NOT NULL,
        cycle            INTEGER NOT NULL,
        bundle           TEXT NOT NULL,
        leases           INTEGER NOT NULL DEFAULT 1 CHECK (leases >= 1),
        lease_ends_at_ms INTEGER NOT NULL,
        started_at_ms    INTEGER NOT NULL,
        ended_at_ms      INTEGER,
        status           TEXT NOT NULL CHECK (status IN ('running', 'ended')),
        reason           TEXT,
        exit_code        INTEGER,
        signal           TEXT,
        cpu_ms           INTEGER,
        memory_peak_mb   INTEGER,
        wall_ms          INTEGER,
        log_bytes        INTEGER,
        log_truncated    INTEGER
      );
      CREATE INDEX executions_agent ON executions (agent_id, started_at_ms);
      CREATE INDEX executions_running ON executions (agent_id) WHERE status = 'running';

      ALTER TABLE agents ADD COLUMN dormant_since_cycle INTEGER;
    `,
  },
  {
    version: 4,
    description: 'society: messages and inboxes',
    sql: `
      -- One row per message per recipient (a broadcast has one per recipient). id is the
      -- insertion order, the same on replay; seq (the message_sent event) orders an inbox.
      CREATE TABLE social_messages (
        id           INTEGER PRIMARY KEY,
        recipient_id TEXT NOT NULL REFERENCES agents (id),
        seq          INTEGER NOT NULL,
        message_id   TEXT NOT NULL,
        from_id      TEXT NOT NULL REFERENCES agents (id),
        content      TEXT NOT NULL,
        broadcast    INTEGER NOT NULL CHECK (broadcast IN (0, 1)),
        sent_at_ms   INTEGER NOT NULL,
        UNIQUE (recipient_id, message_id)
      );
      CREATE INDEX social_messages_inbox ON social_messages (recipient_id, seq);

      -- Per agent that ever received or sent a message: its read mark and counters.
      CREATE TABLE social_inboxes (
        agent_id       TEXT PRIMARY KEY REFERENCES agents (id),
        read_up_to_seq INTEGER NOT NULL DEFAULT 0 CHECK (read_up_to_seq >= 0),
        received       INTEGER NOT NULL DEFAULT 0 CHECK (received >= 0),
        dropped        INTEGER NOT NULL DEFAULT 0 CHECK (dropped >= 0),
        sent           INTEGER NOT NULL DEFAULT 0 CHECK (sent >= 0)
      );
    `,
  },
  {
    version: 5,
    description: 'LLM proxy: token usage per execution and per call',
    sql: `
      -- Per execution: LLM tokens its won bundles bought, tokens it bought for credits during
      -- the run, and what its calls used. Remaining = bundled + extra - used (minus in-flight
      -- reservations, which live in memory only).
      CREATE TABLE llm_usage (
        execution_id      TEXT PRIMARY KEY REFERENCES executions (id),
        agent_id          TEXT NOT NULL REFERENCES agents (id),
        tokens_bundled    INTEGER NOT NULL CHECK (tokens_bundled >= 0),
        tokens_extra      INTEGER NOT NULL DEFAULT 0 CHECK (tokens_extra >= 0),
        extra_cost_ucr    INTEGER NOT NULL DEFAULT 0 CHECK (extra_cost_ucr >= 0),
        prompt_tokens     INTEGER NOT NULL DEFAULT 0 CHECK (prompt_tokens >= 0),
        completion_tokens INTEGER NOT NULL DEFAULT 0 CHECK (completion_tokens >= 0),
        tokens_used       INTEGER NOT NULL DEFAULT 0 CHECK (tokens_used >= 0),
        calls             INTEGER NOT NULL DEFAULT 0 CHECK (calls >= 0),
        calls_failed      INTEGER NOT NULL DEFAULT 0 CHECK (calls_failed >= 0),
        last_call_at_ms   INTEGER
      );
      CREATE INDEX llm_usage_agent ON llm_usage (agent_id);

      -- One row per call (the llm_call_completed event's seq).
      CREATE TABLE llm_calls (
        seq               INTEGER PRIMARY KEY,
        execution_id      TEXT NOT NULL REFERENCES executions (id),
        agent_id          TEXT NOT NULL,
        model             TEXT NOT NULL,
        provider          TEXT NOT NULL,
        stream            INTEGER NOT NULL CHECK (stream IN (0, 1)),
        status            TEXT NOT NULL,
        error             TEXT,
        prompt_tokens     INTEGER NOT NULL,
        completion_tokens INTEGER NOT NULL,
        total_tokens      INTEGER NOT NULL,
        usage_source      TEXT NOT NULL,
        reserved_tokens   INTEGER NOT NULL,
        finish_reason     TEXT,
        latency_ms        INTEGER NOT NULL,
        at_ms             INTEGER NOT NULL
      );
      CREATE INDEX llm_calls_execution ON llm_calls (execution_id, seq);
    `,
  },
  {
    version: 6,
    description: "human attention: prompts and their slots; the operator's per-cycle series",
    sql: `
      -- Attention slots won by executions (one row per won lease that bought attention):
      -- prompts counts what was asked against it. The limit itself is config, checked by the
      -- kernel when a prompt is submitted.
      CREATE TABLE attention_slots (
        bid_id         TEXT PRIMARY KEY,
        execution_id   TEXT NOT NULL,
        agent_id       TEXT NOT NULL REFERENCES agents (id),
        slots          INTEGER NOT NULL CHECK (slots >= 1),
        prompts        INTEGER NOT NULL DEFAULT 0 CHECK (prompts >= 0),
        granted_at_ms  INTEGER NOT NULL
      );
      CREATE INDEX attention_slots_execution ON attention_slots (execution_id);

      CREATE TABLE attention_prompts (
        id              TEXT PRIMARY KEY,
        seq             INTEGER NOT NULL,
        agent_id        TEXT NOT NULL REFERENCES agents (id),
        execution_id    TEXT NOT NULL,
        bid_id          TEXT NOT NULL,
        price_paid_ucr  INTEGER NOT NULL CHECK (price_paid_ucr >= 0),
        content         TEXT NOT NULL,
        options         TEXT NOT NULL,
        status          TEXT NOT NULL CHECK (status IN ('pending', 'rewarded', 'expired')),
        created_at_ms   INTEGER NOT NULL,
        expires_at_ms   INTEGER NOT NULL,
        closed_at_ms    INTEGER,
        closed_seq      INTEGER,
        interesting     INTEGER,
        useful          INTEGER,
        understandable  INTEGER,
        reward_ucr      INTEGER CHECK (reward_ucr >= 0),
        reply           TEXT
      );
      CREATE INDEX attention_prompts_due ON attention_prompts (expires_at_ms) WHERE status = 'pending';
      CREATE INDEX attention_prompts_status ON attention_prompts (status, seq);
      CREATE INDEX attention_prompts_agent ON attention_prompts (agent_id, seq);

      -- One row per cleared cycle: cumulative credits created and burned, and the population,
      -- so the dashboard's time series are one indexed range read, never a journal scan.
      CREATE TABLE world_cycles (
        cycle         INTEGER PRIMARY KEY,
        seq           INTEGER NOT NULL,
        at_ms         INTEGER NOT NULL,
        minted_ucr    INTEGER NOT NULL,
        rewarded_ucr  INTEGER NOT NULL,
        burned_ucr    INTEGER NOT NULL,
        alive         INTEGER NOT NULL,
        dormant       INTEGER NOT NULL,
        dead          INTEGER NOT NULL,
        running       INTEGER NOT NULL
      );

      -- The operator's replies arrive in inboxes as messages from \`operator\`, who is no agent:
      -- the sender of a message may be any journal actor, so from_id loses its reference.
      CREATE TABLE social_messages_v6 (
        id           INTEGER PRIMARY KEY,
        recipient_id TEXT NOT NULL REFERENCES agents (id),
        seq          INTEGER NOT NULL,
        message_id   TEXT NOT NULL,
        from_id      TEXT NOT NULL,
        content      TEXT NOT NULL,
        broadcast    INTEGER NOT NULL CHECK (broadcast IN (0, 1)),
        sent_at_ms   INTEGER NOT NULL,
        UNIQUE (recipient_id, message_id)
      );
      INSERT INTO social_messages_v6 SELECT id, recipient_id, seq, message_id, from_id, content, broadcast, sent_at_ms FROM social_messages;
      DROP TABLE social_messages;
      ALTER TABLE social_messages_v6 RENAME TO social_messages;
      CREATE INDEX social_messages_inbox ON social_messages (recipient_id, seq);
    `,
  },
  {
    version: 7,
    description: 'leases: run time won and not yet given, so the host cannot lose it',
    sql: `
      -- One row per lease the host owes an agent: a won bid (id = bid id) or the unused rest of
      -- a run the host interrupted (id = '<execution id>:rest'). waiting until a run of it is
      -- journaled (execution_started or execution_lease_extended names it), then granted.
      CREATE TABLE leases (
        id            TEXT PRIMARY KEY,
        agent_id      TEXT NOT NULL,
        cycle         INTEGER NOT NULL,
        bundle        TEXT NOT NULL,
        status        TEXT NOT NULL CHECK (status IN ('waiting', 'granted')),
        execution_id  TEXT,
        owed_at_ms    INTEGER NOT NULL,
        owed_seq      INTEGER NOT NULL
      );
      CREATE INDEX leases_waiting ON leases (owed_seq) WHERE status = 'waiting';

      -- Worlds from before: the same rows their journal replays to (audit compares them).
      INSERT INTO leases (id, agent_id, cycle, bundle, status, execution_id, owed_at_ms, owed_seq)
        SELECT json_extract(data, '$.bid_id'), json_extract(data, '$.agent_id'), json_extract(data, '$.cycle'),
               json(json_extract(data, '$.bundle')), 'waiting', NULL, at_ms, seq
        FROM events WHERE type = 'bid_won';
      UPDATE leases SET status = 'granted', execution_id = (
          SELECT json_extract(e.data, '$.execution_id') FROM events e
          WHERE e.type IN ('execution_started', 'execution_lease_extended') AND json_extract(e.data, '$.bid_id') = leases.id
          ORDER BY e.seq LIMIT 1)
        WHERE EXISTS (SELECT 1 FROM events e
          WHERE e.type IN ('execution_started', 'execution_lease_extended') AND json_extract(e.data, '$.bid_id') = leases.id);
    `,
  },
  {
    version: 8,
    description: 'artifacts: data, code and contracts agents publish, their versions, calls, subscriptions and news',
    sql: `
      -- One row per artifact, tombstones included (an id is never reused). Agents share the id
      -- namespace: the kernel refuses an artifact id that is an agent's and the reverse.
      CREATE TABLE artifacts (
        id                  TEXT PRIMARY KEY,
        owner_id            TEXT NOT NULL,
        created_by          TEXT NOT NULL,
        kind                TEXT NOT NULL CHECK (kind IN ('data', 'code', 'contract')),
        name                TEXT NOT NULL,
        description         TEXT NOT NULL,
        tags                TEXT NOT NULL,
        access_contract_id  TEXT NOT NULL,
        price_read_ucr      INTEGER NOT NULL CHECK (price_read_ucr >= 0),
        call_price_ucr      INTEGER NOT NULL CHECK (call_price_ucr >= 0),
        can_execute         INTEGER NOT NULL CHECK (can_execute IN (0, 1)),
        latest_version      INTEGER NOT NULL,
        bytes_held          INTEGER NOT NULL CHECK (bytes_held >= 0),
        status              TEXT NOT NULL CHECK (status IN ('live', 'deleted')),
        created_at_ms       INTEGER NOT NULL,
        updated_at_ms       INTEGER NOT NULL,
        deleted_at_ms       INTEGER,
        deleted_by          TEXT
      );
      CREATE INDEX artifacts_owner ON artifacts (owner_id, status);

      -- Immutable versions: what a call or read pins. content_hash is sha256 of the data
      -- content, or of the bundle's manifest (file names and their sha256, and the entry).
      CREATE TABLE artifact_versions (
        artifact_id    TEXT NOT NULL REFERENCES artifacts (id),
        version        INTEGER NOT NULL CHECK (version >= 1),
        content_hash   TEXT NOT NULL,
        bytes          INTEGER NOT NULL CHECK (bytes >= 0),
        media_type     TEXT,
        files          TEXT,
        entry          TEXT,
        interface      TEXT,
        created_by     TEXT NOT NULL,
        created_at_ms  INTEGER NOT NULL,
        PRIMARY KEY (artifact_id, version)
      );

      -- The tools of each version's interface, for search by tool name.
      CREATE TABLE artifact_tools (
        artifact_id  TEXT NOT NULL,
        version      INTEGER NOT NULL,
        tool         TEXT NOT NULL,
        pricing      TEXT NOT NULL CHECK (pricing IN ('fixed', 'capped')),
        price_ucr    INTEGER NOT NULL CHECK (price_ucr >= 0),
        PRIMARY KEY (artifact_id, version, tool)
      );
      CREATE INDEX artifact_tools_name ON artifact_tools (tool);

      -- Every call: escrowed at its start, settled or failed once.
      CREATE TABLE artifact_calls (
        call_id         TEXT PRIMARY KEY,
        seq             INTEGER NOT NULL,
        cycle           INTEGER NOT NULL,
        payer_id        TEXT NOT NULL,
        caller_id       TEXT NOT NULL,
        owner_id        TEXT NOT NULL,
        artifact_id     TEXT NOT NULL,
        version         INTEGER NOT NULL,
        tool            TEXT NOT NULL,
        depth           INTEGER NOT NULL,
        parent_call_id  TEXT,
        max_price_ucr   INTEGER NOT NULL,
        quoted_ucr      INTEGER NOT NULL,
        escrow_ucr      INTEGER NOT NULL,
        held_ucr        INTEGER NOT NULL CHECK (held_ucr >= 0),
        status          TEXT NOT NULL CHECK (status IN ('open', 'settled', 'failed')),
        price_ucr       INTEGER,
        resources_ucr   INTEGER,
        error_code      TEXT,
        duration_ms     INTEGER,
        started_at_ms   INTEGER NOT NULL,
        ended_at_ms     INTEGER
      );
      CREATE INDEX artifact_calls_artifact ON artifact_calls (artifact_id, version, cycle);
      CREATE INDEX artifact_calls_tool ON artifact_calls (tool, cycle);
      CREATE INDEX artifact_calls_open ON artifact_calls (payer_id) WHERE status = 'open';

      CREATE TABLE artifact_subscriptions (
        agent_id       TEXT NOT NULL,
        artifact_id    TEXT NOT NULL,
        since_seq      INTEGER NOT NULL,
        news_max       INTEGER NOT NULL,
        PRIMARY KEY (agent_id, artifact_id)
      );
      CREATE INDEX artifact_subscriptions_artifact ON artifact_subscriptions (artifact_id);

      CREATE TABLE artifact_news (
        agent_id     TEXT NOT NULL,
        seq          INTEGER NOT NULL,
        artifact_id  TEXT NOT NULL,
        event_type   TEXT NOT NULL,
        summary      TEXT NOT NULL,
        at_ms        INTEGER NOT NULL,
        PRIMARY KEY (agent_id, seq, artifact_id)
      );

      -- Full-text over what anyone may see of an artifact: name, description, tags and the
      -- interface's tool names and descriptions. Never content or code.
      CREATE VIRTUAL TABLE artifacts_fts USING fts5 (artifact_id UNINDEXED, name, description, tags, interface);
    `,
  },
  {
    version: 9,
    description: "the researcher's bench: operator agents, per-cycle ecosystem KPIs, the auditor's reports",
    sql: `
      -- Agents the operator added (agora add): they hold places of their own (operator_agents.places_max).
      CREATE TABLE operator_agents (
        agent_id     TEXT PRIMARY KEY,
        name         TEXT NOT NULL,
        source       TEXT NOT NULL,
        added_at_ms  INTEGER NOT NULL,
        added_seq    INTEGER NOT NULL
      );
      -- Agents the operator paused (agora pause): no bids for them, no runs, no lifecycle review.
      CREATE TABLE agent_holds (
        agent_id     TEXT PRIMARY KEY,
        since_ms     INTEGER NOT NULL
      );
      -- One row per cycle and KPI (docs/kpis.md), from the kpis_recorded event.
      CREATE TABLE kpi_cycles (
        cycle  INTEGER NOT NULL,
        name   TEXT NOT NULL,
        value  REAL,
        PRIMARY KEY (cycle, name)
      );
      CREATE TABLE auditor_reports (
        cycle    INTEGER PRIMARY KEY,
        seq      INTEGER NOT NULL,
        at_ms    INTEGER NOT NULL,
        author   TEXT NOT NULL,
        text     TEXT NOT NULL,
        moved    TEXT NOT NULL
      );
    `,
  },
  {
    version: 10,
    description: 'capability requests: what agents asked the operator for, and the answers',
    sql: `
      -- One row per request (capability_requested), answered at most once: approved with a
      -- scope, budget and expiry, or denied with a reason (kept in answer, as is an approval's note).
      CREATE TABLE capability_requests (
        id               TEXT PRIMARY KEY,
        seq              INTEGER NOT NULL,
        agent_id         TEXT NOT NULL,
        capability       TEXT NOT NULL,
        reason           TEXT NOT NULL,
        max_price_ucr    INTEGER NOT NULL CHECK (max_price_ucr >= 0),
        status           TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied')),
        requested_at_ms  INTEGER NOT NULL,
        answered_at_ms   INTEGER,
        answered_seq     INTEGER,
        scope            TEXT,
        budget           INTEGER,
        expires_at_ms    INTEGER,
        answer           TEXT
      );
      CREATE INDEX capability_requests_agent ON capability_requests (agent_id, seq);
      CREATE INDEX capability_requests_pending ON capability_requests (seq) WHERE status = 'pending';

      -- The dashboard's runs-per-cycle series counts the runs whose time overlaps each cycle.
      CREATE INDEX executions_started ON executions (started_at_ms);
    `,
  },
  {
    version: 11,
    description: 'history: cycle state hashes, workspace manifests, checkpoints, fork origin, recorded LLM replies',
    sql: `
      -- One row per closed cycle: the hash of the state it left (agora replay checks each).
      CREATE TABLE history_cycles (
        seq        INTEGER PRIMARY KEY,
        cycle      INTEGER NOT NULL,
        at_ms      INTEGER NOT NULL,
        state_hash TEXT NOT NULL
      );
      CREATE INDEX history_cycles_cycle ON history_cycles (cycle);
      -- A run's workspace as it left it: the manifest in history/objects.
      CREATE TABLE history_workspaces (
        seq          INTEGER PRIMARY KEY,
        execution_id TEXT NOT NULL,
        agent_id     TEXT NOT NULL,
        cycle        INTEGER NOT NULL,
        manifest     TEXT NOT NULL,
        files        INTEGER NOT NULL,
        bytes        INTEGER NOT NULL
      );
      CREATE INDEX history_workspaces_agent ON history_workspaces (agent_id, seq);
      CREATE TABLE history_checkpoints (
        seq       INTEGER PRIMARY KEY,
        name      TEXT NOT NULL,
        cycle     INTEGER NOT NULL,
        at_seq    INTEGER NOT NULL,
        manifests TEXT NOT NULL
      );
      -- At most one row: the parent this world was forked from.
      CREATE TABLE history_origin (
        seq             INTEGER PRIMARY KEY,
        parent_dir      TEXT NOT NULL,
        parent_world_id TEXT NOT NULL,
        cycle           INTEGER NOT NULL,
        parent_seq      INTEGER NOT NULL,
        changes         TEXT NOT NULL
      );
      -- The replies agents were given, by request, in order: what llm.mode replay serves.
      CREATE TABLE history_llm_replies (
        seq            INTEGER PRIMARY KEY,
        agent_id       TEXT NOT NULL,
        execution_id   TEXT NOT NULL,
        request_sha256 TEXT NOT NULL,
        stream         INTEGER NOT NULL,
        replayed       INTEGER NOT NULL
      );
      CREATE INDEX history_llm_replies_request ON history_llm_replies (agent_id, request_sha256, seq);
    `,
  },
  {
    // Trade (docs/trade.md): offers, licences, loans and their collections, rights holdings.
    version: 14,
    description: 'trade: offers, licences, loans and their collections, rights holdings and supply',
    sql: `
      CREATE TABLE trade_offers (
        offer_id      TEXT PRIMARY KEY,
        seller_id     TEXT NOT NULL,
        kind          TEXT NOT NULL CHECK (kind IN ('artifact', 'licence', 'claim', 'right')),
        artifact_id   TEXT,
        calls         INTEGER,
        loan_id       TEXT,
        right_name    TEXT,
        units         INTEGER,
        price_ucr     INTEGER NOT NULL CHECK (price_ucr >= 0),
        buyer_id      TEXT,
        expires_cycle INTEGER,
        revision      INTEGER NOT NULL,
        status        TEXT NOT NULL CHECK (status IN ('open', 'accepted', 'withdrawn', 'expired')),
        accepted_by   TEXT,
        created_at_ms INTEGER NOT NULL,
        closed_at_ms  INTEGER,
        seq           INTEGER NOT NULL
      );
      CREATE INDEX trade_offers_status ON trade_offers (status, seq);
      CREATE INDEX trade_offers_seller ON trade_offers (seller_id, status);
      CREATE TABLE trade_licences (
        licence_id    TEXT PRIMARY KEY,
        holder_id     TEXT NOT NULL,
        artifact_id   TEXT NOT NULL,
        calls_total   INTEGER NOT NULL,
        calls_left    INTEGER NOT NULL CHECK (calls_left >= 0),
        offer_id      TEXT NOT NULL,
        created_at_ms INTEGER NOT NULL
      );
      CREATE INDEX trade_licences_holder ON trade_licences (holder_id, artifact_id);
      CREATE TABLE trade_loans (
        loan_id         TEXT PRIMARY KEY,
        proposer_id     TEXT NOT NULL,
        lender_id       TEXT NOT NULL,
        borrower_id     TEXT NOT NULL,
        holder_id       TEXT NOT NULL,
        principal_ucr   INTEGER NOT NULL,
        repayment_ucr   INTEGER NOT NULL,
        instalments     INTEGER NOT NULL,
        first_due_in    INTEGER NOT NULL,
        every_cycles    INTEGER NOT NULL,
        accepted_cycle  INTEGER,
        next_instalment INTEGER NOT NULL DEFAULT 1,
        next_due_cycle  INTEGER,
        paid_ucr        INTEGER NOT NULL DEFAULT 0,
        defaulted_ucr   INTEGER NOT NULL DEFAULT 0,
        status          TEXT NOT NULL CHECK (status IN ('proposed', 'outstanding', 'paid', 'defaulted', 'withdrawn')),
        created_at_ms   INTEGER NOT NULL,
        closed_at_ms    INTEGER
      );
      CREATE INDEX trade_loans_due ON trade_loans (status, next_due_cycle);
      CREATE TABLE trade_loan_payments (
        seq        INTEGER NOT NULL,
        loan_id    TEXT NOT NULL,
        instalment INTEGER NOT NULL,
        cycle      INTEGER NOT NULL,
        owed_ucr   INTEGER NOT NULL,
        paid_ucr   INTEGER NOT NULL,
        to_id      TEXT NOT NULL,
        PRIMARY KEY (loan_id, instalment)
      );
      CREATE TABLE trade_rights (
        holder_id  TEXT NOT NULL,
        right_name TEXT NOT NULL,
        units      INTEGER NOT NULL CHECK (units >= 0),
        PRIMARY KEY (holder_id, right_name)
      );
      CREATE TABLE trade_rights_supply (
        right_name     TEXT PRIMARY KEY,
        issued_units   INTEGER NOT NULL,
        consumed_units INTEGER NOT NULL
      );
    `,
  },
  {
    // Issue 15: a loan's claim is an artifact (kind contract, media type LOAN_CLAIM_MEDIA_TYPE);
    // its owner is the claim's holder. Loans accepted before this have none (NULL).
    version: 16,
    description: "A loan's claim artifact (trade_loans.claim_artifact_id)",
    sql: `ALTER TABLE trade_loans ADD COLUMN claim_artifact_id TEXT;
      CREATE UNIQUE INDEX trade_loans_claim_artifact ON trade_loans (claim_artifact_id) WHERE claim_artifact_id IS NOT NULL;`,
  },
  {
    version: 17,
    description: "artifacts: kind mcp_server (a bundle whose entry speaks MCP on stdio; docs/mcp.md)",
    // SQLite cannot alter a CHECK, so the table is rebuilt with the same columns: built beside,
    // filled, the old one dropped and the new one renamed in its place, so the other tables'
    // REFERENCES artifacts (id) name it again.
    rebuilds_tables: true,
    sql: `
      CREATE TABLE artifacts_17 (
        id                  TEXT PRIMARY KEY,
        owner_id            TEXT NOT NULL,
        created_by          TEXT NOT NULL,
        kind                TEXT NOT NULL CHECK (kind IN ('data', 'code', 'contract', 'mcp_server')),
        name                TEXT NOT NULL,
        description         TEXT NOT NULL,
        tags                TEXT NOT NULL,
        access_contract_id  TEXT NOT NULL,
        price_read_ucr      INTEGER NOT NULL CHECK (price_read_ucr >= 0),
        call_price_ucr      INTEGER NOT NULL CHECK (call_price_ucr >= 0),
        can_execute         INTEGER NOT NULL CHECK (can_execute IN (0, 1)),
        latest_version      INTEGER NOT NULL,
        bytes_held          INTEGER NOT NULL CHECK (bytes_held >= 0),
        status              TEXT NOT NULL CHECK (status IN ('live', 'deleted')),
        created_at_ms       INTEGER NOT NULL,
        updated_at_ms       INTEGER NOT NULL,
        deleted_at_ms       INTEGER,
        deleted_by          TEXT
      );
      INSERT INTO artifacts_17 SELECT * FROM artifacts;
      DROP TABLE artifacts;
      ALTER TABLE artifacts_17 RENAME TO artifacts;
      CREATE INDEX artifacts_owner ON artifacts (owner_id, status);
    `,
  },
  {
    // Scale (docs/scale.md): reads made for every run (env.json) that had to walk an agent's
    // whole history, or the whole table, to answer; with these each reads only what it returns.
    version: 18,
    description: "scale: indexes for env.json's per-run reads (an agent's previous execution, its settled calls and paid reads since then)",
    sql: `
      -- The previous execution (ORDER BY started_at_ms DESC, id DESC LIMIT 1) without sorting all of the agent's.
      DROP INDEX executions_agent;
      CREATE INDEX executions_agent ON executions (agent_id, started_at_ms, id);
      -- What an owner's artifacts earned from calls since a time (the table otherwise scanned whole).
      CREATE INDEX artifact_calls_owner_settled ON artifact_calls (owner_id, ended_at_ms) WHERE status = 'settled';
      -- Paid reads into an account since a time (otherwise every posting the account ever received).
      CREATE INDEX postings_to_transfer ON postings (to_id, at_ms) WHERE kind = 'transfer';
      -- An owner's live artifacts in id order without a sort.
      DROP INDEX artifacts_owner;
      CREATE INDEX artifacts_owner ON artifacts (owner_id, status, id);
      -- A borrower's credit record (the directory lists it per agent).
      CREATE INDEX trade_loans_borrower ON trade_loans (borrower_id, status);
    `,
  },
  {
    // The dashboard at 1,000 live agents (issue 18): the world page's runs per cycle read the
    // runs that overlap the cycles shown, found by their end (or no end yet), instead of every
    // run that started before each cycle.
    version: 23,
    description: 'dashboard: executions by end time, for the runs per cycle of GET /operator/series',
    sql: `
      CREATE INDEX executions_ended ON executions (ended_at_ms);
    `,
  },
];

export const SCHEMA_VERSION = migrations[migrations.length - 1]!.version;

export class SchemaVersionError extends Error {}

/** Refuses a world written by a newer Agora; its schema version otherwise. */
export function assertKnownSchema(db: Db): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new SchemaVersionError(
      `this world was written by a newer Agora (schema version ${current}; this Agora knows up to ${SCHEMA_VERSION}). Upgrade Agora to open it.`,
    );
  }
  return current;
}

export function migrate(db: Db): void {
  const current = assertKnownSchema(db);
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    const keys_on = migration.rebuilds_tables === true && (db.pragma('foreign_keys', { simple: true }) as number) === 1;
    if (keys_on) db.pragma('foreign_keys = OFF');
    try {
      db.transaction(() => {
        db.exec(migration.sql);
        if (migration.rebuilds_tables === true && (db.pragma('foreign_key_check') as unknown[]).length > 0) {
          throw new Error(`migration ${migration.version} left rows whose foreign keys point nowhere`);
        }
        db.pragma(`user_version = ${migration.version}`);
      })();
    } finally {
      if (keys_on) db.pragma('foreign_keys = ON');
    }
  }
}
