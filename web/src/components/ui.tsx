// Small building blocks every page uses: status badges, error/loading/empty states, field
// errors, cursor pagination and a confirmation dialog.
import type { UseQueryResult } from '@tanstack/react-query';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { ApiError } from '../api/client.js';
import { STATUS_HELP, STATUS_LABELS, SYNC_STATUSES, type SyncStatus } from '../api/types.js';

export function StatusBadge({ status }: { status: SyncStatus }) {
  return (
    <span className={`badge badge-${status}`} title={STATUS_HELP[status]}>
      {STATUS_LABELS[status]}
    </span>
  );
}

/** The "Status" filter of the record tables: all statuses, or one. */
export function StatusFilter({ value, onChange }: { value: SyncStatus | ''; onChange: (status: SyncStatus | '') => void }) {
  return (
    <label className="inline-field">
      <span>Status</span>
      <select value={value} onChange={(e) => onChange(e.target.value as SyncStatus | '')}>
        <option value="">All statuses</option>
        {SYNC_STATUSES.map((s) => (
          <option key={s} value={s}>
            {STATUS_LABELS[s]}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A query's loading and error states, `empty` when `isEmpty` holds for its data, else `children(data)`. */
export function QueryView<T>({ query, isEmpty, empty, children }: { query: UseQueryResult<T>; isEmpty: (data: T) => boolean; empty: ReactNode; children: (data: T) => ReactNode }) {
  if (query.isPending) return <Loading />;
  if (query.isError) return <ErrorMessage error={query.error} />;
  if (isEmpty(query.data)) return <Empty>{empty}</Empty>;
  return <>{children(query.data)}</>;
}

/** Shows an API error's message where the request failed. */
export function ErrorMessage({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div className="alert alert-error" role="alert">
      {title ? <strong>{title} </strong> : null}
      {message}
    </div>
  );
}

export function FieldError({ id, error, field }: { id: string; error: unknown; field: string }) {
  const message = error instanceof ApiError ? error.fieldError(field) : undefined;
  if (!message) return null;
  return (
    <p className="field-error" id={id} role="alert">
      {message}
    </p>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return date.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export function formatNumber(n: number): string {
  return n.toLocaleString('en-US');
}

/** Cursor pagination state: the cursors of the pages before the current one. */
export function useCursorPages(resetKey: string) {
  const [stack, setStack] = useState<string[]>([]);
  const [lastKey, setLastKey] = useState(resetKey);
  if (lastKey !== resetKey) {
    setLastKey(resetKey);
    setStack([]);
  }
  const cursor = stack.at(-1);
  return {
    cursor,
    page: stack.length + 1,
    next: (nextCursor: string) => setStack((s) => [...s, nextCursor]),
    prev: () => setStack((s) => s.slice(0, -1)),
  };
}

export function Pager({ page, hasNext, onPrev, onNext, label }: { page: number; hasNext: boolean; onPrev: () => void; onNext: () => void; label: string }) {
  return (
    <nav className="pager" aria-label={`${label} pages`}>
      <button type="button" className="btn btn-secondary" onClick={onPrev} disabled={page <= 1}>
        ← Previous
      </button>
      <span className="pager-page">Page {page}</span>
      <button type="button" className="btn btn-secondary" onClick={onNext} disabled={!hasNext}>
        Next →
      </button>
    </nav>
  );
}

/**
 * A modal confirmation: focus starts on Cancel and stays inside (Tab and Shift-Tab go round its
 * buttons), Escape or Cancel closes it, and focus goes back to what opened it.
 */
export function ConfirmDialog(props: { title: string; children: ReactNode; confirmLabel: string; danger?: boolean; busy?: boolean; onConfirm: () => void; onCancel: () => void }) {
  const cancelRef = useRef<HTMLButtonElement>(null);
  const dialogRef = useRef<HTMLDivElement>(null);
  const onCancel = useRef(props.onCancel);
  useEffect(() => {
    onCancel.current = props.onCancel;
  });
  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    cancelRef.current?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') onCancel.current();
      else if (event.key === 'Tab' && dialogRef.current) keepFocusInside(dialogRef.current, event);
    };
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      if (opener?.isConnected) opener.focus();
    };
  }, []);
  return (
    <div className="modal-backdrop">
      <div className="modal" role="dialog" aria-modal="true" aria-labelledby="confirm-title" ref={dialogRef}>
        <h2 id="confirm-title">{props.title}</h2>
        <div className="modal-body">{props.children}</div>
        <div className="modal-actions">
          <button type="button" ref={cancelRef} className="btn btn-secondary" onClick={props.onCancel}>
            Cancel
          </button>
          <button type="button" className={props.danger ? 'btn btn-danger' : 'btn btn-primary'} onClick={props.onConfirm} disabled={props.busy}>
            {props.confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** Tab from the last focusable element of `box` goes to its first, Shift-Tab from the first to its last. */
function keepFocusInside(box: HTMLElement, event: KeyboardEvent): void {
  const items = [...box.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => el.getClientRects().length > 0);
  const first = items[0];
  const last = items.at(-1);
  if (!first || !last) return;
  const active = document.activeElement;
  const leaving = !box.contains(active) || (event.shiftKey ? active === first : active === last);
  if (!leaving) return;
  event.preventDefault();
  (event.shiftKey ? last : first).focus();
}

export function PageHeader({ title, children, breadcrumb }: { title: string; children?: ReactNode; breadcrumb?: ReactNode }) {
  return (
    <header className="page-header">
      {breadcrumb ? <div className="breadcrumb">{breadcrumb}</div> : null}
      <div className="page-header-row">
        <h1>{title}</h1>
        {children ? <div className="page-actions">{children}</div> : null}
      </div>
    </header>
  );
}

export function NoAccess({ what }: { what: string }) {
  return (
    <section className="no-access" aria-labelledby="no-access-title">
      <div className="no-access-icon">
        <LockIcon size={36} />
      </div>
      <h1 id="no-access-title">You don't have access</h1>
      <p>{what} is only available to workspace admins. Ask an admin of this workspace to change it, or to make you an admin.</p>
    </section>
  );
}

export function LockIcon({ size = 14 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" className="icon">
      <rect x="4" y="11" width="16" height="10" rx="2" />
      <path d="M8 11V7a4 4 0 0 1 8 0v4" />
    </svg>
  );
}
