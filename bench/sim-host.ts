// Simulated API servers in a process of their own, so a benchmark measures the client (the
// prober) without the servers sharing its event loop. Driven over IPC by `startSimHost`.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface SimEndpoint {
  url: string;
  caPem: string;
  token: string;
}

type Op = { op: 'start'; root: string; count: number } | { op: 'hang'; indices: number[]; on: boolean } | { op: 'close' };
type Request = Op & { id: number };

interface Reply {
  id: number;
  ok: boolean;
  endpoints?: SimEndpoint[];
  error?: string;
}

export interface SimHost {
  endpoints: SimEndpoint[];
  hang(indices: number[], on: boolean): Promise<void>;
  close(): Promise<void>;
}

const SELF = fileURLToPath(import.meta.url);

/** Forks a host process running `count` simulated clusters; resolves once all listen. */
export async function startSimHost(root: string, count: number, timeoutMs = 300_000): Promise<SimHost> {
  const child = fork(SELF, ['--serve'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let nextId = 1;
  const pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  child.on('message', (r: Reply) => {
    pending.get(r.id)?.resolve(r);
    pending.delete(r.id);
  });
  child.on('exit', (code) => {
    for (const p of pending.values()) p.reject(new Error(`sim host exited (${code})`));
    pending.clear();
  });
  const call = (req: Op, ms = 30_000): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => reject(new Error(`sim host: ${req.op} took over ${ms} ms`)), ms);
      pending.set(id, {
        resolve: (r) => (clearTimeout(timer), r.ok ? resolve(r) : reject(new Error(r.error ?? 'sim host failed'))),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      child.send({ ...req, id });
    });
  try {
    const started = await call({ op: 'start', root, count }, timeoutMs);
    return {
      endpoints: (started.ok && started.endpoints) || [],
      hang: async (indices, on) => void (await call({ op: 'hang', indices, on })),
      close: async () => {
        await call({ op: 'close' }).catch(() => undefined);
        await stopChild(child);
      },
    };
  } catch (err) {
    await stopChild(child);
    throw err;
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => (clearTimeout(timer), resolve()));
    child.kill('SIGTERM');
  });
}

async function serve(): Promise<void> {
  type Sim = Awaited<ReturnType<typeof import('../src/sim/index.ts').startSimCluster>>;
  let sims: Sim[] = [];
  process.on('message', async (req: Request) => {
    const reply = (r: Omit<Reply, 'id'>) => process.send!({ ...r, id: req.id });
    try {
      switch (req.op) {
        case 'start': {
          const { startSimCluster } = (await import(`${req.root}/src/sim/index.ts`)) as typeof import('../src/sim/index.ts');
          for (let i = 0; i < req.count; i++) sims.push(await startSimCluster({ namespace: 'bench', name: `sim-${i}` }));
          reply({ ok: true, endpoints: sims.map((s) => ({ url: s.url, caPem: s.caPem, token: s.token })) });
          break;
        }
        case 'hang':
          for (const i of req.indices) sims[i]?.hang(req.on);
          reply({ ok: true });
          break;
        case 'close':
          await Promise.all(sims.map((s) => s.close()));
          sims = [];
          reply({ ok: true });
          setImmediate(() => process.exit(0));
          break;
        default: {
          const never: never = req;
          throw new Error(`unknown request ${JSON.stringify(never)}`);
        }
      }
    } catch (err) {
      reply({ ok: false, error: err instanceof Error ? err.message : String(err) });
    }
  });
}

if (process.argv.includes('--serve') && process.send) await serve();
