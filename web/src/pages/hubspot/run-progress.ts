// Follows one sync run live: Server-Sent Events from /sync/runs/{id}/events (`progress` with
// the run, then `done`), falling back to polling the run every second if the stream fails.
import { useEffect, useRef, useState } from 'react';
import { get, ws } from '../../api/client.js';
import type { SyncRun } from '../../api/types.js';

export function useRunProgress(workspace: string, runId: string | null, onDone: (run: SyncRun) => void): SyncRun | null {
  const [run, setRun] = useState<SyncRun | null>(null);
  // The latest callback, read when the run ends: a new callback identity must not restart the stream.
  const onDoneRef = useRef(onDone);
  useEffect(() => {
    onDoneRef.current = onDone;
  });

  useEffect(() => {
    if (!runId) return;
    setRun(null);
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = (final: SyncRun) => {
      if (stopped) return;
      stopped = true;
      setRun(final);
      onDoneRef.current(final);
    };
    const poll = async () => {
      if (stopped) return;
      try {
        const current = await get<SyncRun>(`${ws(workspace)}/sync/runs/${encodeURIComponent(runId)}`);
        if (current.status !== 'running') return finish(current);
        if (!stopped) setRun(current);
      } catch {
        // A missed poll is retried on the next tick.
      }
      if (!stopped) timer = setTimeout(poll, 1000);
    };

    const source = typeof EventSource === 'function' ? new EventSource(`${ws(workspace)}/sync/runs/${encodeURIComponent(runId)}/events`) : null;
    if (source) {
      source.addEventListener('progress', (event) => {
        if (!stopped) setRun(JSON.parse((event as MessageEvent<string>).data) as SyncRun);
      });
      source.addEventListener('done', (event) => {
        source.close();
        finish(JSON.parse((event as MessageEvent<string>).data) as SyncRun);
      });
      source.onerror = () => {
        source.close();
        if (!stopped && timer === undefined) void poll();
      };
    } else {
      void poll();
    }
    return () => {
      stopped = true;
      source?.close();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [workspace, runId]);

  return run;
}
