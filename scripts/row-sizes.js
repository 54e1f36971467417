#!/usr/bin/env node
// Measures bytes per row (data and each index) of the real schema, for docs/scaling.md:
// starts a private MariaDB in a temporary folder, applies the migrations, fills the growing
// tables with realistic rows (MariaDB's seq_ engine), and reads InnoDB's sizes.
// Usage: npm run build && node scripts/row-sizes.js [rows]   (default 200000 repositories)
'use strict';
require('reflect-metadata');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startPrivateMysql } = require('../dist/src/db/private-mysql');
const { runMigrations } = require('../dist/src/db/data-source');
const mysql = require('mysql2/promise');

async function main() {
  const rows = Number(process.argv[2] ?? 200000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'repolink-rowsizes-'));
  const db = await startPrivateMysql({ dataDir: dir, database: 'repolink' });
  try {
    await runMigrations(db.url);
    const c = await mysql.createConnection({ uri: db.url, multipleStatements: true });
    const projects = Math.max(1, Math.round(rows / 1000));
    const uuid = (expr) => `CONCAT(LPAD(HEX(${expr}), 8, '0'), '-0000-7000-8000-', LPAD(HEX((${expr}) * 7919), 12, '0'))`;
    await c.query(`INSERT INTO tenants SELECT ${uuid('seq')}, CONCAT('tenant ', seq), 'organization', 'team', NOW(3), NOW(3) FROM seq_1_to_${projects}`);
    await c.query(`INSERT INTO projects (id, tenant_id, name, repository_count, created_at, updated_at) SELECT ${uuid('seq + 100000000')}, ${uuid('seq')}, 'web', 1000, NOW(3), NOW(3) FROM seq_1_to_${projects}`);
    const conns = Math.max(1, Math.round(rows / 10));
    await c.query(
      `INSERT INTO repo_connections (id, tenant_id, project_id, platform, credentials_key_id, credentials_ciphertext, credentials_hint, base_url, lookback_days, created_at, updated_at)
       SELECT CONCAT('rc_', ${uuid('seq + 200000000')}), ${uuid('1 + seq % ' + projects)}, ${uuid('100000001 + seq % ' + projects)}, 'github', 'k1', RANDOM_BYTES(80), '…a1b2', NULL, 30, NOW(3), NOW(3) FROM seq_1_to_${conns}`,
    );
    await c.query(
      `INSERT INTO repositories (id, tenant_id, project_id, repo_connection_id, name, source_type, path, remote_url, default_branch, issue_auto_create_enabled, issue_auto_create_min_severity, created_at, updated_at)
       SELECT ${uuid('seq + 300000000')}, ${uuid('1 + seq % ' + projects)}, ${uuid('100000001 + seq % ' + projects)}, CONCAT('rc_', ${uuid('200000001 + seq % ' + conns)}),
              CONCAT('service-', seq), 'github', CONCAT('acme-org/service-', seq), CONCAT('https://github.com/acme-org/service-', seq, '.git'), 'main', 0, 'high',
              NOW(3) + INTERVAL seq MICROSECOND, NOW(3) FROM seq_1_to_${rows}`,
    );
    await c.query(
      `INSERT INTO idempotency_records (id, scope, idempotency_key, request_hash, owner, locked_until, response_status, response_body, created_at, expires_at)
       SELECT ${uuid('seq + 400000000')}, CONCAT('apikey:', ${uuid('seq % 1000')}), UUID(), RANDOM_BYTES(32), UUID(), NULL, 201, REPEAT('x', 400), NOW(3), NOW(3) + INTERVAL 1 DAY FROM seq_1_to_${Math.round(rows / 4)}`,
    );
    await c.query(`ANALYZE TABLE tenants, projects, repo_connections, repositories, idempotency_records PERSISTENT FOR ALL`);
    const [tables] = await c.query(
      `SELECT TABLE_NAME t, TABLE_ROWS n, DATA_LENGTH d, INDEX_LENGTH i FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'repolink' AND TABLE_NAME IN ('projects','repo_connections','repositories','idempotency_records') ORDER BY TABLE_NAME`,
    );
    const [indexes] = await c.query(
      `SELECT TABLE_NAME t, INDEX_NAME ix, STAT_VALUE * @@innodb_page_size AS bytes FROM mysql.innodb_index_stats WHERE database_name = 'repolink' AND stat_name = 'size' AND TABLE_NAME IN ('projects','repo_connections','repositories','idempotency_records') ORDER BY TABLE_NAME, INDEX_NAME`,
    );
    const [counts] = await c.query(`SELECT 'projects' t, COUNT(*) n FROM projects UNION ALL SELECT 'repo_connections', COUNT(*) FROM repo_connections UNION ALL SELECT 'repositories', COUNT(*) FROM repositories UNION ALL SELECT 'idempotency_records', COUNT(*) FROM idempotency_records`);
    const exact = Object.fromEntries(counts.map((r) => [r.t, Number(r.n)]));
    console.log('table | rows | data B/row | index B/row');
    for (const r of tables) console.log(`${r.t} | ${exact[r.t]} | ${(Number(r.d) / exact[r.t]).toFixed(0)} | ${(Number(r.i) / exact[r.t]).toFixed(0)}`);
    console.log('\ntable | index | B/row');
    for (const r of indexes) console.log(`${r.t} | ${r.ix} | ${(Number(r.bytes) / exact[r.t]).toFixed(0)}`);
    await c.end();
  } finally {
    await db.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
