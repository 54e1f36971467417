import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** One Galera node's place on this machine (its folder, socket, ports) and the my.cnf it runs with. */

const PROVIDER = '/usr/lib/galera/libgalera_smm.so';

export interface NodePorts {
  sql: number;
  gcomm: number;
  sst: number;
  ist: number;
  check: number;
}

export interface GaleraNode {
  name: string;
  dir: string;
  datadir: string;
  socket: string;
  cnf: string;
  log: string;
  ports: NodePorts;
  child: ChildProcess | null;
}

/** Node `index` (n1, n2…) of the cluster under `root`, on five ports of `ports` (sql, gcomm, sst, ist, check). */
export function galeraNode(root: string, index: number, ports: number[]): GaleraNode {
  const name = `n${index + 1}`;
  const dir = path.join(root, name);
  let socket = path.join(dir, 'mysqld.sock');
  // A Unix socket path has a limit of about 108 bytes.
  if (socket.length >= 100) socket = path.join('/tmp', `repolink-galera-${process.pid}-${name}.sock`);
  return {
    name,
    dir,
    datadir: path.join(dir, 'data'),
    socket,
    cnf: path.join(dir, 'my.cnf'),
    log: path.join(dir, 'mysqld.log'),
    ports: { sql: ports[0], gcomm: ports[1], sst: ports[2], ist: ports[3], check: ports[4] },
    child: null,
  };
}

/** The node's folder and the scratch folders of state transfers. */
export function createNodeFolders(n: GaleraNode): void {
  for (const d of [n.dir, path.join(n.dir, 'sst-tmp'), path.join(n.dir, 'sst_log_archive')]) fs.mkdirSync(d, { recursive: true });
}

/** Writes the node's my.cnf: a Galera member of `members` (every node's gcomm address), listening on 127.0.0.1 only. */
export function writeNodeConfig(n: GaleraNode, members: string): void {
  const cnf = [
    '[mariadbd]',
    ...(process.getuid?.() === 0 ? ['user=root'] : []),
    `datadir=${n.datadir}`,
    `socket=${n.socket}`,
    `pid-file=${path.join(n.dir, 'mysqld.pid')}`,
    `port=${n.ports.sql}`,
    'bind-address=127.0.0.1',
    'skip-name-resolve',
    'character-set-server=utf8mb4',
    'collation-server=utf8mb4_unicode_ci',
    'binlog_format=ROW',
    'default_storage_engine=InnoDB',
    'innodb_autoinc_lock_mode=2',
    'innodb_buffer_pool_size=64M',
    'performance_schema=OFF',
    'max_connections=300',
    'wsrep_on=ON',
    `wsrep_provider=${PROVIDER}`,
    'wsrep_cluster_name=repolink',
    `wsrep_cluster_address=gcomm://${members}`,
    `wsrep_node_name=${n.name}`,
    `wsrep_node_address=127.0.0.1:${n.ports.gcomm}`,
    `wsrep_node_incoming_address=127.0.0.1:${n.ports.sql}`,
    `wsrep_sst_receive_address=127.0.0.1:${n.ports.sst}`,
    'wsrep_sst_method=mariabackup',
    'wsrep_sst_auth=root:',
    // Refuse tables without a primary key (Galera cannot replicate their rows safely).
    'wsrep_mode=REQUIRED_PRIMARY_KEY',
    `wsrep_provider_options="gmcast.listen_addr=tcp://127.0.0.1:${n.ports.gcomm};ist.recv_addr=127.0.0.1:${n.ports.ist};gcache.size=64M"`,
    '[sst]',
    `tmpdir=${path.join(n.dir, 'sst-tmp')}`,
    `sst-log-archive-dir=${path.join(n.dir, 'sst_log_archive')}`,
    '',
  ];
  fs.writeFileSync(n.cnf, cnf.join('\n'));
}
