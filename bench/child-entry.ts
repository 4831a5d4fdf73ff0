// The child side of runInChild: receive one step, run it, send back its result and peak RSS, exit.
process.once('message', async (msg: { moduleUrl: string; exportName: string; arg: unknown }) => {
  try {
    const mod = (await import(msg.moduleUrl)) as Record<string, (arg: unknown, progress: (partial: unknown) => void) => unknown>;
    const fn = mod[msg.exportName];
    if (typeof fn !== 'function') throw new Error(`${msg.moduleUrl} has no export ${msg.exportName}`);
    // Partial results go out as they come, so a step cut short by its timeout still reports them.
    const result = await fn(msg.arg, (partial) => process.send!({ partial }));
    process.send!({ ok: true, result, maxRssKB: process.resourceUsage().maxRSS }, () => process.exit(0));
  } catch (err) {
    const error = err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err);
    process.send!({ ok: false, error, maxRssKB: process.resourceUsage().maxRSS }, () => process.exit(1));
  }
});
