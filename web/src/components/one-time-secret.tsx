// A secret the server shows once (an invitation, password reset or HubSpot authorization link, a new API key): a
// read-only field to select, a Copy button, and Done to put it away for good — a reload shows
// it no more, since the server never answers it again.
import { useId, useRef, useState, type ReactNode } from 'react';

export function OneTimeSecret({ title, label, value, children, onDone, testId }: { title: string; label: string; value: string; children?: ReactNode; onDone: () => void; /** The input's data-testid. */ testId?: string }) {
  const inputId = useId();
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied('yes');
    } catch {
      // No clipboard access (an insecure origin, a refused permission): select it for Ctrl+C.
      input.current?.select();
      setCopied('no');
    }
  };

  return (
    <div className="one-time-secret" role="status" aria-label={title}>
      <p className="one-time-title">
        <strong>{title}</strong>
      </p>
      {children}
      <label htmlFor={inputId} className="one-time-label">
        {label}
      </label>
      <div className="one-time-row">
        <input id={inputId} ref={input} readOnly value={value} onFocus={(e) => e.currentTarget.select()} spellCheck={false} data-testid={testId} />
        <button type="button" className="btn btn-secondary" onClick={() => void copy()}>
          Copy
        </button>
        <button type="button" className="btn btn-link" onClick={onDone}>
          Done
        </button>
      </div>
      <p className="hint" aria-live="polite">
        {copied === 'yes' ? 'Copied.' : copied === 'no' ? 'Could not copy: it is selected, press Ctrl+C (⌘C).' : 'Shown only now: copy it before you leave this page.'}
      </p>
    </div>
  );
}
